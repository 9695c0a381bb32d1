"""Measure document metadata (process, meeting type, date, location) against hand labels.

    python -m bench.meta_eval ../shared/realdev            # the table
    python -m bench.meta_eval ../shared/realdev --misses   # plus each miss on the dev folds

The folder holds `docs/*.txt` and `meta.jsonl` (`file`, `process`, `meeting_type`, `date`,
`location`; null = not stated, not scored). Each document is loaded exactly as ingest loads it
(`ingest.loaders.load`). Documents fall into 5 fixed folds by `sha1(file name) mod 5`; folds 0-2
are for development, folds 3-4 are held out (the extractor was never tuned on them; `--misses`
lists only development misses unless `--all-misses` is given).

How a prediction is compared with a label (both folded: case, diacritics, quotes, dashes):
- process: every word of the label occurs in the prediction ("Valletta" in "Valletta Summit
  on Migration", "Global Compact for Migration" in "Global Compact for Safe, Orderly and Regular
  Migration"; "the", "on", "for", "of", "and" ignored), or the label's initials are a word of the
  prediction ("GFMD Summit" for "Global Forum on Migration and Development") or a label word is
  the initials of capitalised words of the prediction ("EU" for "European Union"); an acronym the
  document itself defines ("Migration Dialogue for Southern
  Africa (MIDSA)") counts as the words it stands for and the other way round.
- meeting type: equal after dropping "meeting(s)", possessives and plurals ("Working Group
  meeting" = "Working Group", "Experts' meeting" = "Expert Meeting").
- date: the prediction starts with the label (equal at the label's precision: "2016-02" is
  matched by "2016-02" and "2016-02-11", not by "2016").
- location: the label's city occurs in the prediction as whole words ("Istanbul" in "Istanbul,
  Türkiye"), or both are "online".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from assistant.nlp import load_nlp
from assistant.textnorm import fold
from ingest.loaders import load
from ingest.meta_names import defined_acronyms
from ingest.metadata import head_of
from ingest.records import shard_of

FIELDS = ("process", "meeting_type", "date", "location")
FOLDS = 5
DEV_FOLDS = (0, 1, 2)


def fold_of(file_name: str) -> int:
    """The document's fold (0-4): sha1 of the file name mod 5, stable everywhere."""
    return shard_of(file_name, FOLDS)


def _words(text: str) -> str:
    text = re.sub(r"[’']s\b|[’']", "", fold(text))
    return " ".join(re.findall(r"[a-z0-9]+", text))


_FUNCTION = {"the", "on", "for", "of", "and"}


def _expanded(words: set[str], acronyms: dict[str, str]) -> set[str]:
    """`words` plus each acronym the document defines whose expansion they contain, and the
    expansion of each acronym among them."""
    out = set(words)
    for acr, name in acronyms.items():
        name_words = set(_words(name).split()) - _FUNCTION
        if name_words <= words:
            out.add(_words(acr))
        if _words(acr) in words:
            out |= name_words
    return out


def same_process(pred: str, label: str, acronyms: dict[str, str] | None = None) -> bool:
    """Every word of the label is in the prediction, with the document's own acronyms
    expanded either way (see the module docstring)."""
    if not pred:
        return False
    acronyms = acronyms or {}
    pred_words = _expanded(set(_words(pred).split()), acronyms)
    label_words = set(_words(label).split()) - _FUNCTION
    initials = "".join(w[0] for w in re.findall(r"\b[A-Z][\w-]*", label)).lower()
    pred_words |= _initialisms(pred)
    return label_words <= pred_words or (len(initials) > 2 and initials in pred_words)


def _initialisms(name: str) -> set[str]:
    """Initials of each run of capitalised words: "the European Union" gives "eu"."""
    runs = re.findall(r"(?:\b[A-Z][\w-]*(?:\s+(?:of|on|for|and)\s+|\s+)?)+", name)
    out = set()
    for run in runs:
        letters = "".join(w[0] for w in re.findall(r"\b[A-Z][\w-]*", run)).lower()
        if len(letters) >= 2:
            out.add(letters)
    return out


