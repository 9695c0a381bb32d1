"""HTML, PDF and DOCX to `Draft` blocks (headings, paragraphs, list items, table rows).

    >>> html_drafts("<h1>Report</h1><p>One.</p><ul><li>a</li></ul>")[0]
    Draft(kind='heading', text='Report', level=1, page=0)
"""

from __future__ import annotations

import io
import logging
import re

from .clean import Draft, _merge_broken, clean_inline, normalize_space, table_drafts
from .model import LoadError
from .safety import TextBudget, check_zip, pdf_limits

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- HTML

_DROP = {"script", "style", "nav", "noscript", "template", "svg", "iframe", "head", "form", "button"}
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_PARAGRAPHS = {"p", "pre", "dt", "dd", "figcaption", "caption", "address", "summary"}
_CONTAINERS = {
    "html", "body", "div", "section", "article", "main", "header", "footer", "aside",
    "blockquote", "figure", "details", "dl", "center", "fieldset", "hgroup",
}


def html_drafts(markup: str) -> list[Draft]:
    """Blocks of an HTML page (BeautifulSoup + lxml); script, style and nav are dropped."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(list(_DROP)):
        tag.decompose()
    root = soup.body or soup
    drafts: list[Draft] = []
    _walk_html(root, drafts)
    if title and not any(d.kind == "heading" and d.level == 1 for d in drafts):
        drafts.insert(0, Draft("heading", normalize_space(title), 1))
    return _merge_broken(drafts)


def _inline_text(node) -> str:
    """Text of inline content: <br> as a newline, links keep a differing URL."""
    from bs4 import NavigableString, Tag

    out: list[str] = []
    for child in node.children if isinstance(node, Tag) else [node]:
        if isinstance(child, NavigableString):
            if type(child).__name__ in ("Comment", "Doctype", "Declaration", "ProcessingInstruction"):
                continue
            out.append(str(child))
        elif isinstance(child, Tag):
            if child.name == "br":
                out.append("\n")
            elif child.name == "a":
                label = _inline_text(child)
                href = (child.get("href") or "").strip()
                bare = re.sub(r"^(?:https?://|mailto:)", "", href).rstrip("/")
                if href.startswith(("http", "mailto:")) and bare.lower() != normalize_space(label).lower().rstrip("/"):
                    out.append(f"{label} ({bare if href.startswith('mailto:') else href})")
                else:
                    out.append(label)
            elif child.name in ("ul", "ol", "table"):
                continue  # handled as blocks by the caller
            else:
                out.append(_inline_text(child))
    return "".join(out)


def _para(drafts: list[Draft], raw: str, kind: str = "paragraph") -> None:
    for line in raw.split("\n"):
        text = normalize_space(line)
        if text:
            drafts.append(Draft(kind, text))


def _walk_html(node, drafts: list[Draft]) -> None:
    from bs4 import NavigableString, Tag

    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            _para(drafts, "".join(buffer))
            buffer.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child).__name__ == "NavigableString":
                buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _HEADINGS:
            flush()
            text = normalize_space(_inline_text(child).replace("\n", " "))
            if text:
                drafts.append(Draft("heading", text, _HEADINGS[name]))
        elif name in ("ul", "ol"):
            flush()
            _html_list(child, drafts)
        elif name == "table":
            flush()
            if _layout_table(child):
                for cell in _cells(child):
                    _walk_html(cell, drafts)
            else:
                drafts.extend(_html_table(child))
        elif name in _PARAGRAPHS:
            flush()
            _para(drafts, _inline_text(child))
        elif name in _CONTAINERS or name == "li":
            flush()
            _walk_html(child, drafts)
        elif name == "hr":
            flush()
        elif name == "br":
            buffer.append("\n")
        else:
            buffer.append(_inline_text(child))
    flush()


def _html_list(node, drafts: list[Draft]) -> None:
    for li in node.find_all("li", recursive=False):
        _para(drafts, _inline_text(li).replace("\n", " "), kind="item")
        for sub in li.find_all(["ul", "ol"]):
            if sub.find_parent("li") is li:
                _html_list(sub, drafts)


_BLOCKY = ["table", "h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "ul", "ol"]


def _cells(table) -> list:
    """The table's own cells (not those of tables nested in it), row by row."""
    return [c for tr in table.find_all("tr") if tr.find_parent("table") is table
            for c in tr.find_all(["td", "th"], recursive=False)]


