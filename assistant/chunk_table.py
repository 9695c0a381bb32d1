"""The keyword index's copy of the chunks, in compact columns rather than one object per chunk.

At 50k chunks a Python object per chunk, per unit span, per entity and per token list was
most of `serve`'s memory (and of the pickled cache's). Here the spans, entities and tokens are
flat int32 arrays with one offset array per kind (row i's units are `units[unit_off[i] :
unit_off[i + 1]]`), every string among them an id into one `Strings` table, and the unit
vectors one contiguous float16 array that the index memory-maps from its cache file.
`Rows` hands out `ChunkRow` views that read those columns and build their lists only when asked.

    >>> b = TableBuilder(strings)
    >>> b.add(cid, text, meta, units, vecs, ents, toks, head_toks)
    >>> rows = Rows(b.build(), strings)
    >>> rows[0].units                      # [(start, end, kind), ...]
"""

from __future__ import annotations

import mmap
import sys
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .nlp import entity_spans

DIM = 384
VIEW_CACHE = 4096  # row views kept built: an answer reads a few hundred rows many times


class Strings:
    """One table of the index's strings (tokens, unit kinds, entity labels): each kept once,
    named everywhere else by its int32 id. It only grows: words of removed chunks stay."""

    def __init__(self, words: Sequence[str] = ()):
        self.words: list[str] = list(words)
        self.ids: dict[str, int] = {w: i for i, w in enumerate(self.words)}

    def id(self, word: str) -> int:
        j = self.ids.get(word)
        if j is None:
            j = self.ids[word] = len(self.words)
            self.words.append(sys.intern(word))
        return j

    def __len__(self) -> int:
        return len(self.words)


@dataclass
class Table:
    """Rows 0..n-1 of chunks; each ragged column is (offsets of n + 1, flat data)."""

    ids: list[str]
    texts: list[str]
    metas: list[dict]
    unit_off: np.ndarray  # int64
    units: np.ndarray  # int32 (U, 3): start, end, kind's string id
    vecs: np.ndarray  # float16 (U, DIM), one per unit; a read-only memory map once cached
    tok_off: np.ndarray
    tok: np.ndarray  # int32 string ids: the chunk's own words and acronyms, in order
    head_off: np.ndarray
    head: np.ndarray  # int32 string ids: its document's title, date, place
    ent_off: np.ndarray
    ents: np.ndarray  # int32 (E, 3): start, end, label's string id
    ent_known: np.ndarray  # bool: False for a chunk indexed before entities were stored

    RAGGED = (("unit_off", ("units", "vecs")), ("tok_off", ("tok",)), ("head_off", ("head",)),
              ("ent_off", ("ents",)))

    def __len__(self) -> int:
        return len(self.ids)

    def columns(self) -> dict:
        """Every column but the vectors (what the pickled cache keeps)."""
        return {k: v for k, v in self.__dict__.items() if k != "vecs"}


def empty_table() -> Table:
    return TableBuilder(Strings()).build()


def _merged(pieces: Sequence[tuple[Table, int, int]]) -> list[tuple[Table, int, int]]:
    """The non-empty pieces, adjacent rows of one table joined."""
    merged: list[tuple[Table, int, int]] = []
    for t, lo, hi in pieces:
        if hi <= lo:
            continue
        if merged and merged[-1][0] is t and merged[-1][2] == lo:
            merged[-1] = (t, merged[-1][1], hi)
        else:
            merged.append((t, lo, hi))
    return merged