def _mtype(text: str) -> str:
    words = [re.sub(r"s$", "", w) for w in _words(text).split() if w not in ("meeting", "meetings")]
    return " ".join(words)


def same_meeting_type(pred: str, label: str) -> bool:
    return bool(pred) and _mtype(pred) == _mtype(label)


def same_date(pred: str, label: str) -> bool:
    return bool(pred) and pred.startswith(label)


def same_location(pred: str, label: str) -> bool:
    if not pred:
        return False
    return f" {_words(label)} " in f" {_words(pred)} "


COMPARE = {
    "process": same_process,
    "meeting_type": same_meeting_type,
    "date": same_date,
    "location": same_location,
}


def evaluate(folder: Path) -> dict:
    """Load every labelled document and score each field; returns counts per fold and misses."""
    labels = [json.loads(line) for line in (folder / "meta.jsonl").read_text().splitlines() if line.strip()]
    counts = {f: [[0, 0] for _ in range(FOLDS)] for f in FIELDS}  # field -> fold -> [right, labelled]
    misses: list[tuple[int, str, str, str, str]] = []
    seconds = ner_seconds = 0.0
    ner_words = 0
    for row in labels:
        path = folder / "docs" / row["file"]
        t0 = time.perf_counter()
        parsed = load(path, row["file"])
        seconds += time.perf_counter() - t0
        meta, text = parsed.meta, parsed.text
        head = head_of(text)  # the part NER reads: timed again alone, for its share
        t1 = time.perf_counter()
        load_nlp()(head)
        ner_seconds += time.perf_counter() - t1
        ner_words += len(head.split())
        k = fold_of(row["file"])
        for field in FIELDS:
            label = row.get(field)
            if label is None:
                continue
            pred = getattr(meta, field)
            if field == "process":
                ok = same_process(pred, label, defined_acronyms(text))
            else:
                ok = bool(COMPARE[field](pred, label))
            counts[field][k][1] += 1
            counts[field][k][0] += ok
            if not ok:
                misses.append((k, row["file"], field, pred, label))
    return {"counts": counts, "misses": misses, "docs": len(labels), "seconds": seconds,
            "ner_seconds": ner_seconds, "ner_words": ner_words}


def _cell(pairs: list[list[int]]) -> str:
    right, n = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
    return f"{right}/{n} ({100 * right / n:.0f}%)" if n else "-"


def report(result: dict) -> str:
    counts = result["counts"]
    held = [k for k in range(FOLDS) if k not in DEV_FOLDS]
    lines = [
        "| field | dev folds 0-2 | held-out folds 3-4 | all |",
        "| --- | --- | --- | --- |",
    ]
    for field in FIELDS:
        c = counts[field]
        lines.append(
            f"| {field} | {_cell([c[k] for k in DEV_FOLDS])} | {_cell([c[k] for k in held])} "
            f"| {_cell(c)} |"
        )
    docs = max(result["docs"], 1)
    per, ner = 1000 * result["seconds"] / docs, 1000 * result["ner_seconds"] / docs
    rate = result["ner_words"] / max(result["ner_seconds"], 1e-9)
    lines.append(
        f"\n{result['docs']} documents; load + clean + metadata {per:.1f} ms per document, of "
        f"which NER on the opening {ner:.1f} ms ({rate:,.0f} words/s); spaCy loaded once, "
        f"before timing; load average {os.getloadavg()[0]:.1f}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", type=Path, help="e.g. ../shared/realdev (docs/ and meta.jsonl)")
    ap.add_argument("--misses", action="store_true", help="list misses on the dev folds")
    ap.add_argument("--all-misses", action="store_true", help="list misses on every fold")
    args = ap.parse_args(argv)
    load_nlp()  # once, outside the timing
    result = evaluate(args.folder)
    print(report(result))
    if args.misses or args.all_misses:
        for k, file, field, pred, label in result["misses"]:
            if args.all_misses or k in DEV_FOLDS:
                print(f"fold {k} {file} {field}: got {pred!r}, label {label!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
