"""Chunks that follow the document's structure, and the text each chunk is embedded as.

A chunk is a run of whole blocks (paragraphs, numbered points, list items, table rows) of one
section, up to `max_tokens`; a block too big for the budget is cut between its units only.

    >>> chunks = chunk_document(doc, count_tokens=get_embedder().count_tokens)
    >>> all(c.text == doc.text[c.start:c.end] for c in chunks)
    True
    >>> embedding_text(doc, chunks[0])   # "Title | Process | 2022-12-01 | Place\\nSection\\n..."
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .model import Block, Chunk, ParsedDocument, Unit
from .units import MAX_CHARS as MAX_CHUNK_CHARS
from .units import fit_units, fits, sentence_spans

HEADER_CHARS = 150  # keeps the embedding header near 40-60 word pieces
TITLE_CHARS = 90
SECTION_CHARS = 70


def estimate_tokens(text: str) -> int:
    """A cheap stand-in for the tokenizer: about four characters per word piece."""
    return (len(text) + 3) // 4


@dataclass
class _Piece:
    block: Block
    units: list[tuple[int, int, str]]
    cost: int  # tokens without the tokenizer's fixed overhead


def chunk_document(
    doc: ParsedDocument,
    *,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = 200,
) -> list[Chunk]:
    """Split `doc` into chunks of whole units within one section, each at most `max_tokens`.

    `count_tokens` defaults to a chars/4 estimate; pass the embedder's `count_tokens` to budget
    in real word pieces. Invariant: `chunk.text == doc.text[chunk.start:chunk.end]`.
    """
    if count_tokens is None:
        cost, overhead = estimate_tokens, 0
    else:
        cost, overhead = word_cost(count_tokens), count_tokens("")  # [CLS]/[SEP] once per chunk
    budget = max(8, max_tokens - overhead)

    text = doc.text
    blocks = doc.blocks or infer_blocks(text)
    chunks: list[Chunk] = []
    current: list[_Piece] = []
    section = ""

    def emit(pieces: list[_Piece], units: list[tuple[int, int, str]] | None = None) -> None:
        units = units if units is not None else [u for p in pieces for u in p.units]
        if not units:
            return
        start, end = units[0][0], units[-1][1]
        chunks.append(
            Chunk(
                index=len(chunks),
                start=start,
                end=end,
                text=text[start:end],
                section=section,
                page=doc.page_at(start),
                units=tuple(Unit(s, e, k) for s, e, k in units),
            )
        )

    def flush() -> None:
        emit(current)
        current.clear()

    total = 0  # cost of `current`, separators included
    prev_end = 0
    for i, block in enumerate(blocks):
        gap = text[prev_end : block.start]
        prev_end = block.end
        if block.kind == "heading":
            flush()
            total = 0
            section = text[block.start : block.end]
            continue
        block_cost = cost(text[block.start : block.end])
        units = block_units(text, block)
        if block_cost > budget or block.end - block.start > MAX_CHUNK_CHARS:
            # Too big even alone: cut between its units, each unit within the budget.
            flush()
            total = 0
            units = fit_units(text, units, cost, budget)
            run: list[tuple[int, int, str]] = []
            for u in units:
                if run and not fits(text[run[0][0] : u[1]], cost, budget):
                    emit([], run)
                    run = []
                run.append(u)
            emit([], run)
            continue
        # A bullet between items costs a word piece too; plain whitespace costs nothing.
        gap_cost = cost(gap) if current and gap.strip() else 0
        piece = _Piece(block, units, block_cost)
        if current and doc.pages and doc.page_at(block.start) != doc.page_at(current[0].block.start):
            # A chunk never spans a page break: its page is the page of every quote in it.
            flush()
            current.append(piece)
            total = block_cost
            continue
        if total + gap_cost + block_cost <= budget and (
            not current or block.end - current[0].block.start <= MAX_CHUNK_CHARS
        ):
            current.append(piece)
            total += gap_cost + block_cost
            continue
        carried: list[_Piece] = []
        prev = blocks[i - 1] if i else None
        if (
            block.kind == "item"
            and prev is not None
            and prev.kind != "item"
            and len(current) > 1
            and current[-1].block is prev
            and current[-1].cost + gap_cost + block_cost <= budget
            and block.end - prev.start <= MAX_CHUNK_CHARS
        ):
            # Keep a list's introducing line with its first item.
            carried = [current.pop()]
        flush()
        current.extend(carried)
        current.append(piece)
        total = sum(p.cost for p in current) + (gap_cost if carried else 0)
    flush()
    return chunks


_WORD_COSTS: dict[tuple[int, object], dict[str, int]] = {}


def word_cost(count_tokens: Callable[[str], int]) -> Callable[[str], int]:
    """Word pieces of a text without the tokenizer's fixed overhead, summed word by word.

    WordPiece (BERT, MiniLM) tokenizes each whitespace-separated word on its own, so the sum over
    words is exact; each distinct word is tokenized once per process, which makes budgeting
    1,000 documents take a fraction of a second instead of thousands of tokenizer calls.
    """
    key = (id(getattr(count_tokens, "__self__", None)), getattr(count_tokens, "__func__", count_tokens))
    cache = _WORD_COSTS.setdefault(key, {})
    if len(cache) > 500_000:  # a long-running process over a huge vocabulary: start afresh
        cache.clear()
    overhead = count_tokens("")

    def cost(text: str) -> int:
        total = 0
        for word in text.split():
            n = cache.get(word)
            if n is None:
                n = cache[word] = count_tokens(word) - overhead
            total += n
        return total

    return cost


def block_units(text: str, block: Block) -> list[tuple[int, int, str]]:
    """The units of one block: a paragraph's sentences/clauses, or the whole item or row."""
    if block.kind == "paragraph":
        return sentence_spans(text, block.start, block.end)
    return [(block.start, block.end, block.kind)]


