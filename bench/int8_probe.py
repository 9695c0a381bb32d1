"""Is an int8 encoder faithful? Quantise the ONNX export several ways and compare its vectors
with fp32 ones (cosine, nearest passage) and its speed, on the seed corpus's passages and the
eval questions (plus, with --realdev, the ../shared/realdev documents and questions, read in
place). Speed is passages per second, encoders interleaved over --runs runs, median.

    python -m bench.int8_probe --realdev [--runs 5] [--variant NAME ...]
    python -m bench.int8_probe --realdev --sensitivity   # each FFN MatMul quantised alone

The recipe of `ASSISTANT_ENCODER_PRECISION=int8` (the default) is
`assistant.onnx_export.quantise` with its defaults (the variant "shipped" here); whether int8 is
the default is decided on realdev's recall@5 and accuracy (`dialogue-assistant eval
../shared/realdev --folds`), not on cosine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .measure import ROOT, WORK, make_corpus

LAYER = "/model/encoder/layer.{}/{}/dense/MatMul"  # {} = 0..5; intermediate (up) or output (down)
LAST_FFN = (LAYER.format(5, "intermediate"), LAYER.format(5, "output"))
EARLY_DOWN = tuple(LAYER.format(i, "output") for i in range(3))  # most sensitive: --sensitivity
VARIANTS: dict[str, dict] = {
    "shipped": {},  # = every MatMul with weights, int8 per output channel, activations per token
    "per token, layers 0-2 down fp32": {"keep": EARLY_DOWN},
    "per token, per-tensor weights": {"per_channel": False},
    "one scale per batch": {"per_token": False},
    "one scale per batch, layers 0-2 down fp32": {"per_token": False, "keep": EARLY_DOWN},
    "one scale per batch, FFN only, layers 0-2 down fp32 (the earlier recipe)": {
        "per_token": False, "ffn_only": True, "keep": EARLY_DOWN},
    "one scale per batch, FFN only, 7-bit": {"per_token": False, "ffn_only": True,
                                             "reduce_range": True},
    "one scale per batch, FFN only, last layer fp32": {"per_token": False, "ffn_only": True,
                                                       "keep": LAST_FFN},
}


def texts_of(folders: list[Path]) -> list[str]:
    """The embedding texts ingest makes of every document in `folders`."""
    from assistant.onnx_encoder import passage_encoder
    from assistant.settings import Settings
    from ingest.chunking import chunk_document, embedding_text
    from ingest.loaders import load

    count = passage_encoder(Settings()).count_tokens
    out = []
    for folder in folders:
        for p in sorted(folder.iterdir()):
            if not p.is_file() or p.name.startswith("."):
                continue
            try:
                doc = load(p, p.name)
            except Exception:  # noqa: BLE001 - skip what the loaders refuse
                continue
            out += [embedding_text(doc, c, count_tokens=count)
                    for c in chunk_document(doc, count_tokens=count)]
    return out


def questions_of(files: list[Path]) -> list[str]:
    out = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append(row.get("question") or row.get("q"))
    return [q for q in out if q]


def fidelity(ref: np.ndarray, got: np.ndarray, qref: np.ndarray, qgot: np.ndarray) -> dict:
    """Cosine to fp32 of passages and questions; how often a passage's nearest other passage
    and a question's top-5 passages are the fp32 ones."""
    cos = (ref * got).sum(axis=1)
    qcos = (qref * qgot).sum(axis=1)
    near_ref, near_got = ref @ ref.T, got @ got.T
    np.fill_diagonal(near_ref, -2)
    np.fill_diagonal(near_got, -2)
    top_ref = np.argsort(-(qref @ ref.T), axis=1)[:, :5]
    top_got = np.argsort(-(qgot @ got.T), axis=1)[:, :5]
    overlap = [len(set(a) & set(b)) / 5 for a, b in zip(top_ref, top_got, strict=True)]
    return {"cos_mean": round(float(cos.mean()), 4), "cos_min": round(float(cos.min()), 4),
            "q_cos_mean": round(float(qcos.mean()), 4), "q_cos_min": round(float(qcos.min()), 4),
            "nearest_same": round(float(np.mean(near_ref.argmax(1) == near_got.argmax(1))), 3),
            "q_top5_overlap": round(float(np.mean(overlap)), 3)}


def speed(encoders: dict[str, object], texts: list[str], runs: int) -> dict[str, float]:
    """Median passages/s of each encoder, the encoders taking turns in every run."""
    for enc in encoders.values():
        enc.encode(texts[:8])  # warm-up
    times: dict[str, list[float]] = {k: [] for k in encoders}
    for _ in range(runs):
        for name, enc in encoders.items():
            t0 = time.perf_counter()
            enc.encode(texts)
            times[name].append(time.perf_counter() - t0)
    return {k: round(len(texts) / statistics.median(v), 1) for k, v in times.items()}


def main(argv: list[str] | None = None) -> int:
    from assistant.onnx_encoder import OnnxEncoder, ensure_export
    from assistant.onnx_export import int8_excluded, quantise
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.int8_probe")
    parser.add_argument("--realdev", action="store_true")
    parser.add_argument("--generated", type=int, default=0, help="add N generated reports")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per encoder (0: none)")
    parser.add_argument("--variant", choices=list(VARIANTS), action="append",
                        help="only these quantisations (default: all)")
    parser.add_argument("--sensitivity", action="store_true",
                        help="quantise each feed-forward MatMul alone and rank them by damage")
    args = parser.parse_args(argv)
    folders = [ROOT / "corpus"]
    qfiles = [ROOT / "tests" / "eval" / "qa.jsonl"]
    if args.generated:
        folders.append(make_corpus(WORK / f"corpus-int8-{args.generated}", args.generated))
    if args.realdev:
        folders.append(ROOT.parent / "shared" / "realdev" / "docs")
        qfiles.append(ROOT.parent / "shared" / "realdev" / "qa.jsonl")
    texts, questions = texts_of(folders), questions_of(qfiles)
    fp32 = OnnxEncoder(ensure_export(Settings(encoder_precision="fp32")))
    ref, qref = fp32.encode(texts), fp32.encode(questions)
    out: dict = {"passages": len(texts), "questions": len(questions)}
    with tempfile.TemporaryDirectory() as tmp:
        if args.sensitivity:
            import onnx

            graph = onnx.load(str(fp32.path)).graph
            ffn = [n.name for n in graph.node if n.op_type == "MatMul"
                   and n.name not in int8_excluded(graph, (), ffn_only=True)]
            rows = {}
            for name in ffn:
                path = Path(tmp) / "one.onnx"
                quantise(fp32.path, path, keep=tuple(m for m in ffn if m != name), ffn_only=True,
                         per_token=False)
                enc = OnnxEncoder(path)
                rows[name] = fidelity(ref, enc.encode(texts), qref, enc.encode(questions))
                print(name, rows[name], file=sys.stderr)
            out["sensitivity"] = dict(sorted(rows.items(), key=lambda kv: kv[1]["cos_mean"]))
        else:
            encoders = {"fp32": fp32}
            for name, opts in VARIANTS.items():
                if args.variant and name not in args.variant:
                    continue
                path = Path(tmp) / f"{len(encoders)}.onnx"
                quantise(fp32.path, path, **opts)
                enc = encoders[name] = OnnxEncoder(path)
                out[name] = fidelity(ref, enc.encode(texts), qref, enc.encode(questions))
                print(name, out[name], file=sys.stderr)
            if args.runs:
                out["passages_per_s"] = speed(encoders, texts, args.runs)
                out["runs"] = args.runs
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
