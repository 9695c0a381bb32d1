"""Issue-12 figures: ingest against the tutorial pipeline as whole processes, ingest throughput
against raw onnxruntime and raw torch, ingest start-up, no-change reindex as a process.

Every comparison runs interleaved (A, B, C, A, B, C, ...) on the same corpus, so machine load
hits all alike; the ratios are the figures to read, the seconds move with the load.

    python -m bench.encoder_bench --reports 400 --runs 3    # standalone, prints JSON
    python -m bench.encoder_bench --reports 400 --only word_pieces   # what each pipeline embeds
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from .measure import CLI, ROOT, THREAD_CAPS, WORK, bench_env, fresh_dir, make_corpus, summary, timed

log = logging.getLogger(__name__)
TUTORIAL = ("import sys; from bench.baseline import build_baseline; "
            "build_baseline(sys.argv[1], sys.argv[2])")
READY = ("import sys, time; t = time.perf_counter(); from assistant.settings import Settings; "
         "from assistant.onnx_encoder import passage_encoder; "
         "passage_encoder(Settings.from_env()).encode_with_units(['a warm-up'], [[(0, 1)]]); "
         "print(time.perf_counter() - t)")


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    seconds, done = timed(lambda: subprocess.run(cmd, env=env, capture_output=True, text=True,
                                                 timeout=3600, stdin=subprocess.DEVNULL, cwd=ROOT))
    assert done.returncode == 0, done.stderr[-2000:]
    return seconds, done.stdout


def ingest_process(corpus: Path, store: Path, encoder: str, **env: str) -> tuple[float, dict]:
    """`dialogue-assistant ingest` of `corpus` into a new `store`, process start to exit."""
    env = bench_env(corpus_dir=corpus, store_dir=fresh_dir(store), encoder=encoder, **env)
    seconds, out = _run([str(CLI), "ingest", "--quiet", "--json"], env)
    return seconds, json.loads(out)


def tutorial_process(corpus: Path, persist: Path) -> float:
    """The LangChain tutorial's indexing (bench/baseline.py) as its own process."""
    return _run([sys.executable, "-c", TUTORIAL, str(corpus), str(fresh_dir(persist))],
                bench_env())[0]


def whole_process(corpus: Path, work: Path, runs: int = 3) -> dict:
    """Ingest with onnxruntime (the default int8 encoder with and without NER at ingest, and
    the fp32 one), with torch (the old path) and the tutorial, interleaved."""
    times: dict[str, list[float]] = {"onnx": [], "onnx_no_ner": [], "onnx_fp32": [], "torch": [],
                                     "tut": []}
    chunks = 0
    for i in range(runs):
        s, report = ingest_process(corpus, work / f"wp-onnx-{i}", "onnx")
        times["onnx"].append(s)
        chunks = report["chunks_total"]
        times["onnx_no_ner"].append(ingest_process(corpus, work / f"wp-noner-{i}", "onnx",
                                                   ingest_ner="off")[0])
        times["onnx_fp32"].append(ingest_process(corpus, work / f"wp-fp32-{i}", "onnx",
                                                 encoder_precision="fp32")[0])
        times["torch"].append(ingest_process(corpus, work / f"wp-torch-{i}", "torch")[0])
        times["tut"].append(tutorial_process(corpus, work / f"wp-tutorial-{i}"))
        log.info("whole process %d/%d: %s", i + 1, runs,
                 ", ".join(f"{k} {v[-1]:.1f}s" for k, v in times.items()))
    med = {k: summary(v)["median"] for k, v in times.items()}
    return {"reports": sum(1 for p in corpus.iterdir() if p.is_file() and p.name[:1] != "."),
            "chunks": chunks, "onnx_s": summary(times["onnx"], 2),
            "onnx_no_ner_s": summary(times["onnx_no_ner"], 2),
            "onnx_fp32_s": summary(times["onnx_fp32"], 2),
            "torch_s": summary(times["torch"], 2), "tutorial_s": summary(times["tut"], 2),
            "onnx_over_tutorial": round(med["onnx"] / med["tut"], 3),
            "onnx_no_ner_over_tutorial": round(med["onnx_no_ner"] / med["tut"], 3),
            "onnx_fp32_over_tutorial": round(med["onnx_fp32"] / med["tut"], 3),
            "torch_over_tutorial": round(med["torch"] / med["tut"], 3)}


def throughput(corpus: Path, work: Path, runs: int = 3) -> dict:
    """In this process, encoders loaded: ingest (onnx; with and without NER at ingest) vs raw
    onnxruntime (that encoder, int8 by default, and the fp32 one) vs raw torch encode of exactly the texts
    ingest embedded, interleaved."""
    from assistant.embeddings import get_embedder
    from assistant.onnx_encoder import passage_encoder

    from .ingest_bench import full_ingest, settings_for

    onnx = passage_encoder(settings_for(corpus, work / "unused"))
    fp32 = passage_encoder(settings_for(corpus, work / "unused").with_(encoder_precision="fp32"))
    model = get_embedder().model
    times: dict[str, list[float]] = {"ingest": [], "ingest_no_ner": [], "raw_onnx": [],
                                     "raw_onnx_fp32": [], "raw_torch": []}
    chunks = 0
    for i in range(runs):
        got = full_ingest(corpus, work / f"tp-store-{i}", embedder=onnx)
        chunks, texts = got["chunks"], got["texts"]
        times["ingest"].append(got["seconds"])
        times["ingest_no_ner"].append(
            full_ingest(corpus, work / f"tp-store-noner-{i}", embedder=onnx, ner="off")["seconds"])
        times["raw_onnx"].append(timed(lambda t=texts: onnx.encode(t))[0])
        times["raw_onnx_fp32"].append(timed(lambda t=texts: fp32.encode(t))[0])
        times["raw_torch"].append(timed(lambda t=texts: model.encode(
            t, batch_size=32, normalize_embeddings=True, show_progress_bar=False))[0])
        log.info("throughput %d/%d: %s", i + 1, runs,
                 ", ".join(f"{k} {v[-1]:.1f}s" for k, v in times.items()))
    rate = {k: round(chunks / summary(v)["median"], 1) for k, v in times.items()}
    return {"chunks": chunks, **{f"{k}_s": summary(v, 2) for k, v in times.items()},
            "chunks_per_s": rate,
            "ingest_over_raw_onnx": round(rate["ingest"] / rate["raw_onnx"], 3),
            "ingest_no_ner_over_raw_onnx": round(rate["ingest_no_ner"] / rate["raw_onnx"], 3),
            "raw_onnx_over_raw_onnx_fp32": round(rate["raw_onnx"] / rate["raw_onnx_fp32"], 3),
            "ingest_over_raw_onnx_fp32": round(rate["ingest"] / rate["raw_onnx_fp32"], 3),
            "ingest_no_ner_over_raw_onnx_fp32": round(rate["ingest_no_ner"] / rate["raw_onnx_fp32"], 3),
            "raw_onnx_over_raw_torch": round(rate["raw_onnx"] / rate["raw_torch"], 3)}


