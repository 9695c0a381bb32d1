"""`ChunkIndex.sync()` follows the store exactly: additions, changes and removals, live and
through the on-disk cache. Real ingest into a real Chroma in tmp_path."""

from __future__ import annotations

import pytest

from assistant.index import ChunkIndex
from assistant.settings import Settings
from assistant.store import Store
from assistant.textnorm import tokens
from ingest.pipeline import run_ingest

DOCS = {
    "alpha.txt": "Alpha Meeting Report\n\nThe zanzibarite delegation opened the alpha meeting in "
                 "Vienna.\n\nParticipants discussed border cooperation and visa facilitation.\n",
    "beta.txt": "Beta Meeting Report\n\nThe quokkaland delegation chaired the beta meeting in Riga."
                "\n\nThe working group agreed on a new action plan for 2024.\n",
    "gamma.txt": "Gamma Meeting Report\n\nThe wombatia delegation hosted the gamma meeting in Oslo."
                 "\n\nPartners welcomed the new regional programme on labour migration.\n",
}
NEW = ("delta.txt", "Delta Meeting Report\n\nThe platypodia delegation closed the delta meeting "
       "in Lisbon.\n\nThe next meeting will take place in autumn.\n")
CHANGED_BETA = ("Beta Meeting Report\n\nThe numbatvia delegation chaired the beta meeting in Riga."
                "\n\nThe working group agreed on a new action plan for 2025.\n")


def hits_for(idx: ChunkIndex, word: str) -> set[str]:
    """Sources whose chunks keyword search finds for one word."""
    return {idx.rows[r].source for r, _ in idx.keyword_search(dict.fromkeys(tokens(word), 1.0), 50)}


def assert_mirrors_store(idx: ChunkIndex, store: Store) -> None:
    got = store.chunks.get(include=["documents"])
    assert len(idx) == store.chunks.count() == len(got["ids"])
    assert set(idx.row_of) == set(got["ids"])
    texts = dict(zip(got["ids"], got["documents"], strict=True))
    assert all(idx.rows[i].text == texts[cid] for cid, i in idx.row_of.items())
    assert idx.n_documents == len(store.doc_records())
    assert idx.bm25.n_docs == len(idx)


@pytest.fixture(scope="module")
def small(tmp_path_factory, embedder):
    """Settings of a small corpus ingested once; its tests change it in order."""
    base = tmp_path_factory.mktemp("sync")
    corpus = base / "corpus"
    corpus.mkdir()
    for name, text in DOCS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings().with_(corpus_dir=corpus, store_dir=base / "store")
    report = run_ingest(settings, embedder=embedder, progress=False)
    assert report.added == 3 and not report.failed
    return settings, embedder


def test_sync_follows_add_change_and_remove(small):
    settings, embedder = small
    store = Store(settings)
    idx = ChunkIndex(store)
    assert idx.sync() is True
    assert_mirrors_store(idx, store)
    assert hits_for(idx, "zanzibarite") == {"alpha.txt"}
    assert hits_for(idx, "quokkaland") == {"beta.txt"}
    assert hits_for(idx, "wombatia") == {"gamma.txt"}
    assert idx.sync() is False  # nothing changed: no refetch

    # A second index loads the cache the first one wrote, before anything changes.
    early = ChunkIndex(Store(settings))
    early.load_cache()
    assert early.loaded_from_cache
    assert set(early.row_of) == set(idx.row_of)
    assert early.sync() is False

    corpus = settings.corpus_dir
    (corpus / NEW[0]).write_text(NEW[1], encoding="utf-8")
    (corpus / "beta.txt").write_text(CHANGED_BETA, encoding="utf-8")
    (corpus / "gamma.txt").unlink()
    report = run_ingest(settings, embedder=embedder, progress=False)
    assert (report.added, report.updated, report.removed) == (1, 1, 1), report.to_dict()

    for index in (idx, early):  # the live index and the one from the (now stale) cache
        assert index.sync() is True
        assert_mirrors_store(index, store)
        assert hits_for(index, "wombatia") == set()  # removed document
        assert hits_for(index, "platypodia") == {"delta.txt"}  # new document
        assert hits_for(index, "numbatvia") == {"beta.txt"}  # changed document, new text
        assert hits_for(index, "quokkaland") == set()  # changed document, old text gone
        assert hits_for(index, "zanzibarite") == {"alpha.txt"}  # untouched
        assert "gamma.txt" not in {r.source for r in index.rows}

    # A new process after the change starts from the updated cache and needs no fetch.
    late = ChunkIndex(Store(settings))
    late.load_cache()
    assert late.loaded_from_cache
    assert late.sync() is False
    assert_mirrors_store(late, store)
    assert hits_for(late, "platypodia") == {"delta.txt"}


def test_bad_cache_is_ignored_and_rebuilt(small):
    settings, _ = small
    idx = ChunkIndex(Store(settings))
    idx._cache_path.write_bytes(b"not a pickle")
    idx.load_cache()
    assert not idx.loaded_from_cache and len(idx) == 0
    assert idx.sync() is True
    assert_mirrors_store(idx, Store(settings))
    again = ChunkIndex(Store(settings))
    again.load_cache()
    assert again.loaded_from_cache and len(again) == len(idx)


def test_filters_mask_rows_by_source(small):
    from assistant.types import Filters

    settings, _ = small
    idx = ChunkIndex(Store(settings))
    idx.sync()
    only = Filters(sources=("alpha.txt",))
    found = idx.keyword_search(dict.fromkeys(tokens("delegation meeting"), 1.0), 50, only)
    assert found and {idx.rows[r].source for r, _ in found} == {"alpha.txt"}
    assert idx.keyword_search(dict.fromkeys(tokens("platypodia"), 1.0), 50, only) == []


def _mapped_from_file(a) -> bool:
    import mmap

    import numpy as np

    while isinstance(a, np.ndarray):
        a = a.base
    return isinstance(a, mmap.mmap)


def test_cache_memory_maps_the_unit_vectors_and_keeps_one_file(small):
    import numpy as np

    from assistant.store import loads_units, unpack_vectors

    settings, _ = small
    store = Store(settings)
    built = ChunkIndex(store)
    built.sync()  # a new index pages through the store and saves the cache
    built.save_cache()  # a second save replaces the first vectors file
    vec_files = list(settings.store_dir.glob("keyword-*.vecs-*.npy"))
    assert len(vec_files) == 1
    loaded = ChunkIndex(Store(settings))
    loaded.load_cache()
    assert loaded.loaded_from_cache and loaded.sync() is False
    got = store.chunks.get(include=["metadatas"])
    for cid, meta in zip(got["ids"], got["metadatas"], strict=True):
        row = loaded.rows[loaded.row_of[cid]]
        assert row.units == loads_units(meta["units"])
        assert np.array_equal(row.unit_vecs, unpack_vectors(meta["unit_vecs"]).astype(np.float16))
        assert _mapped_from_file(row.unit_vecs)
        assert not row.unit_vecs.flags.writeable  # read-only map: pages are shared, not copied
    vec_files[0].unlink()  # a cache whose vectors are gone is rebuilt from the store
    again = ChunkIndex(Store(settings))
    again.load_cache()
    assert not again.loaded_from_cache
    assert again.sync() is True and len(again) == len(loaded)
