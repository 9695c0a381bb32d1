"""Fit the answerer's candidate scorer and refusal threshold on a development set, by document
folds, and write `assistant/scorer.json`.

    python -m bench.fit_answerer ../shared/realdev --store /tmp/realdev-store

The development set is a folder with `qa.jsonl` and `docs/` (realdev's layout; its texts are
read in place, never copied). Every question's candidates (sentences, items, rows of the
retrieved passages) and their features are computed once; then, for each fold k of the five
fixed document folds (`assistant.evaluation.fold_of`):

1. the *unit model* (logistic regression: does this unit hold the answer?) is fitted on the
   answerable questions of the other folds;
2. the *answer model* (logistic regression: is the answer built from this candidate right?) is
   fitted on the other folds' questions, answerable and not, using unit probabilities that are
   themselves out of fold (nested: a unit model fitted without fold k and without the question's
   own fold), so it learns how far the unit model can be trusted on unseen documents;
3. the refusal threshold is the one that maximises (share of answerable questions answered
   right) + (share of unanswerable questions refused) - (share of answerable questions refused)
   over the other folds' questions, each decided by models fitted without its own fold (nested
   again: decisions on the questions a model was fitted on are surer than on new reports).

The model for "all" is fitted the same way on every fold; answers use it. The file records the
data set, the folds, the date and this command. `dialogue-assistant eval DEVSET --folds` then
answers each fold with the model fitted without it: the cross-validated figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import pickle
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression

from assistant.answering import compose, resources, unit_query_vector
from assistant.evaluation import FOLDS, fold, load_questions, with_answers
from assistant.extractive import (
    TRIES,
    Choice,
    Unit,
    answer_features,
    answer_probability,
    expand,
    features,
    rank_units,
)
from assistant.qtype import kind_of
from assistant.retrieval import plan_query
from assistant.scoring import WEIGHTS_FILE, Logistic, Scorer
from assistant.settings import Settings
from assistant.title_nouns import person_nouns
from assistant.types import Filters

log = logging.getLogger("fit")


@dataclass
class Case:
    """One question with its candidates' features, fixed once."""

    q: object
    fold: int
    plan: object
    kind: str
    terms: dict
    units: list[Unit]
    labels: np.ndarray  # 1 where the unit holds an expected fact and is from an accepted source
    answers: dict = field(default_factory=dict)  # unit-model key -> [(features, correct)]
    corpus: str = "dev"  # which store's index the candidates come from


def unit_label(q, index, u: Unit) -> int:
    if not q.answerable or not q.accepts(index.rows[u.row].source):
        return 0
    text = fold(u.text)
    return int(any(fold(e) in text for e in q.expected))


def prepare(questions, settings: Settings, corpus: str = "dev", fold: int | None = None) -> list[Case]:
    from assistant import answer

    res = resources(settings)
    cases = []
    for n, q in enumerate(questions, 1):
        history = with_answers(q.history, lambda text, history=(): answer(
            text, history=history, settings=settings, scorer=None))
        plan = res.searcher.with_prior(plan_query(q.question, history), Filters(), history)
        qvec = np.asarray(res.embedder.encode([plan.dense_text])[0], dtype=np.float32)
        hits = res.searcher.search(plan, k=0, query_vec=qvec)
        kind = kind_of(plan.question, person_nouns(res.index))
        uvec = unit_query_vector(plan, qvec, res.embedder)
        units, terms = features(plan, hits, res.index, uvec, kind) if hits else ([], {})
        labels = np.array([unit_label(q, res.index, u) for u in units], dtype=np.int8)
        cases.append(Case(q, q.fold if fold is None else fold, plan, kind, terms, units, labels,
                          corpus=corpus))
        if n % 25 == 0:
            log.info("features: %d/%d questions", n, len(questions))
    return cases


def fit_logistic(X: np.ndarray, y: np.ndarray, names: list[str], C: float = 0.5,
                 balanced: bool = False) -> Logistic:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-6] = 1.0
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced" if balanced else None)
    model.fit((X - mean) / scale, y)
    return Logistic(tuple(names), tuple(float(c) for c in model.coef_[0]),
                    tuple(float(m) for m in mean), tuple(float(s) for s in scale),
                    float(model.intercept_[0]))


