"""Export the packaged all-MiniLM-L6-v2 transformer to ONNX, with sentence-transformers and torch.

This is the only module that needs torch for the ONNX path, and it runs in a child process
(`python -m assistant.onnx_export PATH`): tracing a model for the export changes torch's state
in the process that does it, and later embeddings there would drift. The cache folder of the
export is keyed by this file's bytes (see `onnx_encoder.export_key`), so changing the export
code makes a new export instead of reusing an old one.

`python -m assistant.onnx_export --int8 SRC PATH` writes the opt-in int8 variant of an export
(`ASSISTANT_ENCODER_PRECISION=int8`, see `quantise`); that needs onnx, not torch.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# The int8 recipe's choices (bench/int8_probe.py compares the alternatives): feed-forward MatMuls
# that stay fp32 besides attention, the down-projections of the first three layers (quantised
# one at a time, they move vectors most: `int8_probe --sensitivity`), and whether weights are
# 7-bit (against u8s8 overflow on CPUs without VNNI; no closer here).
INT8_KEEP: tuple[str, ...] = tuple(f"/model/encoder/layer.{i}/output/dense/MatMul" for i in range(3))
INT8_REDUCE_RANGE = False


def export(embedder, path: Path) -> bool:
    """Export the loaded sentence-transformers model's transformer to ONNX at `path`, atomically.
    Returns False (and logs why) when that is not possible here; nothing then changes."""
    try:
        import torch
    except ImportError:
        return False
    try:
        import onnx  # noqa: F401 - torch's exporter needs it
    except ImportError:
        log.info("onnx is not installed: the ONNX encoder is not available")
        return False
    bert = embedder.model[0].auto_model.eval()

    class Transformer(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = embedder.tokenizer(["a question"], return_tensors="pt")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    axes = {"b": 0, "s": 1}
    try:
        import warnings

        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                Transformer(bert), tuple(sample[k] for k in INPUTS), str(tmp),
                input_names=list(INPUTS), output_names=["last_hidden_state"],
                dynamic_axes={n: {v: k for k, v in axes.items()} for n in (*INPUTS, "last_hidden_state")},
                opset_version=OPSET, dynamo=False,
            )
        tmp.replace(path)  # atomic: a reader (or a concurrent exporter) never sees half a file
        log.info("exported the encoder to %s", path)
        return True
    except Exception as exc:  # noqa: BLE001 - the ONNX path is an optimisation, never required
        log.warning("could not export the encoder to ONNX: %s", exc)
        tmp.unlink(missing_ok=True)
        return False


def int8_excluded(graph, keep: tuple[str, ...] = INT8_KEEP) -> list[str]:
    """Names of the MatMuls that stay fp32: every one outside the feed-forward blocks (attention
    projections, attention output, the attention products) plus those named in `keep`."""
    return [n.name for n in graph.node if n.op_type == "MatMul"
            and ("attention" in n.name or "dense" not in n.name or n.name in keep)]


def quantise(src: Path, path: Path, *, keep: tuple[str, ...] = INT8_KEEP, per_channel: bool = True,
             reduce_range: bool = INT8_REDUCE_RANGE, ffn_only: bool = True) -> bool:
    """Write the int8 variant of the fp32 export `src` at `path`, atomically: dynamic
    quantisation, int8 weights per output channel, of the feed-forward MatMuls except `keep`
    (`ffn_only=False`: of every MatMul with constant weights). Returns False when not possible."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        log.info("onnx is not installed: the int8 encoder is not available")
        return False
    exclude = int8_excluded(onnx.load(str(src)).graph, keep) if ffn_only else list(keep)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel,
                         reduce_range=reduce_range, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=exclude)
        tmp.replace(path)
        return True
    except Exception as exc:  # noqa: BLE001 - int8 is opt-in, never required
        log.warning("could not quantise %s: %s", src, exc)
        tmp.unlink(missing_ok=True)
        return False


def main(argv: list[str] | None = None) -> int:
    """`python -m assistant.onnx_export PATH`: export the packaged model's transformer;
    `python -m assistant.onnx_export --int8 SRC PATH`: its int8 variant from the export SRC."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) == 3 and args[0] == "--int8":
        return 0 if quantise(Path(args[1]), Path(args[2])) else 1
    if len(args) != 1:
        print("usage: python -m assistant.onnx_export [--int8 SRC] PATH", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from .embeddings import Embedder

    return 0 if export(Embedder(), Path(args[0])) else 1


if __name__ == "__main__":
    raise SystemExit(main())
