"""Export the packaged all-MiniLM-L6-v2 transformer to ONNX, with sentence-transformers and torch.

This is the only module that needs torch for the ONNX path, and it runs in a child process
(`python -m assistant.onnx_export PATH`): tracing a model for the export changes torch's state
in the process that does it, and later embeddings there would drift. The cache folder of the
export is keyed by this file's bytes (see `onnx_encoder.export_key`), so changing the export
code makes a new export instead of reusing an old one.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


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


def main(argv: list[str] | None = None) -> int:
    """`python -m assistant.onnx_export PATH`: export the packaged model's transformer."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m assistant.onnx_export PATH", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from .embeddings import Embedder

    return 0 if export(Embedder(), Path(args[0])) else 1


if __name__ == "__main__":
    raise SystemExit(main())