def _layout_table(table) -> bool:
    """A table used for layout: a cell holds another table, a heading, or several blocks.
    Its cells are read as page content (no row gluing "Agenda" to "The meeting ...")."""
    for cell in _cells(table):
        inner = cell.find_all(_BLOCKY)
        if any(t.name != "p" and t.name != "div" for t in inner) or len(inner) > 1:
            if not all(t.name in ("ul", "ol") for t in inner):  # a cell of list items is data
                return True
    return False


def _html_table(table) -> list[Draft]:
    rows = []
    header = False
    trs = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    for n, tr in enumerate(trs):
        cells = tr.find_all(["td", "th"], recursive=False)
        if n == 0 and cells and all(c.name == "th" for c in cells) and len(trs) > 1:
            header = True
        row = []
        for c in cells:
            items = [normalize_space(_inline_text(li).replace("\n", " ")) for li in c.find_all("li")]
            if items:
                row.append([i for i in items if i])
            else:
                row.append(normalize_space(_inline_text(c).replace("\n", " ")))
            span = str(c.get("colspan", "1"))
            row.extend([""] * (int(span) - 1 if span.isdigit() and int(span) > 1 else 0))
        rows.append(row)
    return table_drafts(rows, header=header)


# ---------------------------------------------------------------- PDF

_PDF_BULLET = re.compile(r"^\s*(?:[•▪●◦‣∙·*\-–]|\uf0b7|\uf0a7)\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+\S")


def pdf_drafts(data: bytes, source: str, warnings: list[str],
               budget: TextBudget | None = None) -> list[Draft]:
    """Blocks of a PDF's text layer, page after page (each draft knows its 1-based page).
    Every compressed stream inflates to at most `safety.PDF_STREAM_MAX` bytes."""
    with pdf_limits():
        return _pdf_drafts(data, source, warnings, budget)