def concat(pieces: Sequence[tuple[Table, int, int]], vecs: np.ndarray | None = None) -> Table:
    """Rows lo..hi-1 of each table, one after another, as one table. `vecs`: their unit vectors
    already joined (by `write_vecs`), used as they are; else they are joined in memory, and one
    whole table comes back as it is (no copy)."""
    pieces = _merged(pieces)
    if vecs is None and len(pieces) == 1 and pieces[0][1] == 0 and pieces[0][2] == len(pieces[0][0]):
        return pieces[0][0]
    if not pieces:
        table = empty_table()
        table.vecs = table.vecs if vecs is None else vecs
        return table
    out: dict = {k: [x for t, lo, hi in pieces for x in getattr(t, k)[lo:hi]]
                 for k in ("ids", "texts", "metas")}
    out["ent_known"] = np.concatenate([t.ent_known[lo:hi] for t, lo, hi in pieces])
    for off, cols in Table.RAGGED:
        lengths = np.concatenate([np.diff(getattr(t, off)[lo : hi + 1]) for t, lo, hi in pieces])
        out[off] = _offsets(lengths)
        for col in cols:
            if col == "vecs" and vecs is not None:
                out[col] = vecs
                continue
            out[col] = np.concatenate([getattr(t, col)[getattr(t, off)[lo] : getattr(t, off)[hi]]
                                       for t, lo, hi in pieces])
    return Table(**out)


def write_vecs(path: Path, pieces: Sequence[tuple[Table, int, int]], block: int = 4096) -> np.ndarray:
    """The unit vectors of `pieces`, joined, written to a new `.npy` at `path` a block at a time;
    returned memory-mapped, read-only. The pages of a memory-mapped source are dropped after each
    block, so copying the previous cache's vectors never holds them all in memory."""
    spans = [(t.vecs, int(t.unit_off[lo]), int(t.unit_off[hi])) for t, lo, hi in _merged(pieces)]
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float16)), "fortran_order": False,
              "shape": (sum(b - a for _, a, b in spans), DIM)}
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        np.lib.format.write_array_header_1_0(fh, header)
        for vecs, a, b in spans:
            mapping = _mapping(vecs)
            for lo in range(a, b, block):
                fh.write(np.ascontiguousarray(vecs[lo : min(b, lo + block)], dtype=np.float16).data)
                if mapping is not None and hasattr(mmap, "MADV_DONTNEED"):
                    mapping.madvise(mmap.MADV_DONTNEED)  # file-backed: read again on next use
    tmp.replace(path)
    return np.asarray(np.load(path, mmap_mode="r"))


def _mapping(a: np.ndarray) -> mmap.mmap | None:
    """The file mapping an array reads from, if any."""
    while isinstance(a, np.ndarray):
        a = a.base
    return a if isinstance(a, mmap.mmap) else None


def _offsets(lengths) -> np.ndarray:
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    return off


class TableBuilder:
    """Appends chunks one at a time into typed arrays; `build()` makes the `Table`."""

    def __init__(self, strings: Strings):
        self.strings = strings
        self.ids: list[str] = []
        self.texts: list[str] = []
        self.metas: list[dict] = []
        self.units, self.tok, self.head, self.ents = array("i"), array("i"), array("i"), array("i")
        self.n_units, self.n_tok, self.n_head, self.n_ents = (array("q") for _ in range(4))
        self.ent_known = array("b")
        self.vecs = bytearray()  # float16 rows, appended in place: no second copy at build()

    def add(self, cid: str, text: str, meta: dict, units: Sequence[tuple[int, int, str]],
            vecs: np.ndarray, ents: Sequence[tuple[int, int, str]] | None,
            tokens: Sequence[str], head_tokens: Sequence[str]) -> None:
        sid = self.strings.id
        self.ids.append(cid)
        self.texts.append(text)
        self.metas.append(meta)
        for s, e, k in units:
            self.units.extend((s, e, sid(k)))
        self.n_units.append(len(units))
        # One vector per unit; zero rows for units stored without one keep the two in line
        # (a zero vector scores 0, as a missing one did).
        have = np.asarray(vecs, dtype=np.float16).reshape(-1, DIM)[: len(units)]
        self.vecs += have.tobytes() + bytes((len(units) - len(have)) * DIM * 2)
        self.tok.extend(sid(w) for w in tokens)
        self.n_tok.append(len(tokens))
        self.head.extend(sid(w) for w in head_tokens)
        self.n_head.append(len(head_tokens))
        self.ent_known.append(ents is not None)
        for s, e, k in ents or ():
            self.ents.extend((s, e, sid(k)))
        self.n_ents.append(len(ents or ()))

    def build(self) -> Table:
        def flat(a: array, width: int = 1) -> np.ndarray:
            out = np.frombuffer(a, dtype=np.int32).copy() if len(a) else np.zeros(0, np.int32)
            return out.reshape(-1, width) if width > 1 else out

        table = Table(
            ids=self.ids, texts=self.texts, metas=self.metas,
            unit_off=_offsets(self.n_units), units=flat(self.units, 3),
            vecs=np.frombuffer(self.vecs, dtype=np.float16).reshape(-1, DIM),
            tok_off=_offsets(self.n_tok), tok=flat(self.tok),
            head_off=_offsets(self.n_head), head=flat(self.head),
            ent_off=_offsets(self.n_ents), ents=flat(self.ents, 3),
            ent_known=np.frombuffer(self.ent_known, dtype=np.int8).astype(bool),
        )
        return table


