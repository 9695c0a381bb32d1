"""The documents tab's logic: safe uploads into the corpus folder, removal, background reindex.

Nothing here knows Gradio. Uploaded names are reduced to a bare file name and checked (type,
size, content signature, no dotfiles, no traversal) before one byte is written; the resolved
target must sit directly in the corpus folder.

    >>> path = save_upload("/tmp/gradio/abc/report.pdf", "report.pdf", settings)
    >>> reindexer = Reindexer(settings); reindexer.request(); reindexer.wait()
    >>> reindexer.cancel()   # from another thread: stops after the files being committed
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant import Settings
from ingest.model import LoadError
from ingest.safety import binary_problem, check_zip, mib
from ingest.walk import supported_extensions, walk_corpus

log = logging.getLogger(__name__)

MAX_NAME = 150
# First bytes each binary format must start with: a renamed executable is refused.
SIGNATURES = {".pdf": (b"%PDF-",), ".docx": (b"PK\x03\x04",)}


class UploadError(ValueError):
    """An upload refused; `str()` says why in words a user can act on."""


def safe_name(name: str, allowed: Iterable[str]) -> str:
    """A bare, safe file name for `name`, or UploadError.

    Directory parts (either slash) are stripped; dotfiles, '..', control characters, empty names
    and extensions outside `allowed` are refused.

    >>> safe_name("../../etc/report.TXT", [".txt"])
    'report.TXT'
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base or base in {".", ".."}:
        raise UploadError(f"{name!r}: no file name")
    if base.startswith("."):
        raise UploadError(f"{base!r}: hidden files (names starting with '.') are not accepted")
    if any(unicodedata.category(ch).startswith("C") for ch in base):
        raise UploadError(f"{base!r}: the name contains control characters")
    if len(base) > MAX_NAME:
        raise UploadError(f"{base[:40]!r}...: names longer than {MAX_NAME} characters are refused")
    ext = Path(base).suffix.lower()
    allowed = tuple(allowed)
    if ext not in allowed:
        raise UploadError(f"{base!r}: type {ext or '(none)'} not accepted; use {', '.join(allowed)}")
    return base


def check_content(path: Path, ext: str, max_bytes: int) -> None:
    """Size limit and a content check: binary formats by signature, text with no NUL bytes."""
    size = path.stat().st_size
    if size > max_bytes:
        raise UploadError(f"{mib(size)} is over the {mib(max_bytes)} limit")
    if size == 0:
        raise UploadError("the file is empty")
    with path.open("rb") as fh:
        head = fh.read(8192)
    if ext in SIGNATURES:
        if not head.startswith(SIGNATURES[ext]):
            raise UploadError(f"the content is not a {ext[1:].upper()} file")
        if ext == ".docx":  # a zip bomb is refused here, from its central directory
            try:
                check_zip(path.read_bytes(), path.name)
            except LoadError as exc:
                raise UploadError(exc.problem) from None
    elif problem := binary_problem(head):  # the same check ingest applies
        raise UploadError(f"{problem} ({ext[1:]} expected)")


def free_name(folder: Path, base: str) -> str:
    """`base`, or `stem-2.ext`, `stem-3.ext`, ... : the first name not taken in `folder`.

    >>> free_name(Path("/nonexistent"), "report.pdf")
    'report.pdf'
    """
    stem, ext = Path(base).stem, Path(base).suffix
    name, n = base, 1
    while (folder / name).exists():
        n += 1
        name = f"{stem}-{n}{ext}"
    return name


def save_upload(src: str | Path, name: str, settings: Settings, *,
                allowed: Iterable[str] | None = None) -> Path:
    """Copy an uploaded file into the corpus folder under a safe name; returns the target.

    A report of the same name is never replaced: the upload is kept beside it as
    `name-2.ext` (the caller says so), so nothing is lost by a same-name upload.
    """
    allowed = tuple(allowed) if allowed is not None else supported_extensions()
    base = safe_name(name, allowed)
    src = Path(src)
    check_content(src, Path(base).suffix.lower(), settings.max_file_bytes)
    corpus = Path(settings.corpus_dir).resolve()
    corpus.mkdir(parents=True, exist_ok=True)
    return _move_in(src, corpus, free_name(corpus, base), copy=True)


