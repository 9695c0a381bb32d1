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
from collections.abc import Iterable

from assistant import Answer, Citation, Filters

from .names import place
from .plain import plain_answer

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


def highlight(text: str, start: int, end: int, *, tag: str = "mark", lines: bool = False,
              inner: tuple[int, int] | None = None) -> str:
    """`text` escaped, with `text[start:end]` wrapped in <tag> (span clipped to the text) and,
    inside it, `text[inner[0]:inner[1]]` (the phrase that answers) in <strong class="answer-phrase">.

    >>> highlight("a <b> c", 2, 5)
    'a <mark>&lt;b&gt;</mark> c'
    """
    e = esc_lines if lines else esc
    start, end = _clip(start, end, len(text))
    if start == end:
        return e(text)
    body = e(text[start:end])
    if inner is not None:
        a, b = _clip(inner[0], inner[1], len(text))
        a, b = max(a, start), min(b, end)
        if b > a:
            body = (f"{e(text[start:a])}<strong class=\"answer-phrase\">{e(text[a:b])}</strong>"
                    f"{e(text[b:end])}")
    return f"{e(text[:start])}<{tag}>{body}</{tag}>{e(text[end:])}"


def answer_span(c: Citation, offset: int) -> tuple[int, int] | None:
    """The answering phrase's span relative to a text starting at document offset `offset`."""
    if c.answer_end > c.answer_start:
        return c.answer_start - offset, c.answer_end - offset
    return None


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
        out.append(f'<sup class="cite cite-to-{n}">&#91;{n}&#93;</sup>')
        pos = m.end()
    out.append(esc_lines(text[pos:]))
    return "".join(out)


def searched_text(answer: Answer, filters: Filters | None = None) -> str:
    """What was searched, in words: `Answer.searched`, else the filters' description."""
    if answer.searched:
        return answer.searched
    return (filters or Filters()).describe()


def render_answer(answer: Answer, filters: Filters | None = None, *, filter_text: str = "",
                  hint: str = "") -> str:
    """The assistant's chat message: the answer with [n] markers (or the refusal and its
    reason), the sources in one line each (clickable), the filter that was active, and the
    plain text the copy button and screen readers use (hidden)."""
    searched = filter_text or searched_text(answer, filters)
    extra = f'<div class="hint">{esc(hint)}</div>' if hint else ""
    if not answer.answered:
        reason = (f'<div class="reason">Why: {esc(answer.reason)}</div>'
                  if answer.reason else "")
        head = ('<div class="refusal"><strong>Not in the documents</strong><br>'
                f"{esc_lines(answer.text)}{reason}")
        items, kind = answer.pointers, "pointer"
    else:
        body = render_markers(answer.text, len(answer.citations))
        notes = "".join(f'<br><span class="note">{esc(n)}</span>' for n in answer.notes)
        head = f'<div class="answer">{body}{notes}'
        items, kind = answer.citations, "source"
    def mark(c: Citation) -> str:
        return f"&#91;{c.index}&#93;" if kind == "source" else "&#8226;"

    links = "".join(
        f'<li class="cite-link cite-to-{c.index}">{mark(c)} {esc(text)}</li>'
        for c, text in zip(items, item_labels(items), strict=True))
    label = "Sources" if kind == "source" else "Closest passages, not answers"
    listed = (f'<div class="msg-sources"><span class="msg-sources-head">{label} '
              f'(click one to open it):</span><ul>{links}</ul></div>') if links else ""
    copy = esc(plain_answer(answer, searched))
    return (f'{head}{extra}{listed}<div class="searched">Searched: {esc(searched)}</div>'
            f'<div class="copy-text">{copy}</div></div>')


def render_user(question: str) -> str:
    """The user's chat message, escaped like everything else."""
    return f'<div class="question">{esc_lines(question)}<div class="copy-text">{esc(question)}</div></div>'


def citation_meta(c: Citation) -> str:
    """'process · date · p. N · file' with the parts the citation has, escaped."""
    parts = [c.process, c.date, place(c), c.source]
    return " · ".join(esc(p) for p in parts if p)


def render_citation(c: Citation, *, kind: str = "source") -> str:
    """One card: [n], title, process, date, page, and the passage with the quote in <mark>."""
    a, b = quote_span(c)
    label = f"&#91;{c.index}&#93;" if kind == "source" else "&#8226;"
    inner = answer_span(c, c.passage_start)
    return (
        f'<div class="{kind} cite-to-{c.index}" id="{kind}-{c.index}">'
        f'<div class="source-head"><span class="cite-n">{label}</span> '
        f'<strong class="source-title">{esc(c.title or c.source)}</strong></div>'
        f'<div class="source-meta">{citation_meta(c)}</div>'
        f'<blockquote class="passage">{highlight(c.passage, a, b, lines=True, inner=inner)}'
        "</blockquote></div>"
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
    return [(f"[{c.index}] {text}", c.index)
            for c, text in zip(items, item_labels(items), strict=True)]


def item_labels(items: Iterable[Citation]) -> list[str]:
    """'Title · section, p. N' per citation; where two would read the same (one report, one
    section, no page), each gets the first words of its quote (or passage) too, so they can be
    told apart.

    >>> item_labels([c1, c2])   # both "32nd SOM · Report"
    ['32nd SOM · Report · “Two years of virtual…”', '32nd SOM · Report · “The Chair presented…”']
    """
    items = list(items)
    base = [" · ".join(p for p in (c.title or c.source, place(c)) if p) for c in items]
    out = []
    for c, label in zip(items, base, strict=True):
        words = (c.quote.strip() or c.passage).split()  # a pointer may have no quote
        if base.count(label) > 1 and words:
            label += f" · “{' '.join(words[:5])}{'…' if len(words) > 5 else ''}”"
        out.append(label)
    return out


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
    inner = highlight(text[ps:pe], qa, qb, inner=answer_span(citation, ps))
    body = (
        f'{esc(text[:ps])}<span class="passage-open" id="{PASSAGE_ID}">{inner}</span>'
        f"{esc(text[pe:])}"
    )
    return f'<div class="document">{head}<div class="doc-text">{body}</div></div>'
