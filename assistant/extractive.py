"""The default answerer's choice: rank the candidates with the fitted unit model, weigh the best
few with the answer model, and answer only above the calibrated threshold (else refuse, with the
reason). `rerank` orders passages for `search()` by their best unit.

    >>> choice = choose(plan, hits, index, qvec)
    >>> choice.answered, choice.units, choice.reason
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .candidates import Unit, expand
from .evidence import KIND_WORDS, answer_features, states_nothing_asked, support
from .features import features
from .index import ChunkIndex
from .qtype import kind_of
from .retrieval import Hit, QueryPlan
from .scoring import Logistic, Scorer, load_scorer
from .title_nouns import person_nouns

TRIES = 3  # candidates whose evidence is weighed before answering


@dataclass
class Choice:
    """The units to quote (grouped by chunk row, in reading order) and whether to answer."""

    units: list[Unit]
    answered: bool
    confidence: float
    reason: str = ""
    kind: str = "other"
    candidates: list[Unit] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)  # the answer model's inputs


def choose(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray,
           scorer: Scorer | None = None) -> Choice:
    """The units to answer with, or a refusal with its reason.

    Candidates are ranked by the fitted unit model (`scorer`, default: the shipped one); of the
    best few, the one whose evidence the answer model trusts most is taken, and the answer is
    given only when that probability reaches the calibrated threshold. Without any fitted model
    (only before the first fit) the most similar candidate is taken when the evidence checks
    pass.
    """
    kind = kind_of(plan.question, person_nouns(index))
    if not hits:
        return Choice([], False, 0.0, "nothing matched the question", kind)
    units, terms = features(plan, hits, index, qvec, kind)
    if not units:
        return Choice([], False, 0.0, "no passage text", kind)
    scorer = scorer or load_scorer()
    if scorer is not None:
        return _choose_fitted(plan, units, index, terms, kind, scorer)
    ranked = _ranked(units, None)
    chosen = expand(ranked[0], ranked, kind, index)
    answered, reason = support(plan, chosen, index, terms, kind, ranked[0])
    return Choice(chosen, answered, ranked[0].score, reason, kind, ranked[:10])


def rank_units(units: list[Unit], model: Logistic) -> list[Unit]:
    """Units best first under the fitted unit model; `prob` is each unit's share of the
    probability that the answer is among these candidates (a softmax over their scores, as the
    model was fitted: a conditional logit per question)."""
    for u in units:
        u.score = model.logit(u.f)
    top = max((u.score for u in units), default=0.0)
    total = sum(math.exp(u.score - top) for u in units) or 1.0
    for u in units:
        u.prob = math.exp(u.score - top) / total
    return sorted(units, key=lambda u: -u.score)


def answer_probability(model: Logistic, af: dict[str, float]) -> float:
    """The answer model's probability that answering from this evidence is right; none when
    the question names a dialogue and the evidence is another one's, when it names a year the
    quoted report neither is dated nor mentions anywhere, or when the quote states nothing the
    question asks for (categorical mismatches the few such development questions cannot teach
    a linear model to weigh above a confident ranking)."""
    if af.get("wrong_process") or af.get("year_absent") or states_nothing_asked(af):
        return 0.0
    return model.probability(af)


def _choose_fitted(plan: QueryPlan, units: list[Unit], index: ChunkIndex,
                   terms: dict[str, float], kind: str, scorer: Scorer) -> Choice:
    ranked = rank_units(units, scorer.unit)
    best = None
    for cand in ranked[:TRIES]:
        chosen = expand(cand, ranked, kind, index)
        af, reason = answer_features(plan, chosen, cand, ranked, index, terms, kind)
        p = answer_probability(scorer.answer, af)
        if best is None or p > best[0]:
            best = (p, chosen, af, reason)
    p, chosen, af, reason = best
    if p >= scorer.threshold:
        return Choice(chosen, True, p, "", kind, ranked[:10], features=af)
    reason = reason or (f"the closest passages do not clearly state the {KIND_WORDS.get(kind, 'answer')} "
                        f"asked for (confidence {p:.0%})")
    return Choice(chosen, False, p, reason, kind, ranked[:10], features=af)


def _ranked(units: list[Unit], scorer: Scorer | None) -> list[Unit]:
    """Best first under the fitted unit model; without a fitted model (before the first fit),
    by similarity alone."""
    if scorer is not None:
        return rank_units(units, scorer.unit)
    for u in units:
        u.score = u.prob = u.dense
    return sorted(units, key=lambda u: -u.score)


def rerank(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray,
           scorer: Scorer | None = None) -> list[Hit]:
    """Hits reordered: the pooled passages by their best unit's score under the fitted unit
    model (which becomes their score), then the rest in fused order with score 0."""
    if not hits:
        return []
    units, _ = features(plan, hits, index, qvec, kind_of(plan.question, person_nouns(index)))
    best: dict[int, float] = {}
    for u in _ranked(units, scorer or load_scorer()):
        best.setdefault(u.row, u.prob)
    by_row = {h.row: h for h in hits}
    head = [replace(by_row[r], score=max(best[r], 1e-6)) for r in sorted(best, key=lambda r: -best[r])
            if r in by_row]
    return head + [replace(h, score=0.0) for h in hits if h.row not in best]
