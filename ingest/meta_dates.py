"""Dates in a document: parsing date phrases, and choosing the meeting's date among them.

A page's date that stands alone on a line near the top ("08 May 2018", "Media release 23
October 2017", "Friday, 08 July 2016") is when it was published; the meeting's date is the one
the text attaches to the meeting ("On 14-15 June 2018 the conference ... was held"). Candidates
are spaCy's DATE entities plus regex matches; each is scored on where and how it is stated.

    >>> parse_date("from 11-14 October 2010"), parse_date("on 17.10.2018")
    ('2010-10-11', '2018-10-17')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

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
_DAYS = rf"(?:the\s+)?{_DAY}(?:\s*(?:[-–]|to|and|&)\s*(?:the\s+)?\d{{1,2}}(?:st|nd|rd|th)?)?"
# "15 December 2010", "1st December, 2022", "11-14 October 2010", "the 14th and 15th of November 2018"
_DMY = re.compile(rf"\b{_DAYS}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.I)
# "December 1, 2022", "November 11-12, 2015"
_MDY = re.compile(rf"\b{_MONTH}\s+{_DAY}(?:\s*[-–]\s*\d{{1,2}})?,?\s+{_YEAR}\b", re.I)
_DM_RANGE = re.compile(rf"\b{_DAY}\s+{_MONTH}\s*(?:[-–]|to|until)\s*\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+{_YEAR}\b", re.I)
_MD_RANGE = re.compile(rf"\b{_MONTH}\s+{_DAY}\s*(?:[-–]|to|until)\s*{_MONTH}\s+\d{{1,2}},?\s+{_YEAR}\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
# "17.10.2018", "17-18/03/2016", "28.10.2011"
_NUMERIC = re.compile(r"\b(\d{1,2})(?:\s*-\s*\d{1,2})?([./])(\d{1,2})\2((?:19|20)\d\d)\b")
_MY = re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b", re.I)
# Day and month without a year: "on 28 November", "November 15 to 16", "the 10th of December"
_DM = re.compile(rf"\b{_DAYS}\s+(?:of\s+)?{_MONTH}\b(?!,?\s+(?:19|20)\d\d)", re.I)
_MD = re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!,?\s+(?:19|20)\d\d)(?!\d)", re.I)
_YEAR_ALONE = re.compile(r"(?<![\d./-])(?:19|20)\d\d(?![\d./-])")
_LABEL_DATE = re.compile(r"^\s*(?:Date|Dates|When)\s*:\s*(.+)$", re.I | re.M)
_PUBLISHED = re.compile(
    r"(?:publi\w*|posted|updated|release|date|dateline|issued|by\s+[A-Z][\w.]+(?:\s+[A-Z][\w.]+)*)"
    r"\W{0,3}$",
    re.I,
)
_NOT_PUBLISHED = re.compile(r"\b(?:adopt\w*|sign\w*|held|meeting|entry)\b", re.I)
_EVENT_CUE = re.compile(
    r"\b(?:held|hold|took place|take place|takes place|taking place|met|meet|meets|gather\w*|"
    r"convene\w*|host\w*|open\w*|close\w*|launch\w*|adopt\w*|sign\w*|organi[sz]\w*|attend\w*|"
    r"meeting|conference|summit|workshop|session|forum|consultation|ministerial)\b",
    re.I,
)
_BEFORE_CUE = re.compile(r"\b(?:on|from|held|between|in)\s+(?:the\s+)?$", re.I)
_BACKGROUND = re.compile(
    r"\b(?:(?:established|founded|set up|created|initiated|launched|inception|creation|"
    r"establishment)(?:\s+(?:in|on))?|since|until|by|deadline)\W*$",
    re.I,
)
_RELATIVE = {"today": 0, "tomorrow": 1, "yesterday": -1}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE_RE = re.compile(rf"\b(today|tomorrow|yesterday|{'|'.join(_WEEKDAYS)})\b", re.I)
_NOT_RELATIVE = re.compile(r"\b(?:of|until|since|to|from|as of)\s+$", re.I)
_CLOSING = re.compile(r"\b(?:closed|concluded|ended|wrapped up|came to a close)\b", re.I)
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_DURATION = re.compile(r"\b(one|two|three|four|five|[1-5])[- ]days?\b", re.I)
_FUTURE = re.compile(r"\b(?:will|to be|starting|scheduled|next|upcoming|begins|opens)\b", re.I)


def _iso(year: str | int, month: str | int, day: str | int = 0) -> str:
    month = str(month)
    mon = int(month) if month.isdigit() else MONTHS.get(month.lower().rstrip("."), 0)
    d = int(day or 0)
    y = int(year)
    if not (1 <= mon <= 12 and 0 <= d <= 31):
        return ""
    return f"{y:04d}-{mon:02d}-{d:02d}" if d else f"{y:04d}-{mon:02d}"


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Every full or month-year date in `text` as (start, end, ISO), in order, no overlaps.
    A range across months gives its first day ("30 November - 2 December 2018")."""
    found: list[tuple[int, int, str]] = []
    for m in _DM_RANGE.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(4), m.group(2), m.group(1))))
    for m in _MD_RANGE.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(4), m.group(1), m.group(2))))
    for m in _DMY.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(3), m.group(2), m.group(1))))
    for m in _MDY.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(3), m.group(1), m.group(2))))
    for m in _ISO.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(1), m.group(2), m.group(3))))
    for m in _NUMERIC.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(4), m.group(3), m.group(1))))
    for m in _MY.finditer(text):
        found.append((m.start(), m.end(), _iso(m.group(2), m.group(1))))
    return _no_overlap(found)