def unit_names(cases: list[Case]) -> list[str]:
    for c in cases:
        if c.units:
            return sorted(c.units[0].f)
    raise SystemExit("no candidates at all: is the store empty?")


def fit_units(cases: list[Case], folds: set[int], names: list[str], l2: float = 1.0) -> Logistic:
    """A conditional logit: per question, the probability mass a softmax over its candidates'
    scores puts on the units that hold the answer is maximised (so the model learns to pick
    the right unit among a question's candidates, not to score units in isolation)."""
    groups = [(np.array([[u.f.get(k, 0.0) for k in names] for u in c.units], dtype=np.float64),
               c.labels.astype(bool))
              for c in cases if c.fold in folds and c.q.answerable and c.labels.any()]
    allx = np.concatenate([x for x, _ in groups])
    mean, scale = allx.mean(axis=0), allx.std(axis=0)
    scale[scale < 1e-6] = 1.0
    groups = [((x - mean) / scale, y) for x, y in groups]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = l2 * 0.5 * w @ w, l2 * w
        for x, y in groups:
            z = x @ w
            z = z - z.max()
            e = np.exp(z)
            p_all = e / e.sum()
            p_pos = e[y] / e[y].sum()
            total -= np.log(e[y].sum()) - np.log(e.sum())
            grad -= x[y].T @ p_pos - x.T @ p_all
        return total, grad

    w = minimize(loss, np.zeros(len(names)), jac=True, method="L-BFGS-B").x
    return Logistic(tuple(names), tuple(float(c) for c in w), tuple(float(m) for m in mean),
                    tuple(float(s) for s in scale), 0.0)


def answer_examples(c: Case, unit_model: Logistic, indexes: dict) -> list[tuple[dict, int]]:
    """The answer model's examples for this question under a unit model: each of the best
    TRIES candidates with its answer features and whether answering with it is right."""
    index = indexes[c.corpus]
    ranked = rank_units(c.units, unit_model)
    out = []
    for cand in ranked[:TRIES]:
        chosen = expand(cand, ranked, c.kind, index)
        af, _ = answer_features(c.plan, chosen, cand, ranked, index, c.terms, c.kind)
        right = 0
        if c.q.answerable:
            text, cits = compose(c.q.question, Choice(chosen, True, 1.0), index)
            right = int(not c.q.facts_in(text) and any(c.q.accepts(x.source) for x in cits))
        out.append((af, right))
    return out


def decide(examples: list[tuple[dict, int]], model: Logistic) -> tuple[float, int]:
    """(probability, right) of the candidate the answerer would take."""
    if not examples:
        return 0.0, 0
    p, right = max(((answer_probability(model, af), r) for af, r in examples), key=lambda t: t[0])
    return p, right


MAX_FALSE_REFUSAL = 0.10


def best_threshold(decisions: list[tuple[float, int, bool]]) -> float:
    """The threshold maximising answered-right share plus refused share (unanswerable) minus
    refused share (answerable), among those that refuse at most MAX_FALSE_REFUSAL of the
    answerable questions. A refusal of a question the reports answer costs twice, as its floors
    count it: it is not right, and it withholds what the reports say. (Counted once, as a wrong
    answer is, with thresholds chosen in-sample, the folds' thresholds were 0.33-0.48 and 12% of
    the answerable questions held out were refused.)"""
    n_ans = sum(a for _, _, a in decisions) or 1
    n_un = sum(not a for _, _, a in decisions) or 1
    best = (-1.0, 0.0)
    for t in sorted({round(p, 4) for p, _, _ in decisions} | {0.0}):
        false_refusal = sum(p < t for p, _, a in decisions if a) / n_ans
        if false_refusal > MAX_FALSE_REFUSAL:
            continue
        right = sum(r for p, r, a in decisions if a and p >= t) / n_ans
        refused = sum(p < t for p, _, a in decisions if not a) / n_un
        best = max(best, (right + refused - false_refusal, -t))
    return -best[1]


def fit_fold(cases: list[Case], train: set[int], names: list[str], index: dict,
             cache: dict) -> Scorer:
    """Unit model on `train`; answer model on `train` with nested out-of-fold unit models; the
    threshold from out-of-fold decisions on `train` (see `fold_threshold`)."""
    final_units = _unit_model(cases, frozenset(train), names, cache)
    answer_model = fit_answer(cases, train, names, index, cache)
    return Scorer(final_units, answer_model, fold_threshold(cases, train, names, index, cache))


