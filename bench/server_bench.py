"""Server mode: the same index served from a `chroma run` server instead of the embedded store.

The embedded store's records (vectors included) are copied to the server, so no re-embedding:
then warm answer latency and the keyword index's sync cost are measured over HTTP.

    >>> server_point(settings, work_dir)     # {'answer': {...}, 'index': {...}, 'copy_s': ...}
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

from assistant.settings import Settings
from assistant.store import Store, iter_collection

from .measure import BIN, free_port, stop, timed


def start_chroma(path: Path, log_path: Path, timeout: float = 60) -> tuple[subprocess.Popen, str]:
    """`chroma run` on a free loopback port, once its heartbeat answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(path), "--host",
                                 "127.0.0.1", "--port", str(port)], stdout=log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                stop(proc)
                raise RuntimeError(f"chroma run did not start (see {log_path})") from None
            time.sleep(0.2)


def copy_store(src: Store, dst: Store, page: int = 500) -> int:
    """Copy both collections, vectors and all; returns chunks copied."""
    n = 0
    for name in ("chunks", "docs"):
        a, b = getattr(src, name), getattr(dst, name)
        include = ["documents", "metadatas", "embeddings"]
        for ids, _, _ in iter_collection(a, include=[], page=page):
            got = a.get(ids=ids, include=include)
            b.upsert(ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"],
                     metadatas=got["metadatas"])
            n += len(ids) if name == "chunks" else 0
    return n


def server_point(settings: Settings, work: Path, passes: int = 1) -> dict:
    """Latency and sync costs with the index on a local Chroma server."""
    from .latency_bench import answer_latency, index_costs, questions

    work.mkdir(parents=True, exist_ok=True)
    proc, url = start_chroma(work / "db", work / "chroma.log")
    try:
        remote = settings.with_(chroma_url=url, store_dir=work / "client")
        copy_s, n = timed(lambda: copy_store(Store(settings), Store(remote)))
        return {"chunks": n, "copy_s": round(copy_s, 1), "index": index_costs(remote, runs=3),
                "answer": answer_latency(remote, questions(), passes=passes)}
    finally:
        stop(proc)
