"""The default answerer: pick, from the top passages, the units (sentences, list items, table
rows) that answer the question, and decide whether the evidence is strong enough to answer.

A unit is scored on four things: its embedding's similarity to the question (unit vectors come
from the ingest pass, see `assistant.embeddings`), how much of the question's rare vocabulary it
and its document's title/date/place cover (best window, so long sentences are not favoured),
whether it looks like the kind of answer asked for, and its passage's rank. Refusal checks that
the chosen evidence covers the question's specific terms: names, numbers, acronyms and rare words.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .answer_types import WANTED, entity_features, unit_entities
from .index import MONTHS, ChunkIndex, ChunkRow, acronyms, header_text
from .nlp import question_verbs
from .qtype import REQUIRED_CUE, cue, kind_of
from .retrieval import Hit, QueryPlan
from .scoring import Logistic, Scorer
from .terms import (
    _coverage,
    _covered,
    focus_term,
    processes_named,
    question_terms,
    strict_terms,
)
from .textnorm import STOPWORDS, fold, tokens, words

# Feature weights and thresholds, calibrated on tests/eval/qa.jsonl with distractors mixed in
# (`python -m bench.tune_answerer`).
WEIGHTS = {"dense": 0.200, "coverage": 0.661, "context": 0.689, "cue": 0.384, "rank": -0.021,
           "repeat": 0.006, "doc": 0.673, "phrase": 0.060, "header": 0.146, "passage": 0.106,
           "prior": 0.077, "meta": 0.284, "listed": 0.3, "exact": 0.1}
SUPPORT_MARGIN = 0.20     # how far below the best a candidate may score and still be tried
MIN_COVERAGE = 0.50       # share of the question's weighted terms the evidence must hold
MIN_DENSE = 0.20          # the chosen unit's similarity to the question
WINDOW = 28               # words per window when scoring long units


@dataclass
class Unit:
    row: int
    start: int  # document offsets
    end: int
    kind: str
    text: str
    order: int  # position within its chunk
    score: float = 0.0
    dense: float = 0.0
    coverage: float = 0.0
    context: float = 0.0
    cue: float = 0.0
    f: dict[str, float] = field(default_factory=dict)
    own_coverage: float = 0.0  # coverage by the unit's own words (an item without its intro)
    phrase: float = 0.0  # share of the question's word pairs the unit repeats
    ents: list[tuple[int, int, str]] = field(default_factory=list)  # within `text`
    prob: float = 0.0  # the fitted scorer's probability that this unit answers


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


def passage_bag(index: ChunkIndex, row_i: int) -> set[str]:
    """What a passage states, for names and numbers: its words, its acronyms and its document's
    title, date and place (so "SOM" and "2022" match the 32nd SOM report's passages)."""
    row = index.rows[row_i]
    return set(row.tokens) | set(row.head_tokens)


# Question types whose answer is one fact about something named: the name must be in the very
# sentence quoted ("When was Lebanon admitted?" is not answered by a date beside a list naming
# Lebanon), or in its document's title, date and place.
UNIT_LEVEL = frozenset(("person", "date", "count", "place"))


def evidence_match(plan: QueryPlan, rows: set[int], index: ChunkIndex,
                   units: Sequence[Unit] = (), kind: str = "other") -> tuple[float, list[str]]:
    """Share of the question's specific terms the evidence states, and the missing ones.

    The question's own names and numbers must be in the passages or the chunks beside them (or
    their document's title, date and place) - for "who" questions in the quoted units
    themselves (likewise when, where and how many: see UNIT_LEVEL), so "the Director General of
    Frontex" is not answered by a Director General elsewhere; a follow-up's inherited ones (from the earlier question) in the documents."""
    own = strict_terms(plan.question)
    inherited = strict_terms(plan.previous) - own if plan.follow_up and plan.previous else set()
    # A dialogue named in the question must be the one the report belongs to: "the Prague
    # Process" is not matched by a Vistula Process meeting held in Prague.
    named = processes_named(plan.question) or (processes_named(plan.previous) if plan.follow_up else set())
    wrong = sorted({str(index.rows[r].meta.get("process") or "") for r in rows
                    if named and index.rows[r].meta.get("process")
                    and fold(str(index.rows[r].meta["process"])) not in named})
    if wrong:
        return 0.0, [f"{' or '.join(sorted(named))} (these passages are about the {', '.join(wrong)})"]
    if not own and not inherited:
        return 1.0, []
    bag: set[str] = set()
    docs: set[str] = set()
    for r in rows:
        docs |= index.doc_bag(index.rows[r].source)
        bag |= set(index.rows[r].head_tokens)
        if kind in UNIT_LEVEL and units:
            continue
        for j in (r - 1, r, r + 1):
            if j == r or index.neighbor(r, j - r) is not None:
                bag |= passage_bag(index, j)
    for u in units if kind in UNIT_LEVEL else ():
        bag |= set(tokens(u.text)) | set(acronyms(u.text))
    if plan.follow_up:
        bag |= set(tokens(plan.question))
    missing = [t for t in own if not _covered(t, bag)] + [t for t in inherited if not _covered(t, docs)]
    return 1.0 - len(missing) / (len(own) + len(inherited)), sorted(missing)


def _question_pairs(text: str) -> set[tuple[str, str]]:
    """Every ordered pair of the question's content words."""
    toks = [t for t in tokens(text) if t not in STOPWORDS][:14]
    return {(a, b) for i, a in enumerate(toks) for b in toks[i + 1 :] if a != b}


def _near_pairs(text: str) -> set[tuple[str, str]]:
    """Ordered pairs of content words at most two words apart: "opened the SOM" -> (open, som)."""
    toks = [t for t in tokens(text) if t not in STOPWORDS]
    return {(a, b) for i, a in enumerate(toks) for b in toks[i + 1 : i + 3]}


def _window_coverage(terms: dict[str, float], text: str) -> float:
    toks = tokens(text)
    if len(toks) <= WINDOW:
        return _coverage(terms, set(toks))
    return max(_coverage(terms, set(toks[i : i + WINDOW])) for i in range(0, len(toks) - WINDOW // 2, WINDOW // 3))


def header_tokens(row: ChunkRow) -> set[str]:
    from .index import acronyms

    text = header_text(row.meta)
    return set(tokens(text)) | acronyms(text)


def unit_text(row: ChunkRow, k: int) -> str:
    s, e, _ = row.units[k]
    return row.text[s - row.start : e - row.start]


def list_intro(index: ChunkIndex, row_i: int, k: int) -> tuple[int, int] | None:
    """(row, unit) of the line that introduces the list item `k` of `row_i`, if any."""
    row = index.rows[row_i]
    j = k
    while j >= 0 and row.units[j][2] == "item":
        j -= 1
    if j >= 0:
        return (row_i, j) if unit_text(row, j).rstrip().endswith(":") else None
    prev = index.neighbor(row_i, -1)  # the list began in the previous chunk
    if prev is None or index.rows[prev].meta.get("section") != row.meta.get("section"):
        return None
    units = index.rows[prev].units
    return list_intro(index, prev, len(units) - 1) if units and units[-1][2] == "item" else (
        (prev, len(units) - 1) if units and unit_text(index.rows[prev], len(units) - 1).rstrip().endswith(":") else None)


def candidate_units(index: ChunkIndex, hits: Sequence[Hit]) -> list[Unit]:
    out = []
    for h in hits:
        row = index.rows[h.row]
        for order, (s, e, kind) in enumerate(row.units):
            text = unit_text(row, order)
            if text.strip():
                out.append(Unit(h.row, s, e, kind, text, order))
    return out


def pool(hits: Sequence[Hit], top: int = 12, each: int = 4) -> list[Hit]:
    """The fused top passages plus each retriever's own top few (fusion can bury a passage
    that only keyword search found)."""
    chosen = list(hits[:top])
    seen = {h.row for h in chosen}
    for attr in ("dense_rank", "keyword_rank"):
        for h in sorted((h for h in hits if getattr(h, attr) is not None), key=lambda h: getattr(h, attr))[:each]:
            if h.row not in seen:
                chosen.append(h)
                seen.add(h.row)
    return chosen


def same_document_rows(plan: QueryPlan, passages: Sequence[Hit], index: ChunkIndex,
                       docs: int = 2, each: int = 3) -> list[Hit]:
    """The best keyword matches inside the leading documents that the pool lacks: when
    distractors share a report's vocabulary, the report's own table or list can fall out of the
    global top ranks while its other passages lead."""
    seen = {h.row for h in passages}
    sources: list[str] = []
    for h in passages:
        src = index.rows[h.row].source
        if src not in sources:
            sources.append(src)
        if len(sources) == docs:
            break
    out = []
    for src in sources:
        new = [row for row, _ in index.keyword_search_in(plan.keywords, src, each + len(seen))
               if row not in seen][:each]
        out += [Hit(row, 0.0) for row in new]
        seen.update(new)
    return out


def features(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray,
             kind: str) -> tuple[list[Unit], dict[str, float]]:
    """Every candidate unit with its features (`Unit.f`); also the question's weighted terms."""
    passages = pool(hits)
    passages += same_document_rows(plan, passages, index)
    if kind == "expansion":
        passages += _expansion_rows(plan.question, passages, index)
    rank_of = {h.row: r for r, h in enumerate(passages)}
    passage_sim = {h.row: h.dense for h in passages}
    units = candidate_units(index, passages)
    terms = question_terms(plan, index, kind)
    if plan.follow_up:  # the earlier turn's words count, at a lower weight
        for t in set(tokens(plan.context)):
            if t not in STOPWORDS and t not in terms:
                terms[t] = 0.3 * index.bm25.idf(t)
    headers = {h.row: header_tokens(index.rows[h.row]) for h in passages}
    vec_rows = {h.row: index.rows[h.row].unit_vecs.astype(np.float32) for h in passages}
    # Terms the document's title/date/place/section already match say which document, not
    # which sentence: a unit is judged on the rest, weighted by how much of the question that is.
    residual = {r: {t: w for t, w in terms.items() if not _covered(t, hd)} for r, hd in headers.items()}
    total = sum(terms.values()) or 1.0
    share = {r: sum(res.values()) / total for r, res in residual.items()}
    pairs = _question_pairs(plan.question)
    qtoks = set(tokens(plan.question))
    strict = strict_terms(plan.question)
    prior = set(plan.prior)
    # The question's words as written ("opened", not "opening"): a unit that repeats the very
    # form (the verb, not its noun) usually states the fact asked about.
    forms = {w: tok[0] for w in words(plan.question)
             if w not in STOPWORDS and (tok := tokens(w)) and tok[0] in terms}
    doc_match = {r: (sum(_covered(t, index.doc_bag(index.rows[r].source)) for t in strict) / len(strict)
                     if strict else 1.0) for r in headers}
    term_set = set(terms)
    local = {src: _local_weights(index, src, residual_of_source(residual, index, src))
             for src in {index.rows[r].source for r in headers}}
    previous = plan.previous if plan.follow_up else ""
    folded_q = fold(plan.question + " " + previous)
    verbs = [tokens(v)[0] for v in question_verbs(plan.question) if tokens(v)]
    for u in units:
        vecs = vec_rows[u.row]
        u.dense = float(vecs[u.order] @ qvec) if u.order < len(vecs) else 0.0
        text = u.text
        if u.kind == "item":  # an item is read with the line that introduces its list
            intro = list_intro(index, u.row, u.order)
            if intro:
                text = unit_text(index.rows[intro[0]], intro[1]) + " " + text
        u.coverage = share[u.row] * _window_coverage(residual[u.row], text)
        u.own_coverage = (share[u.row] * _window_coverage(residual[u.row], u.text)
                          if text is not u.text else u.coverage)
        u.context = _coverage(terms, set(tokens(text)) | headers[u.row])
        u.phrase = min(1.0, len(pairs & _near_pairs(u.text)) / 3)
        u.cue = cue(kind, u.text, plan.question)
        if kind == "list" and u.kind in ("item", "row"):
            u.cue = min(1.0, u.cue + 0.5)
        elif kind == "definition":  # "What is the Prague Process?": the section about it
            u.cue = _coverage(terms, set(tokens(index.rows[u.row].meta.get("section", ""))))
        # A unit that only repeats the question's words (a heading, a menu item) answers nothing.
        own = [t for t in tokens(u.text) if t not in STOPWORDS]
        novelty = sum(t not in qtoks for t in own) / max(len(own), 1)
        residual_forms = {w: t for w, t in forms.items() if t in residual[u.row]}
        if residual_forms:
            have = set(words(u.text))
            exact = (sum(terms[t] for w, t in residual_forms.items() if w in have)
                     / sum(terms[t] for t in residual_forms.values()))
        else:
            exact = 0.0
        u.f = {"dense": u.dense, "coverage": (1.0 - share[u.row]) + u.coverage, "context": u.context, "cue": u.cue,
               "rank": 1.0 / (1 + rank_of[u.row]), "repeat": max(0.0, 0.5 - novelty),
               "doc": doc_match[u.row], "phrase": u.phrase,
               "header": _coverage(terms, headers[u.row]), "passage": passage_sim[u.row],
               "exact": exact,
               "prior": 1.0 if index.rows[u.row].source in prior else 0.0,
               "meta": (1.0 - share[u.row]) * _states_meta(kind, u.text, index.rows[u.row].meta),
               # a list asked for by its heading: "What were the SOM Decisions?"
               "listed": (_coverage(terms, set(tokens(index.rows[u.row].meta.get("section", ""))))
                          if kind == "list" and u.kind in ("item", "row") else 0.0)}
        have = set(tokens(text))
        u.f["verb"] = (sum(_covered(v, have) for v in verbs) / len(verbs)) if verbs else 0.0
        u.f["has_verb"] = 1.0 if verbs else 0.0
        lw = local[index.rows[u.row].source]
        u.f["local"] = _window_coverage(lw, text) if lw else 0.0
        row = index.rows[u.row]
        u.ents = unit_entities(row.text, row.start, row.entities(), u.start, u.end)
        u.f.update(entity_features(kind, plan.question, u.text, u.ents, term_set, previous, folded_q))
        u.f.update(_shape(u, kind))
    _relative(units)
    return units, terms


RELATIVE = ("dense", "coverage", "context", "exact", "ent_near", "cue", "phrase", "doc", "local",
            "verb")


def residual_of_source(residual: dict[int, dict[str, float]], index: ChunkIndex,
                       source: str) -> dict[str, float]:
    """The question's terms that the document's header does not already match."""
    for r, terms in residual.items():
        if index.rows[r].source == source:
            return terms
    return {}


def _local_weights(index: ChunkIndex, source: str, terms: dict[str, float]) -> dict[str, float]:
    """The question's terms weighted again by their rarity among the document's own units: a
    word most of the report's sentences share (its subject, its meeting) says which report,
    not which sentence; one that few share points at the sentence that answers."""
    if not terms:
        return {}
    sets = [set(tokens(unit_text(index.rows[r], k)))
            for r in index.doc_range(source) for k in range(len(index.rows[r].units))]
    n = len(sets)
    out = {}
    for t, w in terms.items():
        df = sum(t in s for s in sets)
        out[t] = w * math.log1p((n - df + 0.5) / (df + 0.5))
    return out


def _relative(units: list[Unit]) -> None:
    """Each unit's standing among the question's candidates (a fitted linear model cannot compare
    candidates otherwise): how far below the best candidate it is on each main feature."""
    for key in RELATIVE:
        top = max((u.f.get(key, 0.0) for u in units), default=0.0)
        for u in units:
            u.f[f"{key}_gap"] = u.f.get(key, 0.0) - top

_KINDS = ("count", "date", "place", "person", "list", "expansion", "definition")


def _shape(u: Unit, kind: str) -> dict[str, float]:
    """The unit's form: its length, whether it reads as a heading (no closing punctuation), an
    item or a row; the question's kind (so the fitted model can weigh features per kind)."""
    text = u.text.strip()
    n = len(text.split())
    out = {"length": math.log1p(n) / 4.0,
           "heading": 1.0 if n <= 14 and not text.endswith((".", ":", ";", "!", "?", ")")) else 0.0,
           "is_item": 1.0 if u.kind in ("item", "row") else 0.0,
           "is_first": 1.0 if u.order == 0 else 0.0}
    for k in _KINDS:
        out[f"kind_{k}"] = 1.0 if kind == k else 0.0
    return out


def score(units: list[Unit], weights: dict[str, float] | None = None) -> list[Unit]:
    """Units best first under a linear score of their features."""
    weights = weights or WEIGHTS
    for u in units:
        u.score = sum(weights.get(k, 0.0) * v for k, v in u.f.items())
    return sorted(units, key=lambda u: -u.score)


def _expansion_rows(question: str, passages: list[Hit], index: ChunkIndex) -> list[Hit]:
    """Passages of the documents found that spell out the acronym asked about, wherever they
    are: "What does BMP stand for?" -> the line with "Building Migration Partnerships"."""
    seen = {h.row for h in passages}
    sources = {index.rows[h.row].source for h in passages}
    out = []
    for acr in re.findall(r"\b[A-Z]{2,}\b", question):
        for row, _ in index.keyword_search({acr.lower(): 1.0}, 60):
            r = index.rows[row]
            if row not in seen and r.source in sources and cue("expansion", r.text, question) >= 0.8:
                out.append(Hit(row, 0.0))
                seen.add(row)
    return out[:5]


def _states_meta(kind: str, text: str, meta: dict) -> float:
    """1 when a unit states its document's own date (for "when") or place (for "where"):
    the answer when the question is about the meeting the report records."""
    folded = fold(text)
    if kind == "date" and meta.get("date"):
        date = str(meta["date"])
        year_ok = date[:4] in folded
        month_ok = len(date) < 7 or MONTHS[int(date[5:7]) - 1] in folded
        return 1.0 if year_ok and month_ok else 0.0
    if kind == "place" and meta.get("location"):
        return 1.0 if fold(str(meta["location"]).split(",")[0]) in folded else 0.0
    return 0.0


def rerank(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray) -> list[Hit]:
    """Hits reordered: the pooled passages by their best unit's score (which becomes their
    score), then the rest in fused order with score 0."""
    if not hits:
        return []
    units, _ = features(plan, hits, index, qvec, kind_of(plan.question))
    best: dict[int, float] = {}
    for u in score(units):
        best.setdefault(u.row, u.score)
    by_row = {h.row: h for h in hits}
    head = [replace(by_row[r], score=max(best[r], 1e-6)) for r in sorted(best, key=lambda r: -best[r])
            if r in by_row]
    return head + [replace(h, score=0.0) for h in hits if h.row not in best]


def choose(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray,
           weights: dict[str, float] | None = None, scorer: Scorer | None = None) -> Choice:
    """The units to answer with, or a refusal with its reason.

    With a fitted `scorer`: candidates are ranked by its unit model; of the best few, the one
    whose evidence its answer model trusts most is taken, and the answer is given only when that
    probability reaches the calibrated threshold. Without one, the hand-set linear weights
    rank and the evidence checks alone decide (the best-scoring candidate unless the evidence
    does not support it; then the next close ones, within SUPPORT_MARGIN, before refusing).
    """
    kind = kind_of(plan.question)
    if not hits:
        return Choice([], False, 0.0, "nothing matched the question", kind)
    units, terms = features(plan, hits, index, qvec, kind)
    if not units:
        return Choice([], False, 0.0, "no passage text", kind)
    if scorer is not None:
        return _choose_fitted(plan, units, index, terms, kind, scorer)
    ranked = score(units, weights)
    first_reason = ""
    for cand in ranked[:3]:
        if cand is not ranked[0] and cand.score < ranked[0].score - SUPPORT_MARGIN:
            break
        chosen = _expand(cand, ranked, kind, index)
        answered, reason = support(plan, chosen, index, terms, kind, cand)
        if answered:
            return Choice(chosen, True, cand.score, "", kind, ranked[:10])
        first_reason = first_reason or reason
    return Choice(_expand(ranked[0], ranked, kind, index), False, ranked[0].score, first_reason,
                  kind, ranked[:10])


TRIES = 3  # candidates whose evidence is weighed before answering


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


def _choose_fitted(plan: QueryPlan, units: list[Unit], index: ChunkIndex,
                   terms: dict[str, float], kind: str, scorer: Scorer) -> Choice:
    ranked = rank_units(units, scorer.unit)
    best = None
    for cand in ranked[:TRIES]:
        chosen = _expand(cand, ranked, kind, index)
        af, reason = answer_features(plan, chosen, cand, ranked, index, terms, kind)
        p = scorer.answer.probability(af)
        if best is None or p > best[0]:
            best = (p, chosen, af, reason)
    p, chosen, af, reason = best
    if p >= scorer.threshold:
        return Choice(chosen, True, p, "", kind, ranked[:10], features=af)
    reason = reason or (f"the closest passages do not clearly state the {KIND_WORDS.get(kind, 'answer')} "
                        f"asked for (confidence {p:.0%})")
    return Choice(chosen, False, p, reason, kind, ranked[:10], features=af)


KIND_WORDS = {"count": "number", "date": "date", "place": "place", "person": "person",
              "expansion": "full name", "list": "items", "definition": "description"}


def answer_features(plan: QueryPlan, chosen: list[Unit], cand: Unit, ranked: list[Unit],
                    index: ChunkIndex, terms: dict[str, float], kind: str) -> tuple[dict[str, float], str]:
    """What the answer model weighs: how sure the unit model is (and by how much the
    candidate leads), and whether the chosen evidence states the question's own names, numbers,
    focus noun and the kind of answer asked for. Also the first failed check, in words."""
    rows = {u.row for u in chosen}
    share, missing = evidence_match(plan, rows, index, chosen, kind)
    wrong = 1.0 if missing and "these passages are about" in missing[0] else 0.0
    stats: dict[str, float] = {}
    ok, reason = _supported(plan, chosen, index, terms, kind, stats)
    need = REQUIRED_CUE.get(kind)
    type_cue = max(cue(kind, u.text, plan.question) for u in chosen)
    others = [u.prob for u in ranked if u is not cand]
    ent_match = max((u.f.get("ent_match", 0.0) for u in chosen if u.f), default=0.0)
    other_docs = [u.prob for u in ranked if index.rows[u.row].source != index.rows[cand.row].source]
    f = {
        "p_unit": cand.prob,
        "p_gap": cand.prob - (max(others) if others else 0.0),
        "p_doc_gap": cand.prob - (max(other_docs) if other_docs else 0.0),
        "strict_share": share,
        "missing": min(len(missing), 3) / 3.0,
        "wrong_process": wrong,
        "supported": 1.0 if ok else 0.0,
        "coverage_q": stats.get("coverage", 0.0),
        "focus_missing": stats.get("focus_missing", 0.0),
        # Typed questions (who/where/when/how many) need an entity of the kind asked for that the
        # question does not name; the others the regex cue (an acronym's expansion).
        "type_ok": (ent_match if kind in WANTED else 1.0 if need is None or type_cue >= need else 0.0),
        "type_cue": type_cue,
        "ent_match": ent_match,
        "dense": cand.dense,
        "doc": cand.f.get("doc", 0.0),
        "context": cand.f.get("context", 0.0),
        "follow_up": 1.0 if plan.follow_up else 0.0,
        "verb": max(u.f.get("verb", 0.0) for u in chosen if u.f) if any(u.f for u in chosen) else 0.0,
        "has_verb": cand.f.get("has_verb", 0.0),
        "local": cand.f.get("local", 0.0),
        "no_strict": 0.0 if strict_terms(plan.question) else 1.0,
    }
    for k in _KINDS:
        f[f"kind_{k}"] = 1.0 if kind == k else 0.0
    if not reason and not f["type_ok"]:
        reason = f"the passages found do not state the {KIND_WORDS.get(kind, kind)} asked for"
    if not reason and missing:
        reason = "the passages found do not mention " + ", ".join(missing)
    return f, reason


def support(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex, terms: dict[str, float],
            kind: str, cand: Unit) -> tuple[bool, str]:
    """Does this evidence answer the question? (specific terms, focus noun, coverage, type)."""
    answered, reason = _supported(plan, chosen, index, terms, kind)
    need = REQUIRED_CUE.get(kind)
    if answered and need and max(cue(kind, u.text, plan.question) for u in chosen) < need:
        return False, f"the passages found do not state the {kind} asked for"
    if answered and cand.dense < MIN_DENSE and cand.coverage < 0.5:
        return False, f"closest passage is only {cand.dense:.2f} similar to the question"
    return answered, reason


def _expand(best: Unit, ranked: list[Unit], kind: str, index: ChunkIndex) -> list[Unit]:
    """A list answer brings its list; a close runner-up that adds missing words joins the best."""
    is_intro = best.kind != "item" and best.text.rstrip().endswith(":")
    if best.kind == "item" or (kind == "list" and is_intro):
        intro = (best.row, best.order) if is_intro else list_intro(index, best.row, best.order)
        if intro and (is_intro or kind == "list" and _intro_answers(best, intro, index)):
            return _gather_list(index, intro)
        if not intro and kind == "list":  # a list straight under its heading
            return _gather_list(index, _first_item(index, best.row, best.order), with_intro=False)
        if intro:
            return [_make_unit(index, *intro, best.score), best]
        return [best]
    if best.kind == "clause":  # a clause is quoted with the rest of its sentence
        return _whole_sentence(best, index)
    chosen = [best]
    for second in ranked[1:3]:
        if (second.row == best.row and abs(second.order - best.order) == 1
                and second.score >= 0.93 * best.score and second.coverage > best.coverage + 0.2):
            chosen.append(second)
            break
    return sorted(chosen, key=lambda u: (u.row, u.start))


def _whole_sentence(best: Unit, index: ChunkIndex) -> list[Unit]:
    """The clause units around `best` that belong to the same sentence (only "; " between)."""
    row = index.rows[best.row]
    units = row.units
    lo = hi = best.order

    def joined(a: int, b: int) -> bool:
        gap = row.text[units[a][1] - row.start : units[b][0] - row.start]
        return units[a][2] == units[b][2] == "clause" and gap.strip() in ("", ";")

    while lo > 0 and joined(lo - 1, lo):
        lo -= 1
    while hi + 1 < len(units) and joined(hi, hi + 1):
        hi += 1
    return [_make_unit(index, best.row, k, best.score) for k in range(lo, hi + 1)]


def _intro_answers(best: Unit, intro: tuple[int, int], index: ChunkIndex) -> bool:
    """The question is about the whole list when the intro line, not the item, carries it."""
    return best.coverage - best.own_coverage >= best.own_coverage


def _make_unit(index: ChunkIndex, row_i: int, k: int, score: float) -> Unit:
    s, e, kd = index.rows[row_i].units[k]
    return Unit(row_i, s, e, kd, unit_text(index.rows[row_i], k), k, score)


def _first_item(index: ChunkIndex, row_i: int, k: int) -> tuple[int, int]:
    row = index.rows[row_i]
    while k > 0 and row.units[k - 1][2] == "item":
        k -= 1
    return row_i, k


def _gather_list(index: ChunkIndex, intro: tuple[int, int], limit: int = 40,
                 with_intro: bool = True) -> list[Unit]:
    """The intro line and every item after it, following the list into the next chunk."""
    row_i, k = intro
    out = [_make_unit(index, row_i, k, 0.0)]
    k += 1
    while len(out) < limit:
        row = index.rows[row_i]
        if k >= len(row.units):
            nxt = index.neighbor(row_i, 1)
            if nxt is None or index.rows[nxt].meta.get("section") != row.meta.get("section"):
                break
            row_i, k = nxt, 0
            continue
        if row.units[k][2] != "item":
            break
        out.append(_make_unit(index, row_i, k, 0.0))
        k += 1
    return out


CATEGORY = frozenset(tokens("organisation organization country countries institution project city person "
                           "official body agency ministry state states people thing things one ones"))


def _supported(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex, terms: dict[str, float],
               kind: str = "other", stats: dict[str, float] | None = None) -> tuple[bool, str]:
    """Whether the evidence holds the question's names and numbers, its focus noun and enough
    of its words; `stats` (when given) receives the coverage and the focus check as numbers."""
    stats = {} if stats is None else stats
    if not chosen:
        return False, "no evidence"
    _, missing = evidence_match(plan, {u.row for u in chosen}, index, chosen, kind)
    if missing:
        stats.update(_coverage_stats(plan, chosen, index, terms, kind))
        return False, "the passages found do not mention " + ", ".join(missing)
    bag: set[str] = set()
    for u in chosen:
        bag |= set(tokens(u.text))
        row = index.rows[u.row]
        bag |= set(tokens(header_text(row.meta)))
        bag |= set(row.tokens) if u.kind in ("item", "row") else set()
    bag |= strict_terms(plan.question)  # checked above, at passage level
    stats.update(_coverage_stats(plan, chosen, index, terms, kind, bag))
    if plan.follow_up:
        context = {t for t in tokens(plan.context) if t not in STOPWORDS}
        if context and _coverage({t: 1.0 for t in context}, bag) >= 0.5:
            return True, ""  # the follow-up stays on the passage the conversation is about
        bag |= context
    focus = focus_term(plan.question, kind)
    if focus and focus not in CATEGORY and not _covered(focus, bag):
        return False, f"the documents found say nothing about {focus}"
    own = _own_terms(plan, index, terms)
    cov = _coverage(own, bag) if own else 1.0
    if cov < MIN_COVERAGE:
        absent = [t for t in own if not _covered(t, bag)]
        return False, f"the closest passages cover only {cov:.0%} of the question ({', '.join(absent[:4])} missing)"
    return True, ""


def _own_terms(plan: QueryPlan, index: ChunkIndex, terms: dict[str, float]) -> dict[str, float]:
    """The question's own weighted words; words the corpus never uses are often the asker's
    paraphrase: they count half."""
    qt = set(tokens(plan.question))
    return {t: w * (0.5 if index.bm25.doc_freq(t) == 0 else 1.0) for t, w in terms.items()
            if w > 0 and t in qt and t not in CATEGORY}


def _coverage_stats(plan: QueryPlan, chosen: list[Unit], index: ChunkIndex,
                    terms: dict[str, float], kind: str, bag: set[str] | None = None) -> dict[str, float]:
    if bag is None:
        bag = set()
        for u in chosen:
            bag |= set(tokens(u.text)) | set(tokens(header_text(index.rows[u.row].meta)))
    own = _own_terms(plan, index, terms)
    focus = focus_term(plan.question, kind)
    return {"coverage": _coverage(own, bag) if own else 1.0,
            "focus_missing": 1.0 if focus and focus not in CATEGORY and not _covered(focus, bag) else 0.0}
