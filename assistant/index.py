"""The in-memory side of the index: every chunk's text, metadata, unit spans and unit vectors,
plus the BM25 keyword index over them, kept in step with Chroma.

Chroma stays the source of truth. `ChunkIndex.sync()` compares the store's document records
(source, fingerprint, status) with what it holds and fetches only the sources that changed, so
it follows local reindexes and, in server mode, changes made by other machines. A snapshot is
cached in the store folder so a new process does not page through Chroma again.

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
from dataclasses import dataclass, field

import numpy as np

from .keyword import BM25
from .nlp import entity_spans, loads_ents
from .store import Store, iter_collection, loads_units, unpack_vectors
from .textnorm import tokens
from .types import Filters

log = logging.getLogger(__name__)
HEADER_WEIGHT = 1.0
CACHE_VERSION = 8  # bump whenever tokens() or row_from_record() change
MONTHS = ("january february march april may june july august september october november "
          "december").split()


@dataclass
class ChunkRow:
    id: str
    source: str
    text: str
    meta: dict
    units: list[tuple[int, int, str]]
    unit_vecs: np.ndarray  # float16, one row per unit
    tokens: list[str] = field(default_factory=list)  # the chunk's own words (and acronyms)
    head_tokens: list[str] = field(default_factory=list)  # its document's title, date, place
    ents: list[tuple[int, int, str]] | None = None  # named entities, offsets within `text`

    def entities(self) -> list[tuple[int, int, str]]:
        """The chunk's named entities (stored at ingest; found now for a chunk indexed before
        entities were stored)."""
        if self.ents is None:
            self.ents = entity_spans([self.text])[0]
        return self.ents

    @property
    def start(self) -> int:
        return int(self.meta.get("start", 0))


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


def row_from_record(cid: str, text: str, meta: dict) -> ChunkRow:
    meta = dict(meta)
    vecs = unpack_vectors(meta.pop("unit_vecs", None)).astype(np.float16)
    units = loads_units(meta.pop("units", None))
    ents = loads_ents(meta.pop("ents", None))
    header = header_text(meta)
    meta = {sys.intern(k): sys.intern(v) if isinstance(v, str) and len(v) < 200 else v
            for k, v in meta.items()}
    return ChunkRow(cid, meta.get("source", ""), text, meta, units, vecs,
                    _interned(tokens(text, cache=False) + sorted(acronyms(text))),
                    _interned(tokens(header) + sorted(acronyms(header))), ents)


def _interned(words: list[str]) -> list[str]:
    """One string object per distinct word across all rows, in memory and in the pickled cache
    (pickle keeps the sharing): the rows' token lists were most of the index's memory."""
    return [sys.intern(w) for w in words]


class ChunkIndex:
    """Thread-safe; `sync()` is cheap when nothing changed (one read of the document records)."""

    def __init__(self, store: Store, *, sync_interval: float = 5.0):
        self.store = store
        self.sync_interval = sync_interval
        self._lock = threading.RLock()
        self._by_source: dict[str, tuple[tuple, list[ChunkRow]]] = {}
        self._last_check = 0.0
        self._doc_bags: dict[str, frozenset[str]] = {}
        self._generation: str | None = None
        self.rows: list[ChunkRow] = []
        self.row_of: dict[str, int] = {}
        self.bm25 = BM25([])
        self.bm25_head = BM25([])
        self._years = np.zeros(0, dtype=np.int32)
        self._process: np.ndarray = np.zeros(0, dtype=object)
        self._source: np.ndarray = np.zeros(0, dtype=object)
        self.loaded_from_cache = False

    # --- keeping in step with Chroma ---------------------------------------------------

    @property
    def _cache_path(self):
        s = self.store.settings
        tag = (s.chroma_url or "local").replace("/", "_").replace(":", "_")
        return s.store_dir / f"keyword-{s.collection}-{tag}.pkl"

    def load_cache(self) -> None:
        path = self._cache_path
        try:
            with path.open("rb") as fh:
                data = pickle.load(fh)
            if data.get("version") == CACHE_VERSION:
                self._by_source = data["by_source"]
                self._rebuild()
                self.loaded_from_cache = True
        except FileNotFoundError:
            pass
        except Exception as exc:  # noqa: BLE001 - a bad cache is rebuilt, never fatal
            log.warning("ignoring unreadable keyword cache %s: %s", path, exc)

    def save_cache(self) -> None:
        path = self._cache_path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"version": CACHE_VERSION, "by_source": self._by_source}, fh, protocol=5)
        tmp.replace(path)

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
            have = {s: v[0] for s, v in self._by_source.items()}
            changed = [s for s, key in want.items() if have.get(s) != key]
            removed = [s for s in have if s not in want]
            if not changed and not removed:
                return False
            for s in removed:
                self._by_source.pop(s, None)
            fetched = self._fetch(changed)
            for s in changed:
                self._by_source[s] = (want[s], fetched.get(s, []))
            self._rebuild()
            try:
                self.save_cache()
            except OSError as exc:
                log.warning("could not save keyword cache: %s", exc)
            log.info("keyword index: %d chunks (%d sources changed, %d removed)",
                     len(self.rows), len(changed), len(removed))
            return True

    def _fetch(self, sources: list[str]) -> dict[str, list[ChunkRow]]:
        out: dict[str, list[ChunkRow]] = {}
        for i in range(0, len(sources), 100):
            where = {"source": {"$in": sources[i : i + 100]}}
            for ids, metas, docs in iter_collection(self.store.chunks, ["documents", "metadatas"], where):
                for cid, meta, text in zip(ids, metas, docs, strict=True):
                    row = row_from_record(cid, text or "", meta or {})
                    out.setdefault(row.source, []).append(row)
        for rows in out.values():
            rows.sort(key=lambda r: int(r.meta.get("chunk_index", 0)))
        return out

    def _rebuild(self) -> None:
        rows = [r for s in sorted(self._by_source) for r in self._by_source[s][1]]
        self.rows = rows
        self._doc_bags = {}
        self.row_of = {r.id: i for i, r in enumerate(rows)}
        self.bm25 = BM25([r.tokens for r in rows])
        self.bm25_head = BM25([r.head_tokens for r in rows])
        self._years = np.array([int(r.meta.get("year") or 0) for r in rows], dtype=np.int32)
        self._process = np.array([r.meta.get("process", "") for r in rows], dtype=object)
        self._source = np.array([r.source for r in rows], dtype=object)

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
        rows = self._by_source.get(source, ((), []))[1]
        if not rows or rows[0].id not in self.row_of:
            return range(0)
        start = self.row_of[rows[0].id]
        return range(start, start + len(rows))

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
        r = self.rows[row]
        j = row + delta
        if 0 <= j < len(self.rows) and self.rows[j].source == r.source:
            return j
        return None

    def doc_bag(self, source: str) -> frozenset[str]:
        """Every token of a document (all chunks and its header), plus the acronyms its
        capitalised phrases spell ("Senior Officials Meeting" -> "som")."""
        bag = self._doc_bags.get(source)
        if bag is None:
            rows = self._by_source.get(source, ((), []))[1]
            toks: set[str] = set()
            for r in rows:
                toks.update(r.tokens)
                toks.update(r.head_tokens)
                toks.update(acronyms(r.text))
            bag = self._doc_bags[source] = frozenset(toks)
        return bag

    def processes(self) -> list[str]:
        return sorted({p for p in self._process if p})

    @property
    def n_documents(self) -> int:
        return len(self._by_source)

    def __len__(self) -> int:
        return len(self.rows)
