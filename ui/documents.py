"""The documents tab's event handlers: upload (every refusal named), remove with a confirmation
(to the trash, restorable), restore, reindex with progress and a Cancel button shown while it
runs; and the per-corpus widgets' contents, computed on each page load and after each change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gradio as gr

from assistant import Settings

from . import library_view as view
from .library import Reindexer, UploadError, remove_document, restore_document, save_upload, trashed
from .names import display_title


class Documents:
    """Handlers for one app; `corpus_outputs()` fills the per-corpus widgets."""

    def __init__(self, settings: Settings, records: Callable[[], dict], reindexer: Reindexer,
                 exts: tuple[str, ...], examples: list[str] | None = None):
        self.settings, self.records, self.reindexer = settings, records, reindexer
        self.exts, self.examples = exts, examples

    def corpus_outputs(self) -> tuple:
        """header, library, remove dropdown, restore dropdown, process, report, examples."""
        recs, gone = self.records(), trashed(self.settings)
        questions = self.examples if self.examples is not None else view.example_questions(recs)
        return (
            view.header(recs),
            view.render_library(recs, gone),
            gr.update(choices=view.remove_choices(recs), value=None),
            gr.update(choices=gone, value=None),
            gr.update(choices=[view.ALL, *view.process_choices(recs)]),
            gr.update(choices=view.report_choices(recs)),
            gr.Dataset(samples=[[q] for q in questions]),
        )

    def on_load(self):
        """Outputs: status, the Cancel button (shown if a reindex runs), the corpus widgets."""
        p = self.reindexer.progress
        return (p.describe(), _cancel_button(self.reindexer.running, p.cancelling),
                *self.corpus_outputs())

    def _done(self, status: str):
        return (status, _cancel_button(False), *self.corpus_outputs())

    def _follow(self, messages: list[str]):
        self.reindexer.request()
        skip = (gr.skip(),) * 7
        for p in self.reindexer.follow(every=0.5):
            if p.running:
                yield ("\n".join([*messages, p.describe()]), _cancel_button(True, p.cancelling),
                       *skip)
        yield self._done("\n".join([*messages, self.reindexer.progress.describe()]))

    def cancel(self):
        """Cancel the reindex in hand (or its wait for another ingest's lock), then follow it
        to its end: the status says what was committed and what the next reindex redoes.
        Outputs: status, the Cancel button."""
        if not self.reindexer.cancel():
            yield self.reindexer.progress.describe(), _cancel_button(False)
            return
        for p in self.reindexer.follow(every=0.5):
            if p.running:
                yield p.describe(), _cancel_button(True, cancelling=True)
        yield self.reindexer.progress.describe(), _cancel_button(False)

    def upload(self, files):
        """Outputs: the upload list (emptied: accepted files are in the table, refused ones
        named in the status), status, corpus widgets."""
        messages, saved = [], 0
        for f in files or []:
            path = Path(f if isinstance(f, str) else getattr(f, "name", f))
            name = getattr(f, "orig_name", None) or path.name
            try:
                target = save_upload(path, name, self.settings, allowed=self.exts)
            except UploadError as exc:
                messages.append(f"Refused {name}: {_reason(exc, name)}")
                continue
            saved += 1
            if target.name != name:
                messages.append(f"Added {name} as {target.name} (a report named {name} "
                                "is already indexed; both are kept).")
            else:
                messages.append(f"Added {target.name}.")
        if not saved:
            yield (None, *self._done("\n".join(messages) or "No file given."))
            return
        for out in self._follow(messages):
            yield (None, *out)

    def confirm_remove(self, source):
        """Outputs: confirmation row, its text, status."""
        recs = self.records()
        if not source:
            return gr.update(visible=False), "", "Choose a report to remove first."
        title = display_title(recs.get(source, {}), source)
        text = (f'<div class="confirm">Move “{view.esc(title)}” (<code>{view.esc(source)}</code>)'
                " to the trash? You can restore it from this tab.</div>")
        return gr.update(visible=True), text, gr.skip()

    def remove(self, source: str | None = None):
        """Remove the named report (moved to the trash). Without a name nothing is removed.
        Outputs: confirmation row, status, corpus widgets."""
        hide = gr.update(visible=False)
        if not source:
            yield (hide, *self._done("Not removed: name the report to remove."))
            return
        try:
            remove_document(source, self.settings)
        except UploadError as exc:
            yield (hide, *self._done(f"Not removed: {exc}"))
            return
        for out in self._follow([f"Removed {source} (moved to the trash; restore it below)."]):
            yield (hide, *out)

    def restore(self, name: str | None = None):
        """Outputs: status, corpus widgets."""
        if not name:
            yield self._done("Choose a removed report to restore.")
            return
        try:
            target = restore_document(name, self.settings)
        except UploadError as exc:
            yield self._done(f"Not restored: {exc}")
            return
        yield from self._follow([f"Restored {target.name}."])

    def reindex(self):
        yield from self._follow([])


def _cancel_button(running: bool, cancelling: bool = False):
    """Shown while a reindex runs; greyed out once pressed, until that run ends."""
    return gr.update(visible=running, interactive=running and not cancelling)


def _reason(exc: UploadError, name: str) -> str:
    text = str(exc)
    for prefix in (f"{name!r}: ", f"{name}: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text
