"""`dialogue-assistant ingest`: argument parsing, exit codes, the one-object `--json` report."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import ROOT
from ingest import cli

KEYS = {"added", "updated", "removed", "unchanged", "skipped", "failed", "chunks_embedded",
        "chunks_total", "seconds", "cancelled"}
SCRIPT = Path(sys.executable).parent / "dialogue-assistant"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    cli.configure(p)
    return p


def test_parse_shard():
    assert cli.parse_shard("0/4") == (0, 4)
    assert cli.parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "-1/2", "1", "a/b", "1/0"):
        with pytest.raises(argparse.ArgumentTypeError):
            cli.parse_shard(bad)


def test_options():
    args = parser().parse_args(["--corpus", "x", "--full", "--shard", "1/3", "--json", "--quiet"])
    assert (args.corpus, args.full, args.shard, args.json, args.quiet) == (
        Path("x"), True, (1, 3), True, True)
    args = parser().parse_args([])
    assert (args.corpus, args.full, args.shard, args.json, args.quiet) == (
        None, False, None, False, False)


def cli_env(tmp_path: Path) -> dict[str, str]:
    import os

    return dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", ASSISTANT_CHROMA_URL="",
                ASSISTANT_STORE_DIR=str(tmp_path / "store"), ASSISTANT_COLLECTION="t")


def run_cli(tmp_path, *argv):
    return subprocess.run([str(SCRIPT), "ingest", *argv], capture_output=True, text=True,
                          env=cli_env(tmp_path), cwd=tmp_path, timeout=300)


def test_missing_corpus_exits_2_with_one_line(tmp_path):
    done = run_cli(tmp_path, "--corpus", str(tmp_path / "nope"), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR")]
    assert len(errors) == 1 and "corpus folder not found" in errors[0] and "nope" in errors[0]


def test_bad_shard_is_a_usage_error(tmp_path):
    done = run_cli(tmp_path, "--shard", "2/2")
    assert done.returncode == 2 and "need 0 <= I < N" in done.stderr


@pytest.fixture()
def one_thread():
    """Small batches on two shared cores: one torch thread beats two (see test_pipeline)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_run_in_process_exit_status_follows_failures(tmp_path, monkeypatch, capsys, one_thread):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "note.txt").write_text("Prague Process note\n\nTen states met in Vienna.\n")
    for key, value in cli_env(tmp_path).items():
        if key.startswith("ASSISTANT_"):
            monkeypatch.setenv(key, value)
    args = parser().parse_args(["--corpus", str(corpus), "--json", "--quiet"])
    assert cli.run(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS and report["added"] == 1 and report["failed"] == []

    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    assert cli.run(args) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failed"][0]["path"] == "broken.pdf" and report["unchanged"] == 1


@pytest.mark.slow
def test_console_script_json_quiet_and_full(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("000_dee6c97f22f75511.txt", "001_06afa2b095fced14.txt"):
        (corpus / name).write_bytes((ROOT / "corpus" / name).read_bytes())

    first = run_cli(tmp_path, "--corpus", str(corpus), "--json", "--quiet")
    assert first.returncode == 0, first.stderr[-2000:]
    assert "INFO" not in first.stderr  # --quiet: warnings and errors only
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert set(report) == KEYS
    assert report["added"] == 2 and report["chunks_embedded"] == report["chunks_total"] > 2

    again = run_cli(tmp_path, "--corpus", str(corpus), "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["unchanged"] == 2
    summary = [ln for ln in again.stderr.splitlines() if "ingest:" in ln]
    assert len(summary) == 1 and "2 unchanged" in summary[0]  # the summary line on stderr

    full = run_cli(tmp_path, "--corpus", str(corpus), "--json", "--full", "--quiet")
    rebuilt = json.loads(full.stdout)
    assert rebuilt["added"] == 2 and rebuilt["chunks_embedded"] == report["chunks_total"]
