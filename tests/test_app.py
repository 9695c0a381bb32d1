"""The real app on a free loopback port, driven by gradio_client; and `serve`'s bind check.

One app per module over a tmp copy of the seeds, indexed by the real ingest into a tmp store.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from assistant.settings import Settings
from ui import cli, serve_cli

ROOT = Path(__file__).resolve().parent.parent
SEED_Q = "How many participants attended the 32nd Senior Officials Meeting?"
NEW_REPORT = (
    "Prague Process Working Group on Legal Migration\n\n"
    "Date: 3 May 2023\n\nLocation: Vilnius, Lithuania\n\n"
    "The working group meeting in Vilnius gathered 27 delegates from 14 participating states.\n"
    "The delegates agreed to draft a handbook on labour mobility pathways by the end of 2023.\n"
)
NEW_Q = "What did the working group in Vilnius agree to draft?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """The real `assistant.answer`, recording each call's history and made slow on demand."""

    def __init__(self):
        from assistant import answer

        self._answer = answer
        self.calls: list[dict] = []
        self.texts: list[str] = []
        self.delay = 0.0

    def __call__(self, question, **kwargs):
        self.calls.append({"question": question, **kwargs})
        if question.startswith("SLOW "):
            time.sleep(1.0)
            question = question[5:]
        result = self._answer(question, **kwargs)
        self.texts.append(result.text)
        return result


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from gradio_client import Client

    from ingest.pipeline import run_ingest
    from ui.app import build_app, launch_app

    tmp = tmp_path_factory.mktemp("ui")
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    settings = Settings().with_(corpus_dir=tmp / "corpus", store_dir=tmp / "store", llm=None)
    run_ingest(settings, progress=False)
    slow_ingest = threading.Event()

    def ingest_fn(s, **kw):
        if slow_ingest.is_set():
            time.sleep(3.0)
        return run_ingest(s, **kw)

    recorder = Recorder()
    demo = build_app(recorder, settings=settings, ingest_fn=ingest_fn)
    port = free_port()
    launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               settings=settings)
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    yield dict(client=client, settings=settings, recorder=recorder, demo=demo, port=port,
               slow_ingest=slow_ingest, corpus=tmp / "corpus")
    demo.close()


def test_serve_refuses_other_interfaces_without_credentials(monkeypatch, capsys):
    monkeypatch.delenv("ASSISTANT_AUTH", raising=False)
    monkeypatch.setenv("ASSISTANT_CORPUS_DIR", "/nonexistent")  # never reached
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "refusing to serve on 0.0.0.0 without credentials" in err and "ASSISTANT_AUTH" in err
    assert cli.main(["serve", "--host", "0.0.0.0", "--auth", "user:"]) == 2


def test_bind_rules():
    assert serve_cli.is_loopback("127.0.0.1") and serve_cli.is_loopback("127.8.0.1")
    assert serve_cli.is_loopback("localhost") and serve_cli.is_loopback("::1")
    assert not serve_cli.is_loopback("0.0.0.0") and not serve_cli.is_loopback("10.0.0.5")
    assert serve_cli.check_bind("127.0.0.1", None) is None
    assert serve_cli.check_bind("0.0.0.0", "ann:s3cr:et") == ("ann", "s3cr:et")
    with pytest.raises(ValueError, match="without credentials"):
        serve_cli.check_bind("192.168.1.4", None)


@pytest.mark.slow
def test_ask_endpoint_returns_answer_with_citations(app):
    r = app["client"].predict(SEED_Q, api_name="/ask")
    assert r["answered"] is True, r
    assert r["citations"] and r["citations"][0]["source"] == "001_06afa2b095fced14.txt"
    assert "64" in r["text"] and "64 participants" in r["citations"][0]["quote"]


@pytest.mark.slow
def test_ask_endpoint_applies_filters(app):
    r = app["client"].predict(SEED_Q, "Prague Process", None, None, api_name="/ask")
    assert all(c["process"] == "Prague Process" for c in r["citations"] + r["pointers"])
    assert "Prague Process" in r["searched"]
    r = app["client"].predict(SEED_Q, "", 2022, 2022, api_name="/ask")
    assert "2022" in r["searched"]