def _move_in(src: Path, folder: Path, base: str, *, copy: bool) -> Path:
    target = folder / base
    if target.resolve().parent != folder or target.is_symlink():
        raise UploadError(f"{base!r}: would be written outside the corpus folder")
    # Write beside the target under a dot-name (ingest skips dotfiles), then rename atomically:
    # a reindex running meanwhile never reads a half-written file.
    part = folder / f".{base}.part"
    try:
        if copy:
            shutil.copyfile(src, part)
        else:
            shutil.move(str(src), part)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    log.info("saved %s (%d bytes)", target, target.stat().st_size)
    return target


def trash_dir(settings: Settings) -> Path:
    """Where removed reports wait, restorable: `<store>/trash/`."""
    return Path(settings.store_dir).resolve() / "trash"


def _inside(folder: Path, name: str) -> Path:
    target = (folder / str(name)).resolve()
    if not str(name) or Path(str(name)).is_absolute() or folder not in target.parents:
        raise UploadError(f"{name!r}: not a report in the corpus folder")
    if not target.is_file():
        raise UploadError(f"{name!r}: no such file")
    return target


def remove_document(source: str, settings: Settings) -> Path:
    """Move the report `source` (a path relative to the corpus folder) to the trash.

    The index forgets it at the next reindex; `restore_document` brings it back. Refuses
    anything outside the corpus folder. Returns the file's place in the trash.
    """
    target = _inside(Path(settings.corpus_dir).resolve(), source)
    trash = trash_dir(settings)
    trash.mkdir(parents=True, exist_ok=True)
    flat = str(source).replace("/", "__")  # one folder level: a sub-folder's path, flattened
    # Replace an older trashed copy of the same name: the trash keeps the latest removal.
    (trash / flat).unlink(missing_ok=True)
    shutil.move(str(target), trash / flat)
    log.info("removed %s (moved to %s)", target, trash / flat)
    return trash / flat


def trashed(settings: Settings) -> list[str]:
    """File names in the trash, sorted."""
    trash = trash_dir(settings)
    return sorted(p.name for p in trash.iterdir() if p.is_file()) if trash.is_dir() else []


def restore_document(name: str, settings: Settings) -> Path:
    """Move `name` from the trash back into the corpus folder (beside a same-name report,
    as `name-2.ext`); returns its path in the corpus."""
    src = _inside(trash_dir(settings), name)
    corpus = Path(settings.corpus_dir).resolve()
    return _move_in(src, corpus, free_name(corpus, src.name), copy=False)


@dataclass
class Progress:
    """A reindex's state, as the documents tab shows it."""

    running: bool = False
    done: int = 0
    total: int = 0
    source: str = ""  # the file being read or embedded now
    chunks: int = 0  # chunks embedded so far in this run
    started: float = 0.0
    runs: int = 0
    report: dict = field(default_factory=dict)
    error: str = ""
    waiting: str = ""  # another writer holds the store: who, as ingest's lock describes it
    cancelling: bool = False  # Cancel was pressed; the run stops after the group in hand

    def describe(self) -> str:
        """One line while running; the run's summary, failures named, when done.

        >>> Progress(running=True, done=1, total=3, source="a.pdf", chunks=40).describe()
        'Reindexing: 1/3 files done, now a.pdf; 40 chunks embedded'
        """
        if self.error:
            return f"Reindex failed: {self.error}"
        if self.running and self.cancelling:
            return ("Cancelling: the reindex stops after the files being written "
                    f"({self.done}/{self.total} files done so far)…")
        if self.running and self.waiting:
            return f"Waiting: {self.waiting}; this reindex starts when it ends."
        if self.running:
            files = f"{self.done}/{self.total} files done" if self.total else "checking files"
            now = f", now {self.source}" if self.source else ""
            secs = f" ({time.monotonic() - self.started:.0f} s)" if self.started else ""
            return f"Reindexing: {files}{now}; {self.chunks} chunks embedded{secs}"
        if not self.runs:
            return "Index ready."
        if self.report.get("cancelled"):
            return cancelled_summary(self.report, self.done, self.total)
        return summary(self.report)


