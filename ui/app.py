"""The Gradio app: chat with cited sources, a document viewer, and the documents tab.

`build_app()` only builds the Blocks (no model loading, no serving); `launch_app()` serves it.
The app holds no retrieval logic: it calls `answer_fn` and formats with `ui.render`.

    >>> demo = build_app(settings=Settings.from_env())
    >>> launch_app(demo, server_name="127.0.0.1", server_port=7860)

API for scripts (gradio_client): `/ask` (question, process, year_from, year_to) ->
`Answer.to_dict()`; `/documents` -> the indexed reports.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import Answer, Filters, Settings

from . import render
from .library import Reindexer, UploadError, remove_document, save_upload, supported_extensions

log = logging.getLogger(__name__)

ALL = "All processes"
CONCURRENCY = 8  # events of one kind served at once (Gradio's default of 1 would queue users)
# Scroll the opened passage into view inside the viewer whenever its content changes.
SCROLL_JS = """
const go = () => {
  const box = element.querySelector('.document');
  const p = element.querySelector('#open-passage');
  if (!box || !p) return;
  box.scrollTop = Math.max(0, p.offsetTop - box.clientHeight / 4);
  element.scrollIntoView({block: 'nearest'});
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


def make_filters(process: str | None, year_from: Any, year_to: Any) -> Filters:
    """Filters from the UI's widgets ('All processes' and empty years mean no filter)."""

    def year(v: Any) -> int | None:
        try:
            return (int(v) or None) if v not in (None, "") else None  # 0 = no bound
        except (TypeError, ValueError):
            return None

    proc = process if process and process != ALL else None
    return Filters(process=proc, year_from=year(year_from), year_to=year(year_to))


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

    Args:
        answer_fn: `answer(question, history=..., filters=..., settings=...) -> Answer`;
            default `assistant.answer`. Called from several threads at once.
        settings: default `Settings.from_env()`.
        ingest_fn: `run_ingest(settings, on_progress=..., progress=False)`; default ingest's.
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

    records = records_fn()
    questions = examples if examples is not None else render.example_questions(records)

    def ask(question: str, history=(), filters: Filters | None = None):
        """Yield Answers: partial ones when streaming, else the one answer."""
        kwargs = {"history": tuple(history), "filters": filters or Filters(), "settings": settings}
        if stream_fn is not None:
            yield from stream_fn(question, **kwargs)
        else:
            yield answer_fn(question, **kwargs)

    # --- chat ---------------------------------------------------------------------------

    def respond(question, chat, turns, process, year_from, year_to):
        question = (question or "").strip()
        chat, turns = list(chat or []), list(turns or [])
        if not question:
            yield chat, gr.skip(), gr.skip(), gr.skip(), turns, gr.skip(), gr.skip()
            return
        filters = make_filters(process, year_from, year_to)
        chat.append({"role": "user", "content": render.render_user(question)})
        chat.append({"role": "assistant", "content": "…"})
        result: Answer | None = None
        try:
            for result in ask(question, [tuple(t) for t in turns], filters):
                chat[-1] = {"role": "assistant", "content": render.render_answer(result, filters)}
                yield (chat, render.render_sources(result), gr.update(), "", turns, result,
                       gr.skip())
        except Exception as exc:  # noqa: BLE001 - the user sees a message; the log has the trace
            log.exception("answer failed for %r", question)
            chat[-1] = {"role": "assistant", "content":
                        f'<div class="refusal">Error: {render.esc(type(exc).__name__)}</div>'}
            yield chat, gr.skip(), gr.skip(), "", turns, gr.skip(), gr.skip()
            return
        if result is None:
            return
        turns.append((question, result.text))
        choices = render.source_choices(result)
        yield (chat, render.render_sources(result),
               gr.update(choices=choices, value=None), "", turns, result, "")

    def clear():
        return [], render.render_sources(None), gr.update(choices=[], value=None), [], None, ""

    def open_source(index, last: Answer | None):
        if last is None or index in (None, ""):
            return ""
        items = last.citations if last.answered else last.pointers
        c = next((c for c in items if c.index == int(index)), None)
        if c is None:
            return ""
        text = text_fn(c.source)
        if text is None:
            return f'<div class="document">{render.esc(c.source)}: no longer indexed.</div>'
        return render.render_document(text, c, title=c.title or c.source)

    # --- documents ----------------------------------------------------------------------

    def library_outputs(status: str):
        recs = records_fn()
        return (
            status,
            render.render_library(recs),
            gr.update(choices=sorted(recs), value=None),
            gr.update(choices=[ALL, *render.process_choices(recs)]),
        )

    def follow(messages: list[str]):
        reindexer.request()
        for p in reindexer.follow():
            if p.running:
                yield "\n".join([*messages, p.describe()]), gr.skip(), gr.skip(), gr.skip()
        yield library_outputs("\n".join([*messages, reindexer.progress.describe()]))

    def upload(files):
        messages, saved = [], 0
        for f in files or []:
            path = Path(f if isinstance(f, str) else getattr(f, "name", f))
            try:
                target = save_upload(path, path.name, settings, allowed=exts)
                messages.append(f"Added {target.name}.")
                saved += 1
            except UploadError as exc:
                messages.append(f"Refused {exc}")
        if not saved:
            yield library_outputs("\n".join(messages) or "No file given.")
            return
        yield from follow(messages)

    def remove(source):
        if not source:
            yield library_outputs("Choose a report to remove.")
            return
        try:
            remove_document(source, settings)
        except UploadError as exc:
            yield library_outputs(f"Not removed: {exc}")
            return
        yield from follow([f"Removed {source}."])

    def reindex():
        yield from follow([])

    # --- API ----------------------------------------------------------------------------

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

    # --- layout -------------------------------------------------------------------------

    with gr.Blocks(title="Migration dialogue assistant") as demo:
        gr.Markdown("## Migration dialogue assistant\nAnswers from the Budapest and Prague "
                    "Process reports, with the passages they rest on.")
        turns = gr.State([])
        last = gr.State(None)
        with gr.Tab("Chat"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(
                        label="Conversation", elem_id="chat", height=460,
                        latex_delimiters=[], sanitize_html=True, feedback_options=None,
                        buttons=["copy"],
                    )
                    with gr.Row():
                        msg = gr.Textbox(show_label=False, scale=5, elem_id="question",
                                         placeholder="Ask about the meetings…", max_lines=4)
                        send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    with gr.Row():
                        process = gr.Dropdown([ALL, *render.process_choices(records)],
                                              value=ALL, label="Process", elem_id="process")
                        year_from = gr.Number(None, label="From year", precision=0,
                                              elem_id="year-from")
                        year_to = gr.Number(None, label="To year", precision=0, elem_id="year-to")
                    example_box = gr.Dataset(
                        components=[msg], samples=[[q] for q in questions],
                        label="Example questions (click to ask)", elem_id="examples",
                    )
                    clear_btn = gr.Button("Clear conversation", elem_id="clear")
                with gr.Column(scale=2):
                    sources = gr.HTML(render.render_sources(None), elem_id="sources",
                                      js_on_load=None)
                    open_dd = gr.Dropdown([], label="Open a source (whole report)",
                                          elem_id="open-source")
                    viewer = gr.HTML("", elem_id="viewer", js_on_load=SCROLL_JS)
        with gr.Tab("Documents"):
            library = gr.HTML(render.render_library(records), elem_id="library",
                              js_on_load=None)
            files = gr.File(
                label=f"Add reports ({', '.join(exts)}; up to {settings.max_file_mb:g} MB each)",
                file_count="multiple", file_types=list(exts), type="filepath",
                elem_id="upload",
            )
            with gr.Row():
                remove_dd = gr.Dropdown(sorted(records), label="Remove a report",
                                        elem_id="remove-choice")
                remove_btn = gr.Button("Remove", variant="stop", elem_id="remove")
                reindex_btn = gr.Button("Reindex", elem_id="reindex")
            status = gr.Textbox(label="Status", interactive=False, lines=3, elem_id="status",
                                value=reindexer.progress.describe())

        chat_io = dict(
            inputs=[msg, chatbot, turns, process, year_from, year_to],
            outputs=[chatbot, sources, open_dd, msg, turns, last, viewer],
        )
        msg.submit(respond, api_name="chat", **chat_io)
        send.click(respond, api_visibility="undocumented", **chat_io)
        example_box.click(lambda s: s[0], example_box, msg, api_visibility="private").then(
            respond, api_visibility="private", **chat_io)
        clear_out = [chatbot, sources, open_dd, turns, last, viewer]
        clear_btn.click(clear, None, clear_out, api_name="clear")
        chatbot.clear(clear, None, clear_out, api_visibility="private")  # its trash icon
        open_dd.change(open_source, [open_dd, last], viewer, api_name="open_source")

        lib_out = [status, library, remove_dd, process]
        # One documents job at a time; chat events are unaffected (their own limit).
        lib_kw = dict(outputs=lib_out, concurrency_limit=1, concurrency_id="library")
        files.upload(upload, files, api_name="upload", **lib_kw)
        remove_btn.click(remove, remove_dd, api_name="remove", **lib_kw)
        reindex_btn.click(reindex, None, api_name="reindex", **lib_kw)

        gr.api(api_ask, api_name="ask")
        gr.api(api_documents, api_name="documents")

    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.reindexer = reindexer  # tests and serve wait on it
    return demo


def launch_app(demo: gr.Blocks, *, server_name: str = "127.0.0.1", server_port: int = 7860,
               auth: tuple[str, str] | None = None, prevent_thread_lock: bool = False,
               settings: Settings | None = None, **kwargs: Any):
    """Serve `demo` with the app's CSS and upload size limit; returns Gradio's launch result."""
    max_mb = (settings or Settings()).max_file_mb
    return demo.launch(
        server_name=server_name, server_port=server_port, auth=auth,
        prevent_thread_lock=prevent_thread_lock, css=render.CSS,
        max_file_size=f"{max_mb:g}mb", show_error=False, quiet=True, **kwargs,
    )
