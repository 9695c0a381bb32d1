"""The incremental indexer: counts, embedding work, change detection, full == incremental, shards.

Real Chroma in tmp_path, the real model, copies of the seed reports.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import doc_records

from assistant.embeddings import get_embedder
from assistant.settings import ROOT, Settings
from assistant.store import DONE, Store, unpack_vectors
from ingest.pipeline import IngestError, chunk_id, run_ingest, shard_of

# Two seeds (3 and 10 chunks) and a one-chunk note keep the model's work small: the tests
# share two CPU cores with everything else.
SHORT = "000_dee6c97f22f75511.txt"
LONG = "001_06afa2b095fced14.txt"
NOTE = "note.txt"
SOURCES = sorted([SHORT, LONG, NOTE])
NOTE_TEXT = (
    "Prague Process note\n\nThe meeting took place in Vienna in 2021. Ten states attended.\n"
)
LAST_SENTENCE = "provided their support, inputs and feedback"


@pytest.fixture(scope="module")
def embedder():
    # Small batches on two shared cores: one torch thread is ~10x faster than two fighting
    # other processes (measured). Restored afterwards for the rest of the session.
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield get_embedder()
    torch.set_num_threads(threads)


@pytest.fixture()
def corpus(tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in (SHORT, LONG):
        shutil.copy(ROOT / "corpus" / name, folder / name)
    (folder / NOTE).write_text(NOTE_TEXT, encoding="utf-8")
    return folder


def make_settings(tmp_path: Path, corpus: Path, name: str = "store", **kw) -> Settings:
    return Settings(corpus_dir=corpus, store_dir=tmp_path / name, collection="t", **kw)


def ingest(settings, embedder, **kw):
    """run_ingest plus the number of texts the model encoded during it."""
    before = embedder.calls
    report = run_ingest(settings, store=Store(settings), embedder=embedder, progress=False, **kw)
    return report, embedder.calls - before


def snapshot(store: Store) -> tuple[dict, dict]:
    """Everything both collections hold, vectors as arrays (compared with a tolerance)."""
    got = store.chunks.get(include=["documents", "metadatas", "embeddings"])
    chunks = {}
    for cid, text, meta, emb in zip(
        got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True
    ):
        meta = dict(meta)
        units = unpack_vectors(meta.pop("unit_vecs"))
        chunks[cid] = (text, meta, np.asarray(emb, dtype=np.float32), units)
    docs = doc_records(store)
    return chunks, docs


def assert_same_state(a: tuple[dict, dict], b: tuple[dict, dict]) -> None:
    (ca, da), (cb, db) = a, b
    assert sorted(ca) == sorted(cb)
    for cid in ca:
        assert ca[cid][0] == cb[cid][0], cid
        assert ca[cid][1] == cb[cid][1], cid
        # Same text, same model; only the batch's padding may move the last digits.
        np.testing.assert_allclose(ca[cid][2], cb[cid][2], atol=1e-4)
        assert ca[cid][3].shape == cb[cid][3].shape
        np.testing.assert_allclose(ca[cid][3], cb[cid][3], atol=5e-3)  # float16 in metadata
    assert da == db


def full_build(tmp_path, corpus, embedder) -> tuple[dict, dict]:
    settings = make_settings(tmp_path, corpus, name="reference")
    run_ingest(settings, store=Store(settings), embedder=embedder, full=True, progress=False)
    return snapshot(Store(settings))


def test_first_run_adds_then_second_run_costs_nothing(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    report, calls = ingest(settings, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (3, 0, 0, 0)
    assert report.failed == []
    assert report.chunks_embedded == calls == report.chunks_total > 3
    store = Store(settings)
    records = store.doc_records()
    assert sorted(records) == SOURCES
    assert {m["status"] for m in records.values()} == {DONE}
    assert sum(m["n_chunks"] for m in records.values()) == report.chunks_total

    again, calls = ingest(settings, embedder)
    assert calls == 0
    assert again.to_dict() | {"seconds": 0} == {
        "added": 0, "updated": 0, "removed": 0, "unchanged": 3, "skipped": 0, "failed": [],
        "chunks_embedded": 0, "chunks_total": report.chunks_total, "seconds": 0, "cancelled": False,
    }


def test_chunk_records_follow_the_schema(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    store = Store(settings)
    chunks, docs = snapshot(store)
    for cid, (text, meta, emb, units) in chunks.items():
        doc_text, doc_meta = docs[meta["source"]]
        assert doc_text[meta["start"] : meta["end"]] == text
        assert meta["fingerprint"] == doc_meta["fingerprint"]
        assert meta["n_chunks"] == doc_meta["n_chunks"]
        assert meta["page"] == -1  # text files have no pages
        assert emb.shape == (384,)
        assert units.shape[0] == len(json.loads(meta["units"])) > 0
        assert len(cid) == 32


def test_touched_file_costs_no_embedding(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    path = corpus / LONG
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    report, calls = ingest(settings, embedder)
    assert calls == 0
    assert (report.unchanged, report.updated, report.chunks_embedded) == (3, 0, 0)
    # The new mtime is remembered, so the next run does not even hash the file.
    assert Store(settings).doc_records()[LONG]["mtime_ns"] == path.stat().st_mtime_ns


def test_changed_file_reembeds_only_changed_chunks(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    first, _ = ingest(settings, embedder)
    store = Store(settings)
    before = snapshot(store)[0]
    n_long = store.doc_records()[LONG]["n_chunks"]
    path = corpus / LONG
    text = path.read_text(encoding="utf-8")
    assert LAST_SENTENCE in text
    path.write_text(text.replace(LAST_SENTENCE, "offered their support and feedback"),
                    encoding="utf-8")

    report, calls = ingest(settings, embedder)
    after = snapshot(store)[0]
    new_ids = set(after) - set(before)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert report.chunks_embedded == calls == len(new_ids) == 1 < n_long
    assert len(set(before) - set(after)) == 1  # the old version of that chunk is gone
    assert report.chunks_total == first.chunks_total
    assert_same_state(snapshot(store), full_build(tmp_path, corpus, embedder))


def test_edit_that_shifts_offsets_updates_kept_chunks(tmp_path, corpus, embedder):
    """Growing an early chunk moves every later chunk's offsets: their vectors are reused but
    their metadata must match a clean build."""
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    path = corpus / LONG
    text = path.read_text(encoding="utf-8")
    first_para_end = text.index("\n\n", 200)
    path.write_text(text[:first_para_end] + " Delegates agreed." + text[first_para_end:],
                    encoding="utf-8")
    report, calls = ingest(settings, embedder)
    n_long = Store(settings).doc_records()[LONG]["n_chunks"]
    assert report.updated == 1
    assert 1 <= calls <= 2 < n_long
    assert_same_state(snapshot(Store(settings)), full_build(tmp_path, corpus, embedder))


def test_removed_and_emptied_files_leave_the_index(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    gone, emptied = SHORT, NOTE
    (corpus / gone).unlink()
    (corpus / emptied).write_text("")
    report, calls = ingest(settings, embedder)
    assert (report.removed, report.unchanged, report.skipped, calls) == (2, 1, 1, 0)
    store = Store(settings)
    assert sorted(store.doc_records()) == [LONG]
    sources = {m["source"] for m in store.chunks.get(include=["metadatas"])["metadatas"]}
    assert sources == {LONG}
    assert report.chunks_total == store.chunks.count()


def test_full_equals_incremental_after_mixed_changes(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    (corpus / SHORT).unlink()
    sub = corpus / "2023"
    sub.mkdir()
    (sub / "copy.txt").write_text(NOTE_TEXT, encoding="utf-8")  # same text, new source: new ids
    long_text = (corpus / LONG).read_text(encoding="utf-8")
    (corpus / LONG).write_text(long_text.replace("Senior Officials", "senior officials", 1),
                               encoding="utf-8")
    report, _ = ingest(settings, embedder)
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 1)
    state = snapshot(Store(settings))
    assert "2023/copy.txt" in state[1]
    assert_same_state(state, full_build(tmp_path, corpus, embedder))


def test_shards_into_one_store_equal_one_full_ingest(tmp_path, corpus, embedder):
    (corpus / LONG).unlink()
    for k in range(5):  # more files so that three shards are not trivially empty
        (corpus / f"extra_{k}.txt").write_text(NOTE_TEXT.replace("Ten", str(k + 11)), "utf-8")
    settings = make_settings(tmp_path, corpus)
    sources = sorted(p.name for p in corpus.iterdir())
    totals = []
    for i in range(3):
        report, _ = ingest(settings, embedder, shard=(i, 3))
        owned = [s for s in sources if shard_of(s, 3) == i]
        assert report.added == len(owned)
        totals.append(report.added)
    assert sum(totals) == len(sources)
    assert_same_state(snapshot(Store(settings)), full_build(tmp_path, corpus, embedder))

    # A shard removes only its own records.
    victim = sources[0]
    (corpus / victim).unlink()
    owner = shard_of(victim, 3)
    other, _ = ingest(settings, embedder, shard=((owner + 1) % 3, 3))
    assert other.removed == 0 and victim in Store(settings).doc_records()
    mine, _ = ingest(settings, embedder, shard=(owner, 3))
    assert mine.removed == 1 and victim not in Store(settings).doc_records()
    # --full on one shard rebuilds only that shard.
    rebuilt, calls = ingest(settings, embedder, shard=(owner, 3), full=True)
    assert rebuilt.added == len([s for s in sources[1:] if shard_of(s, 3) == owner])
    assert rebuilt.chunks_total == Store(settings).chunks.count()
    assert_same_state(snapshot(Store(settings)), full_build(tmp_path, corpus, embedder))


def test_pending_record_is_redone(tmp_path, corpus, embedder):
    """A record left PENDING (a crash) is redone even though the file did not change."""
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    store = Store(settings)
    meta = store.doc_records()[LONG]
    store.docs.update(ids=[LONG], metadatas=[{**meta, "status": "pending"}])
    victim = store.chunks.get(where={"source": LONG}, limit=1)["ids"]
    store.chunks.delete(ids=victim)  # as if the crash came before this chunk was written
    report, calls = ingest(settings, embedder)
    assert (report.updated, report.unchanged, calls) == (1, 2, 1)
    assert_same_state(snapshot(store), full_build(tmp_path, corpus, embedder))


class ExplodingEmbedder:
    """The real model, failing on texts that contain a marker (an embedding-service error)."""

    def __init__(self, real, marker: str):
        self.real, self.marker = real, marker
        self.count_tokens = real.count_tokens

    def encode_with_units(self, texts, spans, batch_size=32):
        if any(self.marker in t for t in texts):
            raise RuntimeError("embedding service unavailable")
        return self.real.encode_with_units(texts, spans, batch_size=batch_size)


def test_embedding_error_keeps_previous_chunks_and_other_files(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    store = Store(settings)
    before = snapshot(store)
    text = (corpus / LONG).read_text(encoding="utf-8")
    (corpus / LONG).write_text(text.replace(LAST_SENTENCE, "EXPLODE"), encoding="utf-8")
    other = SHORT
    (corpus / other).write_text((corpus / other).read_text(encoding="utf-8") + "\nA new line.\n",
                                encoding="utf-8")
    report = run_ingest(settings, store=store, embedder=ExplodingEmbedder(embedder, "EXPLODE"),
                        progress=False)
    assert [f["path"] for f in report.failed] == [LONG]
    assert "embedding service unavailable" in report.failed[0]["error"]
    assert report.updated == 1  # the other file still went in
    after = snapshot(store)
    long_before = {c: v for c, v in before[0].items() if v[1]["source"] == LONG}
    long_after = {c: v for c, v in after[0].items() if v[1]["source"] == LONG}
    assert sorted(long_after) == sorted(long_before)
    assert after[1][LONG] == before[1][LONG]  # the old DONE record, text and fingerprint
    # With the model back, the next run picks the change up.
    report, _ = ingest(settings, embedder)
    assert (report.updated, report.failed) == (1, [])
    assert_same_state(snapshot(store), full_build(tmp_path, corpus, embedder))


def test_progress_callback_and_chunk_id(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    seen = []
    run_ingest(settings, store=Store(settings), embedder=embedder, progress=False,
               on_progress=lambda done, total, source: seen.append((done, total, source)))
    # Smallest file first: a huge one comes last and cannot hold the others back.
    by_size = sorted(SOURCES, key=lambda name: (corpus / name).stat().st_size)
    assert seen == [(i + 1, 3, name) for i, name in enumerate(by_size)]
    assert chunk_id("a.txt", 0, "x") == chunk_id("a.txt", 0, "x") != chunk_id("a.txt", 1, "x")


def test_missing_corpus_is_an_error_not_an_empty_index(tmp_path, corpus, embedder):
    settings = make_settings(tmp_path, corpus)
    ingest(settings, embedder)
    with pytest.raises(IngestError, match="corpus folder not found"):
        run_ingest(settings.with_(corpus_dir=tmp_path / "nope"), progress=False)
    assert len(Store(settings).doc_records()) == 3


class StubVectors:
    """Random unit vectors: only for building a large store fast. The run that is measured
    gets `NoModel`, which proves it embeds nothing."""

    calls = 0

    def encode_with_units(self, texts, spans, batch_size=32):
        rng = np.random.default_rng(len(texts))
        vecs = rng.normal(size=(len(texts), 384)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs, [np.repeat(vecs[i : i + 1], len(s), axis=0) for i, s in enumerate(spans)]


class NoModel:
    def encode_with_units(self, *args, **kwargs):
        raise AssertionError("a no-change run must not embed")


@pytest.mark.slow
def test_no_change_reindex_of_1000_documents_is_fast(tmp_path):
    seeds = [(ROOT / "corpus" / name).read_text(encoding="utf-8")[:1200] for name in
             ("000_dee6c97f22f75511.txt", "001_06afa2b095fced14.txt", "004_7b05704cdeef6cba.txt")]
    corpus = tmp_path / "corpus"
    for k in range(1000):
        folder = corpus / f"batch{k // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"report_{k:04d}.txt").write_text(
            seeds[k % 3] + f"\n\nArchived copy {k} of the report.\n", encoding="utf-8")
    settings = make_settings(tmp_path, corpus)
    store = Store(settings)
    built = run_ingest(settings, store=store, embedder=StubVectors(), progress=False)
    assert built.added == 1000 and built.failed == []

    report = run_ingest(settings, store=store, embedder=NoModel(), progress=False)
    assert report.unchanged == 1000 and report.chunks_total == built.chunks_total
    print(f"no-change reindex of 1000 documents: {report.seconds:.3f} s")
    assert report.seconds < 2.0
