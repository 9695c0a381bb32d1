"""Issue 11, points 11, 12 and 13: the real `serve` on loopback, driven with forged headers.

* 11: a request whose Host is not the served address gets 403 (DNS rebinding), and a forged
  `/remove` leaves the report on disk;
* 12: a question over the length limit gets a clear message, fast, at the server and the CLI;
* 13: repeated wrong passwords lock the client out; the right password is refused meanwhile.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import SEEDS, start_serve, stop_process
from ui.guard import FREE_TRIES, LoginThrottle, allowed_hosts

EXE = Path(sys.executable).parent / "dialogue-assistant"


def test_allowed_hosts_loopback_and_configured_names():
    hosts = allowed_hosts("127.0.0.1", 7860)
    assert {"127.0.0.1:7860", "localhost:7860", "[::1]:7860"} <= hosts
    assert "attacker.example:7860" not in hosts and "127.0.0.1:7861" not in hosts
    assert "127.0.0.1" not in hosts  # a browser always sends the port when it is not 80
    lan = allowed_hosts("10.1.2.3", 8000, ["Reports.Example.org"])
    assert {"10.1.2.3:8000", "reports.example.org:8000", "localhost:8000"} <= lan
    assert "0.0.0.0:8000" not in allowed_hosts("0.0.0.0", 8000)


def serve(tmp_path: Path, *extra: str):
    """The real `serve` over a one-report corpus, on a free loopback port."""
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    shutil.copy(SEEDS["001"], corpus / SEEDS["001"].name)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_STORE_DIR": str(tmp_path / "store"), "ASSISTANT_QUERY_ENCODER": "model"}
    env.pop("ASSISTANT_CHROMA_URL", None)
    return start_serve(env, tmp_path / "serve.log", *extra)


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guard")
    proc, base, port = serve(tmp)
    try:
        yield tmp, base, port
    finally:
        stop_process(proc)


@pytest.mark.slow
def test_forged_host_gets_403_and_removes_nothing(open_server):
    tmp, base, port = open_server
    assert httpx.get(base + "/", timeout=10).status_code == 200
    assert httpx.get(base + "/", headers={"Host": f"localhost:{port}"}, timeout=10).status_code == 200
    for forged in ("attacker.example", f"attacker.example:{port}", f"127.0.0.1:{port + 1}", ""):
        r = httpx.get(base + "/", headers={"Host": forged}, timeout=10)
        assert r.status_code == 403, forged
        assert "gradio" not in r.text.lower()
    # What a DNS-rebinding page sends: the API call with its own host name.
    report = tmp / "corpus" / SEEDS["001"].name
    r = httpx.post(base + "/gradio_api/call/remove", json={"data": [SEEDS["001"].name]},
                   headers={"Host": f"rebind.attacker.example:{port}"}, timeout=10)
    assert r.status_code == 403
    r = httpx.post(base + "/gradio_api/call/ask", json={"data": ["Who opened the meeting?"]},
                   headers={"Host": f"rebind.attacker.example:{port}"}, timeout=10)
    assert r.status_code == 403
    assert report.is_file()


@pytest.mark.slow
def test_overlong_question_gets_a_clear_message_fast(open_server):
    from gradio_client import Client

    _, base, _ = open_server
    client = Client(base + "/", verbose=False)
    t0 = time.perf_counter()
    r = client.predict("Who opened the meeting? " * 4000, "", None, None, api_name="/ask")
    took = time.perf_counter() - t0
    assert r["answered"] is False
    assert "the limit is 2,000" in r["text"] and "96,000 characters" in r["text"]
    assert len(r["question"]) < 300  # the 96 KB question is not echoed back
    assert took < 5
    ok = client.predict("How many participants attended?", "", None, None, api_name="/ask")
    assert "limit" not in ok["text"]


def test_lockout_doubles_ends_and_success_resets():
    t = LoginThrottle(app=None, free_tries=2, lockout=0.2, max_lockout=0.3)
    t.record("a", ok=False)
    assert t.locked_for("a") == 0
    t.record("a", ok=False)
    assert 0.1 < t.locked_for("a") <= 0.2 and t.locked_for("b") == 0  # per client
    t.record("a", ok=False)
    assert 0.2 < t.locked_for("a") <= 0.3  # doubled, capped
    time.sleep(0.35)
    assert t.locked_for("a") == 0
    t.record("a", ok=True)
    t.record("a", ok=False)
    assert t.locked_for("a") == 0  # the count started afresh


def test_ask_cli_refuses_an_overlong_question(tmp_path):
    env = {**os.environ, "ASSISTANT_MAX_QUESTION_CHARS": "50",
           "ASSISTANT_STORE_DIR": str(tmp_path / "store")}
    r = subprocess.run([str(EXE), "ask", "x" * 51], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2
    assert "51 characters long; the limit is 50" in r.stderr
    assert r.stdout == ""


@pytest.mark.slow
def test_password_guessing_locks_the_client_out(tmp_path):
    proc, base, port = serve(tmp_path, "--auth", "reader:right-password")
    try:
        codes = []
        t0 = time.perf_counter()
        with httpx.Client(base_url=base, timeout=10) as c:
            for _ in range(100):
                codes.append(c.post("/login", data={"username": "reader",
                                                    "password": "wrong"}).status_code)
            right = c.post("/login", data={"username": "reader", "password": "right-password"})
        assert codes[:FREE_TRIES] == [400] * FREE_TRIES
        assert set(codes[FREE_TRIES:]) == {429}
        assert right.status_code == 429  # the right password does not help a locked-out guesser
        assert int(right.headers["retry-after"]) >= 20
        assert time.perf_counter() - t0 < 30
        # The forged host is refused before any password is looked at.
        r = httpx.post(base + "/login", data={"username": "reader", "password": "right-password"},
                       headers={"Host": "attacker.example"}, timeout=10)
        assert r.status_code == 403
    finally:
        stop_process(proc)
