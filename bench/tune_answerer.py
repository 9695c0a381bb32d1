"""Calibrate the extractive answerer's feature weights on the evaluation set.

Features of every candidate unit are computed once per question; a weight vector then only
re-ranks them, so thousands of weightings are tried in seconds. Questions are scored as the eval
scores them (answered, expected facts present, expected source cited; unanswerable: refused).

    python -m bench.tune_answerer --distractors 300 --trials 3000

It prints the best weights found next to the current ones; copy them into
`assistant/extractive.py` (WEIGHTS) when they are better on both corpora.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

import numpy as np

from assistant.answering import resources
from assistant.evaluation import fold, load_questions, same_source
from assistant.extractive import SUPPORT_MARGIN, WEIGHTS, _expand, features, score, support
from assistant.qtype import kind_of
from assistant.retrieval import plan_query
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
KEYS = list(WEIGHTS)


def build(corpus: Path, distractors: int, work: Path) -> Settings:
    from bench.gen_corpus import generate
    from ingest.pipeline import run_ingest

    corpus_dir = work / "corpus"
    if distractors:
        generate(corpus_dir, distractors, with_seeds=True)
    else:
        corpus_dir.mkdir(parents=True)
        for p in corpus.iterdir():
            (corpus_dir / p.name).write_bytes(p.read_bytes())
    settings = Settings().with_(corpus_dir=corpus_dir, store_dir=work / "store")
    run_ingest(settings, progress=False)
    return settings


def prepare(questions, settings: Settings) -> list[dict]:
    """Per question: the feature matrix of its candidates and, per candidate, what answering
    with it would give (text, sources, supported)."""
    res = resources(settings)
    out = []
    for q in questions:
        plan = res.searcher.with_prior(plan_query(q.question, q.history), None, q.history)
        qvec = res.embedder.encode([plan.dense_text])[0]
        hits = res.searcher.search(plan, k=0, query_vec=qvec)
        kind = kind_of(plan.question)
        units, terms = features(plan, hits, res.index, qvec, kind) if hits else ([], {})
        ranked = score(units)
        cands = []
        for u in ranked[:25]:
            chosen = _expand(u, ranked, kind, res.index)
            ok, _ = support(plan, chosen, res.index, terms, kind, u)
            text = " ".join(c.text for c in chosen)
            sources = {res.index.rows[c.row].source for c in chosen}
            cands.append((u.f, ok, text, sources))
        out.append({"q": q, "X": np.array([[f[k] for k in KEYS] for f, *_ in cands]) if cands else np.zeros((0, len(KEYS))),
                    "cands": cands})
    return out


def correct(q, answered: bool, text: str, sources: set[str]) -> bool:
    if not q.answerable:
        return not answered
    return (answered and all(fold(x) in fold(text) for x in q.expected)
            and any(same_source(s, q.source) for s in sources))


def accuracy(prepared: list[dict], w: np.ndarray) -> float:
    good = 0
    for item in prepared:
        if not len(item["X"]):
            good += not item["q"].answerable
            continue
        s = item["X"] @ w
        order = np.argsort(-s, kind="stable")
        answered, text, sources = False, "", set()
        for rank, i in enumerate(order[:3]):
            if rank and s[i] < s[order[0]] - SUPPORT_MARGIN:
                break
            _, ok, t, src = item["cands"][i]
            if ok:
                answered, text, sources = True, t, src
                break
        good += correct(item["q"], answered, text, sources)
    return good / len(prepared)


def pairwise_fit(prepared: list[dict], scale: float) -> np.ndarray:
    """Weights from a logistic regression on (correct - incorrect) candidate feature pairs of
    the answerable questions: a linear ranker in the RankSVM manner."""
    from sklearn.linear_model import LogisticRegression

    diffs = []
    for item in prepared:
        q = item["q"]
        if not q.answerable or not len(item["X"]):
            continue
        good = [i for i, (_, ok, t, src) in enumerate(item["cands"]) if correct(q, True, t, src)]
        bad = [i for i in range(len(item["cands"])) if i not in good]
        for g in good[:3]:
            for b in bad[:15]:
                diffs.append(item["X"][g] - item["X"][b])
    if not diffs:
        return np.array([WEIGHTS[k] for k in KEYS])
    X = np.array(diffs)
    X = np.vstack([X, -X])
    y = np.r_[np.ones(len(diffs)), np.zeros(len(diffs))]
    w = LogisticRegression(fit_intercept=False, C=1.0, max_iter=2000).fit(X, y).coef_[0]
    return w * scale / max(float(np.abs(w).sum()), 1e-9)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qa", type=Path, default=ROOT / "tests/eval/dev.jsonl",
                    help="questions to tune on (default: the dev set, kept apart from the eval set)")
    ap.add_argument("--holdout", type=Path, default=ROOT / "tests/eval/qa.jsonl",
                    help="questions only reported on, never tuned on")
    ap.add_argument("--distractors", type=int, default=0)
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--store", type=Path, help="an already built store folder to use instead")
    ap.add_argument("--also", type=Path, action="append", default=[],
                    help="more question files to tune on")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    questions = load_questions(args.qa) + [q for f in args.also for q in load_questions(f)]
    with tempfile.TemporaryDirectory() as tmp:
        settings = (Settings().with_(store_dir=args.store) if args.store
                    else build(ROOT / "corpus", args.distractors, Path(tmp)))
        prepared = prepare(questions, settings)
        held = prepare(load_questions(args.holdout), settings) if args.holdout and args.holdout.is_file() else []
    w0 = np.array([WEIGHTS[k] for k in KEYS])
    best_w, best = w0, accuracy(prepared, w0)
    print(f"current weights: {best:.1%}", file=sys.stderr)
    if args.trials == 0:
        print(f"held-out: {accuracy(held, w0):.1%}" if held else "")
        return 0
    fitted = pairwise_fit(prepared, scale=float(np.abs(w0).sum()))
    acc = accuracy(prepared, fitted)
    print(f"pairwise fit: {acc:.1%}", file=sys.stderr)
    if acc > best:
        best_w, best = fitted, acc
    rng = random.Random(args.seed)
    for _ in range(args.trials):
        w = best_w.copy()
        for j in rng.sample(range(len(KEYS)), k=rng.randint(1, 3)):
            w[j] = w[j] * rng.uniform(0.5, 1.6) + rng.gauss(0, 0.05)
        acc = accuracy(prepared, w)
        if acc > best:
            best_w, best = w, acc
            print(f"  {acc:.1%}", file=sys.stderr)
    print(f"best: {best:.1%} on {args.qa.name}")
    if held:
        print(f"held-out {args.holdout.name}: current {accuracy(held, w0):.1%}, best {accuracy(held, best_w):.1%}")
    print("WEIGHTS = {" + ", ".join(f'"{k}": {v:.3f}' for k, v in zip(KEYS, best_w, strict=True)) + "}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
