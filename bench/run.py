"""`make bench` = `python -m bench.run`: scale and speed figures, written to bench/results.json
and as tables into bench/README.md.

    python -m bench.run                  # routine: generated corpora up to 2,000 reports (~10k chunks)
    python -m bench.run --large          # also a ≥ 50k-chunk corpus, cached under bench/cache/
    python -m bench.run --quick          # tiny sizes, one run each: checks the suite itself

Every figure is a median of several runs (the count is stored beside it); comparisons
(ours / raw model / LangChain tutorial) run interleaved in the same process on the same corpus.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .measure import CACHE, ROOT, WORK, bench_env, code_digest, dir_mb, make_corpus, timed

log = logging.getLogger("bench")


@dataclass(frozen=True)
class Plan:
    """Sizes (generated reports) and run counts."""

    tp_reports: int = 200        # throughput / tutorial comparison (~1k chunks)
    tp_runs: int = 3
    small_reports: int = 400     # many small reports: whole-process ingest vs the tutorial
    reindex_reports: int = 1000  # reindex figures (~5k chunks)
    reindex_runs: int = 5
    big_reports: int = 2000      # latency at ~10k chunks
    large_reports: int = 0       # --large: ≥ 50k chunks
    latency_passes: int = 2
    cold_runs: int = 5
    serve_answers: int = 5


ROUTINE = Plan()
SMALL = Plan(tp_reports=50, tp_runs=2, small_reports=100, reindex_reports=100, reindex_runs=3, big_reports=200,
             latency_passes=1, cold_runs=3, serve_answers=3)
QUICK = Plan(tp_reports=10, tp_runs=1, small_reports=10, reindex_reports=20, reindex_runs=2, big_reports=40,
             latency_passes=1, cold_runs=2, serve_answers=2)
LARGE_REPORTS = 12000  # ~4.4 chunks a report: > 50k chunks


def machine() -> dict:
    import torch

    return {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(), "platform": platform.platform(),
            "load_avg_start": [round(x, 2) for x in os.getloadavg()]}


def size_point(name: str, corpus: Path, store: Path, plan: Plan, results: dict,
               built_s: float | None = None) -> None:
    """Latency, index costs, no-change reindex, serve readiness and memory at one size."""
    from assistant.onnx_encoder import ensure_export
    from ingest.pipeline import run_ingest

    from .ingest_bench import settings_for
    from .latency_bench import answer_latency, index_costs, questions
    from .startup_bench import serve_ready

    settings = settings_for(corpus, store)
    # As `dialogue-assistant ingest` leaves a store: with the ONNX query encoder (no torch).
    ensure_export(settings)
    point: dict = {"reports": sum(1 for p in corpus.iterdir() if p.is_file() and
                                  not p.name.startswith("."))}
    if built_s is not None:
        point["ingest_s"] = round(built_s, 1)
    nochange = [timed(lambda: run_ingest(settings, progress=False))[0] for _ in range(3)]
    from .measure import summary

    point["no_change_reindex_s"] = summary(nochange, 3)
    point["index"] = index_costs(settings, runs=3)
    point["answer"] = answer_latency(settings, questions(), passes=plan.latency_passes)
    # One torch thread for the single-question forward pass: robust when cores are busy.
    point["answer_1_thread"] = answer_latency(settings, questions(), passes=plan.latency_passes,
                                              threads=1)
    point["chunks"] = point["answer"]["chunks"]
    point["store_mb"] = dir_mb(store / "chroma")
    env = bench_env(store_dir=store, corpus_dir=corpus, collection=settings.collection)
    point["serve"] = serve_ready(env, answers=plan.serve_answers)
    results.setdefault("sizes", {})[name] = point
    log.info("size %s: %s", name, json.dumps(point))


def build(corpus: Path, store: Path) -> float:
    """(Incremental) ingest of `corpus` into `store`, with ingest's default encoder; seconds."""
    from ingest.pipeline import run_ingest

    from .ingest_bench import settings_for

    s, report = timed(lambda: run_ingest(settings_for(corpus, store), progress=None))
    assert not report.failed, report.failed
    log.info("built %s: %s", store, report.summary())
    return s


