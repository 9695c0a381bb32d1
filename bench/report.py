"""bench/README.md from bench/results.json: what is measured, how, and the tables.

    >>> write_readme(json.loads(Path("bench/results.json").read_text()), Path("bench/README.md"))
    python -m bench.report [results.json] [README.md]      # redo the tables without rerunning
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

INTRO = """# Benchmarks: scale and speed

`make bench` (= `python -m bench.run`) regenerates this file and `bench/results.json`.
`python -m bench.run --large` adds a corpus of ≥ 50,000 chunks (built once, cached under
`bench/cache/`, keyed by the ingest code). `python -m bench.run --quick` checks the suite on
tiny sizes (output in `bench/.work/`).

Corpora are the seed reports plus look-alike reports from the deterministic generator
(`python -m bench.gen_corpus`), so every run measures the same bytes. Each figure is a median;
the number of runs behind it is given. Every comparison runs interleaved, run by run, on the
same corpus, so machine load hits all sides alike: read the ratios; seconds move with the load.

* **Ingest** embeds with onnxruntime (the default, `ASSISTANT_ENCODER=onnx`); *torch* is the
  old sentence-transformers path (`ASSISTANT_ENCODER=torch`).
* **Raw onnxruntime** = `OnnxEncoder.encode`, **raw torch** = `SentenceTransformer.encode`
  (batch 32), each on exactly the texts our ingest embedded, encoders loaded: throughput
  figures exclude start-up.
* **Whole process** = `dialogue-assistant ingest` into a new store, process start to exit,
  against the **LangChain tutorial** (`RecursiveCharacterTextSplitter(1000, 200)` +
  `HuggingFaceEmbeddings` (same packaged model) + `Chroma.from_documents`, `bench/baseline.py`)
  run as its own process.
* **Ingest start-up** = a new process until its passage encoder has embedded one text, and a
  whole `ingest` of the seeds with one report changed.
* **Warm answer** = `assistant.answer()` on the 76 evaluation questions once the model and index
  are loaded; it includes the keyword index's periodic store check (every 5 s).
* **Cold ask** = `dialogue-assistant ask` in a new process on the seed corpus, store already built.
* **Serve** = `dialogue-assistant serve` until its first HTTP 200, then answers through its
  `/ask` API; RSS and peak RSS (VmHWM) read from `/proc`.
