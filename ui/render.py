"""Pure formatting: an `Answer` (and documents) to the HTML the chat UI shows.

Document text is data. Every passage, title and file name goes through `esc()` before any
markup of ours is added: HTML is escaped, and the characters Markdown (and the Chatbot's LaTeX)
would act on become numeric entities, so a report holding `<script>`, `<img onerror=...>`,
`**bold**` or `[x](javascript:...)` shows exactly those characters and runs nothing.

    >>> render_answer(answer)        # the chat message: text with [n] markers
    >>> render_sources(answer)       # the sources panel: title, process, date, page, passage
    >>> render_document(text, citation, title="...")   # a whole report, passage highlighted
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from assistant import Answer, Citation, Filters

MARKER = re.compile(r"\[(\d+)\]")
# One pass: HTML's five plus the characters Markdown, GFM or KaTeX would act on, as entities
# (shown literally). A single table, so no entity gets escaped twice.
_ESC = str.maketrans({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;",
    **{c: f"&#{ord(c)};" for c in "\\`*_[]{}()#+-!|~$:"},
})
PASSAGE_ID = "open-passage"


def esc(text: object) -> str:
    """Escape `text` for HTML *and* Markdown: it is shown as the very characters it holds.

    >>> esc('<b>*x*</b> & "y"')
    '&lt;b&gt;&#42;x&#42;&lt;/b&gt; &amp; &quot;y&quot;'
    """
    return str(text).translate(_ESC)


def esc_lines(text: str) -> str:
    """`esc()` with newlines as <br>, so a message stays one HTML block (no Markdown pass)."""
    return "<br>".join(esc(line) for line in text.split("\n"))


def _clip(start: int, end: int, length: int) -> tuple[int, int]:
    start = max(0, min(start, length))
    return start, max(start, min(end, length))


def highlight(text: str, start: int, end: int, *, tag: str = "mark", lines: bool = False) -> str:
    """`text` escaped, with `text[start:end]` wrapped in <tag> (span clipped to the text).

    >>> highlight("a <b> c", 2, 5)
    'a <mark>&lt;b&gt;</mark> c'
    """
    e = esc_lines if lines else esc
    start, end = _clip(start, end, len(text))
    if start == end:
        return e(text)
    return f"{e(text[:start])}<{tag}>{e(text[start:end])}</{tag}>{e(text[end:])}"


def quote_span(c: Citation) -> tuple[int, int]:
    """The quote's span inside `c.passage` (0, 0 when it cannot be placed)."""
    if c.passage_end > c.passage_start and c.end > c.start:
        a, b = _clip(c.start - c.passage_start, c.end - c.passage_start, len(c.passage))
        if b > a:
            return a, b
    if c.quote:
        i = c.passage.find(c.quote)
        if i >= 0:
            return i, i + len(c.quote)
    return 0, 0


def render_markers(text: str, n_citations: int) -> str:
    """Answer text escaped, its in-range [n] markers as <sup class="cite"> links to source n."""
    out: list[str] = []
    pos = 0
    for m in MARKER.finditer(text):
        n = int(m.group(1))
        if not 1 <= n <= n_citations:
            continue  # an out-of-range marker stays plain (escaped) text
        out.append(esc_lines(text[pos : m.start()]))
        out.append(f'<sup class="cite" data-cite="{n}">&#91;{n}&#93;</sup>')
        pos = m.end()
    out.append(esc_lines(text[pos:]))
    return "".join(out)


def searched_text(answer: Answer, filters: Filters | None = None) -> str:
    """What was searched, in words: `Answer.searched`, else the filters' description."""
    if answer.searched:
        return answer.searched
    return (filters or Filters()).describe()


def render_answer(answer: Answer, filters: Filters | None = None) -> str:
    """The assistant's chat message. A refusal has its own look and says what was searched."""
    if not answer.answered:
        return (
            '<div class="refusal"><strong>Not in the documents</strong><br>'
            f"{esc_lines(answer.text)}<br>"
            f'<span class="searched">Searched: {esc(searched_text(answer, filters))}</span></div>'
        )
    body = render_markers(answer.text, len(answer.citations))
    notes = "".join(f'<br><span class="note">{esc(n)}</span>' for n in answer.notes)
    return f'<div class="answer">{body}{notes}</div>'


def render_user(question: str) -> str:
    """The user's chat message, escaped like everything else."""
    return f'<div class="question">{esc_lines(question)}</div>'


def citation_meta(c: Citation) -> str:
    """'process · date · p. N · file' with the parts the citation has, escaped."""
    parts = [c.process, c.date, f"p. {c.page}" if c.page else "", c.source]
    return " · ".join(esc(p) for p in parts if p)


def render_citation(c: Citation, *, kind: str = "source") -> str:
    """One card: [n], title, process, date, page, and the passage with the quote in <mark>."""
    a, b = quote_span(c)
    label = f"&#91;{c.index}&#93;" if kind == "source" else "&#8226;"
    return (
        f'<div class="{kind}" id="{kind}-{c.index}" data-index="{c.index}">'
        f'<div class="source-head"><span class="cite-n">{label}</span> '
        f'<strong class="source-title">{esc(c.title or c.source)}</strong></div>'
        f'<div class="source-meta">{citation_meta(c)}</div>'
        f'<blockquote class="passage">{highlight(c.passage, a, b, lines=True)}</blockquote></div>'
    )