def startup(work: Path, runs: int = 3) -> dict:
    """Ingest start-up, onnx vs torch, interleaved: a new process until its encoder has embedded
    one text, and a whole `ingest` of the seed corpus with one report changed."""
    corpus = work / "startup-corpus"
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for p in (ROOT / "corpus").iterdir():
            if p.is_file():
                (corpus / p.name).write_bytes(p.read_bytes())
    target = sorted(p for p in corpus.iterdir() if p.is_file())[0]
    original = target.read_bytes()
    out: dict[str, list[float]] = {"ready_onnx": [], "ready_torch": [], "one_file_onnx": [],
                                   "one_file_torch": []}
    stores = {e: work / f"startup-store-{e}" for e in ("onnx", "torch")}
    for e, store in stores.items():
        ingest_process(corpus, store, e)
    for k in range(runs):
        for e in ("onnx", "torch"):
            env = bench_env(encoder=e)
            out[f"ready_{e}"].append(float(_run([sys.executable, "-c", READY], env)[1].strip()))
            target.write_bytes(original + f"\nStart-up note {k}.\n".encode())
            env = bench_env(corpus_dir=corpus, store_dir=stores[e], encoder=e)
            s, report = _run([str(CLI), "ingest", "--quiet", "--json"], env)
            assert json.loads(report)["updated"] == 1, report
            out[f"one_file_{e}"].append(s)
            target.write_bytes(original)
            _run([str(CLI), "ingest", "--quiet"], env)
    return {k: summary(v, 3) for k, v in out.items()}


def no_change_process(corpus: Path, store: Path, runs: int = 5, collection: str = "bench") -> dict:
    """`dialogue-assistant ingest` on an indexed, unchanged corpus: process start to exit."""
    env = bench_env(corpus_dir=corpus, store_dir=store, collection=collection)
    times = []
    for _ in range(runs):
        s, out = _run([str(CLI), "ingest", "--quiet", "--json"], env)
        assert json.loads(out)["chunks_embedded"] == 0, out
        times.append(s)
    return {"files": json.loads(out)["unchanged"], "s": summary(times, 3)}


def word_pieces(corpus: Path) -> dict:
    """What each pipeline gives the model, in word pieces (each text cut at the 256-piece
    window, as both encoders cut it): our embedded texts, the same without their document
    header, and the tutorial's chunks. Tokenizer only, no model run."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from assistant.onnx_encoder import passage_encoder
    from ingest.chunking import chunk_document, embedding_text
    from ingest.loaders import load

    from .baseline import load_raw
    from .ingest_bench import settings_for

    count = passage_encoder(settings_for(corpus, WORK / "unused")).count_tokens
    ours = plain = n_ours = 0
    for p in sorted(corpus.iterdir()):
        if not p.is_file() or p.name[:1] == ".":
            continue
        doc = load(p, p.name)
        for c in chunk_document(doc, count_tokens=count):
            ours += min(256, count(embedding_text(doc, c, count_tokens=count)))
            plain += min(256, count(c.text))
            n_ours += 1
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    tutorial = [c.page_content for c in splitter.split_documents(load_raw(corpus))]
    tut = sum(min(256, count(t)) for t in tutorial)
    return {"ours": {"chunks": n_ours, "pieces": ours}, "ours_without_header": plain,
            "tutorial": {"chunks": len(tutorial), "pieces": tut},
            "ours_over_tutorial": round(ours / tut, 3),
            "without_header_over_tutorial": round(plain / tut, 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.encoder_bench")
    parser.add_argument("--reports", type=int, default=400, help="generated reports (+ seeds)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("startup", "throughput", "whole_process", "word_pieces"),
                        default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    capped = [k for k in THREAD_CAPS if k in os.environ]
    if capped:  # child processes run uncapped (bench_env); this one's raw torch would not
        log.warning("%s set: the in-process throughput figures run torch capped; unset it",
                    ", ".join(capped))
    work = WORK / "encoder"
    work.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(work / f"corpus-{args.reports}", args.reports)
    sections = {"startup": lambda: startup(work, runs=args.runs),
                "throughput": lambda: throughput(corpus, work, runs=args.runs),
                "whole_process": lambda: whole_process(corpus, work, runs=args.runs),
                "word_pieces": lambda: word_pieces(corpus)}
    for name, fn in sections.items():
        if args.only in (None, name):  # each section printed as soon as it is measured
            print(json.dumps({name: fn()}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
