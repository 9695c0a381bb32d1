"""A real headless Chromium against the real app (Gradio on loopback, real store and ingest):
what a person sees, point by point of issue 10 ("The chat as people use it").

Each test names the point it keeps fixed (p1 ... p13); the cancel tests keep issue 11's point 3.
Screenshots for the README are written by `python -m bench.screenshots`, which drives the same
pages. Skipped only without /usr/bin/chromium (CI installs it: .ci/run).
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEED_Q = "How many participants attended the 32nd Senior Officials Meeting?"
ISTANBUL_Q = "Who opened the 2022 meeting in Istanbul?"
BELARUS_Q = "What was decided about Belarus?"
REFUSAL_Q = "Who chaired the 2019 Budapest Process meeting in Ankara?"  # no 2019, no Ankara
HOSTILE_Q = "What did the working group agree to open for stranded migrants?"
# A report that *mentions* markup: the loader decodes the entities, so the indexed text holds
# a literal <script> and <img onerror>. Each would set window.__pwned if it ever ran.
HOSTILE_HTML = """<!DOCTYPE html><html><head>
<title>Hotline Working Group &lt;img src=x onerror="window.__pwned=2"&gt; &amp; "Safety"</title>
</head><body>
<h1>Hotline Working Group &lt;img src=x onerror="window.__pwned=2"&gt; &amp; "Safety"</h1>
<p>Date: 12 March 2021</p>
<p>The working group agreed to open a 24-hour hotline for stranded migrants
&lt;script&gt;window.__pwned=1&lt;/script&gt; by June 2021.</p>
<p>Participants noted that &lt;img src=x onerror="window.__pwned=3"&gt; must stay as text.</p>
</body></html>
"""
MAX_MB = 0.2  # upload limit of the module's app: a 250 KB file is over it

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(settings: Settings, **kwargs):
    """Build and launch the real app on a free loopback port; returns (demo, url)."""
    from ui.app import build_app, launch_app

    demo = build_app(settings=settings, **kwargs)
    port = free_port()
    launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               settings=settings)
    return demo, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from ingest.pipeline import run_ingest

    tmp = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    (tmp / "corpus" / "hostile_report.html").write_text(HOSTILE_HTML, encoding="utf-8")
    settings = Settings().with_(corpus_dir=tmp / "corpus", store_dir=tmp / "store", llm=None,
                                max_file_mb=MAX_MB)
    run_ingest(settings, progress=False)
    demo, url = serve(settings)
    yield {"url": url, "settings": settings, "demo": demo, "corpus": tmp / "corpus"}
    demo.close()


@pytest.fixture(scope="module")
def url(app):
    return app["url"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def open_page(browser, url, width=1400, height=900):
    ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector("#question textarea", timeout=30_000)
    pg.wait_for_selector("#header .welcome", timeout=30_000)  # the page-load event ran
    pg.errors = errors  # type: ignore[attr-defined]
    return pg


@pytest.fixture
def page(browser, url):
    pg = open_page(browser, url)
    yield pg
    pg.context.close()


@pytest.fixture
def phone(browser, url):
    pg = open_page(browser, url, 390, 844)
    yield pg
    pg.context.close()


def bots(page):
    return page.locator("#chat [data-testid='bot']")


def ask(page, question: str) -> str:
    """Type a question, press Enter, wait for the bot's reply and its sources; its text."""
    n = page.locator("#chat .searched").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .searched').length > n", arg=n, timeout=30_000)
    page.wait_for_selector("#sources .source, #sources .pointer", timeout=30_000)
    return answer_text(page)


def answer_text(page) -> str:
    """The last reply's answer (or refusal) text, without its sources list."""
    return bots(page).last.locator(".answer, .refusal").first.evaluate(
        "e => { const c = e.cloneNode(true);"
        " c.querySelectorAll('.msg-sources, .searched, .copy-text, .hint').forEach(x => x.remove());"
        " return c.innerText.trim(); }")


def clear(page) -> None:
    page.click("#clear")
    page.wait_for_function("() => !document.querySelector('#chat .searched')")


def pick(page, where: str, text: str) -> None:
    """Choose the option containing `text` in the Gradio dropdown `where`."""
    page.click(f"{where} input")
    page.locator(f"{where} [role=option], [role=listbox] [role=option]").filter(
        has_text=text).first.click()


