"""Ingest benchmarks in this process, encoder loaded: one full ingest (recording what it
embedded) and reindex costs (no change, one changed report). Throughput against the raw
encoders and whole-process comparisons are in `encoder_bench.py`.

    >>> reindex(corpus_dir, store_dir, runs=5)
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from assistant.onnx_encoder import passage_encoder
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


def full_ingest(corpus: Path, store_dir: Path, embedder=None, ner: str = "on") -> dict:
    """One full ingest into a new store: seconds, chunks, chunks/s, and the embedded texts.
    `ner="off"`: without named entities at ingest (ASSISTANT_INGEST_NER)."""
    settings = settings_for(corpus, fresh_dir(store_dir)).with_(ingest_ner=ner)
    rec = RecordingEmbedder(embedder or passage_encoder(settings))
    seconds, report = timed(lambda: run_ingest(settings, embedder=rec, progress=False))
    assert not report.failed, report.failed
    return {"seconds": seconds, "chunks": report.chunks_total, "files": report.added,
            "chunks_per_s": report.chunks_total / seconds, "texts": rec.texts}


def reindex(corpus: Path, store_dir: Path, runs: int = 5) -> dict:
    """No-change reindex and one-changed-report reindex of an already indexed corpus.

    The changed run appends a sentence to a different generated report each time and puts it
    back afterwards (untimed); its own embedding is timed separately on the same texts.
    """
    settings = settings_for(corpus, store_dir)
    emb = passage_encoder(settings)
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
