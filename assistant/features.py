"""Stage 4, features: what the fitted scorer knows about each candidate unit.

Similarity to the question (unit vectors from the ingest pass), coverage of the question's rare
words by the unit and its document (best window, so long sentences are not favoured; each word
weighted again by its rarity among the report's own sentences), the question's main verb, named
entities of the kind asked for, the passage's ranks, the unit's shape, and each main feature's
gap to the question's best candidate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .answer_types import entity_features, question_names, typed_entities
from .candidates import (
    Unit,
    candidate_units,
    expansion_rows,
    list_intro,
    pool,
    same_document_rows,
    unit_before,
    unit_text,
)
from .index import MONTHS, ChunkIndex, ChunkRow, acronyms, header_text
from .nlp import question_verbs
from .qtype import cue, question_focus
from .retrieval import PERSONAL, Hit, QueryPlan
from .terms import (
    GENERIC,
    QUESTION_WORDS,
    TYPE_WORDS,
    _coverage,
    _covered,
    strict_terms,
    verb_tokens,
)
from .textnorm import STOPWORDS, fold, tokens, words
from .title_nouns import person_nouns

WINDOW = 28               # words per window when scoring long units


KINDS = ("count", "date", "place", "person", "list", "expansion", "definition")


RELATIVE = ("dense", "coverage", "context", "exact", "ent_near", "cue", "phrase", "doc", "local",
            "verb", "strict_unit", "with_prev")


def question_terms(plan: QueryPlan, index: ChunkIndex, kind: str = "other") -> dict[str, float]:
    """The question's content tokens weighted by IDF (generic words weigh little)."""
    out: dict[str, float] = {}
    skip = TYPE_WORDS.get(kind, frozenset())
    for w in words(plan.question):
        if w in STOPWORDS or w in QUESTION_WORDS:
            continue
        t = tokens(w)[0]
        if t in skip:
            continue
        idf = index.bm25.idf(t)
        out[t] = idf * (0.2 if t in GENERIC else 1.0)
    return out


def features(plan: QueryPlan, hits: Sequence[Hit], index: ChunkIndex, qvec: np.ndarray,
             kind: str) -> tuple[list[Unit], dict[str, float]]:
    """Every candidate unit with its features (`Unit.f`); also the question's weighted terms."""
    passages = pool(hits)
    passages += same_document_rows(plan, passages, index)
    if kind == "expansion":
        passages += expansion_rows(plan.question, passages, index)
    rank_of = {h.row: r for r, h in enumerate(passages)}
    passage_sim = {h.row: h.dense for h in passages}
    units = candidate_units(index, passages)
    terms = question_terms(plan, index, kind)
    if plan.follow_up:
        # The earlier question's words count, at a lower weight; its answer's only when the
        # follow-up asks about a person ("What is his position?" after "Who opened it?"): every
        # word of the answer given would otherwise favour quoting it again.
        person = PERSONAL.intersection(words(plan.question))
        for t in set(tokens(plan.context if person else plan.previous)):
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
    titles = person_nouns(index)
    local = {src: _local_weights(index, src, residual_of_source(residual, index, src))
             for src in {index.rows[r].source for r in headers}}
    # The answer must carry an entity this question does not name; an earlier turn's names may
    # be the answer ("Where was it held?" after "the 2022 meeting in Istanbul").
    folded_q = question_names(plan.question)
    said = fold(plan.context) if plan.follow_up else ""
    verbs = [alts for v in question_verbs(plan.question) if (alts := verb_tokens(v))]
    # The common noun the question asks about ("which REPORT", "the THEME of"), from its parse.
    focus = question_focus(plan.question, kind)
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
        u.f["verb"] = (sum(any(_covered(f, have) for f in v) for v in verbs) / len(verbs)) if verbs else 0.0
        u.f["has_verb"] = 1.0 if verbs else 0.0
        # A follow-up asks for something new: the earlier answer's own sentence is rarely it.
        u.f["said_before"] = 1.0 if said and fold(u.text[:120]) in said else 0.0
        # The question's own names, numbers and dates in the unit itself (not only in its
        # report's header): the sentence about *the* meeting asked about.
        u.f["focus_unit"] = 1.0 if focus and _covered(focus, have) else 0.0
        u.f["strict_unit"] = (sum(_covered(t, have) for t in strict) / len(strict)) if strict else 0.0
        # Read with the unit before it: "Chaired by North Macedonia" under the heading
        # "Working Group on South Eastern Europe", "chaired the Forum" after the sentence that
        # names the Annual Forum in Podgorica.
        before = unit_before(index, u)
        u.f["with_prev"] = (share[u.row] * _window_coverage(residual[u.row], before + " " + u.text)
                            if before else u.coverage)
        lw = local[index.rows[u.row].source]
        u.f["local"] = _window_coverage(lw, text) if lw else 0.0
        u.ents = typed_entities(index.rows[u.row], u.start, u.end, u.text, titles)
        u.f.update(entity_features(kind, plan.question, u.text, u.ents, term_set, folded=folded_q))
        u.f.update(_shape(u, kind))
    _relative(units)
    return units, terms


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

    text = header_text(row.meta)
    return set(tokens(text)) | acronyms(text)


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


def _shape(u: Unit, kind: str) -> dict[str, float]:
    """The unit's form: its length, whether it reads as a heading (no closing punctuation), an
    item or a row; the question's kind (so the fitted model can weigh features per kind)."""
    text = u.text.strip()
    n = len(text.split())
    out = {"length": math.log1p(n) / 4.0,
           "heading": 1.0 if n <= 14 and not text.endswith((".", ":", ";", "!", "?", ")")) else 0.0,
           "is_item": 1.0 if u.kind in ("item", "row") else 0.0,
           "is_first": 1.0 if u.order == 0 else 0.0}
    for k in KINDS:
        out[f"kind_{k}"] = 1.0 if kind == k else 0.0
    return out


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
