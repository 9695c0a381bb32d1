"""Regenerate the README's screenshots (docs/*.png) from the real app in headless Chromium.

    python -m bench.screenshots            # writes docs/answer.png, refusal.png, documents.png,
                                           # mobile.png (about a minute; needs /usr/bin/chromium)

The app runs on a free loopback port over a temporary copy of corpus/, indexed by the real
ingest; nothing in the checkout changes but docs/*.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ANSWER_Q = "How many participants attended the 32nd Senior Officials Meeting?"
REFUSAL_Q = "Who chaired the 2019 Budapest Process meeting in Ankara?"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ask(page, question: str) -> None:
    n = page.locator("#chat .searched").count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function("n => document.querySelectorAll('#chat .searched').length > n",
                           arg=n, timeout=180_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs"), help="folder for the PNG files")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from playwright.sync_api import sync_playwright

    from assistant.settings import Settings
    from ingest.pipeline import run_ingest
    from ui.app import build_app, launch_app

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="screens-") as tmp:
        shutil.copytree(ROOT / "corpus", Path(tmp) / "corpus")
        settings = Settings().with_(corpus_dir=Path(tmp) / "corpus",
                                    store_dir=Path(tmp) / "store", llm=None)
        run_ingest(settings, progress=False)
        demo = build_app(settings=settings)
        port = _port()
        launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                   settings=settings)
        url = f"http://127.0.0.1:{port}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                            args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.goto(url)
                page.wait_for_selector("#header .welcome", timeout=180_000)
                _ask(page, ANSWER_Q)
                page.locator("#chat sup.cite").first.click()
                page.wait_for_selector("#viewer #open-passage", timeout=180_000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(out / "answer.png"), full_page=True)
                page.click("#clear")
                page.wait_for_function("() => !document.querySelector('#chat .searched')")
                _ask(page, REFUSAL_Q)
                page.wait_for_timeout(300)
                page.screenshot(path=str(out / "refusal.png"), full_page=True)
                page.click("button[role='tab']:has-text('Documents')")
                page.wait_for_selector("#library table")
                page.screenshot(path=str(out / "documents.png"), full_page=True)
                phone = browser.new_page(viewport={"width": 390, "height": 844})
                phone.goto(url)
                phone.wait_for_selector("#header .welcome", timeout=180_000)
                _ask(phone, ANSWER_Q)
                phone.wait_for_timeout(300)
                phone.screenshot(path=str(out / "mobile.png"))
                browser.close()
        finally:
            demo.close()
    for name in ("answer", "refusal", "documents", "mobile"):
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
