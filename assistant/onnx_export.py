"""Export the packaged all-MiniLM-L6-v2 transformer to ONNX, with sentence-transformers and torch.

This is the only module that needs torch for the ONNX path, and it runs in a child process
(`python -m assistant.onnx_export PATH`): tracing a model for the export changes torch's state
in the process that does it, and later embeddings there would drift. The cache folder of the
export is keyed by this file's bytes (see `onnx_encoder.export_key`), so changing the export
code makes a new export instead of reusing an old one.

`python -m assistant.onnx_export --int8 SRC PATH` writes the int8 variant of an export (the
default, `ASSISTANT_ENCODER_PRECISION=int8`, see `quantise`); that needs onnx, not torch.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17
# The int8 recipe's choices (bench/int8_probe.py compares the alternatives): every MatMul with
# weights is quantised, int8 weights per output channel, activations per token
# (`per_token_scales`); the attention products (no weights) stay fp32. `keep` names MatMuls to
# leave fp32 (with one scale per batch, keeping the first three layers' down-projections was
# closer; per token it is not worth their time). 7-bit weights (against u8s8 overflow on CPUs
# without VNNI) were no closer.
INT8_KEEP: tuple[str, ...] = ()
INT8_REDUCE_RANGE = False
INT8_FFN_ONLY = False  # True: the attention projections stay fp32 too


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
    # Eager attention exports the plain BERT pattern (sdpa's adds NaN guards around the softmax):
    # the same vectors within 2e-7, and onnxruntime runs it 5-10% faster.
    try:
        bert.set_attn_implementation("eager")
    except (AttributeError, ValueError):
        bert.config._attn_implementation = "eager"

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


def int8_excluded(graph, keep: tuple[str, ...] = INT8_KEEP,
                  ffn_only: bool = INT8_FFN_ONLY) -> list[str]:
    """Names of the MatMuls that stay fp32: the attention products (no constant weights), those
    named in `keep`, and with `ffn_only` every one outside the feed-forward blocks (attention
    projections and output)."""
    weights = {t.name for t in graph.initializer}
    return [n.name for n in graph.node if n.op_type == "MatMul"
            and (n.input[1] not in weights or n.name in keep
                 or (ffn_only and ("attention" in n.name or "dense" not in n.name)))]


def quantise(src: Path, path: Path, *, keep: tuple[str, ...] = INT8_KEEP, per_channel: bool = True,
             reduce_range: bool = INT8_REDUCE_RANGE, ffn_only: bool = INT8_FFN_ONLY,
             per_token: bool = True) -> bool:
    """Write the int8 variant of the fp32 export `src` at `path`, atomically: dynamic
    quantisation, int8 weights per output channel, of every MatMul with weights except `keep`
    (`ffn_only`: of the feed-forward ones only), with a scale per token for the activations
    (`per_token_scales`; `per_token=False`: onnxruntime's one scale per input, for comparison).
    Returns False when not possible."""
    try:
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        log.info("onnx is not installed: the int8 encoder is not available")
        return False
    exclude = int8_excluded(onnx.load(str(src)).graph, keep, ffn_only)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=per_channel,
                         reduce_range=reduce_range, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=exclude)
        if per_token:
            model = onnx.load(str(tmp))
            per_token_scales(model)
            onnx.checker.check_model(model)
            onnx.save(model, str(tmp))
        tmp.replace(path)
        return True
    except Exception as exc:  # noqa: BLE001 - the caller falls back to fp32
        log.warning("could not quantise %s: %s", src, exc)
        tmp.unlink(missing_ok=True)
        return False


def per_token_scales(model) -> None:
    """Give the activations of a dynamically quantised `model` an int8 scale per token, in place.

    onnxruntime's DynamicQuantizeLinear picks one scale for the whole input, i.e. for every
    passage of a batch, so a passage's vector would depend on the passages batched with it (the
    same passages embedded in batches and alone: cosine 0.996, as far apart as int8 is from
    fp32). Here each becomes symmetric quantisation by the token's largest magnitude (uint8
    around a zero point of 128): a passage's vector is its own, and closer to fp32. Each
    MatMulInteger, with the Cast and the two Muls that scale its result, becomes onnxruntime's
    fused MatMulIntegerToFloat with the weights' scales (its activation scale is one number),
    and the token's scale multiplies the result."""
    import numpy as np
    from onnx import helper, numpy_helper

    graph = model.graph
    users: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    made = {o: node for node in graph.node for o in node.output}
    constants = {"pt_one": np.float32(1), "pt_127": np.float32(127),
                 "pt_tiny": np.float32(1e-12), "pt_zero_point": np.uint8(128)}
    instead: dict[str, list] = {}  # node name -> the nodes that replace it ([] drops it)
    for node in graph.node:
        if node.op_type != "DynamicQuantizeLinear":
            continue
        x, (q, scale, zero_point) = node.input[0], node.output
        step = f"{node.name}_token"
        instead[node.name] = [
            helper.make_node("Abs", [x], [f"{step}_abs"], name=f"{step}_abs"),
            helper.make_node("ReduceMax", [f"{step}_abs"], [f"{step}_amax"], axes=[-1],
                             keepdims=1, name=f"{step}_amax"),
            helper.make_node("Div", [f"{step}_amax", "pt_127"], [f"{step}_s"], name=f"{step}_s"),
            helper.make_node("Max", [f"{step}_s", "pt_tiny"], [scale], name=f"{step}_scale"),
            helper.make_node("Div", [x, scale], [f"{step}_div"], name=f"{step}_div"),
            # round half to even, + 128, saturated to uint8 in one pass (within 127 of 0 after
            # the Div, so 1..255 as symmetric quantisation has it)
            helper.make_node("QuantizeLinear", [f"{step}_div", "pt_one", "pt_zero_point"], [q],
                             name=f"{step}_quantise"),
        ]
        for matmul in users.get(zero_point, []):  # MatMulInteger(q, w_q, zero point, w's)
            (cast,) = users[matmul.output[0]]
            (apply,) = users[cast.output[0]]  # Mul(float result, x scale * w scales)
            scales = made[next(i for i in apply.input if i != cast.output[0])]
            w_scale = next(i for i in scales.input if i != scale)
            result = apply.output[0]
            for gone in (matmul, cast, scales):
                instead[gone.name] = []
            instead[apply.name] = [
                helper.make_node("MatMulIntegerToFloat",
                                 [q, matmul.input[1], "pt_one", w_scale, "pt_zero_point",
                                  matmul.input[3]],
                                 [f"{result}_by_weights"], name=f"{matmul.name}_to_float",
                                 domain="com.microsoft"),
                helper.make_node("Mul", [f"{result}_by_weights", scale], [result],
                                 name=f"{matmul.name}_by_token"),
            ]
    nodes = [new for node in graph.node for new in instead.get(node.name, [node])]
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(numpy_helper.from_array(np.asarray(v), k) for k, v in constants.items())
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))


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
