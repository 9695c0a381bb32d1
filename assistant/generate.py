"""LLM mode glue: numbered passages in, a checked `Answer` out, with the extractive answer as
the fallback for any error, timeout or refusal the model gives when the extractive one answers.

The model and prompt live in `assistant.llm`; the marker parsing in `assistant.citations`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace

from .citations import strip_markers
from .index import ChunkRow
from .llm import CheckedAnswer, LLMError, LLMPassage, check_answer, stream_llm_answer
from .textnorm import STOPWORDS, tokens
from .types import Answer

log = logging.getLogger(__name__)


def passages_for(hits, index) -> list[LLMPassage]:
    out = []
    for n, h in enumerate(hits, start=1):
        row = index.rows[h.row]
        page = int(row.meta.get("page", -1))
        out.append(LLMPassage(n, row.text, row.meta.get("title", ""), row.source,
                              row.meta.get("date", ""), page if page > 0 else None))
    return out


def _best_unit(row: ChunkRow, claim: str) -> tuple[int, int]:
    """The unit of a passage that shares most words with the sentences citing it."""
    want = {t for t in tokens(claim) if t not in STOPWORDS}
    best, best_score = (row.start, row.start + len(row.text)), -1.0
    for s, e, _ in row.units:
        have = set(tokens(row.text[s - row.start : e - row.start]))
        score = len(want & have) / (len(have) ** 0.5 or 1.0)
        if score > best_score:
            best, best_score = (s, e), score
    return best


def to_answer(question: str, checked: CheckedAnswer, hits, index, searched: str) -> Answer:
    from .citations import citation, split_sentences_with_markers

    claims: dict[int, list[str]] = {}
    for sentence, numbers in split_sentences_with_markers(checked.text):
        for new in numbers:
            claims.setdefault(new, []).append(strip_markers(sentence))
    citations = []
    for new, original in enumerate(checked.cited, start=1):
        h = hits[original - 1]
        row = index.rows[h.row]
        s, e = _best_unit(row, " ".join(claims.get(new, [])))
        citations.append(citation(new, row, s, e, h.score))
    return Answer(question, checked.text, True, tuple(citations), mode="llm",
                  notes=tuple(checked.notes), searched=searched)


def stream_llm(question: str, history: Sequence[tuple[str, str]], hits, res, model,
               extractive: Answer) -> Iterator[Answer]:
    """Partial answers while the model writes (mode "llm-partial"), then the checked one.
    Falls back to `extractive` (with a note) on any model error or timeout."""
    passages = passages_for(hits, res.index)
    raw = ""
    try:
        for delta in stream_llm_answer(question, passages, history=history, model=model,
                                       timeout=res.settings.llm_timeout):
            raw += delta
            yield replace(extractive, text=raw, answered=True, citations=(), mode="llm-partial")
        checked = check_answer(raw, passages, embed=res.embedder.encode)
    except (LLMError, Exception) as exc:  # noqa: BLE001 - any model failure falls back
        log.warning("LLM answer failed, answering extractively: %s", exc)
        yield replace(extractive, notes=extractive.notes + (f"The language model failed ({exc}); answered extractively.",))
        return
    if checked.refused:
        if extractive.answered:  # the model found nothing; the extractive answer still holds
            yield replace(extractive, notes=extractive.notes + tuple(checked.notes))
        else:
            yield replace(extractive, mode="llm", notes=extractive.notes + tuple(checked.notes))
        return
    yield to_answer(question, checked, hits, res.index, extractive.searched)


def llm_answer(question: str, history: Sequence[tuple[str, str]], hits, res, model, extractive: Answer) -> Answer:
    """The final answer of `stream_llm`."""
    *_, last = stream_llm(question, history, hits, res, model, extractive)
    return last