def _pdf_drafts(data: bytes, source: str, warnings: list[str],
                budget: TextBudget | None) -> list[Draft]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, LimitReachedError, PdfReadError

    head = data[:1024]
    if b"%PDF-" not in head:
        raise LoadError(source, "not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise LoadError(source, "truncated or corrupt PDF (no end-of-file marker)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except (DependencyError, NotImplementedError, PdfReadError):
                ok = 0
            if not ok:
                raise LoadError(source, "encrypted PDF (password protected)")
        pages = list(reader.pages)
    except LoadError:
        raise
    except LimitReachedError as exc:
        raise LoadError(source, f"a compressed stream inflates past the limit ({exc}; "
                                "compression bomb?)") from None
    except Exception as exc:  # pypdf raises many types on damaged files
        raise LoadError(source, f"corrupt PDF ({type(exc).__name__}: {exc})") from None
    drafts: list[Draft] = []
    for number, page in enumerate(pages, start=1):
        try:
            raw = page.extract_text() or ""
        except LimitReachedError as exc:
            raise LoadError(source, f"page {number}: a compressed stream inflates past the limit "
                                    f"({exc}; compression bomb?)") from None
        except Exception as exc:
            warnings.append(f"page {number}: text could not be extracted ({type(exc).__name__})")
            continue
        for d in reflow_page(raw):
            d.page = number
            if budget is not None:
                budget.add(d.text)
            drafts.append(d)
    if not drafts:
        from .model import EmptyDocument

        raise EmptyDocument(source, "no text layer in the PDF (scanned? OCR is not supported)")
    return _merge_broken(drafts)


def reflow_page(raw: str) -> list[Draft]:
    """A page's extracted lines -> paragraphs (hard-wrapped lines joined, hyphenation undone),
    bullet items, numbered points and short title-like lines as headings."""
    lines = [normalize_space(x) for x in raw.replace("\r", "\n").split("\n")]
    width = max((len(x) for x in lines), default=0)
    drafts: list[Draft] = []
    para: list[str] = []
    kind = "paragraph"

    def flush() -> None:
        nonlocal kind
        if para:
            text = clean_inline(" ".join(para).replace("\u00ad ", ""))
            if text:
                drafts.append(Draft(kind, text))
        para.clear()
        kind = "paragraph"

    for i, line in enumerate(lines):
        if not line:
            flush()
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        bullet = _PDF_BULLET.match(line)
        if bullet:
            flush()
            kind = "item"
            para.append(bullet.group(1))
            continue
        prev_done = not para or para[-1][-1:] in ".!?:;"
        if (
            prev_done
            and len(line) <= 70
            and len(line.split()) <= 9
            and line[-1] not in ".!?;:,"
            and line[:1].isupper()
            and not _NUMBERED.match(line)
            and (not nxt or nxt[:1].isupper() or nxt[:1].isdigit() or _PDF_BULLET.match(nxt))
        ):
            flush()
            drafts.append(Draft("heading", clean_inline(line), 0))
            continue
        if _NUMBERED.match(line) or (para and prev_done and len(para[-1]) < 0.7 * width):
            flush()
        if para and para[-1].endswith("-") and para[-1][-2:-1].isalpha() and line[:1].islower():
            para[-1] = para[-1][:-1] + line  # undo end-of-line hyphenation
        else:
            para.append(line)
    flush()
    return drafts


# ---------------------------------------------------------------- DOCX


def docx_drafts(data: bytes, source: str, budget: TextBudget | None = None) -> list[Draft]:
    """Blocks of a .docx: heading styles as headings, list paragraphs as items, tables as rows.
    The zip's central directory is checked first (`safety.check_zip`): a bomb is refused
    before any part is inflated."""
    import zipfile

    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise LoadError(source, "encrypted or legacy Word file (not a .docx)")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise LoadError(source, "corrupt .docx (not a zip archive)")
    check_zip(data, source)
    try:
        import docx
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        drafts: list[Draft] = []
        _docx_blocks(document, drafts, budget, Table)
    except LoadError:
        raise
    except Exception as exc:
        raise LoadError(source, f"corrupt .docx ({type(exc).__name__}: {exc})") from None
    return drafts


def _docx_blocks(container, drafts: list[Draft], budget: TextBudget | None, table_type) -> None:
    """Paragraphs and tables of a document or table cell, in order. A table holding another
    table is layout: its cells are read as containers, so nested text is never lost."""
    for block in container.iter_inner_content():
        before = len(drafts)
        if isinstance(block, table_type):
            if block._tbl.xpath(".//w:tc//w:tbl"):
                for row in block.rows:
                    seen = set()
                    for cell in row.cells:
                        if id(cell._tc) not in seen:  # merged cells repeat across columns
                            seen.add(id(cell._tc))
                            _docx_blocks(cell, drafts, budget, table_type)
                continue
            drafts.extend(_docx_table(block))
        else:
            _docx_paragraph(block, drafts)
        if budget is not None:
            for d in drafts[before:]:
                budget.add(d.text)


def _docx_paragraph(p, drafts: list[Draft]) -> None:
    text = p.text
    if not text.strip():
        return
    style = (p.style.name if p.style is not None else "") or ""
    m = re.match(r"Heading\s*(\d)", style, re.I)
    is_list = "list" in style.lower() or p._p.pPr is not None and p._p.pPr.numPr is not None
    if m or style.lower() in ("title", "subtitle"):
        level = int(m.group(1)) if m else (1 if style.lower() == "title" else 2)
        drafts.append(Draft("heading", normalize_space(text.replace("\n", " ")), level))
    elif is_list:
        bullet = _PDF_BULLET.match(text)
        drafts.append(Draft("item", normalize_space(bullet.group(1) if bullet else text)))
    else:
        _para(drafts, text)


def _docx_table(table) -> list[Draft]:
    rows: list[list] = []
    for tr in table.rows:
        row: list = []
        seen = set()
        for cell in tr.cells:
            if id(cell._tc) in seen:  # a merged cell repeats across the columns it spans
                continue
            seen.add(id(cell._tc))
            paras = [normalize_space(p.text) for p in cell.paragraphs if p.text.strip()]
            listy = len(paras) > 1 and any(
                "list" in (p.style.name or "").lower() or _PDF_BULLET.match(p.text)
                for p in cell.paragraphs if p.text.strip()
            )
            if listy:
                row.append([(_PDF_BULLET.match(x).group(1) if _PDF_BULLET.match(x) else x) for x in paras])
            else:
                row.append(" ".join(paras))
        rows.append(row)
    header = len(rows) > 1 and _docx_header(table)
    return table_drafts(rows, header=header)


def _docx_header(table) -> bool:
    first = table.rows[0]
    if first._tr.trPr is not None and first._tr.trPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader"
    ) is not None:
        return True
    runs = [r for c in first.cells for p in c.paragraphs for r in p.runs if r.text.strip()]
    cells = [c for c in first.cells if c.text.strip()]
    return bool(runs) and len(cells) == len(first.cells) and all(r.bold for r in runs)