def documents_tab(page) -> None:
    page.click("button[role='tab']:has-text('Documents')")
    page.wait_for_selector("#library table", timeout=10_000)


def status(page) -> str:
    return page.locator("#status textarea").input_value()


def wait_status(page, pattern: str, timeout: float = 90_000) -> str:
    page.wait_for_function(
        "p => new RegExp(p).test(document.querySelector('#status textarea').value)",
        arg=pattern, timeout=timeout)
    return status(page)


def upload(page, paths) -> str:
    """Upload files through the Documents tab's file input; the final status."""
    before = status(page)
    page.set_input_files("#upload input[type=file]", [str(p) for p in paths])
    page.wait_for_function(
        "b => { const v = document.querySelector('#status textarea').value;"
        " return v !== b && !v.includes('Reindexing') && !v.includes('checking'); }",
        arg=before, timeout=120_000)
    return status(page)


# ------------------------------------------------------------------ p1: conversation


def test_p1_second_unrelated_question_answers_as_if_asked_alone(page):
    alone = ask(page, BELARUS_Q)
    clear(page)
    ask(page, ISTANBUL_Q)
    second = ask(page, BELARUS_Q)
    assert second == alone and "Belarus" in second


def test_p1_follow_up_uses_the_conversation(page):
    assert "Ünlü" in ask(page, ISTANBUL_Q)
    assert "Istanbul" in ask(page, "Where was it held?")


# ------------------------------------------------------------------ p2, p3, p5, p8: documents


def test_p2_removal_asks_names_the_report_and_can_be_undone(page, app, tmp_path):
    corpus, trash = app["corpus"], Path(app["settings"].store_dir) / "trash"
    documents_tab(page)
    assert page.locator("#remove-choice input").input_value() == ""  # nothing preselected
    page.click("#remove-choice input")
    options = page.locator("[role=option]").all_inner_texts()
    assert any("Budapest Process — 32nd Senior Officials Meeting" in o and
               "001_06afa2b095fced14.txt" in o for o in options), options
    page.keyboard.press("Escape")
    page.click("#remove")  # nothing chosen: nothing happens but a word
    assert "Choose a report" in wait_status(page, "Choose a report")
    pick(page, "#remove-choice", "32nd Senior Officials")
    page.click("#remove")
    confirm = page.locator("#confirm-text")
    confirm.wait_for(timeout=10_000)
    assert "Budapest Process — 32nd Senior Officials Meeting" in confirm.inner_text()
    assert "001_06afa2b095fced14.txt" in confirm.inner_text()
    page.click("#cancel-remove")
    page.wait_for_selector("#confirm-text", state="hidden")
    assert (corpus / "001_06afa2b095fced14.txt").exists()
    page.click("#remove")
    page.click("#confirm-remove")
    done = wait_status(page, "Reindexed")
    assert "Removed 001_06afa2b095fced14.txt" in done and "removed 1" in done, done
    assert not (corpus / "001_06afa2b095fced14.txt").exists()
    assert (trash / "001_06afa2b095fced14.txt").exists()
    assert "32nd Senior Officials" not in page.locator("#library table").inner_text()
    # Undo: restore from the Documents tab.
    pick(page, "#restore-choice", "001_06afa2b095fced14.txt")
    page.click("#restore")
    done = wait_status(page, "Restored.*\\n.*Reindexed")
    assert "added 1" in done, done
    assert (corpus / "001_06afa2b095fced14.txt").exists()
    page.wait_for_function("() => document.querySelector('#library table').innerText"
                           ".includes('32nd Senior Officials')")
    # A same-name upload keeps both.
    same = tmp_path / "hostile_report.html"
    same.write_text("<h1>Another report</h1><p>The board met in Riga on 3 May 2024.</p>",
                    encoding="utf-8")
    done = upload(page, [same])
    assert "as hostile_report-2.html" in done and "both are kept" in done, done
    assert (corpus / "hostile_report.html").read_text(encoding="utf-8") == HOSTILE_HTML
    assert "Riga" in (corpus / "hostile_report-2.html").read_text(encoding="utf-8")


