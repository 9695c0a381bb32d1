"""Answerable units inside a block: sentences (not broken on abbreviations), clauses of long
multi-fact sentences, and pieces of units too long for the token budget.

    >>> text = "Dr. Smith spoke. The meeting ended."
    >>> [text[s:e] for s, e, _ in sentence_spans(text, 0, len(text))]
    ['Dr. Smith spoke.', 'The meeting ended.']
"""

from __future__ import annotations

import re
from collections.abc import Callable

ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "mme", "mlle", "prof", "st", "no", "nos", "nr", "vs", "cf", "art",
    "vol", "pp", "p", "fig", "approx", "incl", "dept", "gen", "gov", "jr", "sr", "co", "corp",
    "inc", "ltd", "mt", "sec", "para", "paras", "ed", "eds", "al", "amb", "h.e", "rev", "hon",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "e.g", "i.e", "resp", "min", "max", "ca", "op", "ibid", "esp", "lt", "col", "capt", "sgt",
}
LONG_SENTENCE = 300  # characters: past this, a sentence with "; " clauses is quoted in parts
# No unit or chunk is longer than this. WordPiece turns a word over 100 characters into one
# [UNK] piece, so a token budget alone lets a 20 MB "word" through as one chunk.
MAX_CHARS = 2000

# A boundary: terminal punctuation (and closing quotes/brackets), whitespace, then something
# that can open a sentence.
_BOUNDARY = re.compile(r"([.!?…]+)([\"'”’)\]]*)(\s+)(?=[\"“‘'(\[]?[A-Z0-9À-ÖØ-Þ])")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
_NUMBER_START = re.compile(r"\s*(?:\d{1,3}|[a-zA-Z]|[ivxlc]+)$")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the sentences of text[start:end], split into clauses at "; " when
    a sentence is longer than LONG_SENTENCE characters. Spans carry no surrounding whitespace."""
    spans: list[tuple[int, int, str]] = []
    para = text[start:end]
    cut = 0
    for m in _BOUNDARY.finditer(para):
        stop = m.end(2)
        if m.group(1) == "." and not _is_boundary(para, m.start(1), cut):
            continue
        _add(spans, text, start + cut, start + stop)
        cut = m.end(3)
    _add(spans, text, start + cut, end)
    out: list[tuple[int, int, str]] = []
    for s, e, kind in spans:
        if e - s > LONG_SENTENCE and "; " in text[s:e]:
            out.extend(split_at(text, s, e, "; ", "clause"))
        else:
            out.append((s, e, kind))
    return out


def _is_boundary(para: str, dot: int, sentence_start: int) -> bool:
    """Whether the period at `dot` ends a sentence (not an abbreviation, initial or point number)."""
    m = _WORD_BEFORE.search(para, max(0, dot - 20), dot)
    if not m:
        return True
    word = m.group(1)
    low = word.lower().lstrip(".")
    if low in ABBREVIATIONS or "." in low:  # "Dr.", "e.g.", "U.S."
        return False
    if len(word) == 1 and word.isalpha() and word.isupper():  # an initial: "J. Smith"
        return False
    # "1. The Annual ..." or "a. The ...": a point number opening the paragraph.
    return not _NUMBER_START.fullmatch(para[sentence_start:dot])


def _add(spans: list[tuple[int, int, str]], text: str, s: int, e: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        spans.append((s, e, "sentence"))


def split_at(text: str, s: int, e: int, sep: str, kind: str) -> list[tuple[int, int, str]]:
    """Split text[s:e] at `sep` (the separator belongs to neither side)."""
    out: list[tuple[int, int, str]] = []
    pos = s
    while True:
        k = text.find(sep, pos, e)
        if k < 0:
            break
        if k > pos:
            out.append((pos, k, kind))
        pos = k + len(sep)
    if pos < e:
        out.append((pos, e, kind))
    return out


def fit_units(
    text: str,
    units: list[tuple[int, int, str]],
    cost: Callable[[str], int],
    budget: int,
) -> list[tuple[int, int, str]]:
    """Units over `budget` split at "; ", then ", ", then spaces, packing adjacent pieces back
    together while they fit; what has no separator left is cut every few characters. Every
    returned unit costs at most `budget` and is at most MAX_CHARS long."""
    out: list[tuple[int, int, str]] = []
    for s, e, kind in units:
        if e - s <= MAX_CHARS and cost(text[s:e]) <= budget:
            out.append((s, e, kind))
        else:
            out.extend(_split_long(text, s, e, cost, budget, kind))
    return out


def fits(text: str, cost: Callable[[str], int], budget: int) -> bool:
    """Within the token budget and the character cap."""
    return len(text) <= MAX_CHARS and cost(text) <= budget


def _split_long(text, s, e, cost, budget, kind, seps=(" | ", "; ", ", ", " ")):
    for i, sep in enumerate(seps):
        if sep not in text[s:e]:
            continue
        pieces = split_at(text, s, e, sep, "clause")
        packed: list[tuple[int, int, str]] = []
        for ps, pe, _ in pieces:
            if packed and pe - packed[-1][0] <= MAX_CHARS and cost(text[packed[-1][0] : pe]) <= budget:
                packed[-1] = (packed[-1][0], pe, "clause")
            else:
                packed.append((ps, pe, "clause"))
        out: list[tuple[int, int, str]] = []
        for ps, pe, k in packed:
            if not fits(text[ps:pe], cost, budget):
                out.extend(_split_long(text, ps, pe, cost, budget, k, seps[i + 1 :]))
            else:
                out.append((ps, pe, k))
        return out
    return _hard_split(text, s, e, cost, budget, kind)


def _hard_split(text, s, e, cost, budget, kind) -> list[tuple[int, int, str]]:
    """Cut text without separators (one huge "word") into pieces that fit, left to right."""
    out: list[tuple[int, int, str]] = []
    step = min(MAX_CHARS, max(1, budget * 4))
    pos = s
    while pos < e:
        end = min(e, pos + step)
        while end - pos > 1 and cost(text[pos:end]) > budget:
            end = pos + (end - pos) // 2
        out.append((pos, end, "clause" if kind == "sentence" else kind))
        pos = end
    return out