@pytest.mark.slow
def test_chat_renders_markers_sources_and_follow_up_history(app):
    from gradio_client import Client

    client = Client(f"http://127.0.0.1:{app['port']}/", verbose=False)  # its own session
    chat, sources, open_choices, msg, viewer, filter_msg, export = client.predict(
        SEED_Q, [], "All processes", "", "", "", True, api_name="/chat")
    reply = chat[-1]["content"][0]["text"] if isinstance(chat[-1]["content"], list) \
        else chat[-1]["content"]
    assert '<sup class="cite cite-to-1">' in reply and 'class="answer"' in reply
    assert 'class="source cite-to-1"' in sources and "<mark>" in sources and " participants" in sources
    # The phrase that answers (the number) is marked inside the highlighted quote.
    assert '<strong class="answer-phrase">64</strong> participants' in sources
    assert "Budapest Process" in sources and "2022&#45;12&#45;01" in sources
    assert msg == ""
    first = app["recorder"].calls[-1]
    assert first["history"] == ()
    first_text = app["recorder"].texts[-1]
    client.predict("Who opened it?", chat, "All processes", "", "", "", True, api_name="/chat")
    follow = app["recorder"].calls[-1]
    assert len(follow["history"]) == 1 and follow["history"][0][0] == SEED_Q
    # History is the earlier (question, answer text) pairs, plain text: no HTML of the page.
    assert "64" in follow["history"][0][1] and "<" not in follow["history"][0][1]
    assert follow["history"][0][1] == first_text
    # Opening source 1 shows the whole report with the passage marked for scrolling.
    client.predict(SEED_Q, [], "All processes", "", "", "", True, api_name="/chat")
    doc, original = client.predict(1, api_name="/open_source")
    assert 'id="open-passage"' in doc and "<mark>" in doc and "Istanbul" in doc
    cleared = client.predict(api_name="/clear")
    assert cleared[0] == []


@pytest.mark.slow
def test_refusal_is_marked_and_says_what_was_searched(app):
    from gradio_client import Client

    client = Client(f"http://127.0.0.1:{app['port']}/", verbose=False)
    chat, *_ = client.predict("What is the recipe for apple pie with cinnamon?", [],
                              "All processes", "", "", "", True, api_name="/chat")
    reply = chat[-1]["content"][0]["text"] if isinstance(chat[-1]["content"], list) \
        else chat[-1]["content"]
    assert 'class="refusal"' in reply and "Searched:" in reply


@pytest.mark.slow
def test_concurrent_questions_run_in_parallel(app):
    client = app["client"]
    t0 = time.perf_counter()
    jobs = [client.submit("SLOW " + SEED_Q, api_name="/ask") for _ in range(4)]
    results = [j.result(timeout=60) for j in jobs]
    took = time.perf_counter() - t0
    assert all(r["answered"] for r in results)
    assert took < 3.0, f"4 one-second questions took {took:.1f} s: the queue serialises them"


@pytest.mark.slow
def test_upload_index_answer_remove(app, tmp_path):
    from gradio_client import handle_file

    client, corpus = app["client"], app["corpus"]
    path = tmp_path / "vilnius_wg.txt"
    path.write_text(NEW_REPORT, encoding="utf-8")
    _, status, _, library, *_ = client.predict([handle_file(str(path))], api_name="/upload")
    assert "Added vilnius_wg.txt" in status and "Reindexed" in status, status
    assert (corpus / "vilnius_wg.txt").read_text(encoding="utf-8") == NEW_REPORT
    docs = {d["source"]: d for d in client.predict(api_name="/documents")}
    assert docs["vilnius_wg.txt"]["n_chunks"] >= 1 and "vilnius&#95;wg.txt" in library
    r = client.predict(NEW_Q, api_name="/ask")
    assert r["answered"] and r["citations"][0]["source"] == "vilnius_wg.txt", r
    assert "handbook" in r["citations"][0]["quote"]

    status, _, library, *_ = client.predict("vilnius_wg.txt", api_name="/remove")
    assert "Removed vilnius_wg.txt" in status and "removed 1" in status, status
    assert not (corpus / "vilnius_wg.txt").exists()
    assert (Path(app["settings"].store_dir) / "trash" / "vilnius_wg.txt").exists()
    assert "vilnius_wg.txt" not in {d["source"] for d in client.predict(api_name="/documents")}
    r = client.predict(NEW_Q, api_name="/ask")
    assert all(c["source"] != "vilnius_wg.txt" for c in r["citations"] + r["pointers"])


