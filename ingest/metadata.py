"""Document metadata as the text states it: title, process, meeting type, date, year, location.

Read from the document's own statements, not from one layout: the title line and the first
sentences of the text go through spaCy's NER (`assistant.nlp.load_nlp`); the meeting's date and
place are chosen among the DATE and GPE/LOC/FAC entities by how the text ties them to the
meeting (`meta_dates`, `meta_places`); the dialogue and the meeting type come from name
patterns (`meta_names`). "Date:" and "Location:" lines, where a report has them, still win.

    >>> m = extract_meta("Date: 1st December, 2022\\n\\nLocation: Istanbul, Türkiye", ["Budapest Process"], "a.txt")
    >>> (m.date, m.location)
    ('2022-12-01', 'Istanbul, Türkiye')
"""

from __future__ import annotations

import re

from .entities import Reading, read_entities
from .meta_dates import MONTHS, labelled_date, meeting_date, parse_date
from .meta_names import MEETING_TYPES, dialogue_name, meeting_type
from .meta_places import labelled_place, meeting_place
from .model import DocMeta

__all__ = ["MEETING_TYPES", "MONTHS", "GENERIC_HEADINGS", "extract_meta", "parse_date"]

HEAD_CHARS = 1500  # NER runs on the title and the opening of the text only: that is where
# pages state their meeting, and it keeps ingest fast.
LEAD_SENTENCES = 8
GENERIC_HEADINGS = {
    "in focus", "contents", "table of contents", "report", "introduction", "summary",
    "in this issue", "in this issue:", "background", "overview", "agenda", "news",
}


def extract_meta(text: str, headings: list[str], source: str,
                 reading: Reading | None = None) -> DocMeta:
    """Metadata from the cleaned text and its headings (in order); '' / 0 for what is not stated.

    `headings` are the document's section headings; the title comes from the first of them
    (joined with the next when the first is only a process name, e.g. "Budapest Process —
    32nd Senior Officials Meeting"), else from the first short line of `text`. `reading` is
    the document's entities when ingest has read them already (`read_entities(text,
    len(head_of(text)))`); without it the opening is read here.
    """
    title = _title(text, headings, source)
    head = head_of(text)
    if reading is None or reading.head_end != len(head):
        reading = read_entities(text, len(head), whole=False)
    sentences = _lines(list(reading.sentences), head)
    ents = reading.in_head()
    first_line = len(head.lstrip("\n").split("\n", 1)[0]) + len(head) - len(head.lstrip("\n"))
    date, date_at = meeting_date(head, sentences, ents)
    # The sentence stating the meeting's date names its type first; then the opening ones.
    dated = [head[s:e] for s, e in sentences if s <= date_at < e]
    lead = dated + [head[s:e] for s, e in sentences[: LEAD_SENTENCES + 1]]
    date = labelled_date(text) or date
    return DocMeta(
        title=title,
        process=dialogue_name(title, text),
        meeting_type=meeting_type(title, lead, text),
        date=date,
        year=int(date[:4]) if date else 0,
        location=labelled_place(text) or meeting_place(head, first_line, sentences, ents, date_at),
    )


def _lines(sentences: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Sentences cut at line breaks too: a title, a dateline or a list item is its own unit."""
    out = []
    for start, end in sentences:
        for m in re.finditer(r"[^\n]+", text[start:end]):
            if m.group().strip():
                out.append((start + m.start(), start + m.end()))
    return out


def head_of(text: str) -> str:
    """The opening of `text` that NER reads (HEAD_CHARS, cut at a space)."""
    if len(text) <= HEAD_CHARS:
        return text
    cut = text.rfind(" ", 0, HEAD_CHARS)
    return text[: cut if cut > 0 else HEAD_CHARS]


def _title(text: str, headings: list[str], source: str) -> str:
    heads = [h.strip() for h in headings if h.strip()]
    lead = text.lstrip()[:400]
    # Only headings that open the document count as its title; a report's later sections do not.
    opening = [h for h in heads if lead.startswith(h) or h in lead[:200]]
    usable = [h for h in (opening or heads) if h.lower().rstrip(":") not in GENERIC_HEADINGS]
    if usable:
        first = usable[0]
        if len(usable) > 1 and len(first.split()) <= 3 and usable[1] in lead:
            return _cap(f"{first} — {usable[1]}")
        return _cap(first)
    for line in text.splitlines():
        line = line.strip().lstrip("-• ").strip()
        if line and line.lower().rstrip(":") not in GENERIC_HEADINGS:
            return _cap(line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "…")
    return source.rsplit("/", 1)[-1]


def _cap(title: str, limit: int = 160) -> str:
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"