def run(plan: Plan, out: Path, readme: Path, baseline: bool = True, label: str = "routine",
        note: str = "") -> dict:
    from assistant.embeddings import get_embedder
    from assistant.onnx_encoder import ensure_export, passage_encoder

    from . import encoder_bench
    from .ingest_bench import reindex, settings_for
    from .startup_bench import cold_ask, probe_phases, serve_ready

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    results: dict = {"machine": machine(), "label": label, "plan": plan.__dict__,
                     "started": time.strftime("%F %T"), "notes": note}
    t_all = time.perf_counter()
    results["model_load_s"] = round(timed(get_embedder)[0], 2)
    results["onnx_load_s"] = round(timed(lambda: passage_encoder(
        settings_for(ROOT / "corpus", WORK / "unused")))[0], 2)

    # 1 + 2: throughput against raw onnxruntime and raw torch; whole processes against the
    # LangChain tutorial (on the throughput corpus and on many small reports); start-up.
    tp_corpus = make_corpus(WORK / "corpus-tp", plan.tp_reports)
    results["throughput"] = encoder_bench.throughput(tp_corpus, WORK, runs=plan.tp_runs)
    log.info("throughput: %s", json.dumps(results["throughput"]))
    save(results, out)
    if baseline:
        small = make_corpus(WORK / "corpus-small", plan.small_reports)
        results["whole_process"] = {
            "tp": encoder_bench.whole_process(tp_corpus, WORK, runs=plan.tp_runs),
            "small": encoder_bench.whole_process(small, WORK, runs=plan.tp_runs)}
        log.info("whole process: %s", json.dumps(results["whole_process"]))
    results["ingest_startup"] = encoder_bench.startup(WORK, runs=plan.tp_runs)
    save(results, out)

    # 3: reindex at ~1,000 reports.
    corpus = make_corpus(WORK / "corpus", plan.reindex_reports)
    store = WORK / "store-main"
    built = build(corpus, store)
    results["reindex"] = reindex(corpus, store, runs=plan.reindex_runs)
    results["reindex"]["full_ingest_s"] = round(built, 1)
    results["reindex"]["no_change_process"] = encoder_bench.no_change_process(
        corpus, store, runs=plan.reindex_runs)
    log.info("reindex: %s", json.dumps(results["reindex"]))
    save(results, out)

    # 4 + 6: latency, index, serve memory at each size.
    size_point("tp", tp_corpus, WORK / "tp-store-0", plan, results)
    size_point("main", corpus, store, plan, results, built_s=built)
    save(results, out)
    grown = make_corpus(corpus, plan.big_reports)  # same folder: only adds files
    added = build(grown, store)
    results["reindex"]["add_reports_s"] = round(added, 1)
    results["reindex"]["added_reports"] = plan.big_reports - plan.reindex_reports
    size_point("big", grown, store, plan, results)
    from .server_bench import server_point

    results["server"] = server_point(settings_for(grown, store), WORK / "server",
                                     passes=plan.latency_passes)
    log.info("server mode: %s", json.dumps(results["server"]))
    save(results, out)

    if plan.large_reports:
        large_dir = CACHE / f"large-{plan.large_reports}-{code_digest()}"
        lcorpus = make_corpus(large_dir / "corpus", plan.large_reports)
        lstore = large_dir / "store"
        cached = (lstore / "chroma").exists()
        built = build(lcorpus, lstore)
        size_point("large", lcorpus, lstore, plan, results, built_s=None if cached else built)
        results["sizes"]["large"]["cached_store"] = cached
        if results["sizes"]["large"]["chunks"] < 50_000:
            log.warning("the large corpus has only %d chunks; raise --large-reports",
                        results["sizes"]["large"]["chunks"])
        save(results, out)

    # 5: cold start on the seed corpus.
    seed_store = WORK / "store-seeds"
    build(ROOT / "corpus", seed_store)
    ensure_export(settings_for(ROOT / "corpus", seed_store))
    env = bench_env(store_dir=seed_store, corpus_dir=ROOT / "corpus", collection="bench")
    results["cold_start"] = {"ask": cold_ask(env, runs=plan.cold_runs),
                             "phases": probe_phases(env),
                             "serve": serve_ready(env, answers=plan.serve_answers)}
    log.info("cold start: %s", json.dumps(results["cold_start"]))

    results["machine"]["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["total_s"] = round(time.perf_counter() - t_all, 1)
    save(results, out)
    from .report import write_readme

    write_readme(results, readme)
    from .report import goals

    for goal, target, measured, met in goals(results):  # the ratios, on stdout
        print(f"{goal}: {measured} (target {target}; met: {met.strip('*')})")
    return results


def save(results: dict, out: Path) -> None:
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true",
                        help=f"also {LARGE_REPORTS:,} reports (≥ 50k chunks), cached in bench/cache/")
    parser.add_argument("--large-reports", type=int, default=LARGE_REPORTS, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a check of the suite")
    parser.add_argument("--small", action="store_true",
                        help="50-200 reports, fewer runs (for a busy machine)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain tutorial")
    parser.add_argument("--note", default="", help="a line for the README's notes")
    parser.add_argument("--out", type=Path, default=None, help="results JSON (bench/results.json)")
    parser.add_argument("--readme", type=Path, default=None, help="tables (bench/README.md)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "sentence_transformers", "chromadb", "ingest", "assistant"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    plan = QUICK if args.quick else SMALL if args.small else ROUTINE
    if args.large:
        plan = Plan(**{**plan.__dict__, "large_reports": args.large_reports})
    out = args.out or (WORK / "results-quick.json" if args.quick else ROOT / "bench" / "results.json")
    readme = args.readme or (WORK / "README-quick.md" if args.quick else ROOT / "bench" / "README.md")
    label = "quick" if args.quick else "small" if args.small else "routine"
    label += " + large" if args.large else ""
    results = run(plan, out, readme, baseline=not args.no_baseline, label=label, note=args.note)
    log.info("done in %.0f s: %s, %s", results["total_s"], out, readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())