@pytest.mark.slow
def test_upload_refuses_bad_files_and_writes_nothing(app, tmp_path):
    from gradio_client import handle_file

    client, corpus = app["client"], app["corpus"]
    before = sorted(p.name for p in corpus.iterdir())
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"MZ\x90\x00 not a pdf")
    _, status, *_ = client.predict([handle_file(str(fake))], api_name="/upload")
    assert "Refused fake.pdf: the content is not a PDF file" in status, status
    with pytest.raises(Exception):  # noqa: B017 - gradio refuses the type before our code runs
        exe = tmp_path / "tool.exe"
        exe.write_bytes(b"MZ")
        client.predict([handle_file(str(exe))], api_name="/upload")
    assert sorted(p.name for p in corpus.iterdir()) == before
    status, *_ = client.predict("../corpus/../../etc/passwd", api_name="/remove")
    assert "Not removed" in status and "not a report in the corpus folder" in status, status
    # The API removes nothing without an explicit name (there is no default choice).
    status, *_ = client.predict(api_name="/remove")
    assert status == "Not removed: name the report to remove.", status
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_save_upload_and_remove_stay_inside_the_corpus(tmp_path):
    from ui.library import UploadError, remove_document, restore_document, save_upload, trashed

    corpus, outside = tmp_path / "corpus", tmp_path / "secret.txt"
    corpus.mkdir()
    outside.write_text("keep me", encoding="utf-8")
    settings = Settings().with_(corpus_dir=corpus, store_dir=tmp_path / "store", max_file_mb=0.001)
    src = tmp_path / "upload.bin"
    src.write_text("A short report.", encoding="utf-8")
    assert save_upload(src, "../../x/../report.md", settings) == corpus.resolve() / "report.md"
    assert (corpus / "report.md").read_text(encoding="utf-8") == "A short report."
    src.write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(UploadError, match="over the"):
        save_upload(src, "big.txt", settings)
    with pytest.raises(UploadError, match="hidden"):
        save_upload(src, ".env.txt", settings)
    for bad in ("../secret.txt", str(outside), "", "nope.txt"):
        with pytest.raises(UploadError):
            remove_document(bad, settings)
    assert outside.exists() and sorted(p.name for p in corpus.iterdir()) == ["report.md"]
    # A same-name upload keeps both.
    src.write_text("Another report.", encoding="utf-8")
    assert save_upload(src, "report.md", settings).name == "report-2.md"
    assert (corpus / "report.md").read_text(encoding="utf-8") == "A short report."
    # Removal moves the file to the trash, from where it can be restored.
    remove_document("report.md", settings)
    assert sorted(p.name for p in corpus.iterdir()) == ["report-2.md"]
    assert trashed(settings) == ["report.md"]
    assert restore_document("report.md", settings) == corpus.resolve() / "report.md"
    assert (corpus / "report.md").read_text(encoding="utf-8") == "A short report."
    assert trashed(settings) == []
    with pytest.raises(UploadError):
        restore_document("../corpus/report.md", settings)


@pytest.mark.slow
def test_questions_answer_while_reindex_runs(app):
    client = app["client"]
    app["slow_ingest"].set()
    try:
        job = client.submit(api_name="/reindex")
        time.sleep(0.8)
        t0 = time.perf_counter()
        r = client.predict(SEED_Q, api_name="/ask")
        took = time.perf_counter() - t0
        assert r["answered"] and not job.done(), "the reindex should still be running"
        assert took < 2.0, f"a question waited {took:.1f} s behind the reindex"
        status = job.result(timeout=60)[0]
        assert "Reindexed" in status
    finally:
        app["slow_ingest"].clear()


