"""Ingest benchmarks: throughput against the raw model, the LangChain tutorial pipeline, and
reindex costs (no change, one changed report).

All in this process with the model already loaded, so the figures are ingest work, not start-up.

    >>> throughput(corpus_dir, work_dir, runs=3)
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from assistant.embeddings import get_embedder
from assistant.settings import Settings
from assistant.store import Store
from ingest.pipeline import run_ingest

from .measure import fresh_dir, summary, timed

log = logging.getLogger(__name__)


class RecordingEmbedder:
    """The real embedder, remembering every text the pipeline asked it to embed."""

    def __init__(self, real):
        self.real = real
        self.texts: list[str] = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def encode_with_units(self, texts, spans, batch_size=32):
        self.texts.extend(texts)
        return self.real.encode_with_units(texts, spans, batch_size=batch_size)


def settings_for(corpus: Path, store_dir: Path, collection: str = "bench") -> Settings:
    return Settings(corpus_dir=corpus, store_dir=store_dir, collection=collection)


def full_ingest(corpus: Path, store_dir: Path, embedder=None) -> dict:
    """One full ingest into a new store: seconds, chunks, chunks/s, and the embedded texts."""
    rec = RecordingEmbedder(embedder or get_embedder())
    settings = settings_for(corpus, fresh_dir(store_dir))
    seconds, report = timed(lambda: run_ingest(settings, embedder=rec, progress=False))
    assert not report.failed, report.failed
    return {"seconds": seconds, "chunks": report.chunks_total, "files": report.added,
            "chunks_per_s": report.chunks_total / seconds, "texts": rec.texts}


def raw_encode(texts: list[str], batch_size: int = 32) -> float:
    """Seconds for `SentenceTransformer.encode` alone on these texts: the ceiling for ingest."""
    model = get_embedder().model
    seconds, _ = timed(lambda: model.encode(texts, batch_size=batch_size,
                                            normalize_embeddings=True, show_progress_bar=False))
    return seconds


def tutorial_ingest(corpus: Path, persist: Path) -> dict:
    """The LangChain tutorial's indexing (bench/baseline.py), timed end to end."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from bench.baseline import build_baseline, load_raw

    seconds, _ = timed(lambda: build_baseline(corpus, fresh_dir(persist)))
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    n = len(splitter.split_documents(load_raw(corpus)))
    return {"seconds": seconds, "chunks": n}


def throughput(corpus: Path, work: Path, runs: int = 3, baseline: bool = True) -> dict:
    """Ours vs the raw model vs the tutorial, interleaved run by run on the same corpus."""
    ours, raw, tut = [], [], []
    chunks = tut_chunks = 0
    for i in range(runs):
        # A new folder per run: Chroma keeps clients per path, so never reuse a deleted one.
        got = full_ingest(corpus, work / f"tp-store-{i}")
        chunks = got["chunks"]
        ours.append(got["seconds"])
        raw.append(raw_encode(got["texts"]))
        if baseline:
            t = tutorial_ingest(corpus, work / f"tp-tutorial-{i}")
            tut.append(t["seconds"])
            tut_chunks = t["chunks"]
        log.info("throughput run %d/%d: ours %.1fs, raw encode %.1fs%s", i + 1, runs, ours[-1],
                 raw[-1], f", tutorial {tut[-1]:.1f}s" if tut else "")
    out = {
        "chunks": chunks,
        "ingest_s": summary(ours, 2),
        "raw_encode_s": summary(raw, 2),
        "ingest_chunks_per_s": round(chunks / summary(ours)["median"], 1),
        "raw_chunks_per_s": round(chunks / summary(raw)["median"], 1),
    }
    out["fraction_of_limit"] = round(out["ingest_chunks_per_s"] / out["raw_chunks_per_s"], 3)
    if tut:
        out["tutorial"] = {"chunks": tut_chunks, "ingest_s": summary(tut, 2)}
        out["tutorial_over_ours"] = round(summary(tut)["median"] / summary(ours)["median"], 2)
    return out


def reindex(corpus: Path, store_dir: Path, runs: int = 5) -> dict:
    """No-change reindex and one-changed-report reindex of an already indexed corpus.

    The changed run appends a sentence to a different generated report each time and puts it
    back afterwards (untimed); its own embedding is timed separately on the same texts.
    """
    emb = get_embedder()
    settings = settings_for(corpus, store_dir)
    store = Store(settings)
    nochange = []
    for _ in range(runs):
        s, report = timed(lambda: run_ingest(settings, store=store, embedder=emb, progress=False))
        assert report.changed == 0 and not report.failed, report.to_dict()
        nochange.append(s)
    targets = sorted(p for p in corpus.iterdir() if p.name[:1] != "." and p.name >= "100")
    changed, own, embedded = [], [], []
    for k in range(runs):
        path = targets[(k * 97) % len(targets)]
        original = path.read_bytes()
        try:
            path.write_bytes(original + f"\nBenchmark note {k}: the meeting adjourned at "
                             f"{17 + k % 3}:00.\n".encode())
            rec = RecordingEmbedder(emb)
            s, report = timed(lambda r=rec: run_ingest(settings, store=store, embedder=r,
                                                       progress=False))
            assert report.updated == 1, report.to_dict()
            changed.append(s)
            embedded.append(report.chunks_embedded)
            own.append(timed(lambda r=rec: emb.encode_with_units(
                r.texts, [[] for _ in r.texts]))[0] if rec.texts else 0.0)
        finally:
            path.write_bytes(original)
            time.sleep(0.01)
            run_ingest(settings, store=store, embedder=emb, progress=False)
    over = [c - o for c, o in zip(changed, own, strict=True)]
    return {
        "files": len(store.doc_records()),
        "chunks": store.chunks.count(),
        "no_change_s": summary(nochange, 3),
        "one_changed_s": summary(changed, 3),
        "one_changed_own_embedding_s": summary(own, 3),
        "one_changed_beyond_embedding_s": summary(over, 3),
        "one_changed_chunks_embedded": embedded,
    }
