"""Folding and tokenising text for keyword search and evidence checks.

Folding removes case and diacritics, so "Savas Unlu" matches "Savaş Ünlü".

    >>> tokens("Dr. Savaş Ünlü opened the SOMs")
    ['dr', 'savas', 'unlu', 'opened', 'som']
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters NFKD does not decompose.
_EXTRA = str.maketrans({"ı": "i", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "đ": "d", "Đ": "d",
                        "ł": "l", "Ł": "l", "œ": "oe", "Œ": "oe", "þ": "th", "ð": "d",
                        "’": "'", "‘": "'", "–": "-", "—": "-"})
_WORD = re.compile(r"[a-z0-9]+")

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers herself him himself his how i if in into is it its itself just
me more most my myself no nor not now of off on once only or other our ours ourselves out over
own same she should so some such than that the their theirs them themselves then there these
they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours yourself yourselves tell me please give list name show
did does do many much whose whom kind sort s t
""".split())


@lru_cache(maxsize=100_000)
def fold(text: str) -> str:
    """Lower-case, strip diacritics, unify quotes and dashes."""
    if text.isascii():
        return text.casefold()
    text = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def fold_aligned(text: str) -> str:
    """`fold` character by character, so offsets in the result are offsets in `text` (a
    character that folds to nothing becomes a space, one that folds to several keeps the
    first)."""
    return fold(text) if text.isascii() else "".join((fold(c) or " ")[0] for c in text)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light English stemmer: plural, then -ing/-ed, then a final -e; short words untouched."""
    if word.isdigit() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) >= 5:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and len(word) >= 4 and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = word[:-3]
    elif word.endswith("ed") and len(word) >= 5:
        word = word[:-2]
    else:
        return word[:-1] if word.endswith("e") and len(word) > 4 else word
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # "committed" -> "commit"
    # "endorse", "endorsed", "endorses" share one stem.
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def words(text: str) -> list[str]:
    """Folded words, unstemmed."""
    return _WORD.findall(fold(text))


def tokens(text: str, *, cache: bool = True) -> list[str]:
    """Folded, stemmed tokens (ordinal suffixes split off: '32nd' -> '32')."""
    return list(_tokens(text) if cache else _tokens.__wrapped__(text))


@lru_cache(maxsize=20_000)
def _tokens(text: str) -> tuple[str, ...]:
    # Cached: the answerer tokenises the same candidate sentences question after question.
    out = []
    for w in words(text):
        if w[0].isdigit():
            w = re.sub(r"^(\d+)(st|nd|rd|th)$", r"\1", w)
        out.append(stem(w))
    return tuple(out)


def as_written(term: str, text: str) -> str:
    """The word of `text` whose token is `term`, as `text` writes it ('europ' in "South Eastern
    Europe" -> 'Europe'): what a message shows a reader instead of a stem. `term` itself when no
    word of `text` gives it.

        >>> as_written("purpos", "What is the purpose of the Forum?")
        'purpose'
    """
    for m in _WORD.finditer(fold_aligned(text)):
        if term in _tokens(m.group(0)):
            return text[m.start() : m.end()]
    return term


def content_tokens(text: str) -> list[str]:
    """Tokens without stopwords, in order, deduplicated."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w in STOPWORDS:
            continue
        t = tokens(w)[0]
        seen.setdefault(t, None)
    return list(seen)
