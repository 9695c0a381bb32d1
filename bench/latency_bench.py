"""Warm `answer()` latency and the keyword index's own costs (load, no-change sync).

    >>> answer_latency(settings, questions())      # {'p50_ms': ..., 'p95_ms': ..., ...}
"""

from __future__ import annotations

import json
import statistics

from assistant.index import ChunkIndex
from assistant.settings import Settings
from assistant.store import Store

from .measure import ROOT, percentile, summary, timed

QA = ROOT / "tests" / "eval" / "qa.jsonl"


def questions() -> list[tuple[str, tuple[tuple[str, str], ...]]]:
    """(question, history) pairs of the evaluation set: the questions users ask of the seeds."""
    out = []
    for line in QA.read_text(encoding="utf-8").splitlines():
        if line.strip():
            q = json.loads(line)
            out.append((q["question"], tuple(tuple(t) for t in q.get("history") or ())))
    return out


def answer_latency(settings: Settings, qs, passes: int = 2, warm: int = 5,
                   threads: int | None = None) -> dict:
    """p50/p95 of `answer()` once the model and index are loaded (what a served user waits).

    `threads`: torch intra-op threads for this measurement (default: torch's own choice).
    """
    import torch

    from assistant.answering import answer, resources, warm_up

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _latency(settings, qs, passes, warm, answer, resources, warm_up)
    finally:
        torch.set_num_threads(before)


def _latency(settings, qs, passes, warm, answer, resources, warm_up) -> dict:
    load_s, _ = timed(lambda: warm_up(settings))
    for q, h in qs[:warm]:
        answer(q, history=h, settings=settings)
    times = []
    for _ in range(passes):
        for q, h in qs:
            t, _ = timed(lambda q=q, h=h: answer(q, history=h, settings=settings))
            times.append(t * 1000)
    res = resources(settings)
    return {"chunks": len(res.index), "calls": len(times), "load_s": round(load_s, 2),
            "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
            "mean_ms": round(statistics.fmean(times), 1), "max_ms": round(max(times), 1)}


def index_costs(settings: Settings, runs: int = 5) -> dict:
    """What the keyword index costs: a build from the store, a load from its cache, and the
    no-change `sync()` the query path runs every `sync_interval` seconds."""
    build = []
    for _ in range(max(1, runs // 2)):
        idx = ChunkIndex(Store(settings))
        build.append(timed(idx.sync)[0])  # no cache loaded: pages through the whole store
    idx.save_cache()
    loads, syncs = [], []
    for _ in range(runs):
        fresh = ChunkIndex(Store(settings))
        t_load, _ = timed(fresh.load_cache)
        t_sync, changed = timed(fresh.sync)
        assert fresh.loaded_from_cache and not changed
        loads.append(t_load + t_sync)
        syncs.append(timed(fresh.sync)[0])
    cache = idx._cache_path  # the pickle and the unit vectors' .npy beside it
    files = [cache, *cache.parent.glob(f"{cache.stem}.vecs-*.npy")] if cache.exists() else []
    return {"build_from_store_s": summary(build, 3), "load_from_cache_s": summary(loads, 3),
            "no_change_sync_ms": summary([s * 1000 for s in syncs], 1),
            "cache_mb": round(sum(f.stat().st_size for f in files) / 1048576, 1) if files else None}
