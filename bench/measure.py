"""Small helpers the benchmarks share: timing, percentiles, corpora, stores, subprocess memory.

    >>> t = timed(lambda: sum(range(10**6)))          # (seconds, result)
    >>> summary([0.1, 0.2, 0.3])                       # {'median': 0.2, 'runs': 3, ...}
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"    # routine run: rebuilt every time (git-ignored)
CACHE = ROOT / "bench" / "cache"   # --large: kept between runs (git-ignored)
BIN = Path(sys.executable).parent
CLI = BIN / "dialogue-assistant"
# Whatever changes what ingest writes: a cached large store is rebuilt when any of these change.
INGEST_CODE = ("ingest/chunking.py", "ingest/units.py", "ingest/loaders.py", "ingest/clean.py",
               "ingest/metadata.py", "ingest/pipeline.py", "assistant/store.py",
               "assistant/embeddings.py", "assistant/onnx_encoder.py", "assistant/onnx_export.py",
               "ingest/indexer.py", "bench/gen_corpus.py")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(wall seconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def summary(values: list[float], digits: int = 4) -> dict:
    """Median (the figure reported) plus min/max and the number of runs behind it."""
    return {"median": round(statistics.median(values), digits), "min": round(min(values), digits),
            "max": round(max(values), digits), "runs": len(values)}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), linear between closest ranks."""
    xs = sorted(values)
    if not xs:
        return float("nan")
    pos = (len(xs) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


# Thread caps a developer's shell may carry (`OMP_NUM_THREADS=1` for tests): torch honours
# them and onnxruntime does not, so a capped child would time the tutorial pipeline on one core
# and ours on all of them. Every child process runs uncapped, as a user's would.
THREAD_CAPS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS")


def bench_env(**settings: str | Path | None) -> dict[str, str]:
    """os.environ for a child process, offline, uncapped (no THREAD_CAPS), with ASSISTANT_*
    variables set or removed."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ASSISTANT_") and k not in THREAD_CAPS}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               TOKENIZERS_PARALLELISM="false")
    for key, value in settings.items():
        if value is not None:
            env[f"ASSISTANT_{key.upper()}"] = str(value)
    return env


def make_corpus(folder: Path, n: int, seed: int = 0) -> Path:
    """The seeds plus `n` generated reports in `folder` (files already there are kept: report i
    depends only on (seed, i), so growing n only adds files)."""
    from bench.gen_corpus import generate

    marker = folder / f".complete-{n}-{seed}"
    if not marker.exists():
        generate(folder, n, seed=seed, with_seeds=True)
        marker.touch()
    return folder


def code_digest() -> str:
    """A digest of the code that decides what ingest writes (keys the --large cache)."""
    h = hashlib.sha256()
    for rel in INGEST_CODE:
        path = ROOT / rel
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM (peak RSS) of a live process, in MB, from /proc."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = round(int(rest.split()[0]) / 1024, 1)
    return out


def stop(proc: subprocess.Popen) -> None:
    """Stop one child we started, by its PID."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def dir_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0
    return round(total / 1048576, 1)
