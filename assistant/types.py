"""The public types at the boundary: what `answer()` returns and what filters it takes.

LangChain `Document`s stay inside `assistant`; scripts and the UI see these frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    """One cited passage.

    `passage` is the chunk text; `quote` the sentence(s), list item(s) or table row(s) the answer
    rests on; `start`/`end` the quote's character span in the document's cleaned text (so
    `document_text[start:end] == quote` when the quote is one contiguous span).
    `passage_start`/`passage_end` give the passage's own span in that text.
    `answer_start`/`answer_end` give the phrase inside the quote that answers the question
    (the person, date, place, number or name asked for), in the same document offsets;
    equal (both 0) when no narrower phrase is marked.
    """

    index: int
    source: str
    title: str
    page: int | None
    passage: str
    quote: str
    start: int
    end: int
    score: float
    passage_start: int = 0
    passage_end: int = 0
    process: str = ""
    date: str = ""
    location: str = ""
    section: str = ""
    chunk_id: str = ""
    answer_start: int = 0
    answer_end: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """An answer with its citations (only the passages the text cites, numbered from 1).

    `answered` is False when the documents do not support an answer; `text` then says so and
    `pointers` may hold the closest passages, clearly not citations, and `reason` says in
    plain words why the documents were judged not to answer.
    """

    question: str
    text: str
    answered: bool
    citations: tuple[Citation, ...] = ()
    pointers: tuple[Citation, ...] = ()
    mode: str = "extractive"
    notes: tuple[str, ...] = ()
    searched: str = ""
    seconds: float = 0.0
    reason: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["citations"] = [c.to_dict() for c in self.citations]
        d["pointers"] = [c.to_dict() for c in self.pointers]
        d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class Filters:
    """Narrow a question to a process, a year range or some sources.

    >>> Filters(process="Budapest Process", year_from=2020)
    """

    process: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    sources: tuple[str, ...] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        return not (self.process or self.year_from or self.year_to or self.sources)

    def describe(self) -> str:
        parts = []
        if self.process:
            parts.append(self.process)
        if self.year_from or self.year_to:
            parts.append(f"{self.year_from or '…'}–{self.year_to or '…'}")
        if self.sources:
            parts.append(", ".join(self.sources))
        return "; ".join(parts) or "all documents"

    @classmethod
    def coerce(cls, value: Filters | dict | None) -> Filters:
        if value is None:
            return cls()
        if isinstance(value, Filters):
            return value
        data = dict(value)
        if "sources" in data and data["sources"] is not None:
            data["sources"] = tuple(data["sources"])
        return cls(**{k: v for k, v in data.items() if v not in (None, "")})