def cancelled_summary(report: dict, done: int, total: int) -> str:
    """'Reindex cancelled after 2.0 s: 4 of 10 files committed (added 4, updated 0, removed 0,
    failed 0); the other 6 are left as they were and will be redone on the next reindex.'

    `done` counts the files whose outcome is final (committed, failed or skipped), `total` the
    files the run had to look at.
    """
    if report.get("waiting"):  # cancelled before it had the store's lock: nothing touched
        return (f"Reindex cancelled while waiting: {report['waiting']}; 0 of {total} files "
                "committed, all will be done on the next reindex.")
    committed = int(report.get("added") or 0) + int(report.get("updated") or 0)
    secs = report.get("seconds")
    took = f" after {secs:.1f} s" if isinstance(secs, int | float) else ""
    left = max(0, total - done)
    rest = (f"the other {left} are left as they were and will be redone" if left != 1 else
            "the other 1 is left as it was and will be redone")
    return "\n".join([
        f"Reindex cancelled{took}: {committed} of {total} files committed ({_counts(report)}); "
        f"{rest} on the next reindex.", *_failures(report)])


def summary(report: dict) -> str:
    """'Reindexed in 2.1 s: added 1, updated 0, removed 0, failed 1 (x.pdf: no text layer).'"""
    secs = report.get("seconds")
    took = f" in {secs:.1f} s" if isinstance(secs, int | float) else ""
    skipped = f", skipped {report['skipped']}" if report.get("skipped") else ""
    return "\n".join([f"Reindexed{took}: {_counts(report)}{skipped}; "
                      f"{report.get('chunks_embedded', 0)} chunks embedded.", *_failures(report)])


def _counts(report: dict) -> str:
    return ", ".join(f"{k} {len(v) if isinstance(v, list | tuple) else (v or 0)}"
                     for k, v in (("added", report.get("added")),
                                  ("updated", report.get("updated")),
                                  ("removed", report.get("removed")),
                                  ("failed", report.get("failed") or [])))


def _failures(report: dict) -> list[str]:
    return [f"Failed {f.get('path', '?')}: {f.get('error', '')}"
            for f in report.get("failed") or [] if isinstance(f, dict)]


class _CountingEmbedder:
    """The ingest embedder, counting the chunks it embeds (for the progress line)."""

    def __init__(self, progress: Progress, settings: Settings, inner=None):
        self._progress, self._settings, self._inner = progress, settings, inner

    def _get(self):
        if self._inner is None:  # ingest's own encoder, in the precision of the store's vectors
            from assistant.onnx_encoder import passage_encoder
            from assistant.store import Store

            self._inner = passage_encoder(Store(self._settings).with_its_encoder(self._settings))
        return self._inner

    def encode_with_units(self, texts, spans, **kwargs):
        # Ingest hands over a whole window of chunks at once: embed it a batch at a time so
        # the progress line moves while it runs.
        step = max(1, int(kwargs.get("batch_size") or 32))
        vecs, units = [], []
        for i in range(0, len(texts), step):
            v, u = self._get().encode_with_units(texts[i:i + step], spans[i:i + step], **kwargs)
            vecs.extend(v)
            units.extend(u)
            self._progress.chunks += len(texts[i:i + step])
        return vecs, units

    def __getattr__(self, name):
        return getattr(self._get(), name)


def pending_files(settings: Settings) -> list[str]:
    """The corpus files a reindex will read (new or changed by size/mtime), in ingest's order:
    the progress line's total and 'now' file before ingest reports the first one done."""
    try:
        from assistant.store import Store
        from ingest.pipeline import _same_stat

        records = Store(settings).doc_records()
        walk = walk_corpus(Path(settings.corpus_dir), extensions=supported_extensions())
        return [f.source for f in walk.files if not _same_stat(records.get(f.source), f)]
    except Exception:  # noqa: BLE001 - progress detail only; the run itself reports errors
        log.debug("could not list pending files", exc_info=True)
        return []


