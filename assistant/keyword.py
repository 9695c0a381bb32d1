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

import numpy as np
from scipy import sparse

K1, B = 1.2, 0.75


class BM25:
    def __init__(self, docs: Sequence[Sequence[str]]):
        vocab: dict[str, int] = {}
        ids, lengths = array("i"), array("q")
        for doc in docs:
            ids.extend(vocab.setdefault(tok, len(vocab)) for tok in doc)
            lengths.append(len(doc))
        self._fit(np.frombuffer(ids, dtype=np.int32), np.asarray(lengths, dtype=np.int64), vocab)

    @classmethod
    def from_ids(cls, offsets: np.ndarray, ids: np.ndarray, vocab: Mapping[str, int]) -> BM25:
        """The index of documents given as word ids: document i is `ids[offsets[i] :
        offsets[i + 1]]`, `vocab` maps words to ids. It may be shared and hold words no
        document has: those score and weigh as unseen words."""
        bm = cls.__new__(cls)
        bm._fit(np.asarray(ids, dtype=np.int32), np.diff(offsets), vocab)
        return bm

    def _fit(self, ids: np.ndarray, doc_lengths: np.ndarray, vocab: Mapping[str, int]) -> None:
        self.vocab = vocab
        self.n_cols = n_cols = len(vocab)
        n = self.n_docs = len(doc_lengths)
        lengths = doc_lengths.astype(np.float32)
        # Term counts straight into CSR, a block of documents at a time: no Python object per
        # posting, and no COO copy of every token at 50k chunks.
        starts = np.concatenate(([0], np.cumsum(doc_lengths)))
        indptr, cols, counts = [np.zeros(1, dtype=np.int64)], [], []
        for lo in range(0, n, 8192):
            hi = min(lo + 8192, n)
            doc = np.repeat(np.arange(lo, hi, dtype=np.int64), doc_lengths[lo:hi])
            keys, c = np.unique(doc * max(n_cols, 1) + ids[starts[lo] : starts[hi]],
                                return_counts=True)
            per_doc = np.bincount(keys // max(n_cols, 1) - lo, minlength=hi - lo)
            indptr.append(indptr[-1][-1] + np.cumsum(per_doc))
            cols.append((keys % max(n_cols, 1)).astype(np.int32))
            counts.append(c.astype(np.float32))
        tf = sparse.csr_matrix(
            (np.concatenate(counts) if counts else np.zeros(0, np.float32),
             np.concatenate(cols) if cols else np.zeros(0, np.int32), np.concatenate(indptr)),
            shape=(n, n_cols),
        )
        self.df = np.bincount(tf.indices, minlength=n_cols).astype(np.float32)  # one entry a document
        self.idf_arr = np.log1p((n - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if n else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-9))
        row = np.repeat(np.arange(n, dtype=np.int32), np.diff(tf.indptr))
        tf.data = (tf.data * (K1 + 1) / (tf.data + norm[row]) * self.idf_arr[tf.indices]).astype(
            np.float32, copy=False)
        del row
        # CSR to CSC directly (no COO copy); its columns' document indices come out sorted,
        # which `_column_in` relies on.
        self.matrix = tf.tocsc()
        self.matrix.sort_indices()

    def _col(self, token: str) -> int | None:
        """The token's column, None when no document holds it."""
        j = self.vocab.get(token)
        return None if j is None or j >= self.n_cols or not self.df[j] else j

    def idf(self, token: str) -> float:
        """IDF of a token; an unseen token gets the highest possible IDF."""
        j = self._col(token)
        if j is None:
            return math.log1p((self.n_docs + 0.5) / 0.5)
        return float(self.idf_arr[j])

    def doc_freq(self, token: str) -> int:
        j = self._col(token)
        return 0 if j is None else int(self.df[j])

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every document for weighted query tokens."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for tok, weight in query.items():
            j = self._col(tok)
            if j is None or weight == 0:
                continue
            col = self.matrix.getcol(j)
            out[col.indices] += weight * col.data
        return out

    def _column_in(self, token: str, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """(document offsets from `start`, weights) of `token`'s column within start..end-1:
        a binary search, as the column's document indices are sorted."""
        j = self._col(token)
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
