"""How reports are named on screen: a readable title first, the file name second.

A report's extracted title is sometimes a newsletter rubric or a question ("IN FOCUS",
"What is the Prague Process (...)"); such a title is replaced by one made of the report's
process, kind and date.

    >>> display_title({"title": "What is the Prague Process?", "process": "Prague Process",
    ...                "meeting_type": "Newsletter", "date": "2016-03-01"}, "004_x.txt")
    'Prague Process newsletter, 2016-03-01'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace

from assistant import Answer, Citation

# Headings that name a section of a newsletter, not the report itself.
_RUBRIC = re.compile(r"^(what is|what are|who is|how (to|does)|in focus|news|editorial|"
                     r"contents|table of contents|newsletter)\b", re.IGNORECASE)


def is_rubric(title: str) -> bool:
    """True for a title that reads like a rubric or a question rather than a report's name."""
    t = title.strip()
    return not t or t.endswith("?") or bool(_RUBRIC.match(t)) or (
        t.isupper() and 3 < len(t) < 25 and not any(ch.isdigit() for ch in t))


def display_title(meta: Mapping, source: str) -> str:
    """The report's title as people should see it (never empty: the file name at worst)."""
    title = str(meta.get("title") or "").strip()
    if title and not is_rubric(title):
        return title
    process = str(meta.get("process") or "").strip()
    kind = str(meta.get("meeting_type") or "").strip()
    date = str(meta.get("date") or meta.get("year") or "").strip()
    name = " ".join(p for p in (process, kind.lower() if kind.lower() == "newsletter" else kind)
                    if p)
    if not name:
        return source.rsplit("/", 1)[-1]
    return f"{name}, {date}" if date else name


def retitle(answer: Answer, records: Mapping[str, Mapping]) -> Answer:
    """`answer` with each citation's and pointer's title replaced by its display title."""

    def fix(c: Citation) -> Citation:
        meta = records.get(c.source)
        title = display_title(meta, c.source) if meta else (
            c.title if c.title and not is_rubric(c.title) else c.source)
        return c if title == c.title else replace(c, title=title)

    return replace(answer, citations=tuple(fix(c) for c in answer.citations),
                   pointers=tuple(fix(c) for c in answer.pointers))


def place(c: Citation) -> str:
    """Where in the report: 'section X, p. 2' with the parts the citation has."""
    parts = []
    if c.section and c.section.strip() != (c.title or "").strip():
        parts.append(c.section.strip()[:60])
    if c.page:
        parts.append(f"p. {c.page}")
    return ", ".join(parts)
