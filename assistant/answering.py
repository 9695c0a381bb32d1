"""`answer()` and `search()`: the functions scripts and the UI call.

    >>> from assistant import answer
    >>> r = answer("How many participants attended the 32nd Senior Officials Meeting?")
    >>> r.text
    'The Annual Senior Officials Meeting ... gathered 64 participants from 32 countries ... [1]'
    >>> r.citations[0].source, r.citations[0].quote
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .answer_types import answer_span, typed_entities
from .candidates import Unit
from .citations import citation, pointer
from .extractive import Choice, choose, rerank
from .index import ChunkIndex
from .retrieval import HybridSearcher, QueryPlan, plan_query, readings
from .scoring import Scorer
from .settings import Settings
from .store import Store
from .textnorm import STOPWORDS, tokens
from .title_nouns import person_nouns
from .types import Answer, Citation, Filters

log = logging.getLogger(__name__)
REFUSAL = "The documents do not answer this."
History = Sequence[tuple[str, str]]


@dataclass
class Resources:
    settings: Settings
    store: Store
    index: ChunkIndex
    embedder: object
    searcher: HybridSearcher


_resources: dict[tuple, Resources] = {}
_res_lock = threading.Lock()


def _key(settings: Settings) -> tuple:
    return (str(settings.store_dir), settings.chroma_url, settings.collection)


def resources(settings: Settings | None = None) -> Resources:
    """The store, keyword index and model for these settings, loaded once per process."""
    settings = settings or Settings.from_env()
    key = _key(settings)
    with _res_lock:
        res = _resources.get(key)
        if res is None:
            store = Store(settings)
            index = ChunkIndex(store)
            index.load_cache()
            index.sync()
            embedder = query_encoder(store.with_its_encoder(settings))
            res = Resources(settings, store, index, embedder, HybridSearcher(store, index, embedder))
            _resources[key] = res
        return res


def query_encoder(settings: Settings):
    """The light ONNX encoder when ingest has exported it, else the full model."""
    from .onnx_encoder import load_onnx_encoder

    encoder = load_onnx_encoder(settings)
    if encoder is None:
        from .embeddings import get_embedder

        encoder = get_embedder()
    return encoder


def unit_query_vector(plan: QueryPlan, qvec, embedder) -> np.ndarray:
    """The vector candidates are compared with: the search's own for a question alone; for a
    follow-up the question's own words (the earlier turn finds the report, but compared with
    sentences it would pull the earlier answer back)."""
    if plan.follow_up:
        qvec = embedder.encode([plan.question])[0]
    return np.asarray(qvec, dtype=np.float32)


def warm_up(settings: Settings | None = None) -> Resources:
    """Load the model, open the store and build the keyword index now rather than on the
    first question (the UI calls this before it serves)."""
    res = resources(settings)
    res.embedder.encode(["warm up"])
    person_nouns(res.index)
    return res


def refresh(settings: Settings | None = None) -> None:
    """Bring an already loaded keyword index in step with the store (after an ingest)."""
    settings = settings or Settings.from_env()
    key = _key(settings)
    res = _resources.get(key)
    if res is not None:
        res.index.sync()


def compose(question: str, choice: Choice, index: ChunkIndex) -> tuple[str, tuple[Citation, ...]]:
    """The answer text: the chosen units verbatim, each group followed by its [n] marker."""
    groups: dict[int, list[Unit]] = {}
    for u in choice.units:
        groups.setdefault(u.row, []).append(u)
    citations, parts = [], []
    qterms = {t for t in tokens(question) if t not in STOPWORDS}
    titles = person_nouns(index)
    for n, (row_i, units) in enumerate(groups.items(), start=1):
        row = index.rows[row_i]
        units.sort(key=lambda u: u.start)
        span = None
        for u in units if choice.kind != "list" else ():
            # typed as the answerer typed them when it chose the unit (`features` keeps them on
            # the candidates; a unit only quoted beside one is typed here)
            ents = u.ents or typed_entities(row, u.start, u.end, u.text, titles)
            found = answer_span(choice.kind, question, u.text, ents, qterms)
            if found:
                span = (u.start + found[0], u.start + found[1])
                break
        cit = citation(n, row, units[0].start, units[-1].end, max(u.score for u in units), span)
        citations.append(cit)
        if any(u.kind == "item" for u in units):
            lines = [u.text if u.kind != "item" else f"- {u.text}" for u in units]
            parts.append("\n".join(lines) + f" [{n}]")
        elif [u.order for u in units] == list(range(units[0].order, units[-1].order + 1)):
            # Neighbouring units (clauses of one sentence): quote the text between them too.
            parts.append(row.text[units[0].start - row.start : units[-1].end - row.start] + f" [{n}]")
        else:
            parts.append(" ".join(u.text for u in units) + f" [{n}]")
    return "\n".join(parts), tuple(citations)


def search(question: str, *, k: int = 5, history: History = (), filters: Filters | dict | None = None,
           settings: Settings | None = None) -> tuple[Citation, ...]:
    """The top-k passages for a question, as passage-level citations (`quote` empty).

    Hybrid dense + keyword search, fused by rank; the fused top passages are then reordered by
    their best sentence, item or row under the answerer's scoring (a reranker that needs no
    cross-encoder weights)."""
    res = resources(settings)
    filt = Filters.coerce(filters)
    plan = res.searcher.with_prior(plan_query(question, tuple(history)), filt, tuple(history))
    qvec = res.embedder.encode([plan.dense_text])[0]
    hits = res.searcher.search(plan, k=0, filters=filt, query_vec=qvec)
    hits = rerank(plan, hits, res.index, unit_query_vector(plan, qvec, res.embedder))
    return tuple(pointer(i, res.index.rows[h.row], h.score) for i, h in enumerate(hits[:k], start=1))


def answer(question: str, *, history: History = (), filters: Filters | dict | None = None,
           settings: Settings | None = None, retriever: HybridSearcher | None = None,
           llm=None, scorer: Scorer | None = None) -> Answer:
    """Answer a question from the indexed documents, citing the passages used.

    Args:
        question: the user's question.
        history: earlier (question, answer text) turns, oldest first; follow-ups use them.
        filters: narrow to a process, a year range or some sources (`Filters` or a dict).
        settings: defaults to `Settings.from_env()`.
        retriever: a `HybridSearcher` to use instead of the default one.
        llm: a LangChain chat model; default: the one ASSISTANT_LLM names, else none (extractive).
        scorer: the fitted candidate scorer; default: the shipped one (`assistant/scorer.json`).
    """
    *_, last = answer_stream(question, history=history, filters=filters, settings=settings,
                             retriever=retriever, llm=llm, scorer=scorer)
    return last


def answer_stream(question: str, *, history: History = (), filters: Filters | dict | None = None,
                  settings: Settings | None = None, retriever: HybridSearcher | None = None,
                  llm=None, scorer: Scorer | None = None) -> Iterator[Answer]:
    """Like `answer()`, but yields partial answers while an LLM writes (mode "llm-partial");
    the last one yielded is the checked answer. Extractive answers come as one item."""
    t0 = time.perf_counter()
    question = (question or "").strip()
    filt = Filters.coerce(filters)
    res = resources(settings)
    searched = f"{len(res.index)} passages in {res.index.n_documents} documents ({filt.describe()})"
    if not question:
        yield _timed(Answer(question, "Please ask a question.", False, searched=searched), t0)
        return
    cfg = settings or res.settings  # this call's settings; the shared resources keep their own
    problem = cfg.question_problem(question)
    if problem:  # refused before any analysis: its cost grows with the question's length
        yield _timed(Answer(question[:200], problem, False, searched=searched, reason=problem), t0)
        return
    history = tuple(history)
    searcher = retriever or res.searcher
    best = None
    for follow_up in readings(question, history):
        plan = searcher.with_prior(plan_query(question, history, follow_up=follow_up), filt, history)
        qvec = res.embedder.encode([plan.dense_text])[0]
        hits = searcher.search(plan, k=0, filters=filt, query_vec=qvec)
        choice = choose(plan, hits, res.index, unit_query_vector(plan, qvec, res.embedder),
                        scorer=scorer)
        # Read both ways ("According to Tusk, ... there?"): the better-supported answer wins.
        if best is None or (choice.answered, choice.confidence) > (best[2].answered, best[2].confidence):
            best = (plan, hits, choice)
    plan, hits, choice = best
    extractive = _extractive_answer(question, plan, choice, hits, res, searched)
    notes: list[str] = []
    model = llm if llm is not None else _configured_llm(cfg, notes)
    if notes:
        extractive = replace(extractive, notes=extractive.notes + tuple(notes))
    if model is None or not hits:
        yield _timed(extractive, t0)
        return
    from .generate import stream_llm

    for partial in stream_llm(question, history, hits[: cfg.top_k], res, model, extractive):
        yield _timed(partial, t0)


def _extractive_answer(question: str, plan: QueryPlan, choice: Choice, hits, res: Resources, searched: str) -> Answer:
    if choice.answered:
        text, citations = compose(question, choice, res.index)
        return Answer(question, text, True, citations, searched=searched)
    pointers = tuple(pointer(i, res.index.rows[h.row], h.score) for i, h in enumerate(hits[:3], start=1))
    notes = (choice.reason,) if choice.reason else ()
    return Answer(question, REFUSAL, False, (), pointers, notes=notes, searched=searched,
                  reason=choice.reason)


def _timed(a: Answer, t0: float) -> Answer:
    return replace(a, seconds=round(time.perf_counter() - t0, 4))


def _configured_llm(settings: Settings, notes: list[str]):
    if not settings.llm:
        return None
    from .llm import llm_or_none

    return llm_or_none(settings, notes=notes)
