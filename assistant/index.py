"""The in-memory side of the index: every chunk's text, metadata, unit spans and unit vectors,
plus the BM25 keyword index over them, kept in step with Chroma.

Chroma stays the source of truth. `ChunkIndex.sync()` compares the store's document records
(source, fingerprint, status) with what it holds and fetches only the sources that changed, so
it follows local reindexes and, in server mode, changes made by other machines. A snapshot is
cached in the store folder so a new process does not page through Chroma again: the columns in
a pickle, the unit vectors in a `.npy` file beside it that the index memory-maps (read-only, so
only the pages of the passages an answer reads are in memory).

    >>> idx = ChunkIndex(Store(settings)); idx.sync()
    >>> idx.keyword_search(["belarus"], k=5)
"""

from __future__ import annotations

import logging
import math
import pickle
import re
import sys
import threading
import time
import uuid

import numpy as np

from .chunk_table import (
    DIM,
    ChunkRow,
    Rows,
    Strings,
    Table,
    TableBuilder,
    concat,
    empty_table,
    write_vecs,
)
from .keyword import BM25
from .nlp import loads_ents
from .store import Store, iter_collection, loads_units, unpack_vectors
from .textnorm import tokens
from .types import Filters

__all__ = ["HEADER_WEIGHT", "MONTHS", "ChunkIndex", "ChunkRow", "acronyms", "add_record",
           "header_text"]
log = logging.getLogger(__name__)
HEADER_WEIGHT = 1.0
CACHE_VERSION = 9  # bump whenever tokens(), add_record() or the table's columns change
MONTHS = ("january february march april may june july august september october november "
          "december").split()


def header_text(meta: dict) -> str:
    """Document context searched along with each chunk: title, process, type, date, place."""
    date = str(meta.get("date") or "")
    parts = [meta.get("title", ""), meta.get("process", ""), meta.get("meeting_type", ""),
             date, meta.get("location", ""), meta.get("section", "")]
    if len(date) >= 7 and date[5:7].isdigit() and 1 <= int(date[5:7]) <= 12:
        parts.append(MONTHS[int(date[5:7]) - 1])
    if len(date) == 10 and date[8:10].isdigit():
        parts.append(str(int(date[8:10])))  # "1 December 2022" matches 2022-12-01
    if meta.get("year"):
        parts.append(str(meta["year"]))
    return " ".join(str(p) for p in parts if p)


_CONNECTORS = frozenset(("of", "the", "and", "for", "on", "in", "de"))
_WORD_RE = re.compile(r"[\w’'-]+")


def acronyms(text: str) -> set[str]:
    """Initials of runs of capitalised words: "Budapest Process" -> "bp"."""
    out: set[str] = set()
    run: list[str] = []
    for w in [*_WORD_RE.findall(text), "."]:
        if w[:1].isupper():
            run.append(w[0])
            continue
        if w in _CONNECTORS and run:
            continue
        for i in range(len(run)):  # every sub-run: '"Co-ordinator" Building Migration Partnerships'
            for j in range(i + 2, min(len(run), i + 6) + 1):
                out.add("".join(run[i:j]).lower())
        run = []
    return out


def add_record(builder: TableBuilder, cid: str, text: str, meta: dict) -> None:
    """One chunk record of the store into the table being built."""
    meta = dict(meta)
    vecs = unpack_vectors(meta.pop("unit_vecs", None))
    units = loads_units(meta.pop("units", None))
    ents = loads_ents(meta.pop("ents", None))
    header = header_text(meta)
    # One string object per distinct short value across all rows, in memory and in the pickle.
    meta = {sys.intern(k): sys.intern(v) if isinstance(v, str) and len(v) < 200 else v
            for k, v in meta.items()}
    builder.add(cid, text, meta, units, vecs, ents,
                tokens(text, cache=False) + sorted(acronyms(text)),
                tokens(header) + sorted(acronyms(header)))


