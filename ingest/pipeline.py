"""Incremental, crash-safe indexing of the corpus into the store.

    >>> report = run_ingest(Settings.from_env())
    >>> report.to_dict()
    {'added': 3, 'updated': 0, 'removed': 0, 'unchanged': 0, 'skipped': 0, 'failed': [], ...}

Change detection: (size, mtime_ns) against the document record; only when they differ are the
bytes hashed, and only a different sha256 fingerprint is a change. A changed file re-embeds
only the chunks whose content-derived id is not in the store yet.

Crash safety, per file (committed a group of files at a time, see `indexer.py`): (1) the
document record is written with status PENDING before any chunk is touched; (2) missing chunks
are embedded and upserted; (3) the source's stale chunks are deleted; (4) the record is written
with status DONE. A removed file loses its chunks, then its record. Any PENDING record found at
start is redone, so after a kill at any point the next run ends in the state a clean full
build gives. A run holds the store's writer lock throughout (`lock.py`): a second writer waits
or, with `wait=False`, gets `StoreBusy`.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Collection
from pathlib import Path

from assistant.settings import Settings
from assistant.store import DONE, Store

from . import manifest
from .indexer import Indexer, describe
from .lock import StoreBusy, WriterLock
from .records import chunk_id, file_fingerprint, remove_sources, shard_of
from .report import IngestReport
from .walk import FileEntry, supported_extensions, walk_corpus

__all__ = ["IngestError", "IngestReport", "StoreBusy", "chunk_id", "file_fingerprint", "run_ingest",
           "shard_of", "supported_extensions"]

log = logging.getLogger(__name__)

DELETE_BATCH = 500
# Without a terminal there is no bar: a run this long logs one progress line per tenth instead.
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
    wait: bool = True,
    cancel: threading.Event | None = None,
    only: Collection[str] | None = None,
    use_note: bool = True,
) -> IngestReport:
    """Bring the store in line with `settings.corpus_dir`; return what was done.

    Args:
        store: the store to write (default: `Store(settings)`).
        embedder: anything with `encode_with_units` (default: the packaged model, loaded only
            if something needs embedding).
        full: drop the index (or this shard's part of it) and rebuild from scratch.
        shard: (i, n) processes only sources with `shard_of(source, n) == i`; n shards into
            one store equal one full ingest.
        progress: tqdm bar on stderr; None = when stderr is a TTY. Without a TTY there is never
            a bar (no fragments before ERROR lines); a long run logs a line per tenth instead.
        on_progress: called as `on_progress(done, total, source)` after each file that needed
            a look at its content (total = those files).
        wait: when another ingest holds the store's writer lock, wait for it (with a note);
            False raises `StoreBusy` (the CLI's `--no-wait`, exit code 3).
        cancel: set it (from another thread) to stop after the file in hand; what was done is
            committed, the rest stays as it was, and `report.cancelled` is True.
        only: look only at these sources (e.g. the PENDING ones `serve` repairs at start).
        use_note: answer from the no-change note when it shows nothing changed
            (`ingest.manifest`); False when the caller has just asked it (the CLI).

    Usage:
        >>> run_ingest(settings, shard=(0, 4)).failed
    """
    t0 = time.perf_counter()
    settings = settings or Settings.from_env()
    complete = shard is None and only is None
    if complete and not full and use_note:
        report = manifest.unchanged(settings)  # nothing changed: known without opening Chroma
        if report is not None:
            log.info("%s", report.summary())
            return report
    store = store if store is not None else Store(settings)
    if shard is not None:
        i, n = shard
        if not (n >= 1 and 0 <= i < n):
            raise IngestError(f"shard {i}/{n}: need 0 <= I < N")
    in_shard = _shard_filter(shard, only)
    root = Path(settings.corpus_dir)
    if not root.is_dir():
        raise IngestError(f"corpus folder not found: {root}")
    with WriterLock(settings, store, shard=shard, wait=wait, cancel=cancel) as lock:
        report = _run(settings, store, embedder, root, full, shard, in_shard, progress,
                      on_progress, cancel, lock, complete)
    report.seconds = time.perf_counter() - t0
    log.info("%s", report.summary())
    return report


def _run(settings, store, embedder, root, full, shard, in_shard, progress, on_progress, cancel,
         lock, complete) -> IngestReport:
    report = IngestReport()
    walk = walk_corpus(root, extensions=supported_extensions())
    for source, why in walk.skipped:
        if in_shard(source):
            report.skipped += 1
            log.info("skipped %r: %s", source, why)
    for source, error in walk.failed:
        if in_shard(source):
            _fail(report, source, error)

    if full:
        _clear(store, shard, in_shard)
        lock.renew()  # a reset dropped the docs collection, and a server lease with it
    all_records = store.doc_records()
    records = {s: m for s, m in all_records.items() if in_shard(s)}
    files = [f for f in walk.files if in_shard(f.source)]
    present = {f.source for f in files}
    unreadable = [s.rstrip("/") for s, _ in walk.failed]
    gone = [
        s for s in sorted(set(records) - present)
        # A folder that could not be listed keeps what it had.
        if not any(s == u or s.startswith(u + "/") or u == "." for u in unreadable)
    ]
    _remove(store, gone, report)

    work: list[FileEntry] = []
    for f in files:
        if _same_stat(records.get(f.source), f):
            report.unchanged += 1
        else:
            work.append(f)
    # Small files first: a huge or slow one comes last and cannot hold the others back.
    work.sort(key=lambda f: f.size)

    with _progress_bar(len(work), progress) as bar:
        done = 0
        every = max(1, len(work) // 10)

        def finished(source: str) -> None:
            nonlocal done
            done += 1
            if bar is not None:
                bar.update(1)
            elif progress is not False and len(work) >= SHORT_RUN and done % every == 0:
                log.info("ingest: %d/%d files", done, len(work))
            if on_progress is not None:
                on_progress(done, len(work), source)

        indexer = Indexer(store.with_its_encoder(settings), store, embedder, report,
                          on_done=finished, cancel=cancel)
        for f, record, outcome in indexer.prepare_ahead(work, records):
            if cancel is not None and cancel.is_set():
                report.cancelled = True
                log.warning("ingest cancelled: %d of %d files left as they were",
                            len(work) - done - len(indexer.group), len(work))
                break
            indexer.take(f, record, outcome)
        indexer.flush()

    report.chunks_total = _chunks_total(store, all_records, report)
    if report.changed:
        _refresh_derived(store)
    if complete and not report.failed and not report.cancelled and not walk.failed:
        # Skipped = hidden or unsupported (the walk's) + empty documents.
        manifest.write(settings, files, report, empty=report.skipped - len(walk.skipped))
    return report


def pending_sources(store: Store) -> list[str]:
    """Sources whose record is PENDING: a run was killed while writing them."""
    return sorted(s for s, m in store.doc_records().items() if m.get("status") != DONE)


def repair_pending(settings: Settings, *, store: Store | None = None,
                   wait: bool = True) -> IngestReport | None:
    """Redo the files a killed run left PENDING (and only those); None when there are none.

    `serve` calls this at start so the library never lists half-indexed reports as indexed.
    """
    store = store if store is not None else Store(settings)
    pending = pending_sources(store)
    if not pending:
        return None
    log.warning("repairing %d report(s) a killed ingest left half-indexed", len(pending))
    return run_ingest(settings, store=store, only=set(pending), wait=wait, progress=False)


# --- helpers ----------------------------------------------------------------------------------


def _shard_filter(shard: tuple[int, int] | None,
                  only: Collection[str] | None = None) -> Callable[[str], bool]:
    if only is not None:
        wanted = set(only)
        if shard is None:
            return lambda source: source in wanted
        i, n = shard
        return lambda source: source in wanted and shard_of(source, n) == i
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
    else:
        remove_sources(store, [s for s in store.doc_records() if in_shard(s)])


def _remove(store: Store, sources: list[str], report: IngestReport) -> None:
    """Removed files: chunks, then records; one source at a time only if a batch fails."""
    try:
        remove_sources(store, sources)
        report.removed += len(sources)
        return
    except Exception as exc:  # noqa: BLE001 - find out which source breaks
        log.debug("batch removal failed (%s); removing one by one", describe(exc))
    for source in sources:
        try:
            remove_sources(store, [source])
            report.removed += 1
        except Exception as exc:  # noqa: BLE001 - one bad removal must not stop the run
            _fail(report, source, f"could not remove from the store: {describe(exc)}")


def _chunks_total(store: Store, records: dict[str, dict], report: IngestReport) -> int:
    # Counting a large collection costs a cold Chroma most of a second. When nothing changed
    # and every record is DONE, the records' n_chunks add up to the count (that is what DONE
    # guarantees), which keeps a no-change run cheap.
    if report.changed or report.failed or any(m.get("status") != DONE for m in records.values()):
        return store.chunks.count()
    return sum(int(m.get("n_chunks") or 0) for m in records.values())


def _fail(report: IngestReport, source: str, error: str) -> None:
    report.fail(source, error)
    log.error("failed %r: %s", source, error)


def _refresh_derived(store: Store) -> None:
    """Tell this process's loaded keyword index (if any) that the store changed."""
    from assistant.answering import refresh

    try:
        refresh(store.settings)
    except Exception as exc:  # noqa: BLE001 - the store is right; the index can catch up later
        log.error("keyword index refresh failed: %s", describe(exc))


@contextlib.contextmanager
def _progress_bar(total: int, progress: bool | None):
    """A tqdm bar on stderr (or None), with log lines routed through it so they do not tear it.
    Only on a terminal: in a log file a bar leaves fragments in front of the ERROR lines."""
    if progress is False or total == 0 or not sys.stderr.isatty():
        yield None
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with tqdm(total=total, unit="file", desc="ingest", file=sys.stderr, leave=False,
              mininterval=0.5) as bar, logging_redirect_tqdm():
        yield bar
