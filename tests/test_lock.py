"""Issue 11, points 1 and 3 (cancel): one writer per store, and a reindex that can be cancelled.

* embedded store: a second `ingest` exits 3 with `--no-wait` and a message naming the holder,
  waits (with a note) without it; `ingest --full` racing an incremental run ends equal to a
  clean build, with no NotFoundError;
* Chroma server (a real `chroma run`): the same through a lease record; a killed holder's
  expired lease does not block;
* `ingest_running()` tells the UI another ingest holds the store;
* a cancelled run commits what it did, leaves the rest as it was, and the next run completes it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.store import Store
from ingest.lock import EXIT_BUSY, StoreBusy, WriterLock, ingest_running
from ingest.pipeline import run_ingest
from tests.conftest import SEEDS

EXE = Path(sys.executable).parent / "dialogue-assistant"


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for seed in SEEDS.values():
        shutil.copy(seed, folder / seed.name)
    return folder


def cli(settings: Settings, *argv: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_STORE_DIR": str(settings.store_dir),
           "ASSISTANT_CHROMA_URL": settings.chroma_url or "",
           "ASSISTANT_COLLECTION": settings.collection}
    return subprocess.Popen([str(EXE), "ingest", *argv], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def state(store: Store) -> tuple[dict, dict]:
    got = store.chunks.get(include=["documents", "metadatas"])
    chunks = {i: (t, m["source"], m["start"]) for i, t, m in
              zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
    docs = {s: (m["fingerprint"], m["status"], m["n_chunks"]) for s, m in store.doc_records().items()}
    return chunks, docs


def test_embedded_second_writer_exits_3_or_waits(tmp_path, corpus):
    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "store")
    store = Store(settings)
    assert ingest_running(settings) is None
    with WriterLock(settings, store, wait=False):
        busy = ingest_running(settings)
        assert busy and busy.startswith(f"another ingest is running (pid {os.getpid()} on ")
        with pytest.raises(StoreBusy):
            run_ingest(settings, store=store, wait=False)
        p = cli(settings, "--no-wait")
        out, err = p.communicate(timeout=120)
        assert p.returncode == EXIT_BUSY, err
        assert f"another ingest is running (pid {os.getpid()}" in err and "not started" in err
        assert "Traceback" not in err
        waiting = cli(settings, "--json")
        deadline = time.monotonic() + 60
        seen = ""
        while "waiting for it to finish" not in seen and time.monotonic() < deadline:
            seen += waiting.stderr.readline()
        assert "waiting for it to finish" in seen
        assert waiting.poll() is None  # still waiting while the lock is held
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert ingest_running(settings) is None
    assert len(Store(settings).doc_records()) == 3


@pytest.mark.slow
def test_full_rebuild_racing_an_incremental_run_ends_like_a_clean_build(tmp_path, corpus):
    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "store")
    first = cli(settings, "--json")
    time.sleep(1.0)
    second = cli(settings, "--full", "--json")
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    assert "NotFoundError" not in err1 + err2 and "Traceback" not in err1 + err2
    clean = Settings(corpus_dir=corpus, store_dir=tmp_path / "clean")
    run_ingest(clean, progress=False)
    assert state(Store(settings)) == state(Store(clean))


@pytest.mark.slow
def test_server_lease_excludes_a_second_writer_and_lapses(tmp_path, corpus, chroma_server):
    from ingest import lock as lock_mod

    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "s1", chroma_url=chroma_server,
                        collection=f"lease{uuid.uuid4().hex[:8]}")
    store = Store(settings)
    with WriterLock(settings, store, wait=False):
        assert "another ingest is running" in (ingest_running(settings) or "")
        other = settings.with_(store_dir=tmp_path / "s2")  # another machine: same server
        p = cli(other, "--no-wait")
        _, err = p.communicate(timeout=120)
        assert p.returncode == EXIT_BUSY, err
        assert "another ingest is running" in err
        # A shard worker is excluded by a whole-store run too.
        with pytest.raises(StoreBusy):
            WriterLock(other, Store(other), shard=(0, 2), wait=False).__enter__()
    assert ingest_running(settings) is None
    # Two shard workers share the store; each excludes only its own shard and whole runs.
    with WriterLock(settings, store, shard=(0, 2), wait=False):
        with WriterLock(settings, Store(settings), shard=(1, 2), wait=False):
            with pytest.raises(StoreBusy):
                WriterLock(settings, Store(settings), wait=False).__enter__()
    # A killed holder: its lease is never renewed and expires; the next run goes ahead.
    store.put_lease("all", {"holder": "dead", "pid": 999999, "host": "gone",
                            "started": time.time() - 100,
                            "expires": time.time() - lock_mod.RENEW_EVERY})
    p = cli(settings, "--no-wait", "--json")
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert len(Store(settings).doc_records()) == 3  # the lease record is not a document


def test_cancel_commits_what_was_done_and_the_next_run_completes(tmp_path, corpus, embedder,
                                                                 monkeypatch):
    monkeypatch.setattr("ingest.indexer.GROUP_FILES", 2)  # commit every two files
    for i in range(6):
        (corpus / f"note_{i}.txt").write_text(f"Note {i}\n\nThe group {i} met in Vienna.\n")
    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "store")
    cancel = threading.Event()

    def on_progress(done, total, source):
        if done == 2:
            cancel.set()  # what the UI's Cancel button does, from another thread

    report = run_ingest(settings, embedder=embedder, progress=False, cancel=cancel,
                        on_progress=on_progress)
    assert report.cancelled and not report.failed
    records = Store(settings).doc_records()
    assert 2 <= len(records) < 9
    assert all(m["status"] == "done" for m in records.values())  # nothing half-written
    rest = run_ingest(settings, embedder=embedder, progress=False)
    assert not rest.cancelled and rest.unchanged == len(records)
    clean = Settings(corpus_dir=corpus, store_dir=tmp_path / "clean")
    run_ingest(clean, embedder=embedder, progress=False)
    assert state(Store(settings)) == state(Store(clean))


def test_ui_reindex_says_another_ingest_is_running_then_runs(tmp_path, corpus):
    """The documents tab's reindex, while another writer holds the store, says so (naming the
    holder) instead of queueing silently, and runs once the store is free."""
    from ui.library import Reindexer

    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "store", collection="uiwait")
    released = threading.Event()
    ran = []

    def ingest_fn(s, **kw):  # stands in for run_ingest, which would wait on the lock itself
        released.wait(30)
        ran.append(s)
        return {}

    reindexer = Reindexer(settings, ingest_fn=ingest_fn)
    with WriterLock(settings, Store(settings)):
        reindexer.request()
        deadline = time.monotonic() + 30
        while not reindexer.progress.waiting and time.monotonic() < deadline:
            time.sleep(0.05)
        shown = reindexer.progress.describe()
        assert shown.startswith("Waiting: another ingest is running"), shown
    released.set()
    assert reindexer.wait(30) and ran == [settings]
    assert not reindexer.progress.describe().startswith("Waiting")
