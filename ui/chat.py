"""The chat tab's event handlers: ask (with filters and history), open a source, clear,
restore and export the conversation. Plain functions over the app's collaborators; `ui.app`
wires them to the widgets.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr

from assistant import Answer, Filters, Settings

from . import render
from .names import retitle
from .plain import export_markdown, plain_answer
from .query import language_hint, resolve_filters

log = logging.getLogger(__name__)

EMPTY_SAVED: dict = {"chat": [], "turns": [], "export": []}


def _temp_file(name: str) -> Path:
    return Path(tempfile.mkdtemp(prefix="dialogue-")) / name


class Chat:
    """Handlers for one app. `ask(question, history, filters)` yields Answers."""

    def __init__(self, ask: Callable[..., Iterator[Answer]], records: Callable[[], dict],
                 text: Callable[[str], str | None], settings: Settings):
        self.ask, self.records, self.text, self.settings = ask, records, text, settings

    def respond(self, question, chat, turns, exports, process, report, year_from, year_to,
                undated):
        """Outputs: chatbot, sources, open-source dropdown, question box, turns, last answer,
        viewer, filter message, exports (plain text of each turn), export button."""
        question = (question or "").strip()
        chat, turns = list(chat or []), [tuple(t) for t in (turns or [])]
        exports = [tuple(e) for e in (exports or [])]
        skip = gr.skip()
        if not question:
            yield chat, skip, skip, skip, turns, skip, skip, "", skip, skip
            return
        records = self.records()
        resolved = resolve_filters(process, report, year_from, year_to, undated, records)
        if resolved.error:
            msg = f'<div class="filter-msg">{render.esc(resolved.error)}</div>'
            yield chat, skip, skip, skip, turns, skip, skip, msg, skip, skip
            return
        chat.append({"role": "user", "content": render.render_user(question)})
        chat.append({"role": "assistant", "content": "…"})
        hint = language_hint(question)
        result: Answer | None = None
        try:
            for result in self.ask(question, list(turns), resolved.filters):
                result = retitle(result, records)
                chat[-1] = {"role": "assistant", "content": render.render_answer(
                    result, filter_text=resolved.text, hint=hint)}
                yield (chat, render.render_sources(result), gr.update(), "", turns, result,
                       skip, "", skip, skip)
        except Exception as exc:  # noqa: BLE001 - the user sees a message; the log has the trace
            log.exception("answer failed for %r", question)
            chat[-1] = {"role": "assistant", "content":
                        f'<div class="refusal">Error: {render.esc(type(exc).__name__)}</div>'}
            yield chat, skip, skip, "", turns, skip, skip, "", skip, skip
            return
        if result is None:
            return
        # History for follow-ups: earlier (question, answer text) pairs, plain text, no HTML.
        turns.append((question, result.text))
        exports.append((question, plain_answer(result, resolved.text)))
        choices = render.source_choices(result)
        yield (chat, render.render_sources(result),
               gr.update(choices=choices, value=None, visible=bool(choices)), "", turns,
               result, "", "", exports, self.export_file(exports))

    @staticmethod
    def save(chat, turns, exports) -> dict:
        """The conversation as kept in the browser's storage (restored on reload)."""
        return {"chat": list(chat or []), "turns": list(turns or []),
                "export": list(exports or [])}

    def export_file(self, exports) -> gr.DownloadButton:
        if not exports:
            return gr.DownloadButton(value=None, visible=False)
        path = _temp_file("conversation.md")
        path.write_text(export_markdown(exports), encoding="utf-8")
        return gr.DownloadButton(value=str(path), visible=True)

    def clear(self):
        """Outputs: chatbot, sources, open dropdown, turns, last, viewer, exports, export,
        download."""
        return ([], render.render_sources(None), gr.update(choices=[], value=None, visible=False),
                [], None, "", [], gr.DownloadButton(value=None, visible=False),
                gr.DownloadButton(value=None, visible=False))

    def reload(self, saved):
        """The conversation kept in the browser's storage, back on the page after a reload.
        Outputs: chatbot, turns, exports, export button."""
        saved = saved or {}
        chat = [m for m in saved.get("chat") or [] if isinstance(m, dict)]
        turns = [tuple(t) for t in saved.get("turns") or [] if len(t) == 2]
        exports = [tuple(e) for e in saved.get("export") or [] if len(e) == 2]
        return chat, turns, exports, self.export_file(exports)

    def open_source(self, index, last: Answer | None):
        """Outputs: viewer, download button (the original file)."""
        hidden = gr.DownloadButton(value=None, visible=False)
        if last is None or index in (None, ""):
            return "", hidden
        try:
            n = int(str(index).split("@", 1)[0])
        except ValueError:
            return "", hidden
        items = last.citations if last.answered else last.pointers
        c = next((c for c in items if c.index == n), None)
        if c is None:
            return "", hidden
        text = self.text(c.source)
        if text is None:
            return (f'<div class="document">{render.esc(c.source)}: no longer indexed.</div>',
                    hidden)
        return render.render_document(text, c, title=c.title or c.source), self.original(c.source)

    def original(self, source: str) -> gr.DownloadButton:
        corpus = Path(self.settings.corpus_dir).resolve()
        path = (corpus / source).resolve()
        if corpus not in path.parents or not path.is_file():
            return gr.DownloadButton(value=None, visible=False)
        copy = _temp_file(path.name)
        shutil.copyfile(path, copy)
        return gr.DownloadButton(label=f"Download the original ({path.name})", value=str(copy),
                                 visible=True)


def make_filters(process: str | None, year_from, year_to) -> Filters:
    """Filters for the `/ask` API ('All processes', '' and None mean no filter)."""
    from .library_view import ALL

    def year(v) -> int | None:
        try:
            return (int(v) or None) if v not in (None, "") else None
        except (TypeError, ValueError):
            return None

    proc = process if process and process != ALL else None
    return Filters(process=proc, year_from=year(year_from), year_to=year(year_to))