# ------------------------------------------------------------------ issue 11, point 3: cancel


def notes(folder: Path, n: int) -> None:
    """`n` small new reports in `folder`."""
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"note_{i}.txt").write_text(
            f"Vienna Note {i}\n\nDate: {i + 1} May 2023\n\nThe group {i} met in Vienna.\n",
            encoding="utf-8")


def committed(status: str) -> int:
    m = re.search(r"(\d+) of \d+ files committed", status)
    assert m, status
    return int(m.group(1))


def test_reindexer_cancel_stops_the_wait_for_another_ingests_lock(tmp_path):
    from assistant.store import Store
    from ingest.lock import WriterLock
    from ui.library import Reindexer

    notes(tmp_path / "corpus", 3)
    settings = Settings(corpus_dir=tmp_path / "corpus", store_dir=tmp_path / "store")
    reindexer = Reindexer(settings, after=None)  # the real run_ingest, waiting on the real lock
    with WriterLock(settings, Store(settings)):
        reindexer.request()
        deadline = time.monotonic() + 30
        while not reindexer.progress.waiting and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reindexer.progress.describe().startswith("Waiting: another ingest is running")
        assert reindexer.cancel()
        # Ended while the other writer still holds the lock: the wait itself was cancelled.
        assert reindexer.wait(5), "the cancel did not end the wait for the lock"
        shown = reindexer.progress.describe()
    assert shown.startswith("Reindex cancelled while waiting: another ingest is running"), shown
    assert "0 of 3 files committed, all will be done on the next reindex" in shown, shown
    assert Store(settings).doc_records() == {}
    assert not reindexer.cancel()  # nothing left to cancel


def test_reindexer_cancel_commits_what_was_done_and_the_next_reindex_completes(tmp_path,
                                                                               monkeypatch):
    from assistant.store import DONE, Store
    from ingest.pipeline import run_ingest
    from ui.library import Reindexer

    monkeypatch.setattr("ingest.indexer.GROUP_FILES", 2)  # commit every two files
    notes(tmp_path / "corpus", 6)
    settings = Settings(corpus_dir=tmp_path / "corpus", store_dir=tmp_path / "store")
    press = [True]

    def ingest_fn(s, **kw):  # the real run_ingest; Cancel is pressed once two files are in
        def on_progress(done, total, source=""):
            kw["on_progress"](done, total, source)
            if done >= 2 and press[0]:
                press[0] = False
                assert reindexer.cancel()

        return run_ingest(s, **{**kw, "on_progress": on_progress})

    reindexer = Reindexer(settings, ingest_fn=ingest_fn, after=None)
    reindexer.request()
    assert reindexer.wait(120)
    shown = reindexer.progress.describe()
    n = committed(shown)
    assert shown.startswith("Reindex cancelled after") and 2 <= n < 6, shown
    assert (f"{n} of 6 files committed (added {n}, updated 0, removed 0, failed 0); "
            f"the other {6 - n} are left as they were and will be redone on the next reindex"
            ) in shown, shown
    records = Store(settings).doc_records()
    assert len(records) == n and all(m["status"] == DONE for m in records.values()), records
    reindexer.request()  # a new run: the last one's cancel does not carry over
    assert reindexer.wait(120)
    shown = reindexer.progress.describe()
    assert shown.startswith("Reindexed") and f"added {6 - n}," in shown, shown
    records = Store(settings).doc_records()
    assert len(records) == 6 and all(m["status"] == DONE for m in records.values())


