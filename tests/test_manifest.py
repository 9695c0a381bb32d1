"""The no-change fast path: after a complete run, `ingest` on an unchanged corpus answers from
a directory listing without importing Chroma or the encoder, and reports what the full
comparison reports; any change to the corpus or the store takes the full path.

Real CLI as a subprocess, real Chroma in tmp_path, copies of two seed reports.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

from assistant.settings import ROOT, Settings
from assistant.store import Store
from ingest import manifest
from ingest.pipeline import run_ingest
from ingest.records import remove_sources

SEEDS = ("000_dee6c97f22f75511.txt", "001_06afa2b095fced14.txt")
# The ingest CLI, then which heavy modules the process imported.
PROBE = ("import sys; from ui.cli import main; code = main(sys.argv[1:]); "
         "print(sorted(m for m in ('chromadb', 'numpy', 'onnxruntime', 'torch', 'spacy') "
         "if m in sys.modules), file=sys.stderr); sys.exit(code)")


@pytest.fixture()
def setup(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SEEDS:
        shutil.copy(ROOT / "corpus" / name, corpus / name)
    (corpus / "empty.txt").write_text("  \n", encoding="utf-8")
    (corpus / ".hidden.txt").write_text("hidden", encoding="utf-8")
    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "store", collection="m")
    env = {**os.environ, "ASSISTANT_CORPUS_DIR": str(corpus),
           "ASSISTANT_STORE_DIR": str(settings.store_dir), "ASSISTANT_COLLECTION": "m",
           "HF_HUB_OFFLINE": "1"}
    return settings, env


def cli(env, *argv) -> tuple[dict, str]:
    done = subprocess.run([sys.executable, "-c", PROBE, "ingest", "--json", *argv], env=env,
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    report.pop("seconds")
    return report, done.stderr.strip().splitlines()[-1]


def test_no_change_run_skips_chroma_and_reports_like_the_full_comparison(setup):
    settings, env = setup
    first, _ = cli(env)
    assert (first["added"], first["skipped"]) == (2, 2)  # the empty and the hidden file
    assert (settings.store_dir / manifest.NAME).is_file()

    fast, imported = cli(env)
    assert imported == "[]"  # no Chroma, numpy, onnxruntime, torch or spaCy
    (settings.store_dir / manifest.NAME).unlink()
    slow, imported_slow = cli(env)  # the full comparison, which writes the note again
    assert "chromadb" in imported_slow
    assert fast == slow == {**first, "added": 0, "unchanged": 2, "chunks_embedded": 0}


def test_any_change_takes_the_full_path(setup):
    settings, env = setup
    cli(env)
    # A changed report is seen.
    target = settings.corpus_dir / SEEDS[0]
    target.write_text(target.read_text(encoding="utf-8") + "\nA new closing line.\n",
                      encoding="utf-8")
    report, imported = cli(env)
    assert report["updated"] == 1 and "chromadb" in imported
    # A write to the store by someone else (here: a report removed from the index) is seen,
    # though the corpus did not change: the next run puts the report back.
    assert cli(env)[1] == "[]"
    remove_sources(Store(settings), [SEEDS[1]])
    report, imported = cli(env)
    assert report["added"] == 1 and "chromadb" in imported
    # --full never trusts the note.
    report, _ = cli(env, "--full")
    assert report["added"] == 2


def run_cli(env) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-c", PROBE, "ingest", "--json"], env=env,
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    return done.returncode, json.loads(done.stdout)


def test_failed_cancelled_and_shard_runs_are_looked_at_again(setup):
    settings, env = setup
    (settings.corpus_dir / "broken.docx").write_bytes(b"not a zip")
    for _ in range(2):  # the failed file is tried again, and fails again
        code, report = run_cli(env)
        assert code == 1 and [f["path"] for f in report["failed"]] == ["broken.docx"]
    (settings.corpus_dir / "broken.docx").unlink()

    cancel = threading.Event()
    cancel.set()
    other = settings.with_(store_dir=settings.store_dir.parent / "other")
    assert run_ingest(other, progress=False, cancel=cancel).cancelled
    assert manifest.unchanged(other) is None
    run_ingest(other, progress=False, shard=(0, 2))
    assert manifest.unchanged(other) is None
    assert not run_ingest(other, progress=False).failed
    quick = manifest.unchanged(other)
    assert quick is not None and quick.unchanged == 2