class ChunkIndex:
    """Thread-safe; `sync()` is cheap when nothing changed (one read of the document records)."""

    def __init__(self, store: Store, *, sync_interval: float = 5.0):
        self.store = store
        self.sync_interval = sync_interval
        self._lock = threading.RLock()
        # source -> (its document record's key, first row, end row) in `_table`
        self._spans: dict[str, tuple[tuple, int, int]] = {}
        self._strings = Strings()
        self._late_ents: dict[str, list] = {}  # entities found at answer time (see ChunkRow)
        self._vecs_name: str | None = None  # the cache file the table's vectors are mapped from
        self._last_check = 0.0
        self._doc_bags: dict[str, frozenset[str]] = {}
        self._generation: str | None = None
        self._rebuild(empty_table(), {})
        self.loaded_from_cache = False

    # --- keeping in step with Chroma ---------------------------------------------------

    @property
    def _cache_path(self):
        s = self.store.settings
        tag = (s.chroma_url or "local").replace("/", "_").replace(":", "_")
        return s.store_dir / f"keyword-{s.collection}-{tag}.pkl"

    def _vecs_path(self, name: str):
        """The unit vectors of one saved cache, beside its pickle (each save writes a new
        file, so a process that still maps the previous one keeps reading valid data)."""
        return self._cache_path.with_name(f"{self._cache_path.stem}.vecs-{name}.npy")

    def load_cache(self) -> None:
        path = self._cache_path
        try:
            with path.open("rb") as fh:
                data = pickle.load(fh)
            if data.get("version") == CACHE_VERSION:
                vecs = np.load(self._vecs_path(data["vecs"]), mmap_mode="r")
                if vecs.shape != (len(data["table"]["units"]), DIM) or vecs.dtype != np.float16:
                    raise ValueError(f"unit vectors {vecs.shape} do not match the cache")
                self._strings = Strings(data["words"])
                self._rebuild(Table(**data["table"], vecs=np.asarray(vecs)), data["spans"])
                self._vecs_name = data["vecs"]
                self.loaded_from_cache = True
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - a bad cache is rebuilt, never fatal
            log.warning("ignoring unreadable keyword cache %s: %s", path, exc)

    def save_cache(self) -> None:
        """Write the pickle, and the vectors to a new `.npy` first unless they already come
        from one; from then on the index reads its vectors from that file (memory-mapped)."""
        path = self._cache_path
        path.parent.mkdir(parents=True, exist_ok=True)
        if self._vecs_name is None:
            name = uuid.uuid4().hex[:12]
            self._table.vecs = write_vecs(self._vecs_path(name), [(self._table, 0, len(self._table))])
            self._vecs_name = name
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"version": CACHE_VERSION, "spans": self._spans, "vecs": self._vecs_name,
                         "words": self._strings.words, "table": self._table.columns()},
                        fh, protocol=5)
        tmp.replace(path)
        keep = self._vecs_path(self._vecs_name)
        for old in path.parent.glob(f"{path.stem}.vecs-*.npy"):
            if old != keep:
                old.unlink(missing_ok=True)  # a process mapping it keeps its pages (POSIX)

    def maybe_sync(self) -> None:
        """Sync at most once per `sync_interval` seconds (the query path calls this); a
        sync reads every document record only when the store's change marker moved."""
        if time.monotonic() - self._last_check < self.sync_interval:
            return
        try:
            generation = self.store.generation()
        except Exception as exc:  # noqa: BLE001 - the store is unreachable: answer from memory
            log.warning("could not check the store for changes: %s", exc)
            self._last_check = time.monotonic()
            return
        if generation is None or generation != self._generation:
            self.sync()
        else:
            self._last_check = time.monotonic()

    def sync(self) -> bool:
        """Bring the index in step with the store. Returns True when anything changed."""
        with self._lock:
            self._last_check = time.monotonic()
            self._generation = self.store.generation()
            records = self.store.doc_records()
            want = {s: (m.get("fingerprint"), m.get("status"), m.get("n_chunks")) for s, m in records.items()}
            have = {s: v[0] for s, v in self._spans.items()}
            changed = sorted(s for s, key in want.items() if have.get(s) != key)
            removed = [s for s in have if s not in want]
            if not changed and not removed:
                return False
            fetched, new_spans = self._fetch(changed)
            pieces, spans, pos = [], {}, 0
            for source in sorted((set(have) - set(removed)) | set(changed)):
                if source in new_spans:
                    table, key, (lo, hi) = fetched, want[source], new_spans[source]
                else:
                    table, (key, lo, hi) = self._table, self._spans[source]
                pieces.append((table, lo, hi))
                spans[source] = (key, pos, pos + hi - lo)
                pos += hi - lo
            # The joined vectors go straight to a new cache file, not through memory.
            name = uuid.uuid4().hex[:12]
            try:
                self._vecs_path(name).parent.mkdir(parents=True, exist_ok=True)
                vecs = write_vecs(self._vecs_path(name), pieces)
            except OSError as exc:
                log.warning("could not write the unit vectors' cache file: %s", exc)
                name, vecs = None, None
            self._rebuild(concat(pieces, vecs), spans)
            self._vecs_name = name
            try:
                self.save_cache()
            except OSError as exc:
                log.warning("could not save keyword cache: %s", exc)
            log.info("keyword index: %d chunks (%d sources changed, %d removed)",
                     len(self.rows), len(changed), len(removed))
            return True

    def _fetch(self, sources: list[str]) -> tuple[Table, dict[str, tuple[int, int]]]:
        """The chunks of `sources` (in that order, each in chunk order) as one new table, and
        each source's rows in it."""
        builder = TableBuilder(self._strings)
        spans: dict[str, tuple[int, int]] = {}
        for i in range(0, len(sources), 100):
            batch = sources[i : i + 100]
            got: dict[str, list[tuple[str, str, dict]]] = {s: [] for s in batch}
            for ids, metas, docs in iter_collection(self.store.chunks, ["documents", "metadatas"],
                                                    {"source": {"$in": batch}}):
                for cid, meta, text in zip(ids, metas, docs, strict=True):
                    meta = meta or {}
                    if meta.get("source", "") in got:
                        got[meta.get("source", "")].append((cid, text or "", meta))
            for source in batch:
                start = len(builder.ids)
                for cid, text, meta in sorted(got.pop(source),
                                              key=lambda r: int(r[2].get("chunk_index", 0))):
                    add_record(builder, cid, text, meta)
                spans[source] = (start, len(builder.ids))
        return builder.build(), spans

    def _rebuild(self, table: Table, spans: dict[str, tuple[tuple, int, int]]) -> None:
        self._table, self._spans = table, spans
        self.rows = Rows(table, self._strings, self._late_ents)
        self._doc_bags = {}
        self.row_of = {cid: i for i, cid in enumerate(table.ids)}
        self.bm25 = BM25.from_ids(table.tok_off, table.tok, self._strings.ids)
        self.bm25_head = BM25.from_ids(table.head_off, table.head, self._strings.ids)
        self._years = np.array([int(m.get("year") or 0) for m in table.metas], dtype=np.int32)
        self._process = np.array([m.get("process", "") for m in table.metas], dtype=object)
        self._source = np.array([m.get("source", "") for m in table.metas], dtype=object)

    # --- searching ---------------------------------------------------------------------

    def mask(self, filters: Filters) -> np.ndarray | None:
        if filters.is_empty():
            return None
        m = np.ones(len(self.rows), dtype=bool)
        if filters.process:
            m &= self._process == filters.process
        if filters.year_from:
            m &= self._years >= filters.year_from
        if filters.year_to:
            m &= (self._years <= filters.year_to) & (self._years > 0)
        if filters.sources:
            m &= np.isin(self._source, list(filters.sources))
        return m

    def keyword_search(self, query: dict[str, float], k: int,
                       filters: Filters | None = None) -> list[tuple[int, float]]:
        """Top-k (row, score) by BM25 for weighted query tokens."""
        filters = filters or Filters()
        if not self.rows:
            return []
        # BM25F-like: the document's title/date/place count, but less than the chunk's own words,
        # or every chunk of a report whose title matches would outrank the one that answers.
        scores = self.bm25.scores(query) + HEADER_WEIGHT * self.bm25_head.scores(query)
        m = self.mask(filters)
        if m is not None:
            scores = np.where(m, scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def doc_range(self, source: str) -> range:
        """The rows of one document (they are contiguous)."""
        _, lo, hi = self._spans.get(source, ((), 0, 0))
        return range(lo, hi)

    def keyword_search_in(self, query: dict[str, float], source: str, k: int) -> list[tuple[int, float]]:
        """Top-k (row, score) by BM25 among one document's chunks. A word most of the report's
        chunks share (its subject, "BMP" in the BMP newsletter) tells them apart little, so each
        query word is weighted again by its rarity inside the report."""
        rng = self.doc_range(source)
        if not rng:
            return []
        n = len(rng)
        local = {}
        for tok, w in query.items():
            df = max(self.bm25.doc_freq_in(tok, rng.start, rng.stop),
                     self.bm25_head.doc_freq_in(tok, rng.start, rng.stop))
            local[tok] = w * math.log1p((n - df + 0.5) / (df + 0.5))
        query = local
        scores = (self.bm25.scores_in(query, rng.start, rng.stop)
                  + HEADER_WEIGHT * self.bm25_head.scores_in(query, rng.start, rng.stop))
        order = np.argsort(-scores, kind="stable")[:k]
        return [(rng.start + int(i), float(scores[i])) for i in order if scores[i] > 0]

    def neighbor(self, row: int, delta: int) -> int | None:
        """The row `delta` chunks away in the same document, or None."""
        j = row + delta
        if 0 <= j < len(self.rows) and self._source[j] == self._source[row]:
            return j
        return None

    def doc_bag(self, source: str) -> frozenset[str]:
        """Every token of a document (all chunks and its header), plus the acronyms its
        capitalised phrases spell ("Senior Officials Meeting" -> "som")."""
        bag = self._doc_bags.get(source)
        if bag is None:
            toks: set[str] = set()
            for r in (self.rows[i] for i in self.doc_range(source)):
                toks.update(r.tokens)
                toks.update(r.head_tokens)
                toks.update(acronyms(r.text))
            bag = self._doc_bags[source] = frozenset(toks)
        return bag

    def processes(self) -> list[str]:
        return sorted({p for p in self._process if p})

    @property
    def n_documents(self) -> int:
        return len(self._spans)

    def __len__(self) -> int:
        return len(self.rows)