def _unit_model(cases: list[Case], folds: frozenset[int], names: list[str], cache: dict) -> Logistic:
    if folds not in cache:
        cache[folds] = fit_units(cases, set(folds), names)
    return cache[folds]


def _examples(cases: list[Case], c: Case, folds: frozenset[int], names: list[str], index: dict,
              cache: dict) -> list[tuple[dict, int]]:
    """Question c's answer examples under the unit model fitted on `folds` (cached)."""
    if folds not in c.answers:
        c.answers[folds] = answer_examples(c, _unit_model(cases, folds, names, cache), index)
    return c.answers[folds]


def fit_answer(cases: list[Case], train: set[int], names: list[str], index: dict,
               cache: dict) -> Logistic:
    """The answer model fitted on `train`'s questions, each with the candidates a unit model
    fitted without its own fold gives (so it learns how far unseen documents' rankings can be
    trusted)."""
    rows, ys = [], []
    for c in cases:
        if c.fold not in train:
            continue
        for af, right in _examples(cases, c, frozenset(train - {c.fold}), names, index, cache):
            rows.append(af)
            ys.append(right)
    anames = sorted(rows[0])
    X = np.array([[r.get(k, 0.0) for k in anames] for r in rows], dtype=np.float64)
    return fit_logistic(X, np.array(ys), anames, C=0.5)


def fold_threshold(cases: list[Case], train: set[int], names: list[str], index: dict,
                   cache: dict) -> float:
    """The refusal threshold, chosen (`best_threshold`) on decisions that are out of fold: each
    training question decided by the unit and answer models fitted without its fold. The
    decisions of the questions an answer model was fitted on are surer than any on new reports,
    and a threshold chosen on them did not transfer (0.33-0.48 from fold to fold)."""
    decisions = []
    for j in sorted(train):
        inner = train - {j}
        if not any(c.fold in inner for c in cases):
            continue
        model = fit_answer(cases, inner, names, index, cache)
        decisions += [(*decide(_examples(cases, c, frozenset(inner), names, index, cache), model),
                       c.q.answerable) for c in cases if c.fold == j]
    return best_threshold(decisions)


def held_out(k: int, decisions: list[tuple[float, int, bool]], threshold: float) -> dict:
    """What the answerer would do on fold k's questions with the scorer fitted without it
    (the same decision `choose` makes; the eval command measures it end to end)."""
    out = {"fold": k, "answerable": 0, "right": 0, "refused": 0, "unanswerable": 0, "refused_un": 0}
    for p, right, answerable in decisions:
        answered = p >= threshold
        if answerable:
            out["answerable"] += 1
            out["right"] += int(answered and right)
            out["refused"] += int(not answered)
        else:
            out["unanswerable"] += 1
            out["refused_un"] += int(not answered)
    return out


def held_out_decisions(cases: list[Case], k: int, scorer: Scorer, index: dict) -> list[tuple[float, int, bool]]:
    """(probability, right, answerable) of what the answerer would take for each of fold k's
    questions, with the scorer fitted without it."""
    return [(*decide(answer_examples(c, scorer.unit, index), scorer.answer), c.q.answerable)
            for c in cases if c.fold == k]


def print_trade_off(decisions: list[tuple[float, int, bool]]) -> None:
    """How well the answer model separates, held out: the AUC of its probability for right
    answers against unanswerable questions and against wrong answers, the share that would be
    right if every question were answered, and what a few thresholds would give."""
    right = [p for p, r, a in decisions if a and r]
    wrong = [p for p, r, a in decisions if a and not r]
    unans = [p for p, _, a in decisions if not a]
    n_ans = max(len(right) + len(wrong), 1)

    def auc(pos: list[float], neg: list[float]) -> float:
        pairs = [(1.0 if x > y else 0.5 if x == y else 0.0) for x in pos for y in neg]
        return sum(pairs) / len(pairs) if pairs else float("nan")

    print(f"held out: right if all answered {len(right)}/{n_ans}; AUC right vs unanswerable "
          f"{auc(right, unans):.3f}, right vs wrong {auc(right, wrong):.3f}")
    for t in (0.1, 0.2, 0.3, 0.4, 0.5):
        fr = (sum(p < t for p in right) + sum(p < t for p in wrong)) / n_ans
        print(f"  threshold {t:.1f}: right {sum(p >= t for p in right) / n_ans:6.1%}  false refusal "
              f"{fr:6.1%}  unanswerable refused {sum(p < t for p in unans) / max(len(unans), 1):6.1%}")