class ChunkRow:
    """One chunk as the answering code reads it: id, source, text, meta, and, built on first
    use, its unit spans, unit vectors, tokens, header tokens and named entities."""

    __slots__ = ("id", "source", "text", "meta", "_t", "_i", "_words", "_late", "_units",
                 "_tokens", "_head", "_ents")

    def __init__(self, table: Table, i: int, words: list[str], late_ents: dict):
        self.id, self.text, self.meta = table.ids[i], table.texts[i], table.metas[i]
        self.source = self.meta.get("source", "")
        self._t, self._i, self._words, self._late = table, i, words, late_ents
        self._units = self._tokens = self._head = self._ents = None

    def _span(self, off: np.ndarray) -> slice:
        return slice(int(off[self._i]), int(off[self._i + 1]))

    def _strs(self, ids: np.ndarray, off: np.ndarray) -> list[str]:
        w = self._words
        return [w[j] for j in ids[self._span(off)].tolist()]

    @property
    def units(self) -> list[tuple[int, int, str]]:
        if self._units is None:
            w = self._words
            self._units = [(s, e, w[k]) for s, e, k in self._t.units[self._span(self._t.unit_off)].tolist()]
        return self._units

    @property
    def unit_vecs(self) -> np.ndarray:
        """float16, one row per unit (a slice of the index's one array)."""
        return self._t.vecs[self._span(self._t.unit_off)]

    @property
    def tokens(self) -> list[str]:
        """The chunk's own words (and acronyms)."""
        if self._tokens is None:
            self._tokens = self._strs(self._t.tok, self._t.tok_off)
        return self._tokens

    @property
    def head_tokens(self) -> list[str]:
        """Its document's title, date, place."""
        if self._head is None:
            self._head = self._strs(self._t.head, self._t.head_off)
        return self._head

    @property
    def ents(self) -> list[tuple[int, int, str]] | None:
        """Named entities, offsets within `text`; None when the chunk was indexed before
        entities were stored (and none were found since)."""
        if self._ents is None:
            if not self._t.ent_known[self._i]:
                return self._late.get(self.id)
            w = self._words
            self._ents = [(s, e, w[k]) for s, e, k in self._t.ents[self._span(self._t.ent_off)].tolist()]
        return self._ents

    def entities(self) -> list[tuple[int, int, str]]:
        """The chunk's named entities (stored at ingest; found now, once per process, for a
        chunk indexed before entities were stored)."""
        ents = self.ents
        if ents is None:
            ents = self._late[self.id] = entity_spans([self.text])[0]
        return ents

    @property
    def start(self) -> int:
        return int(self.meta.get("start", 0))


class Rows(Sequence):
    """`index.rows`: the table's rows as `ChunkRow` views, the recently used ones kept."""

    def __init__(self, table: Table, strings: Strings, late_ents: dict | None = None):
        self.table = table
        self._n = len(table)
        words, late = strings.words, {} if late_ents is None else late_ents
        self._view = lru_cache(maxsize=VIEW_CACHE)(lambda i: ChunkRow(table, int(i), words, late))

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        try:
            if 0 <= i < self._n:  # the answering path's case, kept short
                return self._view(i)
        except TypeError:
            return [self[j] for j in range(*i.indices(self._n))]
        if -self._n <= i < 0:
            return self._view(i + self._n)
        raise IndexError(i)

    def __iter__(self) -> Iterator[ChunkRow]:
        return (self._view(i) for i in range(self._n))
