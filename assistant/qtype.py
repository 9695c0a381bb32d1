"""What kind of answer a question wants, and whether a piece of text looks like one.

"how many" wants a number next to the noun asked about, "when" a date, "who" a person with a
title, "where" a place, "what does X stand for" an expansion, "which ..." often a list.

    >>> kind_of("How many participants attended?")
    'count'
"""

from __future__ import annotations

import re

from .textnorm import fold, stem

_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DATE = re.compile(rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH}|{_MONTH}\s+\d{{1,2}}|(?:19|20)\d\d|{_MONTH}\b)", re.I)
_NUMBER = re.compile(r"\b(\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|dozens?)\b", re.I)
_HONORIFIC = re.compile(r"\b(?:Mr|Ms|Mrs|Dr|Prof|H\.E)\.?\s+[A-ZÀ-Ž]")
_TITLE = re.compile(r"\b(?:Minister|Director|Head|President|Deputy|Chair(?:man|woman|person)?|Ambassador|"
                    r"Secretary|Commissioner|Co-ordinator|Coordinator|Officer)\b")
_PROPER = re.compile(r"(?<![.:!?]\s)(?<!^)\b[A-ZÀ-Ž][a-zà-ž’'-]{2,}")
_CAPWORDS = re.compile(r"\b[A-ZÀ-Ž][\w’'-]+(?:\s+[A-ZÀ-Ž][\w’'-]+)+")
_PLACE = re.compile(r"\b(?:in|at|to|Location:)\s+[A-ZÀ-Ž][\w’'-]+")


def kind_of(question: str) -> str:
    q = fold(question).strip()
    if re.search(r"\bstand(s)? for\b|\babbreviat|\bacronym|\bwhat does \w+ mean\b|\bfull (name|form)\b", q):
        return "expansion"
    if re.search(r"\bhow many\b|\bnumber of\b|\bhow much\b", q):
        return "count"
    if re.search(r"^when\b|\bwhat (date|day|year|month)\b|\bwhich (date|day|year|month)\b|\bwhen (was|were|did|is|will)\b|\bon what date\b", q):
        return "date"
    if re.search(r"^where\b|\bwhich (city|country|place|town|venue)\b|\bwhere (was|were|did|is|will)\b|\bin what (city|country|place)\b|\blocation\b", q):
        return "place"
    if re.search(r"^(who|whom)\b|\bwho (was|were|is|opened|chaired|closed|led|hosted)\b|\bwhich (person|official|minister)\b|\bwhat is (his|her) (name|position|title|role|job)\b|\bposition\b|\btitle of\b", q):
        return "person"
    if re.search(r"^(which|list|name)\b|\bwhat (were|are) the\b|\bwhich \w+ (were|are|was|did)\b|\bwhat \w+ (were|are)\b", q):
        return "list"
    return "other"


def count_noun(question: str) -> str | None:
    """The noun a "how many" question counts: "How many participants ..." -> "participant"."""
    m = re.search(r"\bhow many\s+(?:\w+\s+)??(\w+)|\bnumber of\s+(\w+)", fold(question))
    if not m:
        return None
    return stem(m.group(1) or m.group(2))


def cue(kind: str, text: str, question: str = "") -> float:
    """0..1: how much `text` looks like the kind of answer the question wants."""
    if kind == "count":
        noun = count_noun(question)
        nums = [m for m in _NUMBER.finditer(text) if not re.fullmatch(r"(19|20)\d\d", m.group(0))]
        if not nums:
            return 0.0
        if noun:
            folded = fold(text)
            for m in nums:
                after = re.findall(r"[a-z]+", folded[m.end(): m.end() + 60])[:4]
                if any(stem(w) == noun for w in after):
                    return 1.0
        return 0.5
    if kind == "date":
        return 1.0 if _DATE.search(text) else 0.0
    if kind == "person":
        if _HONORIFIC.search(text):
            return 1.0
        if _TITLE.search(text) and _CAPWORDS.search(text):
            return 0.7
        return 0.4 if _PROPER.search(text) else 0.0
    if kind == "place":
        if _PLACE.search(text):
            return 1.0
        return 0.7 if " | " in text and _PROPER.search(text.split(" | ")[-1]) else 0.0
    if kind == "expansion":
        for a in re.findall(r"\b[A-Z]{2,}\b", question):
            if re.search(rf"\(\s*{re.escape(a)}\s*\)", text) or re.search(rf"\b{re.escape(a)}\b\s*\(", text):
                return 1.0
        return 0.0
    if kind == "list":
        asked = {fold(w) for w in re.findall(r"\w+", question)}
        names = {m.group(0) for m in _PROPER.finditer(text) if fold(m.group(0)) not in asked}
        return 1.0 if len(names) >= 2 else 0.5 if names else 0.0
    return 0.0
