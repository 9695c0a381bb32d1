"""Server mode: the store is a real `chroma run` server (ASSISTANT_CHROMA_URL), not a folder.

Proves: incremental ingest (add, change, remove) against the server ends in the state a full
build gives; answers come from it; and an index already loaded in this process follows changes
that *another* process (another machine, with its own store folder) writes to the server, after
`sync()` or once the sync interval has passed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import doc_records

from assistant.answering import answer, resources
from assistant.embeddings import get_embedder
from assistant.index import ChunkIndex
from assistant.settings import ROOT, Settings
from assistant.store import Store, unpack_vectors
from ingest.pipeline import run_ingest

pytestmark = pytest.mark.slow

SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
NEW_NAME = "900_kestrel.txt"
NEW_REPORT = """Kestrel Process

7th Ministerial Conference

Date: 14th March, 2019

Location: Reykjavik, Iceland

Report

1. The 7th Ministerial Conference of the Kestrel Process gathered 412 participants from 27 \
countries in Reykjavik.
2. Ms. Sigrun Thorsdottir, Director General for Northern Mobility, opened the conference as \
Chair of the Kestrel Process.
"""
NEW_QUESTION = "How many participants attended the Ministerial Conference of the Kestrel Process?"
SEED_QUESTION = "How many participants attended the 32nd Senior Officials Meeting?"


@pytest.fixture(scope="module")
def embedder():
    return get_embedder()


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, folder / seed.name)
    return folder


def server_settings(tmp_path: Path, corpus: Path, url: str, store: str = "store") -> Settings:
    """Settings for the server at `url`, in a collection no other test uses."""
    return Settings(corpus_dir=corpus, store_dir=tmp_path / store, chroma_url=url,
                    collection=f"t{uuid.uuid4().hex[:10]}")


def state(store: Store) -> tuple[dict, dict]:
    """(chunks, docs) the server holds: id -> (text, metadata, vector)."""
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    chunks = {}
    for cid, text, meta, emb in zip(got["ids"], got["documents"], got["metadatas"],
                                    got["embeddings"], strict=True):
        meta = dict(meta)
        units = unpack_vectors(meta.pop("unit_vecs"))
        chunks[cid] = (text, meta, np.asarray(emb, dtype=np.float32), units)
    docs = doc_records(store)
    return chunks, docs


def cli_ingest(settings: Settings, tmp_path: Path) -> dict:
    """`dialogue-assistant ingest --json` in another process with its own store folder, the way
    a colleague's machine writes to the shared server."""
    import json

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_CHROMA_URL": settings.chroma_url,
           "ASSISTANT_COLLECTION": settings.collection,
           "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
           "ASSISTANT_STORE_DIR": str(tmp_path / "other-machine")}
    exe = Path(sys.executable).parent / "dialogue-assistant"
    done = subprocess.run([str(exe), "ingest", "--json", "--quiet"], env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_incremental_ingest_on_the_server_equals_a_full_build(tmp_path, corpus, chroma_server,
                                                              embedder):
    settings = server_settings(tmp_path, corpus, chroma_server)
    store = Store(settings)
    first = run_ingest(settings, store=store, embedder=embedder, progress=False)
    assert (first.added, first.failed) == (3, [])
    assert first.chunks_total == store.chunks.count() > 0

    before = embedder.calls
    again = run_ingest(settings, store=store, embedder=embedder, progress=False)
    assert (again.added, again.updated, again.unchanged, embedder.calls - before) == (0, 0, 3, 0)

    (corpus / NEW_NAME).write_text(NEW_REPORT, encoding="utf-8")
    changed = corpus / SEEDS[0].name
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA closing note was adopted.\n",
                       encoding="utf-8")
    (corpus / SEEDS[-1].name).unlink()
    mixed = run_ingest(settings, store=store, embedder=embedder, progress=False)
    assert (mixed.added, mixed.updated, mixed.removed, mixed.failed) == (1, 1, 1, [])
    assert not [d for d in store.doc_records() if d == SEEDS[-1].name]

    fresh = server_settings(tmp_path, corpus, chroma_server)
    run_ingest(fresh, embedder=embedder, progress=False)
    got, want = state(store), state(Store(fresh))
    assert sorted(got[0]) == sorted(want[0])
    for cid, (text, meta, vec, units) in want[0].items():
        assert got[0][cid][:2] == (text, meta)
        np.testing.assert_allclose(got[0][cid][2], vec, atol=1e-5)
        np.testing.assert_allclose(got[0][cid][3], units, atol=2e-3)
    assert got[1] == want[1]