def test_p3_documents_filter_and_header_follow_the_index(browser, url, app, tmp_path):
    new = {
        "vistula_one.txt": "Vistula Process Working Group\n\nDate: 3 May 2023\n\n"
                           "The Vistula Process working group met in Gdansk.\n",
        "vistula_two.txt": "Vistula Process Senior Officials Meeting\n\nDate: 9 June 2024\n\n"
                           "Officials of the Vistula Process met in Torun.\n",
    }
    page = open_page(browser, url)
    try:
        documents_tab(page)
        for name, text in new.items():  # two uploads, one after the other
            (tmp_path / name).write_text(text, encoding="utf-8")
            assert "Reindexed" in upload(page, [tmp_path / name])
        page.reload()
        page.wait_for_selector("#header .welcome", timeout=30_000)
        from assistant.store import Store

        n_files = len(Store(app["settings"]).doc_records())
        header = page.locator("#header").inner_text()
        assert f"{n_files} reports indexed" in header and "Vistula Process" in header, header
        documents_tab(page)
        table = page.locator("#library table").inner_text()
        assert "vistula_one.txt" in table and "vistula_two.txt" in table
        assert page.locator("#library tbody tr").count() == n_files
        page.click("#remove-choice input")
        options = page.locator("[role=option]").all_inner_texts()
        assert any("vistula_two.txt" in o for o in options), options  # removable at once
        page.keyboard.press("Escape")
        page.click("button[role='tab']:has-text('Chat')")
        page.click("#filters")
        page.click("#process input")
        assert "Vistula Process" in page.locator("[role=option]").all_inner_texts()
    finally:
        page.context.close()


def test_p5_reindex_progress_names_file_counts_chunks_and_summarises(page, tmp_path):
    big = tmp_path / "long_report.txt"
    # Long enough (about 200 chunks) that embedding it outlasts several of the status line's
    # half-second updates on a fast machine: 60 chunks could finish between two of them.
    n = 1200
    sentences = [f"Delegation {i} of the Danube Process presented measure number {i} on "
                 f"labour mobility, return and reintegration in region {i % 17}." for i in range(n)]
    big.write_text("Danube Process Long Report\n\n" + "\n\n".join(
        " ".join(sentences[i:i + 3]) for i in range(0, n, 3)), encoding="utf-8")
    assert big.stat().st_size < MAX_MB * 1e6
    broken = tmp_path / "scan_only.pdf"
    broken.write_bytes(b"%PDF-1.4\n" + b"\x00garbled" * 50)  # a PDF signature, no PDF
    documents_tab(page)
    before = status(page)
    page.set_input_files("#upload input[type=file]", [str(big), str(broken)])
    seen: list[str] = []
    for _ in range(800):
        s = status(page)
        if s != before and (not seen or seen[-1] != s):
            seen.append(s)
        if seen and "Reindexed" in s:
            break
        page.wait_for_timeout(150)
    running = [s for s in seen if "Reindexing" in s]
    assert any(re.search(r"\d+/2 files done, now (long_report\.txt|scan_only\.pdf)", s)
               for s in running), seen
    counts = [int(m.group(1)) for s in running if (m := re.search(r"(\d+) chunks embedded", s))]
    assert len(set(counts)) >= 2 and max(counts) > 0, seen  # it moves while it works
    final = seen[-1]
    assert "added 1" in final and "failed 1" in final, final
    assert re.search(r"Failed scan_only\.pdf: .+", final), final


