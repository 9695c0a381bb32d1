"""Cold start and memory: a new process to its first answer, `serve` to ready, where the time
goes (imports, model, index), and the peak RSS of a serving process.

    >>> cold_ask(env, runs=5)          # `dialogue-assistant ask` wall time
    >>> serve_ready(env)               # seconds to first HTTP 200, peak RSS after some answers
    python -m bench.startup_bench probe   # (internal) one cold start, phase by phase, as JSON
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict

from .measure import CLI, bench_env, free_port, proc_memory, stop, summary, timed

QUESTION = "How many participants attended the 32nd Senior Officials Meeting?"


def cold_ask(env: dict[str, str], runs: int = 5) -> dict:
    """Wall time of `dialogue-assistant ask QUESTION` in a new process, `runs` times."""
    times = []
    for _ in range(runs):
        t, done = timed(lambda: subprocess.run([str(CLI), "ask", QUESTION, "--json"], env=env,
                                               capture_output=True, text=True, timeout=600,
                                               stdin=subprocess.DEVNULL))
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["answered"], done.stdout[:500]
        times.append(t)
    return {"first_s": round(times[0], 2), "s": summary(times, 2)}


def probe_phases(env: dict[str, str]) -> dict:
    """One cold start of the ask path in a child, timed phase by phase, with -X importtime."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bench.startup_bench",
                           "probe"], env=env, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    phases = json.loads(done.stdout.strip().splitlines()[-1])
    phases["imports_by_package_s"] = top_imports(done.stderr)
    return phases


def top_imports(stderr: str, n: int = 12) -> dict[str, float]:
    """Cumulative import seconds per top-level package, from `-X importtime` lines."""
    per: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = (p for p in line.removeprefix("import time:").split("|"))
        if name.startswith("  "):  # nested: counted in its parent's cumulative time
            continue
        per[name.strip().split(".")[0]] += int(cumulative) / 1e6
    top = sorted(per.items(), key=lambda kv: -kv[1])[:n]
    return {k: round(v, 3) for k, v in top}


def _probe() -> None:
    """Child side of `probe_phases`: the ask path's steps, each timed."""
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    import assistant.answering as answering  # what `ask` imports first
    import ui.ask_cli  # noqa: F401
    out["import_assistant_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    import chromadb  # noqa: F401
    out["import_chromadb_s"] = time.perf_counter() - t
    t = time.perf_counter()
    import sentence_transformers  # noqa: F401
    out["import_sentence_transformers_s"] = time.perf_counter() - t
    from assistant.embeddings import Embedder
    from assistant.index import ChunkIndex
    from assistant.settings import Settings
    from assistant.store import Store

    settings = Settings.from_env()
    t = time.perf_counter()
    Embedder()
    out["model_load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    store = Store(settings)
    store.chunks.count()
    out["store_open_s"] = time.perf_counter() - t
    t = time.perf_counter()
    idx = ChunkIndex(store)
    idx.load_cache()
    idx.sync()
    out["index_load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    answering.answer(QUESTION, settings=settings)  # loads its own resources: mostly cached now
    out["first_answer_s"] = time.perf_counter() - t
    t = time.perf_counter()
    answering.answer(QUESTION, settings=settings)
    out["second_answer_s"] = time.perf_counter() - t
    out["total_s"] = time.perf_counter() - t0
    print(json.dumps({k: round(v, 3) for k, v in out.items()}))


def serve_ready(env: dict[str, str], answers: int = 5, timeout: float = 300,
                check: bool = True) -> dict:
    """Start `dialogue-assistant serve`, time it to its first HTTP 200, ask a few questions
    through its /ask API, then read its RSS and peak RSS from /proc and stop it."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, text=True)
    try:
        ready = None
        while ready is None:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    if r.status == 200:
                        ready = time.perf_counter() - t0
            except OSError:
                time.sleep(0.1)
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError("serve was not ready in time")
        at_ready = proc_memory(proc.pid)
        times = []
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        for _ in range(answers):
            t, got = timed(lambda: client.predict(QUESTION, api_name="/ask"))
            assert got.get("answered") or not check, str(got)[:300]
            times.append(t)
        after = proc_memory(proc.pid)
        return {"ready_s": round(ready, 2), "rss_ready_mb": at_ready["VmRSS"],
                "rss_mb": after["VmRSS"], "peak_rss_mb": after["VmHWM"],
                "api_answer_s": summary(times, 3)}
    finally:
        stop(proc)


if __name__ == "__main__":
    if sys.argv[1:] == ["probe"]:
        _probe()
    else:
        sys.exit("usage: python -m bench.startup_bench probe")

__all__ = ["bench_env", "cold_ask", "probe_phases", "serve_ready"]
