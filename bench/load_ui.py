"""Load test of the chat app: N concurrent gradio_client clients asking over loopback.

Starts the real app (a tmp copy of corpus/, a tmp store, the real ingest and answerer) on a
free 127.0.0.1 port, then each client asks `--rounds` questions through `/ask`. Prints one
JSON line (stdout): clients, requests, errors, p50/p95/max seconds, requests per second.
Bounded in count and time; talks to loopback only.

    HF_HUB_OFFLINE=1 .venv/bin/python -m bench.load_ui --clients 20 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "How many participants attended the 32nd Senior Officials Meeting?",
    "Who opened the Senior Officials Meeting in Istanbul?",
    "When did the Prague Process Senior Officials' Meeting take place in Brussels?",
    "Which country took over the leadership of the Prague Process?",
    "How many staff does the Budapest Process Secretariat have?",
)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5, help="questions per client")
    ap.add_argument("--timeout", type=float, default=300.0, help="give up after this many s")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    from gradio_client import Client

    from assistant import Settings, warm_up
    from ingest.pipeline import run_ingest
    from ui.app import CONCURRENCY, build_app, launch_app

    tmp = Path(tempfile.mkdtemp(prefix="load_ui_"))
    try:
        shutil.copytree(ROOT / "corpus", tmp / "corpus")
        settings = Settings().with_(corpus_dir=tmp / "corpus", store_dir=tmp / "store", llm=None)
        run_ingest(settings, progress=False)
        warm_up(settings)
        demo = build_app(settings=settings)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                   settings=settings)
        url = f"http://127.0.0.1:{port}/"
        clients = [Client(url, verbose=False) for _ in range(args.clients)]
        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.timeout
        start = threading.Barrier(args.clients)

        def worker(i: int, client) -> None:
            start.wait()
            for r in range(args.rounds):
                if time.monotonic() > deadline:
                    return
                q = QUESTIONS[(i + r) % len(QUESTIONS)]
                t0 = time.perf_counter()
                try:
                    client.predict(q, api_name="/ask")
                    took = time.perf_counter() - t0
                    with lock:
                        latencies.append(took)
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")

        threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.timeout)
        wall = time.perf_counter() - t0
        demo.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    out = {
        "clients": args.clients, "requests": len(latencies), "errors": len(errors),
        "concurrency_limit": CONCURRENCY,
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "wall_s": round(wall, 2), "req_per_s": round(len(latencies) / wall, 1) if wall else None,
    }
    print(json.dumps(out))
    for e in errors[:3]:
        print(f"error: {e}", file=sys.stderr)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