def render_sources(answer: Answer | None) -> str:
    """The sources panel for an answer: its citations, or a refusal's closest passages."""
    if answer is None:
        return '<div class="sources empty">Sources of the answer appear here.</div>'
    if answer.answered:
        cards = "".join(render_citation(c) for c in answer.citations)
        return f'<div class="sources">{cards or "No passages cited."}</div>'
    if not answer.pointers:
        return '<div class="sources refused">No passage supports an answer.</div>'
    cards = "".join(render_citation(c, kind="pointer") for c in answer.pointers)
    return (
        '<div class="sources refused"><div class="pointers-head">Closest passages '
        f"(not citations: they do not answer the question)</div>{cards}</div>"
    )


def source_choices(answer: Answer | None) -> list[tuple[str, int]]:
    """(label, index) pairs for the 'open a source' dropdown: cited passages, else pointers."""
    if answer is None:
        return []
    items = answer.citations if answer.answered else answer.pointers
    return [(f"[{c.index}] {c.title or c.source}", c.index) for c in items]


def render_document(text: str, citation: Citation | None = None, *, title: str = "") -> str:
    """A whole report, escaped, the cited passage in <span id="open-passage"> and its quote
    in <mark>. The viewer scrolls that span into view."""
    head = f'<div class="doc-title">{esc(title)}</div>' if title else ""
    if citation is None:
        return f'<div class="document">{head}<div class="doc-text">{esc(text)}</div></div>'
    ps, pe = citation.passage_start, citation.passage_end
    if pe <= ps or text[ps:pe] != citation.passage:
        found = text.find(citation.passage) if citation.passage else -1
        ps, pe = (found, found + len(citation.passage)) if found >= 0 else (0, 0)
    ps, pe = _clip(ps, pe, len(text))
    qa, qb = quote_span(citation)
    inner = highlight(text[ps:pe], qa, qb)
    body = (
        f'{esc(text[:ps])}<span class="passage-open" id="{PASSAGE_ID}">{inner}</span>'
        f"{esc(text[pe:])}"
    )
    return f'<div class="document">{head}<div class="doc-text">{body}</div></div>'


def render_library(records: Mapping[str, Mapping]) -> str:
    """The documents tab's table: title, process, date, chunks, file, status."""
    if not records:
        return '<div class="library empty">No documents indexed yet.</div>'
    rows = []
    for source in sorted(records):
        m = records[source]
        rows.append(
            "<tr>"
            f"<td>{esc(m.get('title') or source)}</td><td>{esc(m.get('process', ''))}</td>"
            f"<td>{esc(m.get('date', ''))}</td><td>{esc(m.get('n_chunks', 0))}</td>"
            f"<td><code>{esc(source)}</code></td><td>{esc(m.get('status', ''))}</td>"
            "</tr>"
        )
    return (
        '<table class="library"><thead><tr><th>Title</th><th>Process</th><th>Date</th>'
        "<th>Chunks</th><th>File</th><th>Status</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def process_choices(records: Mapping[str, Mapping]) -> list[str]:
    """The distinct processes of the indexed documents, sorted."""
    return sorted({str(m.get("process")) for m in records.values() if m.get("process")})


def example_questions(records: Mapping[str, Mapping], limit: int = 4) -> list[str]:
    """Questions drawn from the indexed documents' own titles, meeting types and places.

    >>> example_questions({"a.txt": {"meeting_type": "Senior Officials Meeting",
    ...     "process": "Budapest Process", "year": 2022, "location": "Istanbul, Türkiye"}})[0]
    'How many participants attended the 2022 Budapest Process Senior Officials Meeting?'
    """
    out: list[str] = []
    for source in sorted(records):
        m = records[source]
        meeting, process = m.get("meeting_type") or "", m.get("process") or ""
        year = m.get("year") or ""
        if meeting and meeting.lower() != "newsletter":
            name = " ".join(str(p) for p in (year, process, meeting) if p)
            out.append(f"How many participants attended the {name}?")
            out.append(f"Who opened the {name}?")
        elif process:
            out.append(f"What is the {process}?")
        where = m.get("location") or ""
        if where and where.lower() != "online" and process:
            out.append(f"What did the {process} meeting in {where.split(',')[0]} decide?")
    seen: dict[str, None] = dict.fromkeys(out)  # ordered de-duplication
    return _round_robin(list(seen), limit)


def _round_robin(items: Iterable[str], limit: int) -> list[str]:
    # Prefer variety: one question per kind first ("How many", "Who", "What is", ...).
    items = list(items)
    kinds: dict[str, list[str]] = {}
    for q in items:
        kinds.setdefault(" ".join(q.split()[:2]), []).append(q)
    out: list[str] = []
    while len(out) < limit and any(kinds.values()):
        for bucket in kinds.values():
            if bucket and len(out) < limit:
                out.append(bucket.pop(0))
    return out


CSS = """
.answer .cite, .sources .cite-n { color: var(--color-accent); font-weight: 600; }
.refusal { border-left: 4px solid #d97706; background: rgba(217,119,6,.08); padding: .5em .75em; }
.refusal .searched { font-size: .85em; opacity: .8; }
.note { font-size: .85em; opacity: .75; }
.sources .source, .sources .pointer { border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: .5em .75em; margin-bottom: .6em; }
.sources .pointer { border-style: dashed; opacity: .85; }
.source-meta { font-size: .85em; opacity: .75; }
.passage { white-space: pre-wrap; margin: .4em 0 0; font-size: .92em; }
.passage mark, .document mark { background: #fde047; color: #111; }
.document { max-height: 520px; overflow-y: auto; border: 1px solid var(--border-color-primary);
  border-radius: 6px; padding: .75em; }
.doc-title { font-weight: 600; margin-bottom: .5em; }
.doc-text { white-space: pre-wrap; font-size: .92em; }
.passage-open { background: rgba(96,165,250,.25); outline: 2px solid rgba(96,165,250,.6); }
table.library { width: 100%; font-size: .9em; }
"""
