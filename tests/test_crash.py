"""Crash safety: an ingest killed with SIGKILL at any point, then run again, ends in exactly the
state a clean full build gives (same chunk ids, texts, metadata; no duplicates).

A real subprocess indexes a changed corpus (one file removed, one edited so that chunks are
added, kept with new offsets and made stale, one file added) with embed_batch=1 and SIGKILLs
itself right after its k-th write to the store, for several k chosen from a recorded run. One
more case kills the real CLI after it reports its first indexed file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import doc_records

from assistant.settings import ROOT, Settings
from assistant.store import Store
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.slow

SHORT = "000_dee6c97f22f75511.txt"
LONG = "001_06afa2b095fced14.txt"
NOTE_TEXT = (
    "Prague Process note\n\nThe meeting took place in Vienna in 2021. Ten states attended.\n"
)
FIXED_NS = 1_700_000_000_000_000_000  # every file of the changed corpus gets this mtime
WRITES = ("upsert", "update", "delete", "add")

DRIVER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path

    import torch

    torch.set_num_threads(1)
    from assistant.settings import Settings
    from assistant.store import Store
    from ingest.pipeline import run_ingest

    corpus, store_dir, kill_at, full = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    count = 0


    class Tripwire:
        # A collection that SIGKILLs this process right after its kill_at-th write.
        def __init__(self, col, name):
            self._col, self._name = col, name

        def __getattr__(self, attr):
            value = getattr(self._col, attr)
            if attr not in ("upsert", "update", "delete", "add"):
                return value

            def write(*args, **kwargs):
                global count
                out = value(*args, **kwargs)
                count += 1
                print(f"write {count} {self._name}.{attr}", file=sys.stderr, flush=True)
                if count == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
                return out

            return write


    class TripStore(Store):
        @property
        def chunks(self):
            return Tripwire(Store.chunks.fget(self), "chunks")

        @property
        def docs(self):
            return Tripwire(Store.docs.fget(self), "docs")


    settings = Settings(corpus_dir=Path(corpus), store_dir=Path(store_dir), collection="t",
                        embed_batch=1)
    run_ingest(settings, store=TripStore(settings), progress=False, full=full == "full")
    """
)


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", OMP_NUM_THREADS="1", ASSISTANT_CHROMA_URL="")
    env.update(extra)
    return env


def drive(corpus: Path, store_dir: Path, kill_at: int = 0, full: bool = False):
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(corpus), str(store_dir), str(kill_at),
         "full" if full else "incremental"],
        capture_output=True, text=True, env=child_env(), cwd=ROOT, timeout=300,
    )


def settings_for(corpus: Path, store_dir: Path) -> Settings:
    return Settings(corpus_dir=corpus, store_dir=store_dir, collection="t", embed_batch=1)


