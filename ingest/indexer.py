"""Write changed files to the store under the PENDING/DONE protocol, a group of files at a time.

Each Chroma write costs ~50 ms whatever its size, so files are prepared one by one (hash, load,
chunk, named entities: no store writes; in a worker thread, ahead of the embedding) and
committed in groups of up to `GROUP_CHUNKS` chunks:

1. one write marks every file of the group PENDING (with its new fingerprint and text);
2. chunks the store lacks are embedded, `embed_batch` at a time across the group's files, and
   each batch is upserted as it comes; kept chunks get their new offsets;
3. the group's stale chunks are deleted;
4. one write marks the group DONE.

A kill anywhere leaves PENDING records, which the next run redoes. An embedding or store
error before step 3 rolls the group back (new chunks deleted, previous records restored) and
retries its files one by one, so only the broken file fails and its old chunks stay.

    >>> indexer = Indexer(settings, store, embedder, report, on_done=print)
    >>> for f, record, outcome in indexer.prepare_ahead(files, records):
    ...     indexer.take(f, record, outcome)
    >>> indexer.flush()
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from assistant.nlp import dumps_ents
from assistant.settings import Settings
from assistant.store import DONE, PENDING, Store, batched, iter_collection, pack_vectors

from .entities import spans_within
from .model import Chunk, EmptyDocument, LoadError, ParsedDocument
from .records import (
    chunk_id,
    chunk_metadata,
    doc_metadata,
    file_fingerprint,
    remove_sources,
)
from .report import IngestReport
from .walk import FileEntry

log = logging.getLogger("ingest.pipeline")

GROUP_CHUNKS = 256  # chunks per group commit
GROUP_FILES = 64  # files per group commit
GROUP_SECONDS = 2.0  # a group prepared this long ago is committed before the next file is read
WRITE_BATCH = 500  # records per metadata update / delete call
# New chunks of up to this many files' worth are embedded in one pass, sorted by length and
# batched by tokens by the encoder, before their groups are committed (bounds memory; past a
# few thousand chunks, sorting a bigger pool saves no more padding).
WINDOW_CHUNKS = 4096
UPSERT_BATCH = 256  # most embedded chunks per store upsert
PRE_EMBED_SLICE = 512  # chunks per encoder call in a window (a cancel is checked between)
AHEAD_FILES = 256  # files prepared ahead of the one being committed (at most this many ...
AHEAD_BYTES = 32 * 2**20  # ... and this many bytes of files, whichever comes first)
# With this many new chunks in hand and the next file not ready, embed them now: the cores
# would otherwise wait while one thread prepares (the preparing thread keeps going meanwhile).
EAGER_CHUNKS = 128


@dataclass
class Prepared:
    """A changed file, loaded and chunked, not yet written."""

    f: FileEntry
    record: dict | None
    doc: ParsedDocument
    fingerprint: str
    chunks: list[Chunk]
    texts: list[str]  # what gets embedded (header + chunk text)
    ids: list[str]
    metas: list[dict]


@dataclass
class Touched:
    """A file whose stat changed but whose content did not: its record with the new stat."""

    record: dict


class RolledBack(Exception):
    """The group's writes were undone; `__cause__` is the error."""


