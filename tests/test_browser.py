"""A real headless Chromium against the real app: citations and highlights in the DOM, the
document viewer scrolled to the passage, and hostile report text shown as text, never run.

Saves docs/screenshot.png (a real answer with its sources). Skipped only without
/usr/bin/chromium (CI installs it: .ci/run).
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SEED_Q = "How many participants attended the 32nd Senior Officials Meeting?"
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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    from ingest.pipeline import run_ingest
    from ui.app import build_app, launch_app

    tmp = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    (tmp / "corpus" / "hostile_report.html").write_text(HOSTILE_HTML, encoding="utf-8")
    settings = Settings().with_(corpus_dir=tmp / "corpus", store_dir=tmp / "store", llm=None)
    run_ingest(settings, progress=False)
    demo = build_app(settings=settings)
    port = free_port()
    launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               settings=settings)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(url, wait_until="domcontentloaded")
    pg.wait_for_selector("#question textarea", timeout=30_000)
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    ctx.close()


def ask(page, question: str) -> None:
    """Type a question, press Enter, wait for the bot's reply and its sources."""
    bots = page.locator("#chat [data-testid='bot']").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "n => [...document.querySelectorAll(\"#chat [data-testid='bot']\")]"
        ".filter(e => e.innerText.trim() !== '…').length > n", arg=bots, timeout=30_000)
    page.wait_for_selector("#sources .source, #sources .pointer", timeout=30_000)


def open_source(page, index: int = 1) -> None:
    page.click("#open-source input")
    page.locator("#open-source [role=option]").filter(has_text=f"[{index}]").first.click()
    page.wait_for_selector("#viewer #open-passage", timeout=30_000)


def test_example_question_asks_in_one_click(page):
    example = page.locator("#examples button").first
    asked = example.inner_text().strip()
    assert asked.startswith(("How many", "Who", "What"))
    example.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"#chat [data-testid='bot']\")]"
        ".some(e => e.innerText.trim() && e.innerText.trim() !== '…')", timeout=30_000)
    assert asked[:30] in page.locator("#chat [data-testid='user']").first.inner_text()
    page.wait_for_selector("#sources .source, #sources .pointer", timeout=30_000)


def test_answer_shows_citation_and_highlighted_quote(page):
    ask(page, SEED_Q)
    reply = page.locator("#chat .message.bot, #chat [data-testid='bot']").last
    assert "64" in reply.inner_text()
    assert page.locator("#chat sup.cite").count() >= 1
    source = page.locator("#sources .source").first
    assert "[1]" in source.inner_text() and "Budapest Process" in source.inner_text()
    assert "64 participants" in source.locator("mark").first.inner_text()

    open_source(page, 1)
    # The passage is scrolled into the viewer's visible area.
    visible = page.evaluate("""() => {
        const box = document.querySelector('#viewer .document');
        const p = document.querySelector('#viewer #open-passage');
        const b = box.getBoundingClientRect(), r = p.getBoundingClientRect();
        return {top: r.top - b.top, bottom: b.bottom - r.top, scroll: box.scrollTop,
                tall: box.scrollHeight > box.clientHeight};
    }""")
    assert visible["top"] >= 0 and visible["bottom"] > 0, visible
    assert "64 participants" in page.locator("#viewer mark").first.inner_text()
    page.wait_for_timeout(300)
    (ROOT / "docs").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "docs" / "screenshot.png"), full_page=True)
    assert not page.errors


def test_hostile_report_is_shown_as_text_and_runs_nothing(page):
    ask(page, HOSTILE_Q)
    sources = page.locator("#sources").inner_text()
    assert "<script>window.__pwned=1</script>" in sources
    assert '<img src=x onerror="window.__pwned=2"> & "Safety"' in sources
    # The user's own text is data too.
    ask(page, 'Who chaired it? <img src=x onerror="window.__pwned=5"> **not bold**')
    assert '<img src=x onerror="window.__pwned=5"> **not bold**' in page.locator(
        "#chat").inner_text()
    open_source(page, 1)
    viewer = page.locator("#viewer").inner_text()
    assert '<img src=x onerror="window.__pwned=3"> must stay as text.' in viewer
    page.click("button[role='tab']:has-text('Documents')")
    page.wait_for_selector("#library table", timeout=10_000)
    assert '<img src=x onerror="window.__pwned=2">' in page.locator("#library").inner_text()
    page.wait_for_timeout(500)  # give any injected handler time to fire
    assert page.evaluate("() => window.__pwned") is None
    for where in ("#chat", "#sources", "#viewer", "#library"):
        assert page.locator(f"{where} script, {where} img[src='x']").count() == 0, where
    assert not page.errors