"""


def _m(fig: dict | None, key: str = "median") -> str:
    return "–" if not fig else f"{fig[key]:g}"


def _runs(fig: dict | None) -> str:
    return "" if not fig else f" ({fig['runs']} runs)"


def goals(r: dict) -> list[tuple[str, str, str, str]]:
    """(goal, target, measured, met?) rows."""
    rows = []
    for key, wp in r.get("whole_process", {}).items():
        ratio = wp["onnx_over_tutorial"]
        rows.append((f"Ingest wall time / tutorial's, whole process, {wp['reports']:,} reports "
                     f"({key})", "≤ 0.9", f"{ratio:.2f}", _ok(ratio <= 0.9)))
        if "onnx_no_ner_over_tutorial" in wp:
            ratio = wp["onnx_no_ner_over_tutorial"]
            rows.append((f"Same, NER at ingest off (`ASSISTANT_INGEST_NER=off`), {key}", "≤ 0.6",
                         f"{ratio:.2f}", _ok(ratio <= 0.6)))
    tp = r.get("throughput", {})
    if tp:
        ratio = tp["ingest_over_raw_onnx"]
        rows.append(("Ingest throughput vs raw onnxruntime", "≥ 0.9", f"{ratio:.2f}",
                     _ok(ratio >= 0.9)))
        if "ingest_no_ner_over_raw_onnx" in tp:
            ratio = tp["ingest_no_ner_over_raw_onnx"]
            rows.append(("Same, NER at ingest off", "≥ 0.9", f"{ratio:.2f}", _ok(ratio >= 0.9)))
        for label, key in (("Same, vs raw fp32 onnxruntime", "ingest_over_raw_onnx_fp32"),
                           ("Same, NER off, vs raw fp32", "ingest_no_ner_over_raw_onnx_fp32")):
            if key in tp:
                rows.append((label, "≥ 0.9", f"{tp[key]:.2f}", _ok(tp[key] >= 0.9)))
    ri = r.get("reindex", {})
    if ri.get("no_change_process"):
        med = ri["no_change_process"]["s"]["median"]
        rows.append((f"No-change reindex, {ri['no_change_process']['files']:,} files, whole "
                     "process", "≤ 0.5 s", f"{med:.2f} s", _ok(med <= 0.5)))
    if ri:
        rows.append((f"No-change reindex, {ri['files']:,} files", "< 2 s",
                     f"{ri['no_change_s']['median']:.2f} s", _ok(ri["no_change_s"]["median"] < 2)))
        over = ri["one_changed_beyond_embedding_s"]["median"]
        rows.append(("One changed report, beyond its own embedding", "< 1 s", f"{over:.2f} s",
                     _ok(over < 1)))
    for name, target in (("big", 50), ("large", 100)):
        pt = r.get("sizes", {}).get(name)
        if pt:
            p50 = pt["answer"]["p50_ms"]
            rows.append((f"Warm answer p50 at {pt['chunks']:,} chunks", f"≤ {target} ms",
                         f"{p50:g} ms", _ok(p50 <= target)))
    cold = r.get("cold_start", {})
    if cold:
        med = cold["ask"]["s"]["median"]
        rows.append(("Cold `ask` to first answer (seeds)", "≤ 3 s", f"{med:.2f} s", _ok(med <= 3)))
    pt = r.get("sizes", {}).get("large")
    if pt:
        peak = pt["serve"]["peak_rss_mb"]
        rows.append((f"Serve peak RSS at {pt['chunks']:,} chunks", "≤ 1,024 MB", f"{peak:,.0f} MB",
                     _ok(peak <= 1024)))
    return rows


def _ok(flag: bool) -> str:
    return "yes" if flag else "**no**"


def tables(r: dict) -> str:
    out = []
    m = r.get("machine", {})
    out.append(f"## Results: {r.get('label', 'routine')} run, {r.get('started', '?')}\n")
    plan = r.get("plan", {})
    if plan:
        out.append("Plan: " + ", ".join(f"{k} {v}" for k, v in plan.items()) + ".\n")
    out.append(f"Machine: {m.get('cpus')} CPUs, torch threads {m.get('torch_threads')}, Python "
               f"{m.get('python')}; load average at start {m.get('load_avg_start')}, at end "
               f"{m.get('load_avg_end')}. Whole run: {r.get('total_s', '?')} s.\n")
    out.append("### Goals\n\n| goal | target | measured | met |\n|---|---|---|---|")
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in goals(r)]
    out.append(encoder_tables(r))
    ri = r.get("reindex")
    if ri:
        out.append(f"\n### Reindex ({ri['files']:,} files, {ri['chunks']:,} chunks, model loaded)\n")
        out.append("| run | seconds |\n|---|---|")
        out.append(f"| full ingest (once) | {ri.get('full_ingest_s', '–')} |")
        out.append(f"| no change{_runs(ri['no_change_s'])} | {_m(ri['no_change_s'])} |")
        ncp = ri.get("no_change_process")
        if ncp:
            out.append(f"| no change, `ingest` process start to exit{_runs(ncp['s'])} | {_m(ncp['s'])} |")
        out.append(f"| one changed report{_runs(ri['one_changed_s'])} | {_m(ri['one_changed_s'])} |")
        out.append(f"| — of which its own embedding ({ri['one_changed_chunks_embedded']} chunks) | "
                   f"{_m(ri['one_changed_own_embedding_s'])} |")
        out.append(f"| — beyond its embedding | {_m(ri['one_changed_beyond_embedding_s'])} |")
        if "add_reports_s" in ri:
            out.append(f"| add {ri['added_reports']:,} reports (incremental) | {ri['add_reports_s']} |")
    sizes = r.get("sizes", {})
    if sizes:
        out.append("\n### How costs grow with corpus size\n")
        out.append("| reports | chunks | no-change reindex s | index from store s | index from "
                   "cache s | no-change sync ms | answer p50 / p95 ms | same, 1 torch thread | "
                   "serve ready s | serve peak RSS MB | store MB | keyword cache MB |")
        out.append("|" + "---|" * 12)
        for pt in sorted(sizes.values(), key=lambda p: p["chunks"]):
            ix, a, s = pt["index"], pt["answer"], pt["serve"]
            a1 = pt.get("answer_1_thread") or {"p50_ms": "–", "p95_ms": "–"}
            out.append(f"| {pt['reports']:,} | {pt['chunks']:,} | {_m(pt['no_change_reindex_s'])} | "
                       f"{_m(ix['build_from_store_s'])} | {_m(ix['load_from_cache_s'])} | "
                       f"{_m(ix['no_change_sync_ms'])} | {a['p50_ms']:g} / {a['p95_ms']:g} | "
                       f"{a1['p50_ms']} / {a1['p95_ms']} | "
                       f"{s['ready_s']:g} | {s['peak_rss_mb']:,.0f} | {pt['store_mb']:g} | "
                       f"{ix['cache_mb']} |")
        out.append(f"\nAnswer latency: {next(iter(sizes.values()))['answer']['calls']} calls per "
                   "size after 5 warm-up calls; reindex and index figures: 3 runs each.")
    srv = r.get("server")
    if srv:
        ix, a = srv["index"], srv["answer"]
        out.append(f"\n### Server mode ({srv['chunks']:,} chunks on a local `chroma run`)\n")
        out.append("| answer p50 / p95 ms | no-change sync ms | index from store s | "
                   "index from cache s |\n|---|---|---|---|")
        out.append(f"| {a['p50_ms']:g} / {a['p95_ms']:g} | {_m(ix['no_change_sync_ms'])} | "
                   f"{_m(ix['build_from_store_s'])} | {_m(ix['load_from_cache_s'])} |")
    cold = r.get("cold_start")
    if cold:
        ph = cold["phases"]
        out.append("\n### Cold start (seed corpus)\n")
        out.append("| what | seconds |\n|---|---|")
        out.append(f"| `dialogue-assistant ask` in a new process{_runs(cold['ask']['s'])} | "
                   f"{_m(cold['ask']['s'])} (first: {cold['ask']['first_s']}) |")
        out.append(f"| `serve` to first HTTP 200 | {cold['serve']['ready_s']} |")
        for key in ("import_assistant_s", "import_chromadb_s", "import_sentence_transformers_s",
                    "model_load_s", "store_open_s", "index_load_s", "first_answer_s",
                    "second_answer_s"):
            out.append(f"| — {key.removesuffix('_s').replace('_', ' ')} | {ph.get(key, '–')} |")
        imports = ph.get("imports_by_package_s", {})
        if imports:
            out.append("\nImports on the `ask` path, cumulative seconds by top-level package "
                       "(`python -X importtime`): " +
                       ", ".join(f"{k} {v:g}" for k, v in imports.items()) + ".")
    return "\n".join(out) + "\n"


def encoder_tables(r: dict) -> str:
    """Throughput against the raw encoders, whole-process ingest against the tutorial, start-up."""
    out = []
    tp = r.get("throughput")
    if tp:
        rate = tp["chunks_per_s"]
        out.append(f"\n### Ingest throughput ({tp['chunks']:,} chunks, "
                   f"{tp['ingest_s']['runs']} runs each, interleaved, encoders loaded)\n")
        out.append("| what | seconds | chunks/s |\n|---|---|---|")
        out.append(f"| ingest (`run_ingest`, full, onnxruntime) | {_m(tp['ingest_s'])} | "
                   f"{rate['ingest']:g} |")
        if "ingest_no_ner" in rate:
            out.append(f"| ours, NER at ingest off | {_m(tp['ingest_no_ner_s'])} | "
                       f"{rate['ingest_no_ner']:g} |")
        out.append(f"| raw onnxruntime (ingest's encoder, int8 by default), same texts | "
                   f"{_m(tp['raw_onnx_s'])} | {rate['raw_onnx']:g} |")
        if "raw_onnx_fp32" in rate:
            out.append(f"| raw onnxruntime, fp32, same texts | "
                       f"{_m(tp['raw_onnx_fp32_s'])} | {rate['raw_onnx_fp32']:g} |")
        out.append(f"| raw torch (`SentenceTransformer.encode`), same texts | "
                   f"{_m(tp['raw_torch_s'])} | {rate['raw_torch']:g} |")
        out.append(f"\nIngest reaches {tp['ingest_over_raw_onnx']:.2f} of raw onnxruntime's rate; "
                   f"raw onnxruntime is {tp['raw_onnx_over_raw_torch']:.2f}× raw torch"
                   + (f", its int8 encoder {tp['raw_onnx_over_raw_onnx_fp32']:.2f}× its fp32 one; "
                      f"ingest reaches {tp['ingest_over_raw_onnx_fp32']:.2f} of raw fp32's rate"
                      if "raw_onnx_over_raw_onnx_fp32" in tp else "") + ".")
    wps = r.get("whole_process", {})
    if wps:
        out.append("\n### Whole-process ingest vs the LangChain tutorial (new store, interleaved)\n")
        out.append("| corpus | our chunks | ingest (onnx) s | same, NER off s | same, fp32 s | "
                   "ingest (torch) s | tutorial s | onnx / tutorial | NER off / tutorial | "
                   "fp32 / tutorial | torch / tutorial |\n"
                   "|---|---|---|---|---|---|---|---|---|---|---|")
        for wp in wps.values():
            no_ner, fp32 = wp.get("onnx_no_ner_s"), wp.get("onnx_fp32_s")
            out.append(f"| {wp['reports']:,} reports | {wp['chunks']:,} | {_m(wp['onnx_s'])} | "
                       f"{_m(no_ner) if no_ner else '–'} | {_m(fp32) if fp32 else '–'} | "
                       f"{_m(wp['torch_s'])} | {_m(wp['tutorial_s'])}{_runs(wp['tutorial_s'])} | "
                       f"{wp['onnx_over_tutorial']:.2f} | "
                       f"{wp.get('onnx_no_ner_over_tutorial', float('nan')):.2f} | "
                       f"{wp.get('onnx_fp32_over_tutorial', float('nan')):.2f} | "
                       f"{wp['torch_over_tutorial']:.2f} |")
    st = r.get("ingest_startup")
    if st:
        out.append("\n### Ingest start-up (seeds, interleaved)\n")
        out.append("| what | onnx s | torch s |\n|---|---|---|")
        out.append(f"| new process until the passage encoder has embedded one text | "
                   f"{_m(st['ready_onnx'])} | {_m(st['ready_torch'])} |")
        out.append(f"| whole `ingest`, one report changed{_runs(st['one_file_onnx'])} | "
                   f"{_m(st['one_file_onnx'])} | {_m(st['one_file_torch'])} |")
    return "\n".join(out)


def write_readme(results: dict, path: Path) -> None:
    notes = results.get("notes")
    notes = f"\n## Notes\n\n{notes}\n" if notes else ""
    path.write_text(INTRO + "\n" + tables(results) + notes, encoding="utf-8")


if __name__ == "__main__":
    src = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "results.json"
    dst = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(__file__).parent / "README.md"
    write_readme(json.loads(src.read_text(encoding="utf-8")), dst)