def snapshot(store: Store) -> tuple[dict, dict]:
    """Ids, texts and metadata of both collections (vectors left out: same text, same model)."""
    got = store.chunks.get(include=["documents", "metadatas"])
    chunks = {}
    for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        meta = dict(meta)
        meta["unit_vecs"] = len(meta["unit_vecs"])  # present and of the right size
        chunks[cid] = (text, meta)
    docs = doc_records(store)
    return chunks, docs


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """(changed corpus, indexed store of the original corpus, write log, reference state)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in (SHORT, LONG):
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    (corpus / "note.txt").write_text(NOTE_TEXT, encoding="utf-8")
    base = root / "base"
    done = drive(corpus, base)  # built by a process that exits: nothing left unflushed
    assert done.returncode == 0, done.stderr[-2000:]

    (corpus / SHORT).unlink()
    text = (corpus / LONG).read_text(encoding="utf-8")
    cut = text.index("\n\n", 200)  # grow an early paragraph: later chunks shift
    (corpus / LONG).write_text(text[:cut] + " Delegates agreed." + text[cut:], encoding="utf-8")
    (corpus / "new").mkdir()
    shutil.copy(ROOT / "corpus" / SHORT, corpus / "new" / "copy.txt")
    for path in sorted(corpus.rglob("*.txt")):
        os.utime(path, ns=(FIXED_NS, FIXED_NS))

    # Record the writes an uninterrupted incremental run makes (same order as the driver).
    recorded = root / "recorded"
    shutil.copytree(base, recorded)
    log: list[str] = []
    store = Store(settings_for(corpus, recorded))
    store.chunks, store.docs  # noqa: B018 - open both before wrapping
    for name in ("chunks", "docs"):
        col = getattr(store, f"_{name}")
        for attr in WRITES:
            if hasattr(col, attr):
                setattr(col, attr, _recording(getattr(col, attr), f"{name}.{attr}", log))
    run_ingest(settings_for(corpus, recorded), store=store, progress=False)

    reference = root / "reference"
    run_ingest(settings_for(corpus, reference), full=True, progress=False)
    yield corpus, base, log, snapshot(Store(settings_for(corpus, reference)))
    torch.set_num_threads(threads)


def _recording(fn, name, log):
    def write(*args, **kwargs):
        out = fn(*args, **kwargs)
        log.append(name)
        return out

    return write


def _kill_point(log: list[str], which: str) -> int:
    """1-based index of the write after which to kill."""
    if which == "removal half done":  # a removed file's chunks gone, its record not yet
        return log.index("chunks.delete") + 1
    if which == "first new chunk":  # the edited file is PENDING with one new chunk in
        return log.index("chunks.upsert") + 1
    if which == "kept chunks moved":  # offsets of kept chunks updated, stale ones not deleted
        return log.index("chunks.update") + 1
    if which == "mid embedding":  # some embedding batches written, not all
        upserts = [i for i, name in enumerate(log) if name == "chunks.upsert"]
        return upserts[-2] + 1
    raise ValueError(which)


@pytest.mark.parametrize(
    "which", ["removal half done", "first new chunk", "kept chunks moved", "mid embedding"]
)
def test_sigkill_mid_ingest_then_rerun_equals_full_build(tmp_path, scenario, which):
    corpus, base, log, reference = scenario
    assert log.count("chunks.upsert") >= 3 and "chunks.update" in log
    store_dir = tmp_path / "store"
    shutil.copytree(base, store_dir)
    k = _kill_point(log, which)
    killed = drive(corpus, store_dir, kill_at=k)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert f"write {k} {log[k - 1]}" in killed.stderr

    store = Store(settings_for(corpus, store_dir))
    assert snapshot(store) != reference  # the kill really left work undone
    report = run_ingest(settings_for(corpus, store_dir), store=store, progress=False)
    assert report.failed == []
    assert snapshot(store) == reference
    again = run_ingest(settings_for(corpus, store_dir), store=store, progress=False)
    assert (again.added, again.updated, again.removed, again.chunks_embedded) == (0, 0, 0, 0)


def test_sigkill_during_full_rebuild_then_incremental_run_completes_it(tmp_path, scenario):
    corpus, base, _, reference = scenario
    store_dir = tmp_path / "store"
    shutil.copytree(base, store_dir)
    killed = drive(corpus, store_dir, kill_at=4, full=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    store = Store(settings_for(corpus, store_dir))
    report = run_ingest(settings_for(corpus, store_dir), store=store, progress=False)
    assert report.failed == [] and report.updated + report.added >= 1
    assert snapshot(store) == reference


def test_sigkill_of_the_cli_mid_embedding(tmp_path, scenario):
    """The real console entry point, killed from outside once it reports embedding progress."""
    corpus, base, _, reference = scenario
    store_dir = tmp_path / "store"
    shutil.copytree(base, store_dir)
    env = child_env(ASSISTANT_STORE_DIR=str(store_dir), ASSISTANT_COLLECTION="t",
                    ASSISTANT_EMBED_BATCH="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "-v", "ingest", "--corpus", str(corpus)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env, cwd=ROOT,
    )
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "ingest.pipeline: embedded 2/" in line:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "".join(seen[-20:])
    store = Store(settings_for(corpus, store_dir))
    run_ingest(settings_for(corpus, store_dir), store=store, progress=False)
    assert snapshot(store) == reference


def test_serve_repairs_what_a_killed_ingest_left_pending(tmp_path, scenario):
    """Issue 11 point 9: the real `serve`, started on a store a SIGKILL left half-indexed,
    finishes those reports before it lists them: afterwards nothing is PENDING and the store
    equals a clean build."""
    from conftest import start_serve, stop_process

    corpus, base, log, reference = scenario
    store_dir = tmp_path / "store"
    shutil.copytree(base, store_dir)
    killed = drive(corpus, store_dir, kill_at=_kill_point(log, "mid embedding"))
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    pending = [s for s, m in Store(settings_for(corpus, store_dir)).doc_records().items()
               if m["status"] != "done"]
    assert pending  # the kill left half-indexed reports
    env = child_env(ASSISTANT_CORPUS_DIR=str(corpus), ASSISTANT_STORE_DIR=str(store_dir),
                    ASSISTANT_COLLECTION="t", ASSISTANT_QUERY_ENCODER="model")
    proc, base_url, _ = start_serve(env, tmp_path / "serve.log")
    try:
        import httpx

        assert httpx.get(base_url + "/", timeout=10).status_code == 200
    finally:
        stop_process(proc)
    served = (tmp_path / "serve.log").read_text(errors="replace")
    assert f"repairing {len(pending)} report(s) a killed ingest left half-indexed" in served
    assert snapshot(Store(settings_for(corpus, store_dir))) == reference