class Indexer:
    """Prepares files one at a time and commits them in groups; records outcomes in `report`.
    `on_done(source)` is called once per file whose outcome is final."""

    def __init__(self, settings: Settings, store: Store, embedder, report: IngestReport,
                 on_done: Callable[[str], None] = lambda source: None,
                 cancel: threading.Event | None = None):
        self.settings = settings
        self.store = store
        self.cancel = cancel  # set: commit no further group; the rest stays as it was
        self._embedder = embedder
        self._embedder_lock = threading.Lock()
        self.report = report
        self.on_done = on_done
        self.max_bytes = settings.max_file_bytes
        self._group_since = 0.0
        self.batch = max(1, int(settings.embed_batch))
        self.group: list[Prepared] = []
        self.touched: list[tuple[str, dict]] = []
        self._window_chunks = 0
        self._vectors: dict[str, tuple] = {}  # chunk id -> (vector, unit vectors), this window

    @property
    def embedder(self):
        """Loaded on first need (a run of only failing or unchanged files never loads it); the
        preparing thread and this one may ask at once."""
        with self._embedder_lock:
            if self._embedder is None:
                from assistant.onnx_encoder import passage_encoder

                self._embedder = passage_encoder(self.settings)
            return self._embedder

    # --- per file -----------------------------------------------------------------------------

    def prepare_ahead(self, files: list[FileEntry], records: dict[str, dict]
                      ) -> Iterator[tuple[FileEntry, dict | None, object]]:
        """(file, record, outcome) in order, each file loaded, chunked and read by spaCy in a
        worker thread up to `AHEAD_FILES` files (and `AHEAD_BYTES`) ahead, while this thread embeds
        and commits: onnxruntime and spaCy's matrix products release the GIL, so the two
        share the cores. Pass each to `take`. A file slow to prepare does not hold back the
        ones prepared before it: they are committed while it is waited for."""
        if not files:
            return
        pending: deque = deque()
        upcoming = iter(files)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-prepare") as pool:
            def fill() -> None:
                while len(pending) < AHEAD_FILES and sum(f.size for f, _ in pending) < AHEAD_BYTES:
                    f = next(upcoming, None)
                    if f is None:
                        return
                    pending.append((f, pool.submit(self.outcome, f, records.get(f.source))))

            try:
                fill()
                while pending:
                    f, future = pending.popleft()
                    while True:
                        if self._window_chunks >= EAGER_CHUNKS and not future.done():
                            self.flush()
                        try:
                            outcome = future.result(timeout=GROUP_SECONDS)
                            break
                        except FutureTimeout:
                            if self.group:
                                self.flush()
                    fill()
                    if self.group and time.monotonic() - self._group_since > GROUP_SECONDS:
                        self.flush()
                    yield f, records.get(f.source), outcome
            finally:
                for _, future in pending:
                    future.cancel()

    def outcome(self, f: FileEntry, record: dict | None) -> object:
        """`_prepare`'s result, or the exception it raised (no side effects: thread-safe)."""
        try:
            return self._prepare(f, record)
        except Exception as exc:  # noqa: BLE001 - reported by `take`
            return exc

    def take(self, f: FileEntry, record: dict | None, outcome: object) -> None:
        """Record what preparing `f` gave: a file to commit, an unchanged one, or a failure."""
        prepared = None
        if isinstance(outcome, Prepared):
            prepared = outcome
        elif isinstance(outcome, Touched):
            # Touched, not changed: remember the new stat so the next run skips the hash.
            self.touched.append((f.source, outcome.record))
            self.report.unchanged += 1
        elif isinstance(outcome, EmptyDocument):
            self.report.skipped += 1
            log.info("skipped %r: %s", f.source, outcome.problem)
            if record is not None:  # it had text before; a full build would not hold it now
                self._remove(f.source)
        elif isinstance(outcome, LoadError):
            self._fail(f.source, outcome.problem)
        elif isinstance(outcome, BaseException):
            self._fail(f.source, describe(outcome))
        if prepared is None:
            self.on_done(f.source)
            return
        if not self.group:
            self._group_since = time.monotonic()
        self.group.append(prepared)
        self._window_chunks += len(prepared.ids)
        if self._window_chunks >= WINDOW_CHUNKS:
            self.flush()

    def _prepare(self, f: FileEntry, record: dict | None) -> Prepared | Touched:
        from .chunking import chunk_document, embedding_text
        from .loaders import load

        if f.size > self.max_bytes:
            raise LoadError(
                f.source,
                f"{f.size / 1048576:.1f} MiB is over the {self.settings.max_file_mb:g} MiB limit "
                "(ASSISTANT_MAX_FILE_MB)",
            )
        fingerprint = file_fingerprint(f.path)
        if record is not None and record.get("status") == DONE:
            if record.get("fingerprint") == fingerprint:
                return Touched({**record, "size": f.size, "mtime_ns": f.mtime_ns})
        doc = load(f.path, f.source, max_bytes=self.max_bytes,
                   max_chars=self.settings.max_doc_chars,
                   entities=self.settings.ingest_ner != "off")
        for warning in doc.warnings:
            log.warning("%r: %s", f.source, warning)
        # Budget chunks in the model's own word pieces: it truncates at 256 of them.
        count = getattr(self.embedder, "count_tokens", None)
        chunks = chunk_document(doc, count_tokens=count)
        if not chunks:
            raise EmptyDocument(f.source, "no text to index")
        if len(chunks) > self.settings.max_doc_chunks:
            raise LoadError(f.source, f"{len(chunks):,} chunks, over the limit of "
                            f"{self.settings.max_doc_chunks:,} per document (ASSISTANT_MAX_DOC_CHUNKS)")
        texts = [embedding_text(doc, c, count_tokens=count) for c in chunks]
        metas = [chunk_metadata(doc, c, fingerprint, len(chunks)) for c in chunks]
        # Named entities, read once per document at load: the answerer types candidates by them.
        if doc.entities is not None:
            for meta, c in zip(metas, chunks, strict=True):
                meta["ents"] = dumps_ents(spans_within(doc.entities, c.start, c.end))
        return Prepared(
            f=f, record=record, doc=doc, fingerprint=fingerprint, chunks=chunks, texts=texts,
            ids=[chunk_id(f.source, c.index, t) for c, t in zip(chunks, texts, strict=True)],
            metas=metas,
        )

    # --- per group ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Embed the prepared files' new chunks in one pass, then commit them group by group
        (and the remembered stats of touched files)."""
        window, self.group, self._window_chunks = self.group, [], 0
        touched, self.touched = self.touched, []
        for part in batched(touched, WRITE_BATCH):
            try:
                self.store.docs.update(ids=[s for s, _ in part], metadatas=[m for _, m in part])
            except Exception as exc:  # noqa: BLE001 - only costs a re-hash next run
                log.warning("could not record new file times: %s", describe(exc))
        if not window:
            return
        if self._cancelled(window, []):
            return  # the window's files keep their previous state; the next run redoes them
        self._pre_embed(window)
        try:
            group: list[Prepared] = []
            for p in window:
                if self._cancelled(window, group):
                    return
                group.append(p)
                if sum(len(q.ids) for q in group) >= GROUP_CHUNKS or len(group) >= GROUP_FILES:
                    self._flush_group(group)
                    group = []
            if group and not self._cancelled(window, group):
                self._flush_group(group)
        finally:
            self._vectors.clear()

    def _cancelled(self, window: list[Prepared], group: list[Prepared]) -> bool:
        """Whether a cancel came: the groups committed so far stay, the others are not touched
        (their files keep their previous state and are redone by the next run)."""
        if self.cancel is None or not self.cancel.is_set():
            return False
        if not self.report.cancelled:
            log.warning("ingest cancelled: the files not yet committed are left as they were")
        self.report.cancelled = True
        return True

    def _flush_group(self, group: list[Prepared]) -> None:
        try:
            self._commit(group)
        except RolledBack as exc:
            if len(group) == 1:
                self._fail(group[0].f.source, describe(exc.__cause__ or exc))
            else:  # find the file that breaks: retry them one by one
                log.debug("group of %d rolled back (%s); retrying file by file",
                          len(group), describe(exc.__cause__ or exc))
                for p in group:
                    self._commit_alone(p)
                return
        except Exception as exc:  # noqa: BLE001 - records stay PENDING: redone next run
            for p in group:
                self._fail(p.f.source, f"{describe(exc)} (left pending; the next run redoes it)")
        for p in group:
            self.on_done(p.f.source)

    def _commit_alone(self, p: Prepared) -> None:
        try:
            self._commit([p])
        except RolledBack as exc:
            self._fail(p.f.source, describe(exc.__cause__ or exc))
        except Exception as exc:  # noqa: BLE001
            self._fail(p.f.source, f"{describe(exc)} (left pending; the next run redoes it)")
        self.on_done(p.f.source)

    def _commit(self, group: list[Prepared]) -> None:
        sources = [p.f.source for p in group]
        previous = self._texts([p.f.source for p in group if p.record is not None])
        # (1) PENDING before any chunk is touched: a crash from here on is redone next run.
        self._write_docs(group, PENDING)
        existing = {
            cid: meta
            for ids, metas, _ in iter_collection(
                self.store.chunks, include=["metadatas"], where={"source": {"$in": sources}}
            )
            for cid, meta in zip(ids, metas, strict=True)
        }
        todo = [(p, k) for p in group for k, cid in enumerate(p.ids) if cid not in existing]
        todo.sort(key=lambda pk: len(pk[0].texts[pk[1]]))  # like lengths per batch: less padding
        written: list[str] = []
        try:
            # (2) embed and write only the chunks the store does not hold yet. (Overlapping a
            # batch's write with the next batch's embedding was measured slower on 2 cores.)
            # One upsert per `embed_batch` chunks (ASSISTANT_EMBED_BATCH): a kill loses at most
            # that much embedding work, and the crash tests can stop between any two writes.
            for part in batched(todo, min(UPSERT_BATCH, self.batch)):
                self.store.chunks.upsert(**self._embed(part))
                written.extend(p.ids[k] for p, k in part)
                log.debug("embedded %d/%d chunks", len(written), len(todo))
        except Exception as exc:
            if self._roll_back(group, written, previous):
                raise RolledBack() from exc
            raise
        # Kept chunks keep their vectors; their offsets, n_chunks and fingerprint may move.
        moved = []
        for p in group:
            for cid, meta in zip(p.ids, p.metas, strict=True):
                if cid in existing:
                    meta = {**meta, "unit_vecs": existing[cid].get("unit_vecs", "")}
                    if meta != existing[cid]:
                        moved.append((cid, meta))
        for part in batched(moved, WRITE_BATCH):
            self.store.chunks.update(ids=[c for c, _ in part], metadatas=[m for _, m in part])
        # (3) the group's stale chunks go.
        keep = {cid for p in group for cid in p.ids}
        stale = sorted(cid for cid in existing if cid not in keep)
        for part in batched(stale, WRITE_BATCH):
            self.store.chunks.delete(ids=part)
        # (4) DONE, and tell readers the index changed.
        self._write_docs(group, DONE)
        self.store.bump_generation()
        fresh = set(written)
        for p in group:
            new = sum(cid in fresh for cid in p.ids)
            self.report.chunks_embedded += new
            if p.record is None:
                self.report.added += 1
            else:
                self.report.updated += 1
            log.debug("indexed %r: %d chunks, %d embedded", p.f.source, len(p.ids), new)

    def _pre_embed(self, window: list[Prepared]) -> None:
        """Embed every chunk of the window the store lacks, in one call: the encoder sorts them
        by length and batches them by tokens. On an error each group embeds its own chunks
        (and fails alone)."""
        known = self._stored_ids([p.f.source for p in window if p.record is not None])
        todo = [(p, k) for p in window for k, cid in enumerate(p.ids) if cid not in known]
        if not todo:
            return
        # Like lengths together (little padding), in slices so that a cancel lands soon.
        todo.sort(key=lambda pk: len(pk[0].texts[pk[1]]))
        for start in range(0, len(todo), PRE_EMBED_SLICE):
            if self._cancelled(window, []):
                return
            part = todo[start : start + PRE_EMBED_SLICE]
            try:
                vecs, unit_vecs = self._encode(part)
            except Exception as exc:  # noqa: BLE001 - the groups retry on their own
                log.debug("embedding %d chunks at once failed (%s); per group", len(part),
                          describe(exc))
                return
            for (p, k), v, uv in zip(part, vecs, unit_vecs, strict=True):
                self._vectors[p.ids[k]] = (v, uv)

    def _stored_ids(self, sources: list[str]) -> set[str]:
        out: set[str] = set()
        for part in batched(sources, WRITE_BATCH):
            for ids, _, _ in iter_collection(self.store.chunks, include=[],
                                             where={"source": {"$in": part}}):
                out.update(ids)
        return out

    def _encode(self, part: list[tuple[Prepared, int]]):
        texts, spans = [], []
        for p, k in part:
            chunk, text = p.chunks[k], p.texts[k]
            shift = header_length(text, chunk.text) - chunk.start
            texts.append(text)
            spans.append([(u.start + shift, u.end + shift) for u in chunk.units])
        return self.embedder.encode_with_units(texts, spans, batch_size=self.batch)

    def _embed(self, part: list[tuple[Prepared, int]]) -> dict:
        """A batch of chunks' vectors (embedded now unless `_pre_embed` did); returns the
        keyword arguments of its store upsert."""
        missing = [pk for pk in part if pk[0].ids[pk[1]] not in self._vectors]
        if missing:
            vecs, unit_vecs = self._encode(missing)
            for (p, k), v, uv in zip(missing, vecs, unit_vecs, strict=True):
                self._vectors[p.ids[k]] = (v, uv)
        vecs = [self._vectors[p.ids[k]][0] for p, k in part]
        unit_vecs = [self._vectors[p.ids[k]][1] for p, k in part]
        return dict(
            ids=[p.ids[k] for p, k in part],
            embeddings=[v.tolist() for v in vecs],
            documents=[p.chunks[k].text for p, k in part],
            metadatas=[
                {**p.metas[k], "unit_vecs": pack_vectors(uv) if len(uv) else ""}
                for (p, k), uv in zip(part, unit_vecs, strict=True)
            ],
        )

    def _write_docs(self, group: list[Prepared], status: str) -> None:
        """The group's document records: text and PENDING first, then only the status (the text
        is already there; writing it again cost twice as long as the metadata alone)."""
        ids = [p.f.source for p in group]
        metas = [doc_metadata(p.doc, p.f, p.fingerprint, len(p.ids), status) for p in group]
        if status == PENDING:
            self.store.docs.upsert(ids=ids, documents=[p.doc.text for p in group],
                                   embeddings=[[1.0] for _ in group], metadatas=metas)
        else:
            self.store.docs.update(ids=ids, metadatas=metas)

    def _texts(self, sources: list[str]) -> dict[str, str]:
        if not sources:
            return {}
        got = self.store.docs.get(ids=sources, include=["documents"])
        return dict(zip(got["ids"], got.get("documents") or [], strict=True))

    def _roll_back(self, group: list[Prepared], written: list[str],
                   previous: dict[str, str]) -> bool:
        """Undo a group's writes: its new chunks go, previous records come back. False when
        that fails too (the PENDING records then make the next run redo the files)."""
        try:
            for part in batched(written, WRITE_BATCH):
                self.store.chunks.delete(ids=part)
            new = [p.f.source for p in group if p.record is None]
            old = [p for p in group if p.record is not None]
            if new:
                self.store.docs.delete(ids=new)
            if old:
                self.store.docs.upsert(
                    ids=[p.f.source for p in old],
                    documents=[previous.get(p.f.source, "") for p in old],
                    embeddings=[[1.0] for _ in old],
                    metadatas=[p.record for p in old],
                )
            return True
        except Exception as exc:  # noqa: BLE001 - keep the original error
            log.error("roll-back failed (%s); the next run redoes these files", describe(exc))
            return False

    def _remove(self, source: str) -> None:
        try:
            remove_sources(self.store, [source])
            self.report.removed += 1
        except Exception as exc:  # noqa: BLE001
            self._fail(source, f"could not remove from the store: {describe(exc)}")

    def _fail(self, source: str, error: str) -> None:
        self.report.fail(source, error)
        log.error("failed %r: %s", source, error)


def header_length(embedded: str, chunk_text: str) -> int:
    """Characters before the chunk text in its embedding text (title, date, place header)."""
    if embedded.endswith(chunk_text):
        return len(embedded) - len(chunk_text)
    return max(embedded.find(chunk_text), 0)


def describe(exc: BaseException) -> str:
    """One line: the exception type and the first line of its message."""
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