def test_answers_come_from_the_server(tmp_path, corpus, chroma_server, embedder):
    settings = server_settings(tmp_path, corpus, chroma_server)
    run_ingest(settings, embedder=embedder, progress=False)
    r = answer(SEED_QUESTION, settings=settings)
    assert r.answered and "64 participants" in r.text
    assert r.citations[0].source == "001_06afa2b095fced14.txt"
    # Nothing local holds the vectors: the store folder has only the keyword cache.
    assert not (settings.store_dir / "chroma").exists()


def test_loaded_index_follows_another_process(tmp_path, corpus, chroma_server, embedder):
    settings = server_settings(tmp_path, corpus, chroma_server)
    run_ingest(settings, embedder=embedder, progress=False)
    res = resources(settings)  # this process's store, keyword index and model, loaded once
    index = res.index
    n_before = len(index)
    assert index.keyword_search({"kestrel": 1.0}, k=5) == []

    # Another process, with its own store folder, adds a report to the shared server.
    (corpus / NEW_NAME).write_text(NEW_REPORT, encoding="utf-8")
    assert cli_ingest(settings, tmp_path)["added"] == 1
    assert len(index) == n_before  # not seen yet: nothing polls in the background

    index.sync_interval = 0.5
    index._last_check = time.monotonic()
    index.maybe_sync()  # inside the interval: no read of the server
    assert index.keyword_search({"kestrel": 1.0}, k=5) == []
    time.sleep(0.6)
    index.maybe_sync()  # the interval has passed: it catches up
    hits = index.keyword_search({"kestrel": 1.0}, k=5)
    assert hits and {index.rows[r].source for r, _ in hits} == {NEW_NAME}
    assert len(index) > n_before

    r = answer(NEW_QUESTION, settings=settings)
    assert r.answered and "412 participants" in r.text
    assert r.citations[0].source == NEW_NAME

    # The other process removes it again; an explicit sync() drops it here too.
    (corpus / NEW_NAME).unlink()
    assert cli_ingest(settings, tmp_path)["removed"] == 1
    assert index.sync() is True
    assert index.keyword_search({"kestrel": 1.0}, k=5) == []
    assert len(index) == n_before
    r = answer(NEW_QUESTION, settings=settings)
    assert all(c.source != NEW_NAME for c in r.citations + r.pointers)


def test_new_process_starts_from_its_cache_and_catches_up(tmp_path, corpus, chroma_server,
                                                          embedder):
    settings = server_settings(tmp_path, corpus, chroma_server)
    run_ingest(settings, embedder=embedder, progress=False)
    first = ChunkIndex(Store(settings))
    first.sync()
    (corpus / NEW_NAME).write_text(NEW_REPORT, encoding="utf-8")
    run_ingest(settings, embedder=embedder, progress=False)  # written after the cache was saved

    later = ChunkIndex(Store(settings))
    later.load_cache()
    assert later.loaded_from_cache and len(later) == len(first)
    assert later.sync() is True
    assert {later.rows[r].source for r, _ in later.keyword_search({"kestrel": 1.0}, k=5)} == {
        NEW_NAME}
    fresh = ChunkIndex(Store(settings))
    fresh.sync()
    assert [r.id for r in later.rows] == [r.id for r in fresh.rows]