@pytest.mark.slow
def test_cancel_reindex_endpoint_stops_it_and_the_next_reindex_does_the_rest(app):
    from assistant.store import Store

    client, corpus = app["client"], app["corpus"]
    note = corpus / "kaunas_note.txt"
    note.write_text(NEW_REPORT.replace("Vilnius", "Kaunas"), encoding="utf-8")
    try:
        app["slow_ingest"].set()  # the reindex waits 3 s before it starts: time to cancel it
        try:
            job = client.submit(api_name="/reindex")
            deadline = time.monotonic() + 30
            while not app["demo"].reindexer.running and time.monotonic() < deadline:
                time.sleep(0.05)
            status = client.predict(api_name="/cancel_reindex")
        finally:
            app["slow_ingest"].clear()
        assert status.startswith("Reindex cancelled after"), status
        assert ("0 of 1 files committed (added 0, updated 0, removed 0, failed 0); the other 1 "
                "is left as it was and will be redone on the next reindex") in status, status
        assert job.result(timeout=60)[0] == status  # the reindex's own status says the same
        assert "kaunas_note.txt" not in Store(app["settings"]).doc_records()
        assert client.predict(api_name="/cancel_reindex") == status  # nothing runs: unchanged
        status = client.predict(api_name="/reindex")[0]
        assert status.startswith("Reindexed") and "added 1," in status, status
        assert "kaunas_note.txt" in Store(app["settings"]).doc_records()
    finally:
        note.unlink(missing_ok=True)
        client.predict(api_name="/reindex")


@pytest.mark.slow
def test_chat_streams_partial_answers():
    """LLM mode: each partial Answer reaches the client before the final one."""
    from gradio_client import Client

    from assistant.types import Answer, Citation
    from ui.app import build_app, launch_app

    cit = Citation(1, "a.txt", "A", None, "It was 64.", "It was 64.", 0, 10, 0.9, 0, 10)

    def stream(question, **kwargs):
        for text in ("It", "It was", "It was 64 [1]."):
            time.sleep(0.6)  # slower than Gradio's stream interval: each part is its own update
            yield Answer(question, text, True, (cit,) if "[1]" in text else (), mode="llm")

    def never(question, **kwargs):
        raise AssertionError("answer_fn must not be called when streaming")

    demo = build_app(never, stream_fn=stream, settings=Settings(), refresh_fn=None,
                     records_fn=lambda: {"a.txt": {"title": "A", "process": "P"}},
                     text_fn=lambda s: "It was 64.", examples=[])
    port = free_port()
    launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        job = client.submit("How many?", [], "All processes", "", "", "", True, api_name="/chat")
        job.result(timeout=30)
        texts = []
        for out in job.outputs():
            content = out[0][-1]["content"]
            texts.append(content[0]["text"] if isinstance(content, list) else content)
        assert any(">It was<" in t for t in texts), texts
        assert '<sup class="cite cite-to-1">' in texts[-1]
        assert client.predict("How many?", api_name="/ask")["text"] == "It was 64 [1]."
    finally:
        demo.close()


@pytest.mark.slow
def test_login_page_leaks_nothing_about_the_corpus(app):
    """Issue 11, point 10: with --auth, an unauthenticated client gets no file name, title,
    process or place of the indexed reports (they load in a page-load event, after login)."""
    import httpx

    from ui.app import build_app, launch_app

    demo = build_app(settings=app["settings"], refresh_fn=None)
    port = free_port()
    launch_app(demo, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
               settings=app["settings"], auth=("ann", "s3cret-pass"))
    try:
        base = f"http://127.0.0.1:{port}"
        seen = ""
        for path in ("/", "/config", "/gradio_api/info", "/?view=api", "/login"):
            r = httpx.get(base + path, timeout=10)
            seen += r.text
        assert httpx.get(base + "/", timeout=10).status_code == 200  # the login page
        secrets = ["001_06afa2b095fced14", "000_dee6c97f22f75511", "004_7b05704cdeef6cba",
                   "Budapest Process", "Prague Process", "Senior Officials Meeting", "Istanbul",
                   "Building Migration Partnerships"]
        assert [s for s in secrets if s in seen] == []
        # After login the same page gets them, from the load event.
        with httpx.Client(base_url=base, timeout=30) as c:
            assert c.post("/login", data={"username": "ann", "password": "s3cret-pass"}
                          ).status_code == 200
            assert "Budapest Process" not in c.get("/").text  # still not baked into the page
            docs = c.get("/gradio_api/info").json()
            assert "documents" in str(docs)
    finally:
        demo.close()