def print_cv(rows: list[dict]) -> None:
    total = {k: sum(r[k] for r in rows) for k in rows[0] if k != "fold"}
    print("fold held out  answerable  right   false refusal  unanswerable  refused")
    for r in [*rows, {"fold": "all", **total}]:
        a, u = max(r["answerable"], 1), max(r["unanswerable"], 1)
        print(f"{r['fold']!s:>14}  {r['answerable']:>10}  {r['right'] / a:6.1%}  {r['refused'] / a:13.1%}"
              f"  {r['unanswerable']:>12}  {r['refused_un'] / u:7.1%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("devset", type=Path, help="folder with qa.jsonl and docs/ (e.g. ../shared/realdev)")
    ap.add_argument("--store", type=Path, help="store folder (default: temporary; reused when up to date)")
    ap.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    ap.add_argument("--also", type=Path, action="append", default=[], metavar="QA_FILE",
                    help="another question set over the configured corpus (the seeds), used in "
                         "every fold's training, never reported: e.g. tests/eval/qa.jsonl")
    ap.add_argument("--cases", type=Path, help="cache of the computed candidates and features "
                    "(read when it exists, else written): refit without recomputing them")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    from ingest.pipeline import run_ingest

    with tempfile.TemporaryDirectory(prefix="fit-") as tmp:
        settings = Settings.from_env().with_(
            corpus_dir=(args.devset / "docs").resolve(), chroma_url=None, collection="eval",
            store_dir=(args.store or Path(tmp) / "store").resolve())
        run_ingest(settings, progress=False)
        questions = load_questions(args.devset / "qa.jsonl")
        extra_settings = Settings.from_env().with_(
            store_dir=Path(tmp) / "extra", chroma_url=None, collection="extra")
        if args.also:
            run_ingest(extra_settings, progress=False)
        if args.cases and args.cases.exists():
            cases = pickle.loads(args.cases.read_bytes())
        else:
            cases = prepare(questions, settings)
            for qa in args.also:  # always trained on: a fold of its own that is never held out
                cases += prepare(load_questions(qa), extra_settings, "extra", fold=FOLDS)
            if args.cases:
                args.cases.write_bytes(pickle.dumps(cases))
        index = {"dev": resources(settings).index}
        if args.also:
            index["extra"] = resources(extra_settings).index
        names = unit_names(cases)
        cache: dict = {}
        every = set(range(FOLDS)) | ({FOLDS} if args.also else set())
        folds = {}
        rows, decisions = [], []
        for k in range(FOLDS):
            scorer = fit_fold(cases, every - {k}, names, index, cache)
            folds[str(k)] = scorer.to_dict()
            fold_decisions = held_out_decisions(cases, k, scorer, index)
            rows.append(held_out(k, fold_decisions, scorer.threshold))
            decisions += fold_decisions
            log.info("fold %d held out: threshold %.3f", k, scorer.threshold)
        print_cv(rows)
        print_trade_off(decisions)
        full = fit_fold(cases, every, names, index, cache).to_dict()
    data = {
        "fitted_on": {
            "data": str(args.devset.name), "questions": len(questions),
            "extra_questions": sum(c.corpus != "dev" for c in cases),
            "documents": len({c.q.source for c in cases if c.q.source and c.corpus == "dev"}),
            "also": [str(p) for p in args.also],
            "folds": f"{FOLDS} by sha1 of the document's dNNN key (assistant.evaluation.fold_of)",
            "date": dt.date.today().isoformat(),
            "command": "python -m bench.fit_answerer " + " ".join(argv or sys.argv[1:]),
        },
        "all": full,
        "folds": folds,
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    log.info("wrote %s (threshold %.3f)", args.out, full["threshold"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
