"""BM25 over token lists, as one sparse matrix: a query is a sum of a few columns.

Chroma's local mode has no keyword search, so this lives beside it (see `assistant.index`).

    >>> bm = BM25([["budapest", "process"], ["prague", "process"]])
    >>> bm.scores({"prague": 1.0}).argmax()
    1
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence
from itertools import repeat

import numpy as np
from scipy import sparse

K1, B = 1.2, 0.75


class BM25:
    def __init__(self, docs: Sequence[Sequence[str]]):
        self.vocab: dict[str, int] = {}
        # Compact typed arrays, not lists of Python ints: at 50k chunks the lists were
        # hundreds of MB at the peak of building the index.
        rows, cols, vals = array("i"), array("i"), array("f")
        lengths = np.zeros(len(docs), dtype=np.float32)
        for i, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for tok in doc:
                j = self.vocab.setdefault(tok, len(self.vocab))
                counts[j] = counts.get(j, 0) + 1
            lengths[i] = len(doc)
            rows.extend(repeat(i, len(counts)))
            cols.extend(counts.keys())
            vals.extend(counts.values())
        n = len(docs)
        self.n_docs = n
        tf = sparse.csr_matrix(
            (np.frombuffer(vals, dtype=np.float32),
             (np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32))),
            shape=(n, len(self.vocab)),
        )
        self.df = np.asarray((tf > 0).sum(axis=0)).ravel().astype(np.float32)
        self.idf_arr = np.log1p((n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        tf = tf.tocoo()
        weighted = tf.data * (K1 + 1) / (tf.data + norm[tf.row]) * self.idf_arr[tf.col]
        self.matrix = sparse.csc_matrix((weighted.astype(np.float32), (tf.row, tf.col)), shape=tf.shape)
        self.matrix.sort_indices()  # `_column_in` binary-searches each column

    def idf(self, token: str) -> float:
        """IDF of a token; an unseen token gets the highest possible IDF."""
        j = self.vocab.get(token)
        if j is None:
            return math.log1p((self.n_docs + 0.5) / 0.5)
        return float(self.idf_arr[j])

    def doc_freq(self, token: str) -> int:
        j = self.vocab.get(token)
        return 0 if j is None else int(self.df[j])

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every document for weighted query tokens."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for tok, weight in query.items():
            j = self.vocab.get(tok)
            if j is None or weight == 0:
                continue
            col = self.matrix.getcol(j)
            out[col.indices] += weight * col.data
        return out

    def _column_in(self, token: str, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """(document offsets from `start`, weights) of `token`'s column within start..end-1:
        a binary search, as the column's document indices are sorted."""
        j = self.vocab.get(token)
        if j is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        m = self.matrix
        idx = m.indices[m.indptr[j] : m.indptr[j + 1]]
        lo, hi = np.searchsorted(idx, start), np.searchsorted(idx, end)
        return idx[lo:hi] - start, m.data[m.indptr[j] + lo : m.indptr[j] + hi]

    def doc_freq_in(self, token: str, start: int, end: int) -> int:
        """How many of documents start..end-1 hold `token`."""
        return len(self._column_in(token, start, end)[0])

    def scores_in(self, query: Mapping[str, float], start: int, end: int) -> np.ndarray:
        """BM25 scores of documents start..end-1 only (one report's chunks): reads just that
        stretch of each query column."""
        out = np.zeros(max(end - start, 0), dtype=np.float32)
        for tok, weight in query.items():
            if weight:
                rows, data = self._column_in(tok, start, end)
                out[rows] += weight * data
        return out