def _no_overlap(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    kept: list[tuple[int, int, str]] = []
    for s, e, iso in sorted((f for f in found if f[2]), key=lambda f: (f[0], -f[1])):
        if kept and s < kept[-1][1]:
            continue
        kept.append((s, e, iso))
    return kept


def parse_date(text: str) -> str:
    """The first full date in `text` as ISO ('2022-12-01'), or '' when there is none.

    >>> parse_date("on 1st December, 2022"), parse_date("December 1, 2022")
    ('2022-12-01', '2022-12-01')
    """
    for _, _, iso in find_dates(text):
        if len(iso) == 10:
            return iso
    return ""


def labelled_date(text: str) -> str:
    """The value of a "Date:" line, as ISO (day or month precision), or ''."""
    label = _LABEL_DATE.search(text)
    if not label:
        return ""
    found = find_dates(label.group(1))
    return found[0][2] if found else ""


@dataclass
class DateCandidate:
    start: int
    end: int
    iso: str
    score: float = 0.0


def _day_month(text: str) -> list[tuple[int, int, str]]:
    """Dates without a year, as (start, end, '--MM-DD')."""
    found = []
    for m in _DM.finditer(text):
        found.append((m.start(), m.end(), f"--{MONTHS[m.group(2).lower().rstrip('.')]:02d}-{int(m.group(1)):02d}"))
    for m in _MD.finditer(text):
        found.append((m.start(), m.end(), f"--{MONTHS[m.group(1).lower().rstrip('.')]:02d}-{int(m.group(2)):02d}"))
    return found


def meeting_date(text: str, sentences: list[tuple[int, int]], entities: list[tuple[int, int, str]]) -> tuple[str, int]:
    """The meeting's date in `text` (the document's head) and where it is stated; ('', -1).

    `sentences` are (start, end) offsets of its sentences, `entities` spaCy's (start, end,
    label) spans; DATE entities widen the regex matches (e.g. "the 12th to the 13th of").
    """
    full = find_dates(text)
    partial = [d for d in _day_month(text) if not any(s <= d[0] < e for s, e, _ in full)]
    ents = [(s, e) for s, e, label in entities if label == "DATE"]
    published = _publication_date(text, full)
    days = [f for f in full if len(f[2]) == 10]
    title = text[: sentences[0][1]] if sentences else ""
    title_year = _YEAR_ALONE.search(title)
    cands: list[DateCandidate] = []
    for s, e, iso in full + _no_overlap(partial):
        if iso.startswith("--"):
            # The year of the page's date, else of the nearest full date stated before it,
            # else of the title ("Vienna Migration Conference 2018").
            ref = published or next((d[2] for d in reversed(days) if d[0] < s), "")
            if ref:
                iso = _with_year(iso, ref)
            elif title_year:
                iso = title_year.group(0) + iso[1:]
            else:
                continue
        cands.append(DateCandidate(s, e, iso))
    if not cands:
        # Only a year, in the title ("EMN Annual Conference 2014"): that year.
        return (title_year.group(0), title_year.start()) if title_year else ("", -1)
    for c in cands:
        c.score = _score(text, c, sentences, ents, published)
    rel = _relative(text, sentences, published)
    if rel:
        cands.append(rel)
    best = max(cands, key=lambda c: (c.score, -c.start))
    return (best.iso, best.start) if best.score > -3 else ("", -1)


def _with_year(md: str, published: str) -> str:
    year = int(published[:4])
    if md[2:] > published[5:10] and len(published) == 10:
        year -= 1  # "on 28 November" in a page of 5 December 2014; "on 2 May" in one of June
    return f"{year}{md[1:]}"


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def _is_dateline(text: str, s: int, e: int) -> bool:
    """A date standing alone on its line, or after a 'published'-like label, or in a dateline
    opening a paragraph ("DUBAI, 30th January, 2026 (WAM) --")."""
    line = _line_of(text, s)
    rest = line.replace(text[s:e], " ").strip(" ,.:|-–—•()")
    title = text.lstrip().split("\n", 1)[0].strip()
    if title and rest.endswith(title) and len(rest) - len(title) < 30:
        rest = rest[: -len(title)].strip(" ,.:|-–—•()")  # the date, then the title repeated
    if len(rest.split()) <= 3 and not _EVENT_CUE.search(rest):
        # Alone on its line, unless the line above labels it as the event's ("Date of adoption").
        return not (not rest and _NOT_PUBLISHED.search(_previous_line(text, s)))
    before = text[text.rfind("\n", 0, s) + 1 : s]
    if _PUBLISHED.search(before) and not _NOT_PUBLISHED.search(before):
        return True
    # "DUBAI, 30th January, 2026 (WAM) --"
    return bool(re.search(r"\b[A-Z][A-Z .]{2,},\s*$", before)) and bool(
        re.match(r"^[\s,]*(?:\(|--|[–—])", text[e : e + 12]))


def _previous_line(text: str, pos: int) -> str:
    lines = text[: text.rfind("\n", 0, pos) + 1].rstrip().rsplit("\n", 1)
    return lines[-1] if len(lines[-1]) <= 40 else ""


def _publication_date(text: str, full: list[tuple[int, int, str]]) -> str:
    for s, e, iso in full[:6]:
        if len(iso) == 10 and _is_dateline(text, s, e) and s < 600:
            return iso
    return ""


def _sentence_of(sentences: list[tuple[int, int]], pos: int) -> tuple[int, int, int]:
    for i, (s, e) in enumerate(sentences):
        if s <= pos < e:
            return i, s, e
    return len(sentences), pos, pos


def _score(text, c: DateCandidate, sentences, ents, published: str) -> float:
    i, s, e = _sentence_of(sentences, c.start)
    sentence = text[s:e]
    score = -0.15 * min(i, 20)
    if _is_dateline(text, c.start, c.end):
        score -= 4
    if c.iso == published and not _EVENT_CUE.search(sentence.replace(text[c.start:c.end], "")):
        score -= 1
    if _EVENT_CUE.search(sentence):
        score += 2
    before = text[max(s, c.start - 20) : c.start]
    if _BACKGROUND.search(before):
        # A founding date or a deadline ("set up in", "since", "by"), not the meeting's: below
        # the floor even alone, so a page whose only date is its dialogue's founding has none.
        score -= 3.5
    elif _BEFORE_CUE.search(before):
        score += 1.5
    if any(es <= c.start < ee for es, ee in ents):
        score += 0.5
    score += 1.5 if len(c.iso) == 10 else 0.0
    if c.start < (sentences[0][1] if sentences else 0):
        score += 1  # the title states it
    return score


def _duration(text: str) -> int:
    """Days the meeting lasted, as the text says ("a two-day meeting", "after 2 days"); 1."""
    m = _DURATION.search(text)
    if not m:
        return 1
    word = m.group(1).lower()
    return int(word) if word.isdigit() else _NUMBERS[word]


def _relative(text: str, sentences, published: str) -> DateCandidate | None:
    """"convenes tomorrow" in a page dated 30 January: the 31st; "met on Monday" in a page of
    Tuesday 28 May: the 27th ("starting Monday": the next Monday). "The crisis mode of today"
    is not a date."""
    if not published:
        return None
    page = date.fromisoformat(published)
    for i, (s, e) in enumerate(sentences[:10]):
        sentence = text[s:e]
        stated = {iso for _, _, iso in find_dates(sentence)}
        if not (_EVENT_CUE.search(sentence) and stated <= {published}):
            continue
        for m in _RELATIVE_RE.finditer(sentence):
            if _NOT_RELATIVE.search(sentence[: m.start()]) or any(
                0 <= ds - m.end() <= 3 for ds, _, _ in find_dates(sentence)
            ):
                continue  # "of today"; "Thursday, October 28, 2021" names a stated date's day
            word = m.group(1).lower()
            if word in _RELATIVE:
                day = page + timedelta(days=_RELATIVE[word])
                if _CLOSING.search(sentence[: m.start()]):
                    # "closed today" after a two-day meeting: it began the day before
                    day -= timedelta(days=_duration(text) - 1)
            else:
                shift = (_WEEKDAYS.index(word) - page.weekday()) % 7
                ahead = _FUTURE.search(sentence[max(0, m.start() - 40) : m.start()])
                day = page + timedelta(days=shift if ahead else shift - 7 if shift else 0)
            return DateCandidate(s + m.start(), s + m.end(), day.isoformat(), 2.5 - 0.15 * i)
    return None
