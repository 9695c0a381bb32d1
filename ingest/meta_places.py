"""Where the meeting took place: a place entity the text ties to the meeting.

Candidates are spaCy's GPE / LOC / FAC entities in the document's head (a "City, Country" pair
is one candidate), plus "online" when the meeting is said to be virtual. Each is scored on how
it is stated: after "held in", "met in", "took place in"; as a dateline opening a paragraph
("Dushanbe – Tajikistan hosted ..."); in the title ("... in Dushanbe"); early in the text. A
place that is part of a name ("Budapest Process", "Rome Declaration") or a host state ("hosted
by Kenya", "the Government of Turkey") is not a venue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABEL_PLACE = re.compile(r"^\s*(?:Location|Venue|Place|Where)\s*:[ \t]*(\S.*?)\s*$", re.I | re.M)
_HELD = re.compile(
    r"\b(?:took place|takes place|take place|taking place|was held|were held|be held|is held|"
    r"held|hosted|hosting|hosts|convened|convenes|met|meet|meets|gathered|gather|opened|opens|"
    r"closed|concluded|adopted|signed|launched|organi[sz]ed|place|summit|meeting|conference|"
    r"forum|workshop|session)\b[^.;]{0,80}?\b(?:in|at)\s+(?:the\s+)?$",
    re.I,
)
_IN = re.compile(r"\b(?:in|at)\s+(?:the\s+)?(?:city\s+of\s+)?$", re.I)
_NAME_AFTER = re.compile(
    r"^[’']?s?\s*(?:Process|Dialogue|Declaration|Action Plan|Series|Summit on|Forum|Convention|"
    r"Group|Plan|Programme|Agreement|Initiative|Compact)\b"
)
_NOT_VENUE_BEFORE = re.compile(
    r"(?:\b(?:by|of|from|to|and|with|for|between)\s+(?:the\s+)?|[’']s\s+)$", re.I
)
_ONLINE = re.compile(
    r"\b(?:gathered|held|met|took place|convened|organised|organized|take place|takes place)\s+"
    r"(?:online|virtually)\b|\b(?:online|virtual)\s+(?:meeting|conference|format|event|session)\b",
    re.I,
)
_DATELINE_AFTER = re.compile(r"^(?:,[^.\n]{0,60}?)?\s*(?:[–—:]|-{1,2}\s|\(\w+\)|,\s*\d|\s*\d)")


@dataclass
class Place:
    start: int
    end: int
    name: str
    score: float = 0.0


def labelled_place(text: str) -> str:
    """The value of a "Location:" / "Venue:" line, or ''."""
    label = _LABEL_PLACE.search(text)
    return label.group(1).rstrip(".;,") if label else ""


_PLACE_WORD = r"[A-ZÀ-ÖØ-Þ][\w’'.-]*(?:[ -](?:[A-ZÀ-ÖØ-Þ][\w’'.-]*|de|del|am|upon))*"
# Capitalised words after "in" / "at", or opening a line before a dash: places the small NER
# model misses ("met in Dushanbe", "Victoria Falls").
_PROSE_PLACE = re.compile(rf"(?<=\bin )({_PLACE_WORD})|(?<=\bat )({_PLACE_WORD})|^[ •]*({_PLACE_WORD})(?=\s*[–—:]| -)", re.M)
_NOT_PLACE_WORD = re.compile(
    r"\b(?:Process|Dialogue|Conference|Summit|Forum|Meeting|Declaration|Highness|Credit)\b", re.I
)
_OTHER_ENTS = ("DATE", "NORP", "CARDINAL", "ORDINAL", "EVENT", "LAW", "WORK_OF_ART", "MONEY", "PERCENT")


def _spots(text: str, ents: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Place entities (cut at a line break), plus capitalised prose places no entity covers."""
    spots = []
    for s, e, label in ents:
        if label in ("GPE", "LOC", "FAC"):
            cut = text.find("\n", s, e)
            spots.append((s, cut if cut > 0 else e))
    covered = [(s, e) for s, e, label in ents if label in ("GPE", "LOC", "FAC") + _OTHER_ENTS]
    for m in _PROSE_PLACE.finditer(text):
        s, e = m.span(m.lastindex)
        stop = re.search(r"\.\s", text[s:e])  # "Maktoum. Image Credit": a sentence ends
        e = s + stop.start() if stop else e
        name = text[s:e]
        words = name.split()
        if not words or words[0] in ("The", "This", "A", "An", "Our", "In", "On") or len(words) > 4:
            continue
        if _NOT_PLACE_WORD.search(name):
            continue  # "XVIII South American Conference": a name, not a place
        if m.lastindex == 3 and text.count(name) < 2:
            continue  # "Watch: ..." opening a line is a place only if named again
        if not any(cs < e and s < ce for cs, ce in covered):
            spots.append((s, e))
    return sorted(spots)


