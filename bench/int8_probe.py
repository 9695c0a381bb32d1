"""Is an int8 encoder faithful? Quantise the ONNX export several ways and compare its passage
vectors with fp32 ones (cosine) and its speed, on the seed corpus's passages (plus, with
--realdev, the ../shared/realdev documents, read in place).

    python -m bench.int8_probe [--realdev] [--generated 100]

Not adopted unless every vector stays within cosine 0.999 of fp32 (then retrieval and answers
on realdev would be checked before switching).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from .measure import ROOT, WORK, make_corpus, timed

VARIANTS = {
    "dynamic, default": {},
    "dynamic, per-channel": {"per_channel": True},
    "dynamic, per-channel, FFN MatMuls only": {"per_channel": True, "ffn_only": True},
}


def texts_of(folders: list[Path]) -> list[str]:
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


def quantise(src: Path, dst: Path, per_channel: bool = False, ffn_only: bool = False) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    exclude = []
    if ffn_only:  # attention projections and the output dense stay fp32
        graph = onnx.load(str(src)).graph
        exclude = [n.name for n in graph.node if n.op_type == "MatMul"
                   and ("attention" in n.name or "dense" not in n.name)]
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=per_channel,
                     op_types_to_quantize=["MatMul"], nodes_to_exclude=exclude)


def main(argv: list[str] | None = None) -> int:
    from assistant.onnx_encoder import OnnxEncoder, ensure_export
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.int8_probe")
    parser.add_argument("--realdev", action="store_true")
    parser.add_argument("--generated", type=int, default=100)
    parser.add_argument("--variant", choices=list(VARIANTS), action="append",
                        help="only these quantisations (default: all)")
    args = parser.parse_args(argv)
    folders = [ROOT / "corpus", make_corpus(WORK / f"corpus-int8-{args.generated}", args.generated)]
    if args.realdev:
        folders.append(ROOT.parent / "shared" / "realdev" / "docs")
    texts = texts_of(folders)
    fp32 = OnnxEncoder(ensure_export(Settings()))
    t32, ref = timed(lambda: fp32.encode(texts))
    out = {"passages": len(texts), "fp32_s": round(t32, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        for name, opts in VARIANTS.items():
            if args.variant and name not in args.variant:
                continue
            path = Path(tmp) / f"{len(out)}.onnx"
            quantise(fp32.path, path, **opts)
            enc = OnnxEncoder(path)
            t8, got = timed(lambda e=enc: e.encode(texts))
            cos = (ref * got).sum(axis=1)
            out[name] = {"seconds": round(t8, 2), "speed_vs_fp32": round(t32 / t8, 2),
                         "cos_mean": round(float(cos.mean()), 4),
                         "cos_min": round(float(cos.min()), 4),
                         "top1_same_as_fp32": round(float(np.mean(
                             (got @ got.T).argsort(axis=1)[:, -2] ==
                             (ref @ ref.T).argsort(axis=1)[:, -2])), 3)}
            print(name, out[name], file=sys.stderr)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
