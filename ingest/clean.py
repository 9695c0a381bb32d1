"""Markup to clean readable text: inline Markdown/HTML cleanup and the text/Markdown block parser.

Every loader turns its format into a list of `Draft`s (heading, paragraph, item, row); `assemble`
joins them into the cleaned text and records each block's span.

    >>> text, blocks = assemble(parse_markdown("# Title\\n\\nOne. Two.\\n- a\\n- b"))
    >>> text
    'Title\\n\\nOne. Two.\\n\\n- a\\n- b'
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

from .model import Block


@dataclass
class Draft:
    """A block before assembly. `kind`: 'heading', 'paragraph', 'item' or 'row'."""

    kind: str
    text: str
    level: int = 0
    page: int = 0  # 1-based page for paged formats, else 0


BULLET = "- "

# ---------------------------------------------------------------- inline cleanup

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_BR = re.compile(r"<br\s*/?>", re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^>\s]+)>")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC_UND = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")
_STRIKE = re.compile(r"~~(.+?)~~")


def _bare(url: str) -> str:
    url = re.sub(r"^(?:https?://|mailto:)", "", url.strip(), flags=re.I)
    return url.rstrip("/")


def _link(m: re.Match) -> str:
    label, url = m.group(1).strip(), m.group(2).strip()
    if not url or url.startswith("#") or _bare(url).lower() == _bare(label).lower():
        return label
    return f"{label} ({_bare(url) if url.lower().startswith('mailto:') else url})"


def clean_inline(text: str) -> str:
    """One line of Markdown with inline HTML -> plain text (links keep text and differing URL).

    >>> clean_inline("the **2<sup>nd</sup>** [site](http://x.org) &amp; more")
    'the 2nd site (http://x.org) & more'
    """
    if "<" in text:
        text = _COMMENT.sub("", text)
        text = _BR.sub(" ", text)
        text = _AUTOLINK.sub(lambda m: _bare(m.group(1)) if "mailto" in m.group(1) else m.group(1), text)
        text = _TAG.sub("", text)
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(_link, text)
    if "*" in text or "_" in text:
        text = _BOLD.sub(r"\2", text)
        text = _ITALIC_STAR.sub(r"\1", text)
        text = _ITALIC_UND.sub(r"\1", text)
    if "`" in text:
        text = _CODE.sub(r"\1", text)
    if "~~" in text:
        text = _STRIKE.sub(r"\1", text)
    if "&" in text:
        text = html.unescape(text)
    return normalize_space(text)


def normalize_space(text: str) -> str:
    """NFC, no zero-width characters, single spaces, stripped."""
    text = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------- assembly


def assemble(drafts: list[Draft]) -> tuple[str, tuple[Block, ...], tuple[tuple[int, int, int], ...]]:
    """Join drafts into the cleaned text: blank line between blocks, one newline inside a list or
    table; items get a "- " bullet outside their span. Returns (text, blocks, pages)."""
    parts: list[str] = []
    blocks: list[Block] = []
    pages: list[list[int]] = []  # [start, end, number]
    pos = 0
    prev: Draft | None = None
    for d in drafts:
        body = d.text.strip()
        if not body:
            continue
        if prev is not None:
            sep = "\n" if d.kind == prev.kind and d.kind in ("item", "row") else "\n\n"
            parts.append(sep)
            pos += len(sep)
        if d.kind == "item":
            parts.append(BULLET)
            pos += len(BULLET)
        start = pos
        parts.append(body)
        pos += len(body)
        blocks.append(Block(start, pos, d.kind, d.level))
        if d.page:
            block_start = start - (len(BULLET) if d.kind == "item" else 0)
            if pages and pages[-1][2] == d.page:
                pages[-1][1] = pos
            else:
                if pages:
                    pages[-1][1] = block_start
                pages.append([block_start, pos, d.page])
        prev = d
    if pages:
        pages[0][0] = 0
        pages[-1][1] = pos
    return "".join(parts), tuple(blocks), tuple((s, e, n) for s, e, n in pages)


# ---------------------------------------------------------------- Markdown / plain text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_BULLET_LINE = re.compile(r"^\s*(?:[-*+•▪◦●‣–]|\u2022)\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+\S")
_QUOTE = re.compile(r"^\s*>\s?")
_RULE = re.compile(r"^\s*(?:[-*_]\s*){3,}$")
_PIPE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LI = re.compile(r"<li\b[^>]*>(.*?)</li>", re.I | re.S)
_EMPHASIS_CELL = re.compile(
    r"^\s*(?:<(b|i|em|strong|th)\b[^>]*>.*</\1>|\*\*.*\*\*|__.*__|\*[^*].*\*)\s*$", re.I | re.S
)
_TERMINAL = ".!?;:,"
_LABEL = re.compile(r"^(?:\*\*|__)?[A-Z][\w /-]{0,24}:(?:\*\*|__)?\s")


def parse_markdown(raw: str) -> list[Draft]:
    """Blocks of a .txt/.md file: headings (# or a lone short line), paragraphs (soft-wrapped
    lines joined, numbered points kept apart), list items, tab/pipe tables as rows."""
    lines = raw.split("\n")
    drafts: list[Draft] = []
    para: list[str] = []  # raw lines of the current paragraph group
    group_lines: list[int] = []  # indexes into drafts of paragraphs from the current blank-line group
    i = 0

    def flush() -> None:
        if para:
            text = clean_inline(" ".join(para))
            if text:
                drafts.append(Draft("paragraph", text))
                group_lines.append(len(drafts) - 1)
            para.clear()

    def end_group() -> None:
        flush()
        # A lone short line between blank lines, without end punctuation, reads as a heading.
        if len(group_lines) == 1 and _looks_like_heading(drafts[group_lines[0]].text):
            drafts[group_lines[0]].kind = "heading"
            drafts[group_lines[0]].level = 0
        group_lines.clear()

    while i < len(lines):
        line = lines[i].rstrip("\r")
        stripped = line.strip()
        if not stripped or _RULE.match(line) and not para:
            end_group()
            i += 1
            continue
        m = _HEADING.match(stripped)
        if m:
            end_group()
            drafts.append(Draft("heading", clean_inline(m.group(2)), len(m.group(1))))
            i += 1
            continue
        if "\t" in line or (stripped.startswith("|") and stripped.count("|") >= 2):
            end_group()
            j = i
            table: list[str] = []
            while j < len(lines) and lines[j].strip() and (
                "\t" in lines[j] or lines[j].strip().startswith("|")
            ):
                table.append(lines[j].rstrip("\r"))
                j += 1
            rows = parse_text_table(table)
            if rows and rows[0].kind == "paragraph" and drafts and drafts[-1].kind == "heading" and (
                rows[0].text == drafts[-1].text
            ):
                rows = rows[1:]  # a caption row repeating the heading right above it
            drafts.extend(rows)
            i = j
            continue
        if _LI.search(line):
            end_group()
            drafts.extend(Draft("item", clean_inline(_strip_bullet(x))) for x in _LI.findall(line))
            i += 1
            continue
        bullet = _BULLET_LINE.match(line)
        if bullet and not _RULE.match(line):
            flush()
            group_lines.clear()
            drafts.append(Draft("item", clean_inline(bullet.group(1))))
            i += 1
            continue
        if _QUOTE.match(line):
            line = _QUOTE.sub("", line)
            stripped = line.strip()
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if para == [] and _SETEXT.match(nxt) and not _BULLET_LINE.match(stripped):
            end_group()
            drafts.append(Draft("heading", clean_inline(stripped), 1 if nxt[0] == "=" else 2))
            i += 2
            continue
        # Numbered points, "Label: value" lines and hard breaks (two trailing spaces, <br>)
        # start a new paragraph.
        if (
            _NUMBERED.match(stripped)
            or _LABEL.match(stripped)
            or (para and (para[-1].endswith("  ") or _BR.search(para[-1])))
        ):
            flush()
        para.append(line if line.endswith("  ") else stripped)
        i += 1
    end_group()
    return _merge_broken(drafts)


def _strip_bullet(text: str) -> str:
    m = _BULLET_LINE.match(clean_inline(text))
    return m.group(1) if m else text


def _looks_like_heading(text: str) -> bool:
    return (
        len(text) <= 80
        and len(text.split()) <= 10
        and text[-1] not in _TERMINAL
        and ": " not in text
        and (text[0].isupper() or text[0].isdigit())
        and not _NUMBERED.match(text)
    )


def _merge_broken(drafts: list[Draft]) -> list[Draft]:
    """Rejoin a paragraph cut by a page break: one ending without punctuation, the next one
    starting in lower case ("experts used the" / "opportunity to share ...")."""
    out: list[Draft] = []
    for d in drafts:
        if (
            out
            and d.kind == "paragraph"
            and (out[-1].kind == "paragraph" or out[-1].kind == "heading" and not out[-1].level)
            and d.text[:1].islower()
            and out[-1].text[-1:].isalpha()
        ):
            # (a lone line guessed to be a heading was only the first half of such a cut)
            out[-1].text = f"{out[-1].text} {d.text}"
            out[-1].kind = "paragraph"
            continue
        out.append(d)
    return out


def parse_text_table(lines: list[str]) -> list[Draft]:
    """Tab-separated (or pipe) table lines -> one row draft per row; a first row of emphasised
    cells is a header whose column names prefix each cell; cells that hold lists turn the table
    into one row per column ("Final and endorsed: Azerbaijan, Czech Republic, ...")."""
    rows: list[list[str]] = []
    header = False
    for line in lines:
        if _PIPE_SEP.match(line) and "|" in line:
            header = header or len(rows) == 1  # Markdown: the row above the --- line is a header
            continue
        if "\t" in line:
            cells = line.split("\t")
        else:
            cells = line.strip().strip("|").split("|")
        rows.append(cells)
    return table_drafts(rows, header=header or _is_header(rows))


def _is_header(rows: list[list[str]]) -> bool:
    if len(rows) < 2:
        return False
    first = [c for c in rows[0] if c.strip()]
    return len(first) >= 2 and len(first) == len(rows[0]) and all(
        _EMPHASIS_CELL.match(c) for c in first
    )


def _cell_items(cell: str | list[str]) -> list[str]:
    """The list items of a cell holding a list (given as one, or as HTML <li>s), else []."""
    if isinstance(cell, list):
        return [t for t in (clean_inline(x) for x in cell) if t]
    found = _LI.findall(cell)
    if found:
        return [t for t in (clean_inline(_strip_bullet(x)) for x in found) if t]
    return []


def _cell_text(cell: str | list[str]) -> str:
    return ", ".join(_cell_items(cell)) if isinstance(cell, list) else clean_inline(cell)


def table_drafts(rows: list[list[str | list[str]]], *, header: bool) -> list[Draft]:
    """Rows of cells -> row drafts; see `parse_text_table`. A cell is raw text (inline markup
    allowed) or a list of item texts."""
    drafts: list[Draft] = []
    if not rows:
        return drafts
    heads = [_cell_text(c) for c in rows[0]] if header else []
    body = rows[1:] if header else rows
    for cells in body:
        items = [_cell_items(c) for c in cells]
        if any(items):
            # A row of lists reads column by column: heading, then the list, kept together.
            for k, cell in enumerate(cells):
                values = items[k] or ([_cell_text(cell)] if _cell_text(cell) else [])
                if not values:
                    continue
                head = heads[k] if k < len(heads) and heads[k] else ""
                joined = ", ".join(values)
                drafts.append(Draft("row", f"{head}: {joined}" if head else joined))
            continue
        clean = [_cell_text(c) for c in cells]
        filled = [c for c in clean if c]
        if not filled:
            continue
        if len(filled) == 1 and len(clean) > 1 and not header:
            # A caption row spanning the table ("Work Plan for 2011").
            drafts.append(Draft("paragraph", filled[0]))
            continue
        parts = []
        for k, c in enumerate(clean):
            if not c:
                continue
            head = heads[k] if k < len(heads) else ""
            parts.append(f"{head}: {c}" if head and head != c else c)
        drafts.append(Draft("row", " | ".join(parts)))
    return drafts
