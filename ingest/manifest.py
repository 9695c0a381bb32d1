"""The no-change fast path: a complete run leaves a note of what it saw, so the next run can
tell that nothing changed from a directory listing alone, without opening Chroma.

The note (`ingest-manifest.json` in the store folder) holds the corpus folder, the collection,
every file's size and mtime, the counts to report, and the size and mtime of Chroma's
database files as they were when the run ended. The next run (not `--full`, not a shard,
embedded store only) answers "nothing changed" when the corpus lists the same files with the
same stats, the database files were not written since, and no ingest is running; anything
else, including a missing or unreadable note, takes the normal path, which compares every
file with its record in the store. A run with failures, a cancelled run and a shard run write
no note; the store writes they made no longer match the old note's stamp.

    >>> unchanged(settings)      # an IngestReport when nothing changed, else None
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from assistant.settings import Settings

from .lock import ingest_running
from .report import IngestReport
from .walk import FileEntry, supported_extensions, walk_corpus

log = logging.getLogger("ingest.pipeline")

NAME = "ingest-manifest.json"
VERSION = 1
DB_FILES = ("chroma.sqlite3", "chroma.sqlite3-wal")


def _path(settings: Settings) -> Path:
    return Path(settings.store_dir) / NAME


def _key(settings: Settings) -> dict:
    return {"version": VERSION, "corpus": str(Path(settings.corpus_dir).resolve()),
            "collection": settings.collection, "extensions": list(supported_extensions())}


def store_stamp(settings: Settings) -> list | None:
    """(name, size, mtime_ns) of the embedded store's database files; None when absent."""
    folder = Path(settings.store_dir) / "chroma"
    out = []
    for name in DB_FILES:
        try:
            st = os.stat(folder / name)
        except FileNotFoundError:
            continue
        out.append([name, st.st_size, st.st_mtime_ns])
    return out or None


def stats(files: list[FileEntry]) -> dict[str, list[int]]:
    return {f.source: [f.size, f.mtime_ns] for f in files}


def write(settings: Settings, files: list[FileEntry], report: IngestReport, empty: int) -> None:
    """Note a complete run's outcome (after its last store write). `empty`: files skipped
    because they hold no text (re-read by a normal run, reported as skipped)."""
    if settings.chroma_url:
        return
    stamp = store_stamp(settings)
    if stamp is None:
        return
    note = {**_key(settings), "store": stamp, "files": stats(files), "empty": empty,
            "unchanged": len(files) - empty, "chunks_total": report.chunks_total}
    path = _path(settings)
    tmp = path.with_suffix(".tmp")
    try:
        tmp.write_text(json.dumps(note, ensure_ascii=True), encoding="ascii")
        os.replace(tmp, path)
    except OSError as exc:  # only costs the fast path
        log.debug("could not write %s: %s", path, exc)


def unchanged(settings: Settings) -> IngestReport | None:
    """The report of a run that finds nothing to do, when the note shows that; else None."""
    t0 = time.perf_counter()
    if settings.chroma_url:
        return None
    try:
        note = json.loads(_path(settings).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    if not isinstance(note, dict) or any(note.get(k) != v for k, v in _key(settings).items()):
        return None
    if note.get("store") != store_stamp(settings) or ingest_running(settings):
        return None
    root = Path(settings.corpus_dir)
    if not root.is_dir():
        return None
    walk = walk_corpus(root, extensions=supported_extensions())
    if walk.failed or stats(walk.files) != note.get("files"):
        return None
    for source, why in walk.skipped:
        log.info("skipped %r: %s", source, why)
    return IngestReport(unchanged=int(note["unchanged"]),
                        skipped=len(walk.skipped) + int(note["empty"]),
                        chunks_total=int(note["chunks_total"]),
                        seconds=time.perf_counter() - t0)
