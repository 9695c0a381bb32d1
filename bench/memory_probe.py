"""`serve` memory and readiness at a given size, fast: the store is built with random unit
vectors (real chunking, real texts and metadata, no model), which is all the serving side's
memory depends on. `--cli` runs another checkout's `dialogue-assistant` on the same store (a
before/after comparison); `serve` then gets that checkout's query encoder as its ingest leaves it.

    python -m bench.memory_probe --reports 2000 [--ner off] [--cli /other/.venv/bin/dialogue-assistant]

The corpus and store of each size are kept under `bench/.work/` and reused: a second run at the
same size is a no-change ingest, so before and after a change measure the same store.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

from .measure import CLI, WORK, bench_env, make_corpus, timed


class RandomVectors:
    """The real tokenizer for chunking, random unit vectors for everything else."""

    def __init__(self, real):
        self.count_tokens = real.count_tokens
        self.rng = np.random.default_rng(0)

    def encode_with_units(self, texts, spans, batch_size=32):
        vecs = self.rng.normal(size=(len(texts), 384)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs, [np.repeat(vecs[i : i + 1], len(s), axis=0) for i, s in enumerate(spans)]


def build(reports: int, name: str = "mem", ner: str = "on") -> tuple[Path, Path]:
    """The seeds + `reports` generated reports in `WORK/corpus-{name}-{reports}`, indexed with
    random vectors into `WORK/store-{name}-{reports}` (`ner="off"`: without NER, faster). Each
    size has its own corpus folder: one shared folder only grows, so a smaller store built after
    a larger one would index the larger corpus."""
    from assistant.onnx_encoder import passage_encoder
    from ingest.pipeline import run_ingest

    from .ingest_bench import settings_for

    corpus = make_corpus(WORK / f"corpus-{name}-{reports}", reports)
    store = WORK / f"store-{name}-{reports}"
    settings = settings_for(corpus, store).with_(ingest_ner=ner)
    s, report = timed(lambda: run_ingest(settings, embedder=RandomVectors(
        passage_encoder(settings)), progress=False))
    assert not report.failed, report.failed
    print(f"store: {report.chunks_total} chunks ({s:.0f} s)", file=sys.stderr)
    return corpus, store


def main(argv: list[str] | None = None) -> int:
    from assistant.onnx_encoder import onnx_path
    from assistant.settings import Settings

    from . import startup_bench

    parser = argparse.ArgumentParser(prog="python -m bench.memory_probe")
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--cli", type=Path, default=CLI)
    parser.add_argument("--answers", type=int, default=3)
    parser.add_argument("--ner", choices=("on", "off"), default="on",
                        help="entities at ingest (off: a faster build, no entity metadata)")
    args = parser.parse_args(argv)
    corpus, store = build(args.reports, name=f"mem-ner{args.ner}", ner=args.ner)
    legacy = store / "model" / "all-MiniLM-L6-v2-v1.onnx"  # where older checkouts look
    legacy.parent.mkdir(exist_ok=True)
    shutil.copy(onnx_path(Settings()), legacy)
    for cache in store.glob("keyword-*"):  # each checkout builds and saves its own (pickle, vectors)
        cache.unlink()
    startup_bench.CLI = args.cli
    env = bench_env(store_dir=store, corpus_dir=corpus, collection="bench")
    first = startup_bench.serve_ready(env, answers=args.answers, check=False)   # builds the keyword cache
    second = startup_bench.serve_ready(env, answers=args.answers, check=False)  # loads it
    print(json.dumps({"reports": args.reports, "ner": args.ner, "cli": str(args.cli), "from_store": first,
                      "from_cache": second}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