def test_p8_upload_refusals_name_the_file_and_leave_the_list(page, tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    big = tmp_path / "huge.txt"
    big.write_text("The meeting was long. " * 12_000, encoding="utf-8")  # 264 KB > 0.2 MB
    good = tmp_path / "riga_note.txt"
    good.write_text("Riga Note\n\nThe Riga board met on 3 May 2024.\n", encoding="utf-8")
    documents_tab(page)
    done = upload(page, [fake, big, good])
    assert "Refused fake.pdf: the content is not a PDF file" in done, done
    assert re.search(r"Refused huge\.txt: 0\.25\d* MiB is over the 0\.2 MiB limit", done), done
    assert "Added riga_note.txt" in done and "Reindexed" in done, done
    # The upload list is emptied: a refused file is not shown as if accepted.
    assert page.locator("#upload").inner_text().count("fake.pdf") == 0


# ------------------------------------------------------------------ issue 11, point 3: cancel

N_NOTES = 24  # new reports a cancelled reindex leaves partly done


class SlowEmbedder:
    """The app's embedder, a fixed delay per call: a reindex long enough to cancel mid-way."""

    def __init__(self, inner, delay: float):
        self._inner, self._delay = inner, delay

    def encode_with_units(self, texts, spans, **kwargs):
        time.sleep(self._delay)
        return self._inner.encode_with_units(texts, spans, **kwargs)

    def __getattr__(self, name):
        return getattr(self._inner, name)


@pytest.fixture
def cancel_app(tmp_path, monkeypatch):
    """Its own app over the seeds (indexed) and N_NOTES new reports not indexed yet; each
    file is embedded and committed on its own and takes at least 0.4 s."""
    from ingest.pipeline import run_ingest

    # One file per embedding window, as a big corpus's windows follow one another.
    monkeypatch.setattr("ingest.indexer.WINDOW_CHUNKS", 1)
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings().with_(corpus_dir=corpus, store_dir=tmp_path / "store", llm=None,
                                max_file_mb=MAX_MB)
    run_ingest(settings, progress=False)
    for i in range(N_NOTES):
        (corpus / f"note_{i:02d}.txt").write_text(
            f"Vienna Note {i}\n\nDate: {i % 28 + 1} May 2023\n\nThe working group {i} met in "
            f"Vienna and agreed on measure {i} for seasonal workers.\n", encoding="utf-8")

    def ingest_fn(s, **kw):
        return run_ingest(s, **{**kw, "embedder": SlowEmbedder(kw["embedder"], 0.4)})

    demo, url = serve(settings, ingest_fn=ingest_fn)
    yield {"url": url, "settings": settings, "demo": demo, "seeds": 3}
    demo.close()


def indexed(settings: Settings) -> dict[str, dict]:
    from assistant.store import Store

    return Store(settings).doc_records()


def test_reindex_can_be_cancelled_and_the_next_reindex_completes(browser, cancel_app):
    from assistant.store import DONE

    settings, seeds = cancel_app["settings"], cancel_app["seeds"]
    page = open_page(browser, cancel_app["url"])
    try:
        documents_tab(page)
        assert not page.locator("#cancel-reindex").is_visible()  # no reindex, no Cancel
        page.click("#reindex")
        page.wait_for_selector("#cancel-reindex", state="visible", timeout=30_000)
        wait_status(page, rf"Reindexing: ([2-9]|\d\d+)/{N_NOTES} files done")
        page.click("#cancel-reindex")
        final = wait_status(page, "Reindex cancelled", timeout=60_000)
        page.wait_for_selector("#cancel-reindex", state="hidden", timeout=10_000)
        m = re.search(r"(\d+) of (\d+) files committed", final)
        assert m and int(m.group(2)) == N_NOTES, final
        done = int(m.group(1))
        assert 2 <= done < N_NOTES, final  # ended early
        assert (f"the other {N_NOTES - done} are left as they were and will be redone on the "
                "next reindex") in final, final
        records = indexed(settings)
        assert len(records) == seeds + done < seeds + N_NOTES, final
        assert all(r["status"] == DONE for r in records.values()), records  # no PENDING
        # The next reindex completes the rest.
        page.click("#reindex")
        final = wait_status(page, "Reindexed", timeout=120_000)
        assert f"added {N_NOTES - done}," in final, final
        records = indexed(settings)
        assert len(records) == seeds + N_NOTES
        assert all(r["status"] == DONE for r in records.values()), records
        assert not page.locator("#cancel-reindex").is_visible()
        assert not page.errors
    finally:
        page.context.close()


def test_cancel_stops_a_reindex_waiting_for_another_ingest(browser, cancel_app):
    from assistant.store import Store
    from ingest.lock import WriterLock

    settings = cancel_app["settings"]
    before = indexed(settings)
    page = open_page(browser, cancel_app["url"])
    try:
        documents_tab(page)
        with WriterLock(settings, Store(settings)):  # another ingest holds the store
            page.click("#reindex")
            wait_status(page, "^Waiting: another ingest is running")
            page.wait_for_selector("#cancel-reindex", state="visible", timeout=10_000)
            page.click("#cancel-reindex")
            # The wait ends while the other ingest still holds the lock.
            final = wait_status(page, "Reindex cancelled", timeout=15_000)
            page.wait_for_selector("#cancel-reindex", state="hidden", timeout=10_000)
            assert cancel_app["demo"].reindexer.wait(5)
        assert final.startswith("Reindex cancelled while waiting: another ingest is running"), final
        assert f"0 of {N_NOTES} files committed, all will be done on the next reindex" in final
        assert indexed(settings) == before
    finally:
        page.context.close()


# ------------------------------------------------------------------ p4, p9, p10: answers


def test_p4_copy_gives_plain_text_with_sources(page):
    ask(page, SEED_Q)
    reply = bots(page).last
    reply.hover()
    page.locator("#chat button[title*='opy'], #chat button[aria-label*='opy']").last.click()
    clip = page.evaluate("() => navigator.clipboard.readText()")
    assert "<" not in clip and "&#" not in clip, clip
    assert "64 participants" in clip and "[1]" in clip
    assert re.search(r"Sources:\n\[1\] Budapest Process — 32nd Senior Officials Meeting, .*"
                     r"001_06afa2b095fced14\.txt", clip), clip
    label = reply.get_attribute("aria-label")
    assert "<" not in label and "64 participants" in label, label  # screen readers


def test_p9_citations_open_the_report_and_cards_are_distinct(page):
    ask(page, SEED_Q)
    page.locator("#chat sup.cite").first.click()  # the [1] marker in the answer
    page.wait_for_selector("#viewer #open-passage", timeout=30_000)
    assert "64 participants" in page.locator("#viewer mark").first.inner_text()
    # The passage is scrolled into the viewer's visible area.
    page.wait_for_timeout(300)
    visible = page.evaluate("""() => {
        const box = document.querySelector('#viewer .document');
        const p = document.querySelector('#viewer #open-passage');
        const b = box.getBoundingClientRect(), r = p.getBoundingClientRect();
        return {top: r.top - b.top, bottom: b.bottom - r.top};
    }""")
    assert visible["top"] >= 0 and visible["bottom"] > 0, visible
    assert "001_06afa2b095fced14.txt" in page.locator("#original").inner_text()
    with page.expect_download() as dl:
        page.click("#original")
    assert dl.value.suggested_filename == "001_06afa2b095fced14.txt"
    assert "64 participants" in Path(dl.value.path()).read_text(encoding="utf-8")
    clear(page)
    ask(page, HOSTILE_Q)
    page.locator("#sources .source").first.click()  # a source card
    page.wait_for_selector("#viewer #open-passage", timeout=30_000)
    assert "hotline" in page.locator("#viewer #open-passage").inner_text()
    # Cards from one report carry their section or page, so two of them can be told apart.
    metas = page.locator("#sources .source .source-meta").all_inner_texts()
    assert all(m for m in metas)


def test_p9_refusal_pointers_and_viewer_list_agree(page):
    ask(page, REFUSAL_Q)
    cards = [t.split("\n")[0] for t in page.locator("#sources .pointer").all_inner_texts()]
    page.click("#open-source input")
    options = page.locator("[role=option]").all_inner_texts()
    assert len(cards) == len(options) and cards, (cards, options)
    assert len(set(options)) == len(options), options  # each passage labelled apart
    listed = bots(page).last.locator(".msg-sources li").all_inner_texts()
    assert len(set(listed)) == len(listed) == len(cards), listed
    for card, option in zip(cards, options, strict=True):
        assert card.lstrip("• ").strip() in option, (card, option)


def test_p10_refusal_says_why_and_foreign_question_gets_a_hint(page):
    ask(page, REFUSAL_Q)
    reply = bots(page).last
    assert "Not in the documents" in reply.inner_text()
    why = reply.locator(".reason").inner_text()
    assert why.startswith("Why: ") and "2019" in why, why
    assert "Closest passages" in reply.inner_text()
    ask(page, "Wer hat das Treffen 2022 in Istanbul eröffnet?")
    assert "searched in English" in bots(page).last.inner_text()


def test_titles_are_readable_and_file_names_secondary(page):
    ask(page, "What is the Prague Process?")
    card = page.locator("#sources .source, #sources .pointer").first
    assert card.locator(".source-title").inner_text() == "Prague Process newsletter, 2010-12-15"
    assert "004_7b05704cdeef6cba.txt" in card.locator(".source-meta").inner_text()


def test_p6_pdf_citation_gives_the_page_of_the_quote(page, tmp_path):
    from tests.conftest import make_pdf

    pages = [
        ["Tallinn Process Minutes", "", "Date: 4 April 2024", "",
         "The chair welcomed the delegations to the meeting in Tallinn.",
         "The agenda was adopted without changes."],
        ["The delegations agreed to open a regional helpdesk for seasonal workers in Tartu.",
         "The next meeting will be held in the autumn."],
        ["Annex: the list of participants from nine countries is kept by the secretariat."],
    ]
    pdf = tmp_path / "tallinn_minutes.pdf"
    pdf.write_bytes(make_pdf(pages))

    def page_of(quote: str) -> int:
        flat = [" ".join(" ".join(p).split()) for p in pages]
        return next(i for i, text in enumerate(flat, start=1) if quote[:40] in text)

    documents_tab(page)
    assert "Reindexed" in upload(page, [pdf])
    page.click("button[role='tab']:has-text('Chat')")
    ask(page, "What did the delegations agree to open for seasonal workers?")
    card = page.locator("#sources .source").first
    assert "helpdesk" in card.locator("mark").inner_text()
    assert "p. 2" in card.locator(".source-meta").inner_text()
    assert "p. 2" in bots(page).last.locator(".msg-sources").inner_text()
    # Every citation and pointer of the PDF shows the page its quote is on.
    checked: set[int] = set()
    for q in ("What did the delegations agree to open for seasonal workers?",
              "Who welcomed the delegations to the meeting in Tallinn?",
              "Who keeps the list of participants from nine countries?"):
        ask(page, q)
        for card in page.locator("#sources .source, #sources .pointer").all():
            meta = card.locator(".source-meta").inner_text()
            if "tallinn_minutes.pdf" not in meta or not card.locator("mark").count():
                continue
            quote = " ".join(card.locator("mark").first.inner_text().split())
            assert f"p. {page_of(quote)}" in meta, (quote, meta)
            checked.add(page_of(quote))
    assert len(checked) >= 2, checked  # quotes from more than one page were checked


def test_example_question_asks_in_one_click(page):
    example = page.locator("#examples button").first
    asked = example.inner_text().strip()
    example.click()
    page.wait_for_function("() => document.querySelectorAll('#chat .searched').length >= 1",
                           timeout=30_000)
    assert asked in page.locator("#chat [data-testid='user']").first.inner_text()
    page.wait_for_selector("#sources .source, #sources .pointer", timeout=30_000)


# ------------------------------------------------------------------ p7: filters


def test_p7_filters_validate_count_show_and_reset(page):
    page.click("#filters")
    assert page.locator("#year-from input, #year-from textarea").input_value() == ""
    assert page.locator("#year-to input, #year-to textarea").input_value() == ""
    assert page.locator("#undated input").is_checked()  # undated reports included by default
    page.fill("#year-from input, #year-from textarea", "2023")
    page.fill("#year-to input, #year-to textarea", "2021")
    page.fill("#question textarea", SEED_Q)
    page.press("#question textarea", "Enter")
    page.wait_for_selector("#filter-msg .filter-msg", timeout=10_000)
    assert "reversed" in page.locator("#filter-msg").inner_text()
    assert bots(page).count() == 0  # not asked with a filter that makes no sense
    page.fill("#year-from input, #year-from textarea", "22")
    page.fill("#year-to input, #year-to textarea", "")
    page.press("#question textarea", "Enter")
    page.wait_for_function("() => document.querySelector('#filter-msg').innerText"
                           ".includes('four-digit')")
    page.fill("#year-from input, #year-from textarea", "2022")
    text = ask(page, SEED_Q)
    assert "64" in text
    searched = bots(page).last.locator(".searched").inner_text()
    # Reports dated 2022 or later, plus the undated ones: counted from what was searched.
    assert re.search(r"Searched: \d+ reports? \(\d+ passages\): from 2022, undated reports "
                     r"included", searched), searched
    assert "25 passages" not in searched
    page.uncheck("#undated input")
    ask(page, SEED_Q)
    assert "undated reports left out" in bots(page).last.locator(".searched").inner_text()
    pick(page, "#report", "Prague Process newsletter")
    ask(page, "What is the Prague Process?")
    searched = bots(page).last.locator(".searched").inner_text()
    assert "1 report (12 passages): only “Prague Process newsletter, 2010-12-15”" in searched
    assert all("004_7b05704cdeef6cba.txt" in m for m in
               page.locator("#sources .source-meta").all_inner_texts())
    page.click("#reset")
    page.wait_for_function("() => document.querySelector('#year-from input, #year-from textarea')"
                           ".value === ''")
    assert page.locator("#undated input").is_checked()
    assert page.locator("#report input").input_value() in ("", "All reports")


# ------------------------------------------------------------------ p11, p12: screens


def test_p11_first_screen_welcomes_and_fits(page):
    header = page.locator("#header").inner_text()
    assert "quote from the reports" in header
    assert page.evaluate("() => !!document.activeElement.closest('#question')")
    examples = page.locator("#examples button")
    assert examples.count() >= 3
    for i in range(examples.count()):
        box = examples.nth(i).bounding_box()
        text = examples.nth(i).inner_text()
        assert box["y"] + box["height"] <= 900 and not text.endswith("..."), (text, box)
    assert "Istanbul" in " ".join(examples.all_inner_texts())  # drawn from what is indexed
    assert not page.locator("#open-source").is_visible()  # no empty dropdown before an answer


def test_p12_mobile_fits_the_screen(phone):
    page = phone
    ask(page, SEED_Q)
    # The answer carries its sources: no scrolling 1,300 px to find them.
    links = bots(page).last.locator(".msg-sources li")
    assert links.count() >= 1
    links.first.click()
    page.wait_for_selector("#viewer #open-passage", timeout=30_000)
    page.wait_for_timeout(600)
    box = page.locator("#viewer #open-passage").bounding_box()
    assert 0 <= box["y"] < 844, box  # the passage is on screen after the click
    doc = page.evaluate("() => { const d = document.querySelector('#viewer .document');"
                        " return [d.scrollHeight, d.clientHeight]; }")
    assert doc[0] <= doc[1] + 2, doc  # not a scroll box inside the scrolling page
    page.click("#filters")
    inp = page.locator("#process input").bounding_box()
    arrow = page.locator("#process .icon-wrap, #process svg").last.bounding_box()
    assert inp["x"] + inp["width"] <= arrow["x"] + 1, (inp, arrow)
    documents_tab(page)
    right = page.evaluate("() => Math.max(...[...document.querySelectorAll('#library td')]"
                          ".map(e => e.getBoundingClientRect().right))")
    assert right <= 390, right
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390


# ------------------------------------------------------------------ p13: what users expect


def test_p13_export_reload_and_api_names(page, url):
    ask(page, SEED_Q)
    with page.expect_download() as dl:
        page.click("#export")
    md = Path(dl.value.path()).read_text(encoding="utf-8")
    assert md.startswith("# Conversation") and f"## {SEED_Q}" in md
    assert "[1]" in md and "Sources:" in md and "001_06afa2b095fced14.txt" in md
    assert "<" not in md
    page.reload()
    page.wait_for_selector("#header .welcome", timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('#chat .searched').length >= 1",
                           timeout=10_000)
    assert "64" in answer_text(page)  # the conversation survived the reload
    info = page.evaluate(f"() => fetch('{url}gradio_api/info').then(r => r.json())")
    names = [r.get("label", "") for ep in info["named_endpoints"].values()
             for r in ep.get("returns", [])]
    assert names and not [n for n in names if re.fullmatch(r"value_\d+", n or "")], names


def test_hostile_report_is_shown_as_text_and_runs_nothing(page):
    ask(page, HOSTILE_Q)
    sources = page.locator("#sources").inner_text()
    assert "<script>window.__pwned=1</script>" in sources
    assert '<img src=x onerror="window.__pwned=2"> & "Safety"' in sources
    ask(page, 'Who chaired it? <img src=x onerror="window.__pwned=5"> **not bold**')
    assert '<img src=x onerror="window.__pwned=5"> **not bold**' in page.locator(
        "#chat").inner_text()
    page.locator("#sources .source, #sources .pointer").first.click()
    page.wait_for_selector("#viewer #open-passage", timeout=30_000)
    documents_tab(page)
    assert '<img src=x onerror="window.__pwned=2">' in page.locator("#library").inner_text()
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert page.evaluate("() => window.__pwned") is None
    for where in ("#chat", "#sources", "#viewer", "#library"):
        assert page.locator(f"{where} script, {where} img[src='x']").count() == 0, where
    assert not page.errors
