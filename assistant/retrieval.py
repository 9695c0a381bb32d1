"""Hybrid retrieval: dense search in Chroma plus BM25 over the same chunks, fused by rank.

Follow-up questions ("What is his position?") are searched together with the earlier turn, at
a lower weight, so the passage the conversation is about comes back.

    >>> plan = plan_query("Who opened the 2022 meeting in Istanbul?")
    >>> hits = HybridSearcher(store, index, embedder).search(plan, k=8)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .index import ChunkIndex
from .nlp import parse_question
from .qtype import normalise_dates, normalise_phrases
from .store import Store
from .terms import strict_terms
from .textnorm import STOPWORDS, tokens, words
from .types import Filters

RRF_K = 60
DENSE_K = 30
KEYWORD_K = 30
# Words that point back to something the question does not name itself.
PERSONAL = frozenset("he she his her him hers".split())  # pronouns that point back to a person
_ANAPHORA = PERSONAL | frozenset("they them their theirs it its there".split())
_DEMONSTRATIVE = frozenset("this that these those same".split())
_FOLLOW_START = re.compile(r"^\s*(and|also|what about|how about|and what|what else|why|when was that)\b", re.I)


@dataclass(frozen=True)
class QueryPlan:
    """What to search: the question, its text for the embedder and weighted keyword tokens."""

    question: str
    dense_text: str
    keywords: dict[str, float]
    follow_up: bool = False
    context: str = ""  # the earlier turn a follow-up was searched with
    previous: str = ""  # the earlier question itself (a follow-up inherits its names and dates)
    prior: tuple[str, ...] = ()  # the document(s) the conversation is about (see `with_prior`)


@dataclass
class Hit:
    row: int
    score: float
    dense: float = 0.0  # cosine similarity of the chunk to the query (0 when not in dense top-k)
    dense_rank: int | None = None
    keyword_rank: int | None = None
    keyword: float = 0.0
    sources: set[str] = field(default_factory=set)


def is_follow_up(question: str) -> bool:
    """Whether the question points back at the conversation: it opens like a continuation
    ("And in 2023?"), uses a pronoun or a demonstrative ("Who chaired it?", "that
    partnership"), or has at most one content word of its own ("Why?")."""
    ws = words(question)
    content = [w for w in ws if w not in STOPWORDS]
    if _FOLLOW_START.search(question) or any(w in _ANAPHORA for w in ws) or len(content) <= 1:
        return True
    return any(_points_back(t) for t in parse_question(question) if t.lower_ in _DEMONSTRATIVE)


def _points_back(t) -> bool:
    """A demonstrative that points back ("that partnership", "Who signed that?"), from spaCy's
    parse; not a relative pronoun ("the conference that adopted"), a conjunction ("said that
    the EU") or one a clause defines ("those agreeing to launch", "those who attended")."""
    return t.tag_ not in ("WDT", "IN") and not any(c.dep_ in ("acl", "relcl") for c in t.children)


def readings(question: str, history: Sequence[tuple[str, str]]) -> tuple[bool, ...]:
    """How to read a question in a conversation: (False,) alone, (True,) as a follow-up, or
    (True, False) both, the better-supported answer winning.

    A question is a follow-up only when it cannot stand alone: it points back (see
    `is_follow_up`) or names nothing specific of its own (no name, number or acronym: "Where
    was the ceremony held?"). One that points back but also names its own subject ("According
    to Tusk, when ... there?") is read both ways, so an unrelated earlier turn cannot capture a
    question that answers fine on its own."""
    if not history:
        return (False,)
    own = strict_terms(question)
    if not own:
        return (True,)
    return (True, False) if is_follow_up(question) else (False,)


def plan_query(question: str, history: Sequence[tuple[str, str]] = (),
               follow_up: bool | None = None) -> QueryPlan:
    """Turn a question (and the conversation) into what the retrievers search for."""
    question = normalise_phrases(normalise_dates(question))
    kw: dict[str, float] = {}
    for t in tokens(question):
        if t not in STOPWORDS:
            kw[t] = kw.get(t, 0.0) + 1.0
    if follow_up is None:
        follow_up = readings(question, history)[0]
    if not history or not follow_up:
        return QueryPlan(question, question, kw)
    prev_q, prev_a = history[-1]
    prev_a = re.sub(r"\[\d+\]", "", prev_a or "")[:400]
    for text, weight in ((prev_q, 0.6), (prev_a, 0.4)):
        for t in set(tokens(text)):
            if t not in STOPWORDS:
                kw[t] = max(kw.get(t, 0.0), weight)
    context = f"{prev_q} {prev_a}".strip()
    return QueryPlan(question, f"{question} {context}", kw, follow_up=True, context=context,
                     previous=normalise_phrases(normalise_dates(prev_q)))


def chroma_where(filters: Filters) -> dict | None:
    clauses: list[dict[str, Any]] = []
    if filters.process:
        clauses.append({"process": filters.process})
    if filters.year_from:
        clauses.append({"year": {"$gte": int(filters.year_from)}})
    if filters.year_to:
        clauses.append({"year": {"$lte": int(filters.year_to)}})
        clauses.append({"year": {"$gt": 0}})
    if filters.sources:
        clauses.append({"source": {"$in": list(filters.sources)}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class HybridSearcher:
    def __init__(self, store: Store, index: ChunkIndex, embedder):
        self.store, self.index, self.embedder = store, index, embedder

    def dense(self, vec: np.ndarray, k: int, filters: Filters) -> list[tuple[int, float]]:
        if len(self.index) == 0:
            return []
        got = self.store.chunks.query(
            query_embeddings=[vec.tolist()], n_results=min(k, len(self.index)),
            where=chroma_where(filters), include=["distances"],
        )
        ids, dists = got["ids"][0], got["distances"][0]
        if any(i not in self.index.row_of for i in ids):
            self.index.sync()  # Chroma knows chunks we have not seen yet
        return [(self.index.row_of[i], 1.0 - float(d)) for i, d in zip(ids, dists, strict=True)
                if i in self.index.row_of]

    def with_prior(self, plan: QueryPlan, filters: Filters | None = None,
                   history: Sequence[tuple[str, str]] = ()) -> QueryPlan:
        """For a follow-up: note the document the earlier turn was about (the best keyword
        match of the earlier question, its names weighted up, and answer)."""
        if not plan.follow_up or plan.prior:
            return plan

        query: dict[str, float] = {}
        for t in tokens(plan.context):
            if t not in STOPWORDS:
                query[t] = 0.5
        for t in tokens(plan.previous):
            if t not in STOPWORDS:
                query[t] = 1.0
        for t in strict_terms(plan.previous):
            query[t] = 2.0
        top = self.index.keyword_search(query, 1, filters)
        return replace(plan, prior=tuple(self.index.rows[r].source for r, _ in top))

    def search(self, plan: QueryPlan, k: int = 8, filters: Filters | None = None,
               query_vec: np.ndarray | None = None) -> list[Hit]:
        """Fused hits, best first; every hit also records its rank in each retriever.
        A follow-up's hits from the conversation's document come first."""
        filters = filters or Filters()
        self.index.maybe_sync()
        if query_vec is None:
            query_vec = self.embedder.encode([plan.dense_text])[0]
        ranked = self._fused(plan, query_vec, filters)
        if plan.prior and not filters.sources:
            inside = self._fused(plan, query_vec, replace(filters, sources=plan.prior))[:6]
            first = {h.row for h in inside}
            ranked = inside + [h for h in ranked if h.row not in first]
        return ranked[: max(k, 0)] if k else ranked

    def _fused(self, plan: QueryPlan, query_vec: np.ndarray, filters: Filters) -> list[Hit]:
        if query_vec is None:
            query_vec = self.embedder.encode([plan.dense_text])[0]
        hits: dict[int, Hit] = {}
        for rank, (row, sim) in enumerate(self.dense(query_vec, DENSE_K, filters)):
            h = hits.setdefault(row, Hit(row, 0.0))
            h.score += 1.0 / (RRF_K + rank + 1)
            h.dense, h.dense_rank = sim, rank
        for rank, (row, score) in enumerate(self.index.keyword_search(plan.keywords, KEYWORD_K, filters)):
            h = hits.setdefault(row, Hit(row, 0.0))
            h.score += 1.0 / (RRF_K + rank + 1)
            h.keyword, h.keyword_rank = score, rank
        return sorted(hits.values(), key=lambda h: -h.score)
