"""`dialogue-assistant ask` as a real subprocess over the session's seed store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from assistant import Answer, Citation, answer

pytestmark = pytest.mark.slow
CLI = Path(sys.executable).parent / "dialogue-assistant"
COUNT_Q = "How many participants attended the 32nd Senior Officials Meeting?"


def run_cli(settings, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_STORE_DIR=str(settings.store_dir),
               ASSISTANT_CORPUS_DIR=str(settings.corpus_dir), HF_HUB_OFFLINE="1")
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL, check=False)


def test_ask_json_prints_one_answer_object_and_logs_on_stderr(seed_settings):
    proc = run_cli(seed_settings, "-v", "ask", COUNT_Q, "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)  # the whole of stdout is one JSON document
    assert proc.stdout.lstrip().startswith("{") and proc.stdout.rstrip().endswith("}")
    assert proc.stderr.strip(), "verbose logs should go to stderr"
    assert set(got) == {f.name for f in fields(Answer)}
    assert got["citations"] and all(set(c) == {f.name for f in fields(Citation)}
                                    for c in got["citations"])
    # The same answer as the library gives in this process.
    expected = answer(COUNT_Q, settings=seed_settings).to_dict()
    for d in (got, expected):
        d.pop("seconds")
    assert got["text"] == expected["text"] and "64" in got["text"]
    assert [(c["source"], c["start"], c["end"], c["quote"]) for c in got["citations"]] == [
        (c["source"], c["start"], c["end"], c["quote"]) for c in expected["citations"]]
    assert got["citations"][0]["source"] == "001_06afa2b095fced14.txt"


def test_ask_process_filter(seed_settings):
    proc = run_cli(seed_settings, "ask", COUNT_Q, "--json", "--process", "Prague Process")
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(proc.stdout)
    shown = got["citations"] + got["pointers"]
    assert shown and {c["process"] for c in shown} == {"Prague Process"}
    assert "001_06afa2b095fced14.txt" not in {c["source"] for c in shown}
    assert "Prague Process" in got["searched"]


def test_ask_plain_text_labels_pointers(seed_settings):
    proc = run_cli(seed_settings, "ask", "How many staff does the Budapest Process Secretariat have?")
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "do not answer" in out
    assert "Closest passages (not an answer):" in out
    assert "[1]" not in out  # no citation markers for a refusal