class Reindexer:
    """Runs ingest in one worker thread so chat keeps answering meanwhile.

    `request()` starts a run, or, when one is running, queues exactly one more (a file saved
    during a run is picked up by the next). `cancel()` stops the run (also while it waits for
    another ingest's lock) and drops a queued one. Thread-safe.
    """

    def __init__(self, settings: Settings, ingest_fn: Callable | None = None,
                 after: Callable[[Settings], None] | None = None):
        self.settings = settings
        self._ingest_fn = ingest_fn
        self._after = after  # e.g. assistant.refresh: the answerer's keyword index catches up
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._again = False
        self._cancel = threading.Event()  # handed to ingest; cleared when a run starts
        self._thread: threading.Thread | None = None
        self.progress = Progress()

    def _ingest(self):
        if self._ingest_fn is None:
            from ingest.pipeline import run_ingest

            self._ingest_fn = run_ingest
        return self._ingest_fn

    def _holder(self) -> str | None:
        from ingest.lock import ingest_running

        try:
            return ingest_running(self.settings)
        except Exception:  # noqa: BLE001 - the message is a courtesy; the run itself waits
            return None

    def request(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._idle.clear()
            self._cancel.clear()
            self.progress.running, self.progress.cancelling = True, False
            self._thread = threading.Thread(target=self._loop, name="reindex", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            self._run_once()
            with self._lock:
                if not self._again:
                    self.progress.running = False
                    self._idle.set()
                    return
                self._again = False  # requested after a cancel: a new run, not cancelled
                self._cancel.clear()
                self.progress.cancelling = False

    def cancel(self) -> bool:
        """Stop the run in hand and drop a queued one; True when there was one to stop.

        Ingest commits the group of files it is writing, leaves the others as they were (the
        next reindex redoes them), and a run still waiting for another ingest's lock stops
        waiting. Returns at once; `wait()` for the run to end.
        """
        with self._lock:
            if not self.running:
                return False
            self._again = False
            self._cancel.set()
            self.progress.cancelling = True
            return True

    def _run_once(self) -> None:
        from ingest.lock import StoreBusy

        p = self.progress
        p.running, p.done, p.total, p.source, p.error = True, 0, 0, "", ""
        # Another writer (a CLI ingest, another server) holds the store: say so, then wait.
        p.waiting = self._holder() or ""
        p.chunks, p.started = 0, time.monotonic()
        todo = pending_files(self.settings)
        p.total, p.source = len(todo), (todo[0] if todo else "")

        def on_progress(done: int, total: int, source: str = "") -> None:
            p.waiting = ""
            p.done, p.total = done, max(total, p.total)
            p.source = todo[done] if done < len(todo) else ""

        try:
            report = self._ingest()(self.settings, on_progress=on_progress, progress=False,
                                    embedder=_CountingEmbedder(p, self.settings),
                                    cancel=self._cancel)
            p.waiting = ""
            p.report = report.to_dict() if hasattr(report, "to_dict") else dict(report or {})
            if self._after is not None:
                self._after(self.settings)
        except Exception as exc:  # noqa: BLE001 - shown to the user, logged with traceback
            if isinstance(exc, StoreBusy) and self._cancel.is_set():
                # Cancelled while another ingest held the lock: the wait ended, nothing touched.
                p.report, p.waiting = {"cancelled": True, "waiting": str(exc)}, ""
            else:
                log.exception("reindex failed")
                p.error = f"{type(exc).__name__}: {exc}"
        p.runs += 1

    @property
    def running(self) -> bool:
        return not self._idle.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is going or queued; True when idle."""
        return self._idle.wait(timeout)

    def follow(self, every: float = 0.4, timeout: float = 3600.0):
        """Yield `Progress` while a run goes on (and once at the end)."""
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            yield self.progress
            self._idle.wait(every)
        yield self.progress
