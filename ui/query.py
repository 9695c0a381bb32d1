"""Reading the chat's filter widgets and the question: pure functions, tested without a server.

    >>> resolve_filters("All processes", "", "2022", "", True, records)
    Resolved(filters=Filters(...), text='2 reports (31 passages): from 2022, undated reports included', error='')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assistant import Filters

from .library_view import ALL
from .names import display_title

MIN_YEAR, MAX_YEAR = 1900, 2100


@dataclass(frozen=True)
class Resolved:
    """The filters to ask with, what they search in words, or an error to show instead."""

    filters: Filters
    text: str = ""
    error: str = ""


def parse_year(value: Any, which: str) -> int | None:
    """'' or None -> None; a four-digit year -> int; anything else -> ValueError in words."""
    s = str(value if value is not None else "").strip()
    if not s:
        return None
    if not re.fullmatch(r"\d{4}", s) or not MIN_YEAR <= int(s) <= MAX_YEAR:
        raise ValueError(f"{which} year must be a four-digit year like 2022 (got {s!r}).")
    return int(s)


def _in_range(year: Any, lo: int | None, hi: int | None, undated: bool) -> bool:
    try:
        y = int(year or 0)
    except (TypeError, ValueError):
        y = 0
    if not y:
        return undated
    return (lo is None or y >= lo) and (hi is None or y <= hi)


def resolve_filters(process: str | None, report: str | None, year_from: Any, year_to: Any,
                    undated: bool, records: Mapping[str, Mapping]) -> Resolved:
    """The Filters for the widgets' values, checked, with the reports they leave counted.

    A year range is turned into the list of reports it keeps (with the undated ones when
    `undated`), so what is searched is exactly what is counted and shown.
    """
    try:
        lo, hi = parse_year(year_from, "The 'from'"), parse_year(year_to, "The 'to'")
    except ValueError as exc:
        return Resolved(Filters(), error=str(exc))
    if lo and hi and lo > hi:
        return Resolved(Filters(), error=f"The year range {lo}–{hi} is reversed: "
                                         f"did you mean {hi}–{lo}?")
    proc = process if process and process != ALL else None
    if proc and not any(m.get("process") == proc for m in records.values()):
        return Resolved(Filters(), error=f"No indexed report belongs to {proc!r}.")
    if report:
        if report not in records:
            return Resolved(Filters(), error="That report is no longer indexed.")
        keep = [report]
        words = [f"only “{display_title(records[report], report)}”"]
    else:
        keep = [s for s, m in records.items()
                if (proc is None or m.get("process") == proc)
                and _in_range(m.get("year"), lo, hi, undated)]
        words = [proc] if proc else []
        if lo or hi:
            words.append(f"{lo}–{hi}" if lo and hi else f"from {lo}" if lo else f"up to {hi}")
            words.append("undated reports included" if undated else "undated reports left out")
    if not keep:
        return Resolved(Filters(), error="No indexed report matches these filters.")
    n = len(keep)
    chunks = sum(int(records[s].get("n_chunks") or 0) for s in keep)
    counted = f"{n} report{'s' * (n != 1)} ({chunks} passages)"
    text = f"{counted}: {', '.join(words)}" if words else f"{counted}: all reports, no filter"
    narrowed = bool(report or lo or hi)
    filters = Filters(process=proc, sources=tuple(sorted(keep)) if narrowed else ())
    return Resolved(filters, text)


# Words that almost every English question has and other languages' questions do not.
_ENGLISH = set("the of and to at by for with from what who whom whose when where which "
               "why how did does is are were has have many much about this that it".split())


def language_hint(question: str) -> str:
    """A hint when the question does not look English (the reports are searched in English)."""
    words = re.findall(r"[^\W\d_]+", question.lower())
    if len(words) < 3:
        return ""
    english = sum(w in _ENGLISH for w in words)
    if english == 0 or (english / len(words) < 0.1 and len(words) >= 6):
        return ("The reports are in English and are searched in English: "
                "try asking in English for better results.")
    return ""
