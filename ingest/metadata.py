"""Document metadata as the text states it: title, process, meeting type, date, year, location.

    >>> m = extract_meta("Date: 1st December, 2022\\n\\nLocation: Istanbul, Türkiye", ["Budapest Process"], "a.txt")
    >>> (m.date, m.location)
    ('2022-12-01', 'Istanbul, Türkiye')
"""

from __future__ import annotations

import re
from collections import Counter

from .model import DocMeta

MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for m in names
}
_MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"((?:19|20)\d\d)"
# "15 December 2010", "1st December, 2022", "11-14 October 2010" (first day)
_DMY = re.compile(rf"\b{_DAY}(?:\s*[-–]\s*\d{{1,2}}(?:st|nd|rd|th)?)?\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I)
# "December 1, 2022", "December 1st 2022"
_MDY = re.compile(rf"\b{_MONTH}\s+{_DAY}(?:\s*[-–]\s*\d{{1,2}})?,?\s+{_YEAR}\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_MY = re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.I)
_LABEL_DATE = re.compile(r"^\s*(?:Date|Dates|When)\s*:\s*(.+)$", re.I | re.M)
_LABEL_PLACE = re.compile(r"^\s*(?:Location|Venue|Place|Where)\s*:\s*(.+?)\s*$", re.I | re.M)
_PLACE_WORD = r"[A-ZÀ-ÖØ-Þ][\w’'.-]*(?:[ -](?:[A-ZÀ-ÖØ-Þ][\w’'.-]*|de|del|am|upon|on-\w+))*"
_HELD_IN = re.compile(
    rf"\b(?:took place|taking place|was held|were held|held|hosted|convened|met|gathered"
    rf"(?: again)?(?: in person)?)\s+in\s+({_PLACE_WORD})(?:,\s*([A-ZÀ-ÖØ-Þ][\w’'-]+)(?=[\s.;,)]|$)(?! [A-Z]))?"
)
_ONLINE = re.compile(
    r"\b(?:gathered|held|met|took place|convened|organised|organized)\s+(?:online|virtually)\b"
    r"|\b(?:online|virtual)\s+(?:meeting|conference|format)\b",
    re.I,
)
_PROCESS = re.compile(r"\b([A-Z][\w’'-]*[A-Za-z])\s+(Process|Dialogue)\b")
_NOT_A_NAME = {
    "The", "This", "That", "A", "An", "Our", "Its", "Their", "Political", "Peace", "New",
    "Annual", "Regional", "Migration", "Policy", "Consultation", "Partnership",
}
# (pattern, normalised type); earlier entries win on the title, frequency wins in the text.
MEETING_TYPES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"\bSenior Officials[’']?\s+Meeting\b|\bSOM\b", re.I), "Senior Officials Meeting"),
    (re.compile(r"\bMinisterial Conference\b", re.I), "Ministerial Conference"),
    (re.compile(r"\bMinisterial Meeting\b", re.I), "Ministerial Meeting"),
    (re.compile(r"\bWorking Group [Mm]eeting\b|\bWorking Group\b", re.I), "Working Group meeting"),
    (re.compile(r"\bThematic [Mm]eeting\b", re.I), "Thematic meeting"),
    (re.compile(r"\bExpert(?:s)?[’']? [Mm]eeting\b", re.I), "Expert meeting"),
    (re.compile(r"\bStudy [Vv]isit\b", re.I), "Study visit"),
    (re.compile(r"\bWorkshop\b", re.I), "Workshop"),
    (re.compile(r"\bConference\b", re.I), "Conference"),
]
_NEWSLETTER = re.compile(r"\bnewsletter\b|^\s*in this issue\b", re.I | re.M)
GENERIC_HEADINGS = {
    "in focus", "contents", "table of contents", "report", "introduction", "summary",
    "in this issue", "in this issue:", "background", "overview", "agenda", "news",
}


def extract_meta(text: str, headings: list[str], source: str) -> DocMeta:
    """Metadata from the cleaned text and its headings (in order); '' / 0 for what is not stated.

    `headings` are the document's section headings; the title comes from the first of them
    (joined with the next when the first is only a process name, e.g. "Budapest Process —
    32nd Senior Officials Meeting"), else from the first short line of `text`.
    """
    title = _title(text, headings, source)
    process = _process(text)
    meeting_type = _meeting_type(text, title)
    date = _date(text)
    year = int(date[:4]) if date else 0
    return DocMeta(
        title=title, process=process, meeting_type=meeting_type, date=date, year=year,
        location=_location(text),
    )


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


def _process(text: str) -> str:
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in _PROCESS.finditer(text):
        if m.group(1) in _NOT_A_NAME:
            continue
        name = f"{m.group(1)} {m.group(2)}"
        counts[name] += 1
        first.setdefault(name, m.start())
    if not counts:
        return ""
    return max(counts, key=lambda n: (counts[n], -first[n]))


def _meeting_type(text: str, title: str) -> str:
    for pattern, name in MEETING_TYPES:
        if pattern.search(title):
            return name
    if _NEWSLETTER.search(text):
        return "Newsletter"
    best, best_count = "", 0
    for pattern, name in MEETING_TYPES:
        n = len(pattern.findall(text[:3000]))
        if n > best_count:
            best, best_count = name, n
    return best


def parse_date(text: str) -> str:
    """The first date in `text` as ISO ('2022-12-01'), or '' when there is none.

    >>> parse_date("on 1st December, 2022"), parse_date("December 1, 2022")
    ('2022-12-01', '2022-12-01')
    """
    found: list[tuple[int, str]] = []
    for m in _DMY.finditer(text):
        found.append((m.start(), _iso(m.group(3), m.group(2), m.group(1))))
    for m in _MDY.finditer(text):
        found.append((m.start(), _iso(m.group(3), m.group(1), m.group(2))))
    for m in _ISO.finditer(text):
        found.append((m.start(), _iso(m.group(1), m.group(2), m.group(3))))
    found = [f for f in found if f[1]]
    return min(found)[1] if found else ""


def _iso(year: str, month: str, day: str) -> str:
    mon = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."), 0)
    d = int(day)
    if not (1 <= mon <= 12 and 1 <= d <= 31):
        return ""
    return f"{int(year):04d}-{mon:02d}-{d:02d}"


def _date(text: str) -> str:
    label = _LABEL_DATE.search(text)
    if label:
        value = label.group(1)
        iso = parse_date(value)
        if iso:
            return iso
        m = _MY.search(value)
        if m:
            return f"{m.group(2)}-{MONTHS[m.group(1).lower().rstrip('.')]:02d}"
    return parse_date(text)


def _location(text: str) -> str:
    label = _LABEL_PLACE.search(text)
    if label:
        return label.group(1).rstrip(".;,")
    held = _HELD_IN.search(text)
    online = _ONLINE.search(text)
    if held and (not online or held.start() < online.start()):
        return ", ".join(p for p in held.groups() if p)
    if online:
        return "online"
    return ""
