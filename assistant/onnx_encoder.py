"""A light query encoder: the same all-MiniLM-L6-v2, exported once to ONNX, run by onnxruntime.

Importing sentence-transformers (and with it torch and transformers) takes seconds; a question
needs one small forward pass. So `dialogue-assistant ingest` exports the model's transformer
once (in a separate process) to `<store>/model/`, and `ask` and `serve` encode questions with
onnxruntime and the `tokenizers` library, which load in a fraction of a second. Vectors equal
the sentence-transformers ones to about 1e-7 (checked by the tests). Ingest always embeds with
sentence-transformers.

    >>> enc = load_onnx_encoder(settings)      # None until an export exists
    >>> enc.encode(["Who chaired the meeting?"]).shape
    (1, 384)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embeddings import DIM, MAX_TOKENS, model_path
from .settings import Settings

log = logging.getLogger(__name__)
NAME = "all-MiniLM-L6-v2-v1.onnx"  # bump the suffix when the export changes
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_path(settings: Settings) -> Path:
    return settings.store_dir / "model" / NAME


class OnnxEncoder:
    """Mean-pooled, L2-normalised sentence vectors, like the sentence-transformers model."""

    def __init__(self, path: Path):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding()
        self._lock = threading.Lock()
        self.calls = 0

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out = []
        for i in range(0, len(texts), batch_size):
            with self._lock:  # the tokenizer's padding state is shared
                enc = self.tokenizer.encode_batch(list(texts[i : i + batch_size]))
            feed = {
                "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
            }
            hidden = self.session.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            vecs = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            out.append(vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12))
        self.calls += len(texts)
        return np.vstack(out).astype(np.float32)


def export(embedder, path: Path) -> bool:
    """Export the loaded sentence-transformers model's transformer to ONNX at `path`.
    Returns False (and logs why) when that is not possible here; nothing then changes."""
    try:
        import torch
    except ImportError:
        return False
    try:
        import onnx  # noqa: F401 - torch's exporter needs it
    except ImportError:
        log.info("onnx is not installed: questions are encoded with sentence-transformers")
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
                opset_version=17, dynamo=False,
            )
        tmp.replace(path)  # atomic: a reader never sees half a file
        log.info("exported the query encoder to %s", path)
        return True
    except Exception as exc:  # noqa: BLE001 - the ONNX path is an optimisation, never required
        log.warning("could not export the query encoder to ONNX: %s", exc)
        tmp.unlink(missing_ok=True)
        return False


def load_onnx_encoder(settings: Settings) -> OnnxEncoder | None:
    path = onnx_path(settings)
    if settings.query_encoder != "onnx" or not path.is_file():
        return None
    try:
        return OnnxEncoder(path)
    except Exception as exc:  # noqa: BLE001 - fall back to sentence-transformers
        log.warning("could not load %s (%s): using sentence-transformers", path, exc)
        return None


def ensure_export(settings: Settings) -> None:
    """Export once per store, in a separate process: tracing the model for the export changes
    torch's state in the process that does it, and later embeddings there would drift."""
    path = onnx_path(settings)
    if settings.query_encoder != "onnx" or path.is_file():
        return
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-m", "assistant.onnx_encoder", str(path)],
                              capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("could not export the query encoder: %s", exc)
        return
    if done.returncode != 0:
        log.warning("could not export the query encoder: %s", done.stderr.strip()[-500:])


def main(argv: list[str] | None = None) -> int:
    """`python -m assistant.onnx_encoder PATH`: export the packaged model's transformer."""
    import sys

    from .embeddings import Embedder

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m assistant.onnx_encoder PATH", file=sys.stderr)
        return 2
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return 0 if export(Embedder(), Path(args[0])) else 1


if __name__ == "__main__":
    raise SystemExit(main())
