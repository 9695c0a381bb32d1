"""One writer per store: a lock file for the embedded store, a lease record on a Chroma server.

Two ingests writing one store interleave badly (a `--full` run drops the collections under the
other), so every run holds the store's writer lock:

* embedded store: `flock` on `<store>/ingest.lock` (the kernel drops it when the holder dies,
  so a killed run never blocks the next one);
* Chroma server: a lease record in the docs collection with an expiry the holder renews every
  few seconds; a killed holder's lease lapses after `LEASE_SECONDS`.

A whole-store run excludes every other run; `--shard I/N` runs exclude the whole-store run and
the same shard only, so N shard workers still run side by side.

    >>> with WriterLock(settings, store, wait=False):      # StoreBusy when another run holds it
    ...     ...
    >>> ingest_running(settings)                           # for the UI: None or "pid 12 on host..."
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import threading
import time
import uuid
from pathlib import Path

from assistant.settings import Settings
from assistant.store import Store

log = logging.getLogger("ingest.lock")

LEASE_SECONDS = 30.0  # a server lease not renewed for this long is free
RENEW_EVERY = 5.0
POLL = 0.5  # seconds between tries while waiting
EXIT_BUSY = 3  # the CLI's exit code for --no-wait when another ingest holds the store


class StoreBusy(Exception):
    """Another ingest holds this store's writer lock; `str()` says who."""


def scope_of(shard: tuple[int, int] | None) -> str:
    return "all" if shard is None else f"shard-{shard[0]}-of-{shard[1]}"


def _holder() -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}


def _describe(meta: dict) -> str:
    started = meta.get("started")
    since = time.strftime(" since %H:%M:%S", time.localtime(float(started))) if started else ""
    who = f"pid {meta.get('pid', '?')} on {meta.get('host', '?')}" if meta else "another process"
    return f"another ingest is running ({who}{since})"


class WriterLock:
    """Holds the store's writer lock for `scope` while in a `with` block.

    Args:
        wait: when busy, wait (with one note on the log) instead of raising `StoreBusy`.
        cancel: an event that ends the wait early with `StoreBusy`.
    """

    def __init__(self, settings: Settings, store: Store, *, shard: tuple[int, int] | None = None,
                 wait: bool = True, cancel: threading.Event | None = None):
        self.settings = settings
        self.store = store
        self.scope = scope_of(shard)
        self.wait = wait
        self.cancel = cancel
        self.server = bool(settings.chroma_url)
        self._files: list = []
        self._token = uuid.uuid4().hex
        self._meta = {**_holder(), "holder": self._token}
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    # --- acquire / release --------------------------------------------------------------------

    def __enter__(self) -> WriterLock:
        noted = False
        while True:
            busy = self._try_server() if self.server else self._try_files()
            if busy is None:
                break
            if not self.wait or (self.cancel is not None and self.cancel.is_set()):
                raise StoreBusy(busy)
            if not noted:
                log.warning("%s; waiting for it to finish (--no-wait exits instead)", busy)
                noted = True
            if self.cancel is not None:
                self.cancel.wait(POLL)
            else:
                time.sleep(POLL)
        if self.server:
            self._renewer = threading.Thread(target=self._renew_loop, name="ingest-lease",
                                             daemon=True)
            self._renewer.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=RENEW_EVERY + 1)
            self._renewer = None
        if self.server:
            with contextlib.suppress(Exception):  # an expired lease lapses on its own
                self.store.drop_lease(self.scope)
        for fh in reversed(self._files):
            with contextlib.suppress(OSError):
                fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()
        self._files = []

    def renew(self) -> None:
        """Write the lease again (after `Store.reset()` dropped the docs collection)."""
        if self.server:
            self.store.put_lease(self.scope, {**self._meta, "expires": time.time() + LEASE_SECONDS})

    # --- embedded store: flock ----------------------------------------------------------------

    def _try_files(self) -> str | None:
        folder = Path(self.settings.store_dir)
        folder.mkdir(parents=True, exist_ok=True)
        main = folder / "ingest.lock"
        # Whole-store runs take the main lock exclusively; shard runs share it and take their
        # own shard's lock exclusively.
        wanted = [(main, fcntl.LOCK_EX if self.scope == "all" else fcntl.LOCK_SH)]
        if self.scope != "all":
            wanted.append((folder / f"ingest.{self.scope}.lock", fcntl.LOCK_EX))
        got = []
        for path, mode in wanted:
            fh = open(path, "a+")  # noqa: SIM115 - held until release()
            try:
                fcntl.flock(fh, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                for g in got:
                    fcntl.flock(g, fcntl.LOCK_UN)
                    g.close()
                return _describe(_read_holder(path))
            got.append(fh)
        self._files = got
        for fh in got:  # who holds it, for the message a second writer prints
            fh.seek(0)
            fh.truncate()
            fh.write(" ".join(f"{k}={v}" for k, v in _holder().items()))
            fh.flush()
        return None

    # --- Chroma server: lease records -----------------------------------------------------------

    def _conflicts(self, leases: dict[str, dict], now: float) -> list[tuple[str, dict]]:
        return [
            (scope, m) for scope, m in leases.items()
            if m.get("holder") != self._token and float(m.get("expires") or 0) > now
            and (self.scope == "all" or scope in ("all", self.scope))
        ]

    def _try_server(self) -> str | None:
        now = time.time()
        conflicts = self._conflicts(self.store.leases(), now)
        if conflicts:
            return _describe(conflicts[0][1])
        self.renew()
        # Chroma has no compare-and-set: write, then look again. When two writers raced, the
        # earlier start (then the smaller token) keeps it; the other withdraws and retries.
        time.sleep(0.2)
        rivals = self._conflicts(self.store.leases(), time.time())
        mine = (self._meta["started"], self._token)
        if any((float(m.get("started") or 0), m.get("holder", "")) < mine for _, m in rivals):
            with contextlib.suppress(Exception):
                self.store.drop_lease(self.scope)
            return _describe(rivals[0][1])
        return None

    def _renew_loop(self) -> None:
        while not self._stop.wait(RENEW_EVERY):
            try:
                self.renew()
            except Exception as exc:  # noqa: BLE001 - retried; the lease outlives a few misses
                log.warning("could not renew the ingest lease: %s", exc)


def _read_holder(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    return dict(part.split("=", 1) for part in text.split() if "=" in part)


def ingest_running(settings: Settings, store: Store | None = None) -> str | None:
    """Who holds the store's writer lock ("another ingest is running (pid ...)"), or None.

    For the UI: call it before starting a reindex and show the message instead of queueing.
    """
    if settings.chroma_url:
        store = store if store is not None else Store(settings)
        now = time.time()
        live = [m for m in store.leases().values() if float(m.get("expires") or 0) > now]
        return _describe(live[0]) if live else None
    path = Path(settings.store_dir) / "ingest.lock"
    if not path.exists():
        return None
    with open(path, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _describe(_read_holder(path))
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None
