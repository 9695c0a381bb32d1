"""Files to `ParsedDocument`s: .txt/.md (Markdown with inline HTML), .html/.htm, .pdf, .docx.

    >>> doc = load(Path("corpus/001_06afa2b095fced14.txt"), "001_06afa2b095fced14.txt")
    >>> doc.meta.process, doc.meta.date
    ('Budapest Process', '2022-12-01')
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

from .clean import Draft, assemble, parse_markdown
from .entities import read_entities
from .metadata import extract_meta, head_of
from .model import EmptyDocument, LoadError, ParsedDocument
from .safety import TextBudget, binary_problem, mib, too_much_text
from .walk import SUPPORTED

log = logging.getLogger(__name__)

__all__ = ["SUPPORTED", "EmptyDocument", "LoadError", "load", "decode"]


MAX_CHARS = 2_000_000  # the default of Settings.max_doc_chars
MAX_BLOCKS = 100_000  # paragraphs, items and rows per document


def load(path: Path, source: str, *, max_bytes: int = 20 * 2**20,
         max_chars: int = MAX_CHARS, entities: bool = False) -> ParsedDocument:
    """Read, clean and describe one file.

    Raises `LoadError(source, problem)` for unreadable, corrupt, encrypted, unsupported,
    binary (a `.txt` that is not text), too-large (bytes, or more than `max_chars` characters of
    text), or bomb-like (a .docx or PDF inflating far beyond its size) input and `EmptyDocument`
    (a `LoadError`) when the file holds no text. `entities=True` reads the named entities of
    the whole text (`ParsedDocument.entities`) in the same spaCy pass as the metadata's.

        >>> load(Path("report.pdf"), "report.pdf").pages[0]   # (start, end, page number)
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(source, f"unsupported file type {suffix or '(none)'!r}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(source, f"cannot read file ({exc.strerror or exc})") from None
    if size > max_bytes:
        raise LoadError(source, f"file is {mib(size)}, over the {mib(max_bytes)} limit")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(source, f"cannot read file ({exc.strerror or exc})") from None
    if not data.strip():
        raise EmptyDocument(source, "the file is empty")
    warnings: list[str] = []
    budget = TextBudget(source, max_chars, MAX_BLOCKS)
    if suffix in (".txt", ".md", ".html", ".htm"):
        problem = binary_problem(data)
        if problem:
            raise LoadError(source, problem)
    if suffix in (".txt", ".md"):
        text = decode(data, warnings)
        if len(text) > 2 * max_chars:  # cleaning never halves a text file: fail before parsing
            raise too_much_text(source, len(text), max_chars)
        drafts = parse_markdown(text)
        fmt = suffix[1:]
    elif suffix in (".html", ".htm"):
        from .formats import html_drafts

        drafts = html_drafts(decode(data, warnings, html=True))
        fmt = "html"
    elif suffix == ".pdf":
        from .formats import pdf_drafts

        drafts = pdf_drafts(data, source, warnings, budget)
        fmt = "pdf"
    else:
        from .formats import docx_drafts

        drafts = docx_drafts(data, source, budget)
        fmt = "docx"
    return build_document(drafts, source, fmt, warnings, max_chars=max_chars, entities=entities)


def build_document(
    drafts: list[Draft], source: str, fmt: str, warnings: list[str] | None = None,
    *, max_chars: int = MAX_CHARS, entities: bool = False,
) -> ParsedDocument:
    """Assemble drafts into a `ParsedDocument` with metadata; EmptyDocument when no text,
    LoadError when the text is longer than `max_chars` or has more than MAX_BLOCKS blocks."""
    if len(drafts) > MAX_BLOCKS:
        raise LoadError(source, f"{len(drafts):,} paragraphs, rows and items, over the limit of "
                                f"{MAX_BLOCKS:,} per document")
    text, blocks, pages = assemble(drafts)
    if len(text) > max_chars:
        raise too_much_text(source, len(text), max_chars)
    if not text.strip():
        raise EmptyDocument(source, "no text found in the document")
    headings = [text[b.start : b.end] for b in blocks if b.kind == "heading"]
    for w in warnings or ():
        log.warning("%s: %s", source, w)
    reading = read_entities(text, len(head_of(text)), whole=entities)
    return ParsedDocument(
        source=source,
        text=text,
        meta=extract_meta(text, headings, source, reading),
        entities=reading.entities if entities else None,
        format=fmt,
        pages=pages,
        warnings=tuple(warnings or ()),
        blocks=blocks,
    )


def decode(data: bytes, warnings: list[str], *, html: bool = False) -> str:
    """Bytes -> NFC text with \\n line endings: UTF-8 (BOM or not), then UTF-16 with a BOM,
    then cp1252 / latin-1 with a warning. Never raises."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            declared = _declared_charset(data) if html else None
            text = None
            for enc in [e for e in (declared, "cp1252") if e]:
                try:
                    text = data.decode(enc)
                    warnings.append(f"not valid UTF-8; decoded as {enc}")
                    break
                except (UnicodeDecodeError, LookupError):
                    continue
            if text is None:
                text = data.decode("latin-1")
                warnings.append("not valid UTF-8; decoded as latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", text)


def _declared_charset(data: bytes) -> str | None:
    import re

    m = re.search(rb"charset=[\"']?([A-Za-z0-9_-]+)", data[:2048])
    return m.group(1).decode("ascii").lower() if m else None
