"""Incremental, crash-safe indexing of the corpus into the store.

    >>> report = run_ingest(Settings.from_env())
    >>> report.to_dict()
    {'added': 3, 'updated': 0, 'removed': 0, 'unchanged': 0, 'skipped': 0, 'failed': [], ...}

Change detection: (size, mtime_ns) against the document record; only when they differ are the
bytes hashed, and only a different sha256 fingerprint is a change. A changed file re-embeds
only the chunks whose content-derived id is not in the store yet.

Crash safety, per file: (1) the document record is written with status PENDING before any
chunk is touched; (2) missing chunks are embedded and upserted; (3) the source's stale chunks
are deleted; (4) the record is written with status DONE. A removed file loses its chunks, then
its record. Any PENDING record found at start is redone, so after a kill at any point the next
run ends in the state a clean full build gives.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

from assistant.settings import Settings
from assistant.store import (
    DONE,
    PENDING,
    Store,
    batched,
    dumps_units,
    iter_collection,
    pack_vectors,
)

from .model import EmptyDocument, LoadError, ParsedDocument
from .report import IngestReport
from .walk import FileEntry, walk_corpus

log = logging.getLogger(__name__)

DEFAULT_EXTENSIONS = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")
DELETE_BATCH = 500
# A run with fewer files to (re)index than this shows no progress bar unless stderr is a TTY.
SHORT_RUN = 20
ProgressFn = Callable[[int, int, str], None]


class IngestError(Exception):
    """The run as a whole cannot start (e.g. the corpus folder does not exist)."""


def run_ingest(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    embedder=None,
    full: bool = False,
    shard: tuple[int, int] | None = None,
    progress: bool | None = None,
    on_progress: ProgressFn | None = None,
) -> IngestReport:
    """Bring the store in line with `settings.corpus_dir`; return what was done.

    Args:
        store: the store to write (default: `Store(settings)`).
        embedder: anything with `encode_with_units` (default: the packaged model, loaded only
            if something needs embedding).
        full: drop the index (or this shard's part of it) and rebuild from scratch.
        shard: (i, n) processes only sources with `shard_of(source, n) == i`; n shards into
            one store equal one full ingest.
        progress: tqdm bar on stderr; None = when stderr is a TTY or the run is long.
        on_progress: called as `on_progress(done, total, source)` after each file that needed
            a look at its content (total = those files).

    Usage:
        >>> run_ingest(settings, shard=(0, 4)).failed
    """
    t0 = time.perf_counter()
    settings = settings or Settings.from_env()
    store = store if store is not None else Store(settings)
    if shard is not None:
        i, n = shard
        if not (n >= 1 and 0 <= i < n):
            raise IngestError(f"shard {i}/{n}: need 0 <= I < N")
    in_shard = _shard_filter(shard)
    root = Path(settings.corpus_dir)
    if not root.is_dir():
        raise IngestError(f"corpus folder not found: {root}")

    report = IngestReport()
    walk = walk_corpus(root, extensions=supported_extensions())
    for source, why in walk.skipped:
        if in_shard(source):
            report.skipped += 1
            log.info("skipped %s: %s", source, why)
    for source, error in walk.failed:
        if in_shard(source):
            _fail(report, source, error)

    if full:
        _clear(store, shard, in_shard)
    records = {s: m for s, m in store.doc_records().items() if in_shard(s)}
    files = [f for f in walk.files if in_shard(f.source)]
    present = {f.source for f in files}
    unreadable = [s for s, _ in walk.failed]

    for source in sorted(set(records) - present):
        if any(source == u or source.startswith(u.rstrip("/") + "/") for u in unreadable):
            continue  # its folder could not be listed: keep what we had
        try:
            remove_source(store, source)
            report.removed += 1
            log.debug("removed %s", source)
        except Exception as exc:  # noqa: BLE001 - one bad removal must not stop the run
            _fail(report, source, f"could not remove from the store: {_describe(exc)}")

    work: list[FileEntry] = []
    for f in files:
        if _same_stat(records.get(f.source), f):
            report.unchanged += 1
        else:
            work.append(f)

    indexer = _FileIndexer(settings, store, embedder, report)
    with _progress_bar(len(work), progress) as bar:
        for done, f in enumerate(work, 1):
            indexer.index(f, records.get(f.source))
            if bar is not None:
                bar.update(1)
            if on_progress is not None:
                on_progress(done, len(work), f.source)

    report.chunks_total = store.chunks.count()
    if report.changed:
        _refresh_derived(store)
    report.seconds = time.perf_counter() - t0
    log.info("%s", report.summary())
    return report


class _FileIndexer:
    """Indexes one file at a time under the PENDING/DONE protocol; owns the lazy embedder."""

    def __init__(self, settings: Settings, store: Store, embedder, report: IngestReport):
        self.settings = settings
        self.store = store
        self._embedder = embedder
        self.report = report
        self.max_bytes = int(settings.max_file_mb * 1024 * 1024)
        self.batch = max(1, int(settings.embed_batch))

    @property
    def embedder(self):
        if self._embedder is None:
            from assistant.embeddings import get_embedder

            self._embedder = get_embedder()
        return self._embedder

    def index(self, f: FileEntry, record: dict | None) -> None:
        """Index `f`, recording the outcome in the report; never raises for one file."""
        try:
            self._index(f, record)
        except EmptyDocument as exc:
            self.report.skipped += 1
            log.info("skipped %s: %s", f.source, exc.problem)
            if record is not None:  # it had text before; a full build would not hold it now
                try:
                    remove_source(self.store, f.source)
                    self.report.removed += 1
                except Exception as exc2:  # noqa: BLE001
                    _fail(self.report, f.source, f"could not remove: {_describe(exc2)}")
        except LoadError as exc:
            _fail(self.report, f.source, exc.problem)
        except Exception as exc:  # noqa: BLE001 - store/model errors stay with their file
            _fail(self.report, f.source, _describe(exc))

    def _index(self, f: FileEntry, record: dict | None) -> None:
        from .chunking import chunk_document, embedding_text
        from .loaders import load

        if f.size > self.max_bytes:
            raise LoadError(
                f.source,
                f"{f.size / 1048576:.1f} MB is over the {self.settings.max_file_mb:g} MB limit "
                "(ASSISTANT_MAX_FILE_MB)",
            )
        fingerprint = file_fingerprint(f.path)
        if record is not None and record.get("status") == DONE:
            if record.get("fingerprint") == fingerprint:
                # Touched, not changed: remember the new stat so the next run skips the hash.
                self.store.docs.update(
                    ids=[f.source], metadatas=[{**record, "size": f.size, "mtime_ns": f.mtime_ns}]
                )
                self.report.unchanged += 1
                return
        doc = load(f.path, f.source, max_bytes=self.max_bytes)
        for warning in doc.warnings:
            log.warning("%s: %s", f.source, warning)
        # Budget chunks in the model's own word pieces: it truncates at 256 of them.
        count = getattr(self.embedder, "count_tokens", None)
        chunks = chunk_document(doc, count_tokens=count)
        if not chunks:
            raise EmptyDocument(f.source, "no text to index")
        texts = [embedding_text(doc, c, count_tokens=count) for c in chunks]
        ids = [chunk_id(f.source, c.index, t) for c, t in zip(chunks, texts, strict=True)]
        metas = [
            chunk_metadata(doc, c, fingerprint, len(chunks)) for c in chunks
        ]
        previous_text = self.store.doc_text(f.source) if record is not None else None

        # (1) PENDING before any chunk is touched: a crash from here on is redone next run.
        self._write_doc(doc, f, fingerprint, len(chunks), PENDING)
        existing = {
            cid: meta
            for ids_, metas_, _ in iter_collection(
                self.store.chunks, include=["metadatas"], where={"source": f.source}
            )
            for cid, meta in zip(ids_, metas_, strict=True)
        }
        missing = [k for k, cid in enumerate(ids) if cid not in existing]
        written: list[str] = []
        try:
            # (2) embed and write only the chunks the store does not hold yet.
            for part in batched(missing, self.batch):
                self._embed_and_write(
                    [ids[k] for k in part], [chunks[k] for k in part],
                    [texts[k] for k in part], [metas[k] for k in part],
                )
                written.extend(ids[k] for k in part)
        except Exception:
            self._roll_back(f.source, written, record, previous_text)
            raise
        # Kept chunks keep their vectors; their offsets, n_chunks and fingerprint may move.
        kept = [k for k, cid in enumerate(ids) if cid in existing]
        changed = []
        for k in kept:
            meta = {**metas[k], "unit_vecs": existing[ids[k]].get("unit_vecs", "")}
            if meta != existing[ids[k]]:
                changed.append((ids[k], meta))
        for part in batched(changed, DELETE_BATCH):
            self.store.chunks.update(ids=[c for c, _ in part], metadatas=[m for _, m in part])
        # (3) stale chunks of this source go.
        stale = sorted(set(existing) - set(ids))
        for part in batched(stale, DELETE_BATCH):
            self.store.chunks.delete(ids=part)
        # (4) DONE.
        self._write_doc(doc, f, fingerprint, len(chunks), DONE)
        if record is None:
            self.report.added += 1
        else:
            self.report.updated += 1
        self.report.chunks_embedded += len(missing)
        log.debug(
            "indexed %s: %d chunks, %d embedded, %d stale removed",
            f.source, len(chunks), len(missing), len(stale),
        )

    def _embed_and_write(self, ids, chunks, texts, metas) -> None:
        spans = []
        for chunk, text in zip(chunks, texts, strict=True):
            shift = _header_length(text, chunk.text) - chunk.start
            spans.append([(u.start + shift, u.end + shift) for u in chunk.units])
        vecs, unit_vecs = self.embedder.encode_with_units(texts, spans, batch_size=self.batch)
        metas = [
            {**m, "unit_vecs": pack_vectors(uv) if len(uv) else ""}
            for m, uv in zip(metas, unit_vecs, strict=True)
        ]
        self.store.chunks.upsert(
            ids=list(ids),
            embeddings=[v.tolist() for v in vecs],
            documents=[c.text for c in chunks],
            metadatas=metas,
        )

    def _write_doc(self, doc: ParsedDocument, f: FileEntry, fingerprint: str, n_chunks: int,
                   status: str) -> None:
        self.store.docs.upsert(
            ids=[f.source],
            documents=[doc.text],
            embeddings=[[1.0]],
            metadatas=[doc_metadata(doc, f, fingerprint, n_chunks, status)],
        )

    def _roll_back(self, source: str, written: list[str], record: dict | None,
                   previous_text: str | None) -> None:
        """After a failed embed/write: drop what this attempt added and put the old record
        back, so the file's previous chunks stay exactly as they were. If even that fails,
        the PENDING record makes the next run redo the file."""
        try:
            for part in batched(written, DELETE_BATCH):
                self.store.chunks.delete(ids=part)
            if record is None:
                self.store.docs.delete(ids=[source])
            else:
                self.store.docs.upsert(
                    ids=[source], documents=[previous_text or ""], embeddings=[[1.0]],
                    metadatas=[record],
                )
        except Exception as exc:  # noqa: BLE001 - keep the original error
            log.error("%s: roll-back failed (%s); the next run redoes it", source, _describe(exc))


# --- records ----------------------------------------------------------------------------------


def chunk_id(source: str, index: int, text: str) -> str:
    """Content-derived chunk id: same source, position and embedded text -> same id."""
    return hashlib.sha256(f"{source}\0{index}\0{text}".encode()).hexdigest()[:32]


def file_fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def chunk_metadata(doc: ParsedDocument, chunk, fingerprint: str, n_chunks: int) -> dict:
    """A chunk's flat metadata (CHUNK_KEYS); `unit_vecs` is filled in after embedding."""
    m = doc.meta
    return {
        "source": doc.source,
        "fingerprint": fingerprint,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "start": chunk.start,
        "end": chunk.end,
        "page": chunk.page if chunk.page is not None else -1,
        "section": chunk.section or "",
        "title": m.title or "",
        "process": m.process or "",
        "meeting_type": m.meeting_type or "",
        "date": m.date or "",
        "year": int(m.year or 0),
        "location": m.location or "",
        "units": dumps_units((u.start, u.end, u.kind) for u in chunk.units),
        "unit_vecs": "",
    }


def doc_metadata(doc: ParsedDocument, f: FileEntry, fingerprint: str, n_chunks: int,
                 status: str) -> dict:
    """A document record's flat metadata (DOC_KEYS)."""
    m = doc.meta
    return {
        "source": f.source,
        "fingerprint": fingerprint,
        "status": status,
        "size": f.size,
        "mtime_ns": f.mtime_ns,
        "n_chunks": n_chunks,
        "title": m.title or "",
        "process": m.process or "",
        "meeting_type": m.meeting_type or "",
        "date": m.date or "",
        "year": int(m.year or 0),
        "location": m.location or "",
        "format": doc.format or "",
        "pages": max((p[2] for p in doc.pages), default=0),
    }


def remove_source(store: Store, source: str) -> None:
    """Delete a source's chunks, then its record (in that order: a crash between the two
    leaves a record without chunks, which the next run removes again)."""
    store.chunks.delete(where={"source": source})
    store.docs.delete(ids=[source])


def shard_of(source: str, n: int) -> int:
    """The shard (0..n-1) a source belongs to: stable across runs and machines."""
    return int(hashlib.sha1(source.encode("utf-8")).hexdigest(), 16) % n


def supported_extensions() -> tuple[str, ...]:
    from . import loaders

    exts = getattr(loaders, "SUPPORTED", None)
    return tuple(sorted(exts)) if exts else DEFAULT_EXTENSIONS


# --- helpers ----------------------------------------------------------------------------------


def _shard_filter(shard: tuple[int, int] | None) -> Callable[[str], bool]:
    if shard is None:
        return lambda source: True
    i, n = shard
    return lambda source: shard_of(source, n) == i


def _same_stat(record: dict | None, f: FileEntry) -> bool:
    return (
        record is not None
        and record.get("status") == DONE
        and record.get("size") == f.size
        and record.get("mtime_ns") == f.mtime_ns
    )


def _clear(store: Store, shard, in_shard) -> None:
    if shard is None:
        store.reset()
        return
    for source in sorted(s for s in store.doc_records() if in_shard(s)):
        remove_source(store, source)


def _header_length(embedded: str, chunk_text: str) -> int:
    # embedding_text puts a header (title, date, place) before the chunk text.
    if embedded.endswith(chunk_text):
        return len(embedded) - len(chunk_text)
    at = embedded.find(chunk_text)
    return max(at, 0)


def _fail(report: IngestReport, source: str, error: str) -> None:
    report.fail(source, error)
    log.error("failed %s: %s", source, error)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _refresh_derived(store: Store) -> None:
    """Tell the keyword index the store changed (if that module offers a refresh hook)."""
    try:
        from assistant import index
    except ImportError:
        return
    refresh = getattr(index, "refresh", None)
    if refresh is None:
        return
    try:
        refresh(store)
    except Exception as exc:  # noqa: BLE001 - the store is right; the index can catch up later
        log.error("keyword index refresh failed: %s", _describe(exc))


@contextlib.contextmanager
def _progress_bar(total: int, progress: bool | None):
    """A tqdm bar on stderr (or None), with log lines routed through it so they do not tear it."""
    if progress is False or total == 0 or (
        progress is None and not (sys.stderr.isatty() or total >= SHORT_RUN)
    ):
        yield None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    tty = sys.stderr.isatty()
    with tqdm(total=total, unit="file", desc="ingest", file=sys.stderr, leave=False,
              mininterval=0.5 if tty else 10.0) as bar, logging_redirect_tqdm():
        yield bar
