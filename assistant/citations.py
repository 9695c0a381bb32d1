"""The one citation format, parsed in one place.

Passages are numbered from [1]. An answer cites them with markers: `[1]`, `[1, 3]`, `[1][3]`
or a range `[1-3]`; every form is normalised to adjacent single markers, `[1][3]`.

    >>> p = parse_citations("Istanbul hosted it [2, 7]. Ankara chaired [3][2].", n_passages=3)
    >>> p.text
    'Istanbul hosted it [2]. Ankara chaired [3][2].'
    >>> p.cited, p.renumbered
    ((2, 3), 'Istanbul hosted it [1]. Ankara chaired [2][1].')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .index import ChunkRow
from .types import Citation

# One marker: [n], [n, m], [n-m]; numbers of at most 3 digits so "[2022]" is never a citation.
_NUM = r"\d{1,3}"
_ITEM = rf"{_NUM}(?:[ \t]*[-–][ \t]*{_NUM})?"
_MARKER = rf"\[[ \t]*{_ITEM}(?:[ \t]*[,;][ \t]*{_ITEM})*[ \t]*\]"
# A group: adjacent markers with optional spaces or commas between them, and the spaces before.
MARKER_GROUP = re.compile(rf"[ \t]*{_MARKER}(?:[ \t]*,?[ \t]*{_MARKER})*")
_ONE_MARKER = re.compile(_MARKER)
_RANGE = re.compile(rf"({_NUM})[ \t]*[-–][ \t]*({_NUM})")
_MAX_RANGE = 20  # a wider "range" is a typo or not a citation at all

# Sentence ends: terminator, closing quotes/brackets, then markers that trail the full stop.
_END = re.compile(rf"[.!?…]+[\"'”’)]*(?:{MARKER_GROUP.pattern})?(?=\s|$)")
_ABBREVIATIONS = frozenset(
    "e.g i.e mr mrs ms dr prof no nos st vs etc cf art approx incl fig p pp vol ed eds "
    "jan feb mar apr jun jul aug sep sept oct nov dec govt dept amb h.e".split()
)


@dataclass(frozen=True)
class ParsedCitations:
    """What `parse_citations` found.

    `text`: the text with out-of-range markers removed and markers normalised (original numbers).
    `cited`: the valid passage numbers in order of first use, without repeats.
    `renumbered`: `text` with passage `cited[i]` shown as `[i + 1]`.
    `mapping`: original number -> new number.
    `out_of_range`: markers removed because no such passage exists, in order, without repeats.
    """

    text: str
    cited: tuple[int, ...]
    renumbered: str
    mapping: dict[int, int] = field(default_factory=dict)
    out_of_range: tuple[int, ...] = ()


def marker_numbers(group: str) -> list[int]:
    """The passage numbers in one marker group, in order, ranges expanded, repeats kept.

    >>> marker_numbers("[1, 3-4][2]")
    [1, 3, 4, 2]
    """
    out: list[int] = []
    for marker in _ONE_MARKER.findall(group):
        for item in re.split(r"[,;]", marker.strip("[] \t")):
            m = _RANGE.search(item)
            if m:
                lo, hi = int(m.group(1)), int(m.group(2))
                if lo <= hi and hi - lo <= _MAX_RANGE:
                    out.extend(range(lo, hi + 1))
                else:
                    out.extend((lo, hi))  # left for the range check to judge
            else:
                out.append(int(item))
    return out


def rewrite_markers(text: str, fn: Callable[[list[int]], Iterable[int]]) -> str:
    """Replace every marker group by `fn(its numbers)`, written as `[a][b]`.

    An empty result removes the group together with the spaces before it (so "word [7]."
    becomes "word."); a group at the start of a line also takes the spaces after it.

    >>> rewrite_markers("A [1, 2]. B [3].", lambda ns: [n for n in ns if n != 3])
    'A [1][2]. B.'
    """
    out: list[str] = []
    pos = 0
    for m in MARKER_GROUP.finditer(text):
        start, end = m.span()
        out.append(text[pos:start])
        numbers = list(dict.fromkeys(fn(marker_numbers(m.group()))))
        if numbers:
            # Keep one space before the markers unless they open the text or a line.
            lead = " " if start > 0 and text[start - 1] not in "\n(" else ""
            out.append(lead + "".join(f"[{n}]" for n in numbers))
        elif start == 0 or text[start - 1] == "\n":
            while end < len(text) and text[end] in " \t":
                end += 1
        pos = end
    out.append(text[pos:])
    return "".join(out)


def strip_markers(text: str) -> str:
    """The text without any citation markers."""
    return rewrite_markers(text, lambda _: ())


def parse_citations(text: str, n_passages: int) -> ParsedCitations:
    """Normalise markers, drop those outside 1..n_passages, renumber by first use.

    Args:
        text: an answer with `[n]` markers.
        n_passages: how many passages the answer could cite (numbered 1..n_passages).

    >>> parse_citations("Yes [1, 3]. No [9].", 3).renumbered
    'Yes [1][2]. No.'
    """
    cited: dict[int, None] = {}
    out_of_range: dict[int, None] = {}

    def keep(numbers: list[int]) -> list[int]:
        valid = []
        for n in numbers:
            if 1 <= n <= n_passages:
                valid.append(n)
                cited.setdefault(n, None)
            else:
                out_of_range.setdefault(n, None)
        return valid

    clean = rewrite_markers(text, keep)
    mapping = {n: i for i, n in enumerate(cited, start=1)}
    renumbered = rewrite_markers(clean, lambda ns: [mapping[n] for n in ns])
    return ParsedCitations(clean, tuple(cited), renumbered, mapping, tuple(out_of_range))


def split_sentences_with_markers(text: str) -> list[tuple[str, list[int]]]:
    """Split an answer into sentences, each with the passage numbers it cites.

    Lines (list items, paragraphs) always end a sentence. Markers written after a full stop
    ("It met in Istanbul. [2] Then ...") belong to the sentence before them. Each sentence keeps
    its trailing whitespace, so joining the sentences gives back `text` exactly. Numbers are
    in order of use, without repeats, and not range-checked.

    >>> split_sentences_with_markers("It met in Istanbul [2]. Turkey chaired. [1, 3]\\n- Item")
    [('It met in Istanbul [2]. ', [2]), ('Turkey chaired. [1, 3]\\n', [1, 3]), ('- Item', [])]
    """
    pieces: list[str] = []
    for line in text.splitlines(keepends=True):
        start = 0
        for m in _END.finditer(line):
            if _is_abbreviation(line, m.start()) or _next_is_lowercase(line, m.end()):
                continue
            end = m.end()
            while end < len(line) and line[end].isspace():
                end += 1
            pieces.append(line[start:end])
            start = end
        if start < len(line):
            pieces.append(line[start:])
    out = []
    for piece in pieces:
        numbers: list[int] = []
        for g in MARKER_GROUP.finditer(piece):
            numbers.extend(marker_numbers(g.group()))
        out.append((piece, list(dict.fromkeys(numbers))))
    return out


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    word = re.search(r"([\w.]+)$", line[:dot])
    if not word:
        return False
    w = word.group(1).lower()
    # Initials ("J. Smith") and known abbreviations ("e.g.", "Dr.") do not end a sentence.
    return (len(w) == 1 and w.isalpha()) or w in _ABBREVIATIONS


def _next_is_lowercase(line: str, end: int) -> bool:
    rest = line[end:].lstrip()
    return bool(rest) and rest[0].islower()


def citation(n: int, row: ChunkRow, start: int, end: int, score: float,
             answer: tuple[int, int] | None = None) -> Citation:
    """Citation `n` of a passage, quoting its text at document offsets [start, end)
    (start == end: a pointer to the passage, no quote); `answer` marks the phrase inside the
    quote that answers (document offsets)."""
    m = row.meta
    page = int(m.get("page", -1))
    return Citation(
        index=n, source=row.source, title=m.get("title", "") or row.source,
        page=page if page > 0 else None, passage=row.text,
        quote=row.text[start - row.start : end - row.start], start=start, end=end,
        score=round(float(score), 4), passage_start=row.start,
        passage_end=row.start + len(row.text), process=m.get("process", ""),
        date=m.get("date", ""), location=m.get("location", ""), section=m.get("section", ""),
        chunk_id=row.id, answer_start=answer[0] if answer else 0,
        answer_end=answer[1] if answer else 0,
    )


def pointer(n: int, row: ChunkRow, score: float) -> Citation:
    """Citation `n` pointing at a passage without quoting it (a refusal's closest passages)."""
    return citation(n, row, row.start, row.start, score)