_ITEM_LINE = re.compile(r"^[ \t]*(?:[-*•▪◦–]|\d{1,3}[.)])[ \t]+")


def infer_blocks(text: str) -> tuple[Block, ...]:
    """Blocks for a document built without them: blank-line paragraphs, bulleted lines as items."""
    out: list[Block] = []
    for m in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        lines = [(m.start() + k.start(), m.start() + k.end()) for k in re.finditer(r"[^\n]+", m.group())]
        if all(_ITEM_LINE.match(text[s:e]) for s, e in lines) and any(
            not text[s:e].lstrip()[0].isdigit() for s, e in lines
        ):
            for s, e in lines:
                b = s + _ITEM_LINE.match(text[s:e]).end()
                if e > b:
                    out.append(Block(b, e, "item"))
            continue
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Block(s, e, "paragraph"))
    return tuple(out)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", s.lower()).strip()


def embedding_header(doc: ParsedDocument, chunk: Chunk) -> str:
    """The short context line(s) put before a chunk: title, process, type, date, place; section."""
    meta = doc.meta
    title = _short(meta.title, TITLE_CHARS) if meta.title else ""
    parts = [title] if title else []
    seen = _norm(title)
    for value in (meta.process, meta.meeting_type, meta.date, meta.location):
        if value and _norm(value) not in seen:
            parts.append(value)
            seen += " " + _norm(value)
    header = _short(" | ".join(parts), HEADER_CHARS)
    if chunk.section and _norm(chunk.section) not in _norm(header):
        header += "\n" + _short(chunk.section, SECTION_CHARS)
    return header


def embedding_text(
    doc: ParsedDocument,
    chunk: Chunk,
    *,
    count_tokens: Callable[[str], int] | None = None,
    limit: int = 256,
) -> str:
    """What gets embedded: a short header (title, process, meeting type, date, location, then the
    section heading) and the chunk text. With `count_tokens`, the header is dropped line by line
    if header + chunk would exceed `limit` word pieces.

        >>> embedding_text(doc, chunk)
        'Budapest Process — 32nd Senior Officials Meeting | 2022-12-01 | Istanbul, Türkiye\\nReport\\n1. The Annual ...'
    """
    header = embedding_header(doc, chunk)
    out = f"{header}\n{chunk.text}" if header else chunk.text
    if count_tokens is not None:
        while header and count_tokens(out) >= limit:
            header = header.rsplit("\n", 1)[0] if "\n" in header else ""
            out = f"{header}\n{chunk.text}" if header else chunk.text
    return out
