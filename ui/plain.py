"""Plain text and Markdown of answers: what the copy button puts on the clipboard, what screen
readers hear, and the conversation export. No HTML anywhere.

    >>> plain_answer(answer)                    # text with [n], then the sources below
    >>> export_markdown([(question, answer), ...])
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant import Answer, Citation

from .names import place


def source_line(c: Citation, *, label: str | None = None) -> str:
    """'[1] Title, Budapest Process, 2022-12-01, p. 3 (file.txt): "quote"'."""
    head = label if label is not None else f"[{c.index}]"
    meta = ", ".join(p for p in (c.title or c.source, c.process, c.date, place(c)) if p)
    file = f" ({c.source})" if c.source and c.source != c.title else ""
    quote = " ".join(c.quote.split())
    return f'{head} {meta}{file}: "{quote}"'


def plain_answer(answer: Answer, filter_text: str = "") -> str:
    """The answer as plain text, `[n]` markers kept, the cited sources listed below."""
    lines: list[str] = []
    if answer.answered:
        lines.append(answer.text.strip())
        if answer.citations:
            lines += ["", "Sources:"] + [source_line(c) for c in answer.citations]
    else:
        lines.append("Not in the documents. " + answer.text.strip())
        if answer.reason:
            lines.append(f"Why: {answer.reason}")
        if answer.pointers:
            lines += ["", "Closest passages (they do not answer the question):"]
            lines += [source_line(c, label="-") for c in answer.pointers]
    if filter_text:
        lines += ["", f"Searched: {filter_text}"]
    return "\n".join(lines)


def export_markdown(turns: Iterable[tuple[str, str]], title: str = "Conversation") -> str:
    """A conversation as Markdown: each question as a heading, each answer's plain text
    (markers and sources kept) below it."""
    out = [f"# {title}", ""]
    for question, text in turns:
        out += [f"## {' '.join(question.split())}", "", text.strip(), ""]
    return "\n".join(out)