def _pairs(text: str, ents: list[tuple[int, int, str]]) -> list[Place]:
    """Place entities, a "City, Country" pair merged into one."""
    spots = _spots(text, ents)
    out: list[Place] = []
    i = 0
    while i < len(spots):
        s, e = spots[i]
        if i + 1 < len(spots) and re.fullmatch(r",\s*", text[e : spots[i + 1][0]]):
            out.append(Place(s, spots[i + 1][1], text[s : spots[i + 1][1]]))
            i += 2
            continue
        out.append(Place(s, e, text[s:e]))
        i += 1
    return out


def meeting_place(text: str, title_end: int, sentences: list[tuple[int, int]],
                  ents: list[tuple[int, int, str]], date_at: int = -1) -> str:
    """The meeting's place in `text` (the document's head), or ''.

    `date_at` is where the meeting's date is stated: a place in that sentence is favoured.
    """
    cands = _pairs(text, ents)
    date_sentence = _sentence_index(sentences, date_at) if date_at >= 0 else -1
    for c in cands:
        c.score = _score(text, c, title_end, sentences)
        if _sentence_index(sentences, c.start) == date_sentence:
            c.score += 1.5
    online = _ONLINE.search(text)
    if online:
        cands.append(Place(online.start(), online.end(), "online",
                           3.0 - 0.2 * _sentence_index(sentences, online.start())))
    if not cands:
        return ""
    best = max(cands, key=lambda c: (c.score, -c.start))
    return _tidy(best.name) if best.score > 0 else ""


def _tidy(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" ,.;:")
    if name.isupper() and len(name) > 3:  # "DUBAI" in a dateline
        name = name.title()
    return re.sub(r"^the\s+", "", name, flags=re.I)


def _sentence_index(sentences: list[tuple[int, int]], pos: int) -> int:
    for i, (s, e) in enumerate(sentences):
        if s <= pos < e:
            return i
    return len(sentences)


def _score(text: str, c: Place, title_end: int, sentences) -> float:
    before = text[max(0, c.start - 120) : c.start]
    after = text[c.end : c.end + 40]
    line_start = text.rfind("\n", 0, c.start) + 1
    score = -0.2 * min(_sentence_index(sentences, c.start), 15)
    if _NAME_AFTER.match(after):
        return -9
    if _HELD.search(before):
        score += 3
    elif _IN.search(before):
        score += 1.5
    elif _NOT_VENUE_BEFORE.search(before[-25:]):
        score -= 2
    head = text[line_start : c.start]
    if not head.strip(" •-") and _DATELINE_AFTER.match(after):
        score += 3  # "Dushanbe – Tajikistan hosted ...", "DUBAI, 30th January"
    elif re.fullmatch(r"[\w ,]*\d{4}\s*[,(]\s*", head) and c.start - line_start < 40:
        score += 3  # "26 November 2014, Addis Ababa, Ethiopia: ..."
    elif re.search(r"\d{4},\s*$", before):
        score += 2  # "on 13 October 2017, Jakarta, Indonesia"
    if c.start < title_end and _IN.search(before):
        score += 1
    if re.match(r"^,?\s+in\s+(?:the\s+)?[A-Z]", after):
        score -= 2  # "the Permanent Mission of Sri Lanka in Geneva": Geneva is more precise
    return score
