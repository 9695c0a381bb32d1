"""Sharded ingest: `dialogue-assistant ingest --shard I/N` workers, run at the same time into one
Chroma server, leave exactly what one full ingest leaves, chunk for chunk.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from conftest import doc_records

from assistant.settings import ROOT, Settings
from assistant.store import Store, unpack_vectors
from ingest.cli import parse_shard
from ingest.pipeline import run_ingest, shard_of

SEEDS = sorted((ROOT / "corpus").glob("*.txt"))
EXE = Path(sys.executable).parent / "dialogue-assistant"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The seeds and a few generated look-alikes: enough files that both shards get some."""
    from bench.gen_corpus import generate

    folder = tmp_path_factory.mktemp("shard") / "corpus"
    generate(folder, 3, seed=3, with_seeds=True)
    return folder


def everything(store: Store) -> tuple[dict, dict]:
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    chunks = {cid: (text, dict(meta), np.asarray(emb, dtype=np.float32))
              for cid, text, meta, emb in zip(got["ids"], got["documents"], got["metadatas"],
                                              got["embeddings"], strict=True)}
    docs = doc_records(store)
    return chunks, docs


def shard_worker(shard: str, settings: Settings, store_dir: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_CHROMA_URL": settings.chroma_url,
           "ASSISTANT_COLLECTION": settings.collection,
           "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir), "ASSISTANT_STORE_DIR": str(store_dir)}
    return subprocess.Popen([str(EXE), "ingest", "--shard", shard, "--json", "--quiet"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL)


def test_parse_shard_accepts_i_of_n_only():
    assert parse_shard("0/1") == (0, 1)
    assert parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "-1/2", "1/0", "1", "a/b", "1/2/3"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_shard(bad)


def test_every_source_is_in_exactly_one_shard(corpus):
    sources = [p.name for p in sorted(corpus.iterdir())]
    for n in (1, 2, 3, 7):
        owners = [[i for i in range(n) if shard_of(s, n) == i] for s in sources]
        assert all(len(o) == 1 for o in owners)
    assert len({shard_of(s, 2) for s in sources}) == 2  # the test corpus splits both ways


@pytest.mark.slow
def test_two_shard_processes_equal_one_full_ingest(tmp_path, corpus, chroma_server):
    tag = uuid.uuid4().hex[:8]
    sharded = Settings(corpus_dir=corpus, store_dir=tmp_path / "a", chroma_url=chroma_server,
                       collection=f"shards{tag}")
    whole = Settings(corpus_dir=corpus, store_dir=tmp_path / "b", chroma_url=chroma_server,
                     collection=f"whole{tag}")
    # Both workers start together on a collection that does not exist yet, as on a new server.
    workers = [shard_worker(f"{i}/2", sharded, tmp_path / f"w{i}") for i in range(2)]
    full = run_ingest(whole, progress=False)
    reports = []
    for w in workers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0, err[-2000:]
        reports.append(json.loads(out))
    n_files = len(list(corpus.iterdir()))
    assert sum(r["added"] for r in reports) == full.added == n_files
    assert all(r["added"] > 0 and not r["failed"] for r in reports)
    assert sum(r["chunks_embedded"] for r in reports) == full.chunks_embedded

    (a_chunks, a_docs), (b_chunks, b_docs) = everything(Store(sharded)), everything(Store(whole))
    assert len(a_chunks) == full.chunks_total
    assert sorted(a_chunks) == sorted(b_chunks)
    for cid, (text, meta, vec) in b_chunks.items():
        got_text, got_meta, got_vec = a_chunks[cid]
        assert got_text == text
        # Exact, except the packed float16 unit vectors: ingest batches chunks across files, so
        # a shard's batches differ from a full run's and the last bits of a vector may too.
        assert {k: v for k, v in got_meta.items() if k != "unit_vecs"} == {
            k: v for k, v in meta.items() if k != "unit_vecs"}
        np.testing.assert_allclose(unpack_vectors(got_meta["unit_vecs"]),
                                   unpack_vectors(meta["unit_vecs"]), atol=2e-3)
        np.testing.assert_allclose(got_vec, vec, atol=1e-5)
    assert a_docs == b_docs

    # A shard's --full rebuild touches only its own sources.
    other = {s for s in a_docs if shard_of(s, 2) == 1}
    before = {cid for cid, (_, m, _) in a_chunks.items() if m["source"] in other}
    redo = run_ingest(sharded, shard=(0, 2), full=True, progress=False)
    assert redo.added == len(a_docs) - len(other) and redo.removed == 0
    after_chunks, after_docs = everything(Store(sharded))
    assert {cid for cid, (_, m, _) in after_chunks.items() if m["source"] in other} == before
    assert sorted(after_chunks) == sorted(b_chunks) and after_docs == b_docs
