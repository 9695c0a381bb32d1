"""What ingest produces: a parsed document and its chunks. Pure data, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field


class LoadError(Exception):
    """A document that cannot be read. `str()` names the file and the problem."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class EmptyDocument(LoadError):
    """A readable document with no text in it (e.g. a scanned PDF without a text layer)."""


@dataclass(frozen=True)
class DocMeta:
    """Document metadata as the text states it ('' / 0 when it does not)."""

    title: str = ""
    process: str = ""          # e.g. "Budapest Process", "Prague Process"
    meeting_type: str = ""     # e.g. "Senior Officials Meeting", "Ministerial Conference", "Newsletter"
    date: str = ""             # ISO: YYYY-MM-DD, or YYYY-MM / YYYY when that is all it says
    year: int = 0
    location: str = ""         # e.g. "Istanbul, Türkiye"


@dataclass(frozen=True)
class Unit:
    """An answerable unit: a sentence, a list item (kind 'item') or a table row ('row').
    start/end are character offsets in the document's cleaned text."""

    start: int
    end: int
    kind: str = "sentence"


@dataclass(frozen=True)
class Block:
    """A structural piece of the cleaned text: 'heading', 'paragraph', 'item' or 'row'.
    The span excludes list bullets; `level` is the heading level (1-6; 0 otherwise)."""

    start: int
    end: int
    kind: str = "paragraph"
    level: int = 0


@dataclass(frozen=True)
class ParsedDocument:
    """A loaded document. `text` is the cleaned text every span refers to.
    `pages` holds (start, end, page_number) for paged formats (PDF), else ()."""

    source: str
    text: str
    meta: DocMeta
    format: str
    pages: tuple[tuple[int, int, int], ...] = ()
    warnings: tuple[str, ...] = ()
    # Added for chunking (structure the cleaned text alone cannot tell: headings, items, rows).
    blocks: tuple[Block, ...] = ()
    # (start, end, label) named entities of the whole text, sorted; None when not read.
    entities: tuple[tuple[int, int, str], ...] | None = None

    def page_at(self, offset: int) -> int | None:
        for start, end, number in self.pages:
            if start <= offset < end:
                return number
        return None


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: `text == document.text[start:end]`; it never splits a unit."""

    index: int
    start: int
    end: int
    text: str
    section: str = ""
    page: int | None = None
    units: tuple[Unit, ...] = field(default_factory=tuple)
