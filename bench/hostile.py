"""Hostile inputs through the real `ingest` CLI, one at a time: outcome, time, peak memory.

Each input (generated in a temporary folder, never committed; see `bench/hostile_files.py`)
is the only file of a fresh corpus and store; the CLI runs as a child process and its own peak
RSS comes from `os.wait4` (questions use the sentence-transformers encoder, so no ONNX export
is timed). A last part measures two writers on one store: `--no-wait` exits 3,
a waiting run finishes after the holder, `--full` racing an incremental run ends like a clean
build.

    make bench-hostile                     # or: .venv/bin/python -m bench.hostile [--scale 0.25]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench import hostile_files as h
from bench.measure import CLI, ROOT, bench_env

SEEDS = sorted((ROOT / "corpus").glob("*.txt"))


def run_cli(corpus: Path, store: Path, *argv: str, timeout: float = 1800, **settings) -> dict:
    """The real `ingest --json` once, as a child process (other ASSISTANT_* settings as keyword
    arguments): exit code, seconds, peak RSS (MB) of that child, its report, stdout, stderr."""
    out, err = store.with_suffix(".out"), store.with_suffix(".err")
    t0 = time.perf_counter()
    with open(out, "wb") as o, open(err, "wb") as e:
        proc = subprocess.Popen([str(CLI), "ingest", "--json", *argv], stdout=o, stderr=e,
                                env=bench_env(corpus_dir=corpus, store_dir=store,
                                              **{"query_encoder": "model", **settings}))
        watchdog = threading.Timer(timeout, proc.kill)  # bounded whatever the input does
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
        finally:
            watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    try:
        report = json.loads(out.read_bytes() or b"{}")
    except ValueError:
        report = {"invalid_json": True}
    return {"code": proc.returncode, "seconds": seconds, "report": report,
            "peak_mb": usage.ru_maxrss / 1024, "stdout": out.read_bytes(),
            "stderr": err.read_text("utf-8", "replace")}


def outcome(r: dict) -> str:
    failed = r["report"].get("failed") or []
    if failed:
        return "failed: " + failed[0]["error"][:90]
    if r["report"].get("added"):
        return f"indexed, {r['report'].get('chunks_total')} chunks"
    return f"exit {r['code']}"


def hostile_table(work: Path, scale: float) -> list[dict]:
    rows = []
    inputs = {"3 seed reports (baseline)": None, **h.write_all(work / "inputs", scale=scale)}
    for i, (name, path) in enumerate(inputs.items()):
        corpus = work / f"c{i}"
        corpus.mkdir()
        for p in [path] if path is not None else SEEDS:
            shutil.copy(p, corpus / p.name)
        r = run_cli(corpus, work / f"s{i}")
        rows.append({"input": name, "mb": sum(p.stat().st_size for p in corpus.iterdir()) / 2**20,
                     "code": r["code"], "seconds": r["seconds"], "peak_mb": r["peak_mb"],
                     "outcome": outcome(r)})
        print(f"{name:30} exit {r['code']}  {r['seconds']:6.1f} s  {r['peak_mb']:7.0f} MB  "
              f"{outcome(r)}", flush=True)
        shutil.rmtree(work / f"s{i}", ignore_errors=True)
        if path is not None:
            path.unlink()
    return rows


def concurrency(work: Path) -> dict:
    """Two writers on one embedded store, through the real CLI."""
    from assistant.settings import Settings
    from bench.gen_corpus import generate

    corpus = work / "cc"
    generate(corpus, 60, seed=11, with_seeds=True)
    store = work / "cs"
    env = bench_env(corpus_dir=corpus, store_dir=store, query_encoder="model")
    first = subprocess.Popen([str(CLI), "ingest", "--json"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    lock = store / "ingest.lock"
    while not lock.exists() and first.poll() is None:
        time.sleep(0.1)
    t0 = time.perf_counter()  # the first run holds the lock now
    same = subprocess.run([str(CLI), "ingest", "--no-wait"], env=env, capture_output=True,
                          text=True, timeout=600)
    no_wait_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    full = run_cli(corpus, store, "--full")  # waits for the first, then rebuilds
    waited_s = time.perf_counter() - t1
    first.wait(1800)
    clean = work / "clean"
    run_cli(corpus, clean)
    from assistant.store import Store

    def state(path: Path):
        s = Store(Settings(corpus_dir=corpus, store_dir=path))
        got = s.chunks.get(include=["documents"])
        return sorted(zip(got["ids"], got["documents"], strict=True)), sorted(s.doc_records())

    out = {
        "files": sum(1 for p in corpus.iterdir() if not p.name.startswith(".")),
        "no_wait_exit": same.returncode,
        "no_wait_seconds": round(no_wait_s, 2),
        "no_wait_message": same.stderr.strip().splitlines()[-1] if same.stderr.strip() else "",
        "full_after_wait_exit": full["code"],
        "full_after_wait_seconds": round(waited_s, 1),
        "first_exit": first.returncode,
        "first_still_running_at_no_wait": same.returncode == 3,
        "equals_clean_build": state(store) == state(clean),
    }
    print(json.dumps(out, indent=1), flush=True)
    return out


def markdown(rows: list[dict]) -> str:
    lines = ["| input | size MiB | exit | seconds | peak RSS MB | outcome |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| {r['input']} | {r['mb']:.1f} | {r['code']} | {r['seconds']:.1f} | "
                     f"{r['peak_mb']:.0f} | {r['outcome']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="shrink the big inputs (e.g. 0.25)")
    ap.add_argument("--no-concurrency", action="store_true", help="skip the two-writer part")
    ap.add_argument("--no-table", action="store_true", help="skip the hostile-input table")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        work = Path(tmp)
        if not args.no_table:
            rows = hostile_table(work, args.scale)
            print("\n" + markdown(rows) + "\n", flush=True)
        if not args.no_concurrency:
            concurrency(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
