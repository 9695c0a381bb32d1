"""The Gradio app: chat with cited sources, a document viewer, and the documents tab.

`build_app()` only builds the Blocks (no model loading, no serving); `launch_app()` serves it.
The app holds no retrieval logic: it calls `answer_fn` and formats with `ui.render`.

    >>> demo = build_app(settings=Settings.from_env())
    >>> launch_app(demo, server_name="127.0.0.1", server_port=7860)

API for scripts (gradio_client): `/ask` (question, process, year_from, year_to) ->
`Answer.to_dict()`; `/documents` -> the indexed reports; `/reindex`, `/cancel_reindex`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant import Answer, Filters, Settings

from . import render
from .assets import CSS, JS
from .chat import EMPTY_SAVED, Chat, make_filters
from .documents import Documents
from .library import Reindexer, supported_extensions
from .library_view import ALL, ANY_REPORT

log = logging.getLogger(__name__)

__all__ = ["build_app", "launch_app", "make_filters", "ALL"]

CONCURRENCY = 8  # events of one kind served at once (Gradio's default of 1 would queue users)
# Scroll the opened passage into view inside the viewer whenever its content changes.
SCROLL_JS = """
const go = () => {
  const box = element.querySelector('.document');
  const p = element.querySelector('#open-passage');
  if (!box || !p) return;
  box.scrollTop = Math.max(0, p.offsetTop - box.clientHeight / 4);
  element.scrollIntoView({block: 'start'});
};
watch('value', () => requestAnimationFrame(go));
requestAnimationFrame(go);
"""


def _default_answer() -> Callable[..., Answer]:
    from assistant import answer

    return answer


def _default_stream(settings: Settings) -> Callable | None:
    # Only a generated (LLM) answer streams; the extractive one is complete at once.
    if not settings.llm:
        return None
    import assistant

    return getattr(assistant, "answer_stream", None)


def _default_refresh(settings: Settings) -> None:
    from assistant import refresh

    refresh(settings)


def _store_records(settings: Settings) -> dict[str, dict]:
    from assistant.store import Store

    return Store(settings).doc_records()


def _store_text(settings: Settings, source: str) -> str | None:
    from assistant.store import Store

    return Store(settings).doc_text(source)


def build_app(
    answer_fn: Callable[..., Answer] | None = None,
    *,
    settings: Settings | None = None,
    ingest_fn: Callable | None = None,
    stream_fn: Callable | None = None,
    refresh_fn: Callable[[Settings], None] | None = _default_refresh,
    records_fn: Callable[[], dict[str, dict]] | None = None,
    text_fn: Callable[[str], str | None] | None = None,
    examples: list[str] | None = None,
) -> gr.Blocks:
    """The chat app as `gr.Blocks`, not launched.

    Nothing about the corpus is built into the page: the documents table, the filter and
    remove choices, the examples and the header are filled by a page-load event (after login
    when there is one) and after every change.

    Args:
        answer_fn: `answer(question, history=..., filters=..., settings=...) -> Answer`;
            default `assistant.answer`. Called from several threads at once.
        settings: default `Settings.from_env()`.
        ingest_fn: `run_ingest(settings, on_progress=..., progress=False, embedder=...,
            cancel=...)`.
        stream_fn: like answer_fn but yields partial Answers; default `assistant.answer_stream`
            in LLM mode.
        refresh_fn: called after each reindex so answers see added and removed reports
            (default `assistant.refresh`; None to skip).
        records_fn / text_fn: the library (`Store.doc_records`, `Store.doc_text`).
        examples: example questions; default drawn from the indexed documents.
    """
    settings = settings or Settings.from_env()
    if answer_fn is None:
        answer_fn = _default_answer()
        if stream_fn is None:
            stream_fn = _default_stream(settings)
    records_fn = records_fn or (lambda: _store_records(settings))
    text_fn = text_fn or (lambda source: _store_text(settings, source))
    reindexer = Reindexer(settings, ingest_fn, after=refresh_fn)
    exts = supported_extensions()

    def ask(question: str, history=(), filters: Filters | None = None):
        """Yield Answers: partial ones when streaming, else the one answer."""
        kwargs = {"history": tuple(history), "filters": filters or Filters(), "settings": settings}
        if stream_fn is not None:
            yield from stream_fn(question, **kwargs)
        else:
            yield answer_fn(question, **kwargs)

    chat_h = Chat(ask, records_fn, text_fn, settings)
    docs_h = Documents(settings, records_fn, reindexer, exts, examples)

    def api_ask(question: str, process: str = "", year_from: int | None = None,
                year_to: int | None = None) -> dict:
        """Answer one question over the reports; returns Answer.to_dict()."""
        filters = make_filters(process, year_from, year_to)
        answers = list(ask(question, (), filters))  # streamed: the last one is complete
        return answers[-1].to_dict() if answers else {}

    def api_documents() -> list[dict]:
        """The indexed reports: source, title, process, date, year, n_chunks, status."""
        keys = ("title", "process", "date", "year", "n_chunks", "status")
        return [{"source": s, **{k: m.get(k) for k in keys}}
                for s, m in sorted(records_fn().items())]

    with gr.Blocks(title="Migration dialogue assistant") as demo:
        header = gr.HTML("", label="Header", elem_id="header")
        turns = gr.State([])
        exports = gr.State([])
        last = gr.State(None)
        saved = gr.BrowserState(dict(EMPTY_SAVED), storage_key="dialogue-assistant-chat")
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Conversation", elem_id="chat", height=380,
                        latex_delimiters=[], sanitize_html=True, feedback_options=None,
                        buttons=["copy"],
                    )
                    with gr.Row():
                        msg = gr.Textbox(label="Question", show_label=False, scale=5,
                                         elem_id="question", autofocus=True, max_lines=4,
                                         placeholder="Ask about the meetings…")
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    example_box = gr.Dataset(
                        components=[msg], samples=[], elem_id="examples",
                        label="Example questions (click to ask)",
                    )
                    with gr.Accordion("Filters", open=False, elem_id="filters"):
                        with gr.Row():
                            # Choices come with the page-load event; a value outside them
                            # (an API client's) is checked by ui.query.resolve_filters.
                            process = gr.Dropdown([ALL], value=ALL, label="Process",
                                                  elem_id="process", allow_custom_value=True)
                            report = gr.Dropdown([(ANY_REPORT, "")], value="",
                                                 label="Only this report", elem_id="report",
                                                 allow_custom_value=True)
                        with gr.Row():
                            year_from = gr.Textbox("", label="From year", placeholder="e.g. 2019",
                                                   elem_id="year-from", max_lines=1)
                            year_to = gr.Textbox("", label="To year", placeholder="e.g. 2023",
                                                 elem_id="year-to", max_lines=1)
                            undated = gr.Checkbox(True, label="Include reports without a date",
                                                  elem_id="undated")
                        reset = gr.Button("Reset filters", size="sm", elem_id="reset")
                    filter_msg = gr.HTML("", label="Filter message", elem_id="filter-msg")
                    with gr.Row():
                        clear_btn = gr.Button("Clear conversation", elem_id="clear", size="sm")
                        export_btn = gr.DownloadButton("Export conversation (Markdown)",
                                                       visible=False, elem_id="export", size="sm")
                with gr.Column(scale=2):
                    sources = gr.HTML(render.render_sources(None), label="Sources",
                                      elem_id="sources")
                    open_dd = gr.Dropdown([], label="Open a source (whole report)",
                                          elem_id="open-source", visible=False)
                    cite_pick = gr.Textbox(label="Cited passage to open", visible="hidden",
                                           elem_id="cite-pick")
                    cite_go = gr.Button("Open cited passage", visible="hidden", elem_id="cite-go")
                    viewer = gr.HTML("", label="Report", elem_id="viewer", js_on_load=SCROLL_JS)
                    original = gr.DownloadButton("Download the original", visible=False,
                                                 elem_id="original", size="sm")
        with gr.Tab("Documents"):
            library = gr.HTML("", label="Documents", elem_id="library")
            files = gr.File(
                label=f"Add reports ({', '.join(exts)}; up to {settings.max_file_mb:g} MB each)",
                file_count="multiple", file_types=list(exts), type="filepath",
                elem_id="upload",
            )
            with gr.Row():
                remove_dd = gr.Dropdown([], value=None, label="Remove a report",
                                        elem_id="remove-choice", allow_custom_value=True)
                remove_btn = gr.Button("Remove…", variant="stop", elem_id="remove")
            with gr.Row(visible=False, elem_id="confirm-row") as confirm_row:
                confirm_text = gr.HTML("", elem_id="confirm-text")
                confirm_yes = gr.Button("Yes, move it to the trash", variant="stop",
                                        elem_id="confirm-remove")
                confirm_no = gr.Button("Cancel", elem_id="cancel-remove")
            with gr.Row():
                restore_dd = gr.Dropdown([], value=None, label="Restore a removed report",
                                         elem_id="restore-choice", allow_custom_value=True)
                restore_btn = gr.Button("Restore", elem_id="restore")
                reindex_btn = gr.Button("Reindex", elem_id="reindex")
                # Shown while a reindex runs or waits for another ingest's lock.
                cancel_btn = gr.Button("Cancel reindex", visible=False, variant="stop",
                                       elem_id="cancel-reindex")
            status = gr.Textbox(label="Status", interactive=False, lines=3, elem_id="status")

        corpus = [header, library, remove_dd, restore_dd, process, report, example_box]
        demo.load(docs_h.on_load, None, [status, cancel_btn, *corpus], api_visibility="private")
        demo.load(chat_h.reload, saved, [chatbot, turns, exports, export_btn],
                  api_visibility="private")

        chat_io = dict(
            inputs=[msg, chatbot, turns, exports, process, report, year_from, year_to, undated],
            outputs=[chatbot, sources, open_dd, msg, turns, last, viewer, filter_msg, exports,
                     export_btn],
        )
        # After each answer or clear, the conversation is saved in the browser's storage.
        keep = dict(fn=chat_h.save, inputs=[chatbot, turns, exports], outputs=saved,
                    api_visibility="private")
        msg.submit(chat_h.respond, api_name="chat", **chat_io).then(**keep)
        send.click(chat_h.respond, api_visibility="undocumented", **chat_io).then(**keep)
        example_box.click(lambda s: s[0], example_box, msg, api_visibility="private").then(
            chat_h.respond, api_visibility="private", **chat_io).then(**keep)
        clear_out = [chatbot, sources, open_dd, turns, last, viewer, exports, export_btn,
                     original]
        clear_btn.click(chat_h.clear, None, clear_out, api_name="clear").then(**keep)
        # (the chatbot's own trash icon)
        chatbot.clear(chat_h.clear, None, clear_out, api_visibility="private").then(**keep)
        reset.click(lambda: (ALL, "", "", "", True, ""), None,
                    [process, report, year_from, year_to, undated, filter_msg],
                    api_visibility="private")
        open_dd.change(chat_h.open_source, [open_dd, last], [viewer, original],
                       api_name="open_source")
        cite_go.click(chat_h.open_source, [cite_pick, last], [viewer, original],
                        api_visibility="private")

        lib_out = [status, cancel_btn, *corpus]
        # One documents job at a time; chat events are unaffected (their own limit).
        lib_kw = dict(concurrency_limit=1, concurrency_id="library")
        files.upload(docs_h.upload, files, [files, *lib_out], api_name="upload", **lib_kw)
        remove_btn.click(docs_h.confirm_remove, remove_dd, [confirm_row, confirm_text, status],
                         api_visibility="private")
        confirm_no.click(lambda: gr.update(visible=False), None, confirm_row,
                         api_visibility="private")
        confirm_yes.click(docs_h.remove, remove_dd, [confirm_row, *lib_out], api_name="remove",
                          **lib_kw)
        restore_btn.click(docs_h.restore, restore_dd, lib_out, api_name="restore", **lib_kw)
        reindex_btn.click(docs_h.reindex, None, lib_out, api_name="reindex", **lib_kw)
        # Not in the library's queue: it must run while the reindex holds that slot.
        cancel_btn.click(docs_h.cancel, None, [status, cancel_btn], api_name="cancel_reindex")

        gr.api(api_ask, api_name="ask")
        gr.api(api_documents, api_name="documents")

    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.reindexer = reindexer  # tests and serve wait on it
    return demo


def launch_app(demo: gr.Blocks, *, server_name: str = "127.0.0.1", server_port: int = 7860,
               auth: tuple[str, str] | None = None, prevent_thread_lock: bool = False,
               settings: Settings | None = None, **kwargs: Any):
    """Serve `demo` with the app's CSS, JS and upload size limit.

    Gradio's own limit is set above ours (twice it), so a file a little over the limit reaches
    the upload handler and is refused by name in the status box rather than by a pop-up.
    """
    max_mb = (settings or Settings()).max_file_mb
    return demo.launch(
        server_name=server_name, server_port=server_port, auth=auth,
        prevent_thread_lock=prevent_thread_lock, css=CSS, js=JS,
        max_file_size=int(2 * max_mb * 1_000_000), show_error=False, quiet=True, **kwargs,
    )
