"""A document's named entities, read once: the metadata takes those of the opening, each chunk
those inside its span (ingest stores them with the chunk for the answerer).

spaCy reads the text in segments: the opening (what the metadata looks at) first, then pieces
of about `SEGMENT_CHARS` cut at a line break or a space, so no entity a chunk holds is lost to
a cut in practice and the cost stays linear in the text's length.

    >>> r = read_entities("Workneh Gebayehu opened the meeting in Addis Ababa.", head_end=51)
    >>> r.entities
    ((0, 16, 'PERSON'), (39, 50, 'GPE'))
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from assistant.nlp import LABELS, load_nlp

SEGMENT_CHARS = 2000


@dataclass(frozen=True)
class Reading:
    """`sentences` of the opening `text[:head_end]`; `entities` (start, end, label) in document
    offsets, sorted: of the whole text, or of the opening only when read with whole=False."""

    head_end: int
    sentences: tuple[tuple[int, int], ...]
    entities: tuple[tuple[int, int, str], ...]

    def in_head(self) -> list[tuple[int, int, str]]:
        return [e for e in self.entities if e[1] <= self.head_end]


def segments(text: str, head_end: int, size: int = SEGMENT_CHARS) -> list[tuple[int, int]]:
    """(start, end) pieces covering `text`: the opening, then pieces of at most `size`
    characters, cut at the last line break (else space) of their second half."""
    out = [(0, head_end)] if head_end > 0 else []
    start, n = head_end, len(text)
    while start < n:
        end = min(n, start + size)
        if end < n:
            cut = text.rfind("\n", start + size // 2, end)
            if cut < 0:
                cut = text.rfind(" ", start + size // 2, end)
            if cut > start:
                end = cut
        out.append((start, end))
        start = end
    return out


def read_entities(text: str, head_end: int, whole: bool = True) -> Reading:
    """One pass of spaCy's ner + sentencizer over `text` (or its opening only)."""
    spans = segments(text, head_end) if whole else [(0, head_end)]
    sentences: list[tuple[int, int]] = []
    entities: list[tuple[int, int, str]] = []
    docs = load_nlp().pipe((text[s:e] for s, e in spans), batch_size=32)
    for (s, _e), doc in zip(spans, docs, strict=True):
        if s == 0:
            sentences = [(x.start_char, x.end_char) for x in doc.sents]
        entities.extend((s + x.start_char, s + x.end_char, x.label_) for x in doc.ents)
    return Reading(head_end, tuple(sentences), tuple(entities))


def spans_within(entities: tuple[tuple[int, int, str], ...], start: int,
                 end: int) -> list[tuple[int, int, str]]:
    """The answer-typing entities inside text[start:end], in offsets relative to `start`."""
    i = bisect_left(entities, (start, -1, ""))
    out = []
    while i < len(entities) and entities[i][0] < end:
        s, e, label = entities[i]
        if e <= end and label in LABELS:
            out.append((s - start, e - start, label))
        i += 1
    return out
