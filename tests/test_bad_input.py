"""Every kind of bad input: one clear stderr line naming the file, an entry in the report, exit
status 1, and every good file still indexed. Skips (hidden, unsupported, empty, symlink loops)
are notes, not failures.
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.settings import ROOT, Settings
from assistant.store import DONE, Store
from ingest.pipeline import run_ingest
from ingest.walk import walk_corpus

SEED = "000_dee6c97f22f75511.txt"
FAILING = {
    "random.pdf": "",
    "encrypted.pdf": "encrypt",
    "truncated.pdf": "",
    "big.txt": "limit",
}
SKIPPED = ["empty.txt", "blank.md", "notes.xyz", ".hidden.txt", ".git", "loop", "self.txt",
           "dangling.txt", "~$draft.docx"]


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with Helvetica text lines (hand-written objects, exact xref)."""
    ops = ["BT", "/F1 12 Tf", "72 720 Td", "14 TL"]
    for line in lines:
        esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({esc}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


GOOD_PDF = make_pdf([
    "Budapest Process Senior Officials Meeting",
    "The meeting was held in Istanbul in 2022. Forty states attended.",
])


def encrypted_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(GOOD_PDF)))
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


@pytest.fixture()
def bad_corpus(tmp_path) -> Path:
    c = tmp_path / "corpus"
    c.mkdir()
    shutil.copy(ROOT / "corpus" / SEED, c / SEED)
    (c / "report.pdf").write_bytes(GOOD_PDF)
    (c / "empty.txt").write_bytes(b"")
    (c / "blank.md").write_text("   \n\n  \n")
    (c / "random.pdf").write_bytes(random.Random(0).randbytes(8192))
    (c / "encrypted.pdf").write_bytes(encrypted_pdf())
    (c / "truncated.pdf").write_bytes(GOOD_PDF[: len(GOOD_PDF) // 2])
    with open(c / "big.txt", "wb") as fh:  # 50 MB, over the default 20 MB limit
        line = b"The Budapest Process met again and discussed migration routes.\n"
        fh.write(line * (50 * 1024 * 1024 // len(line) + 1))
    (c / "notes.xyz").write_text("not a document type we read")
    (c / ".hidden.txt").write_text("hidden text")
    (c / ".git").mkdir()
    (c / ".git" / "HEAD.txt").write_text("ref: refs/heads/main")
    (c / "~$draft.docx").write_bytes(b"\x00lock")
    os.symlink(".", c / "loop")  # a folder link back to the corpus root
    os.symlink("self.txt", c / "self.txt")  # a link to itself
    os.symlink("missing.txt", c / "dangling.txt")
    return c


def test_walk_notes_bad_entries_and_terminates(bad_corpus):
    found = walk_corpus(bad_corpus, extensions={".txt", ".md", ".pdf", ".docx"})
    assert [f.source for f in found.files] == [
        SEED, "big.txt", "blank.md", "encrypted.pdf", "random.pdf", "report.pdf",
        "truncated.pdf"]
    # blank.md has bytes; only the loader finds it holds no text.
    assert sorted(s for s, _ in found.skipped) == sorted(set(SKIPPED) - {"blank.md"})
    skipped = dict(found.skipped)
    assert skipped["loop"].startswith("symlink loop")
    assert "symlink" in skipped["self.txt"] and "symlink" in skipped["dangling.txt"]
    assert skipped["empty.txt"] == "empty file"
    assert skipped["notes.xyz"] == "unsupported type .xyz"
    assert skipped[".git"] == skipped[".hidden.txt"] == "hidden"
    assert found.failed == []


def test_walk_follows_a_folder_link_once(tmp_path):
    corpus = tmp_path / "corpus"
    inner = corpus / "zz_real"
    inner.mkdir(parents=True)
    (inner / "a.txt").write_text("text")
    os.symlink(inner, corpus / "linked")
    found = walk_corpus(corpus, extensions={".txt"})
    assert [f.source for f in found.files] == ["linked/a.txt"]
    assert dict(found.skipped) == {"zz_real": "symlink loop: folder already visited"}


def test_walk_skips_symlinks_that_leave_the_corpus(tmp_path):
    """Issue 11 point 7: a link to a file or folder outside the corpus is skipped with a note."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private text")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "own.txt").write_text("own text")
    os.symlink(outside, corpus / "linked")
    os.symlink(outside / "secret.txt", corpus / "secret.txt")
    found = walk_corpus(corpus, extensions={".txt"})
    assert [f.source for f in found.files] == ["own.txt"]
    assert dict(found.skipped) == {
        "linked": "symlink to a place outside the corpus folder",
        "secret.txt": "symlink to a place outside the corpus folder",
    }


@pytest.mark.slow
def test_cli_reports_each_bad_file_and_indexes_the_good_ones(tmp_path, bad_corpus):
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", ASSISTANT_CHROMA_URL="",
               ASSISTANT_STORE_DIR=str(tmp_path / "store"), ASSISTANT_COLLECTION="t",
               ASSISTANT_MAX_FILE_MB="20")
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "ingest", "--corpus", str(bad_corpus), "--json"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
    )
    assert done.returncode == 1, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert set(report) == {"added", "updated", "removed", "unchanged", "skipped", "failed",
                           "chunks_embedded", "chunks_total", "seconds", "cancelled"}
    assert report["added"] == 2
    assert report["skipped"] == len(SKIPPED)
    assert sorted(f["path"] for f in report["failed"]) == sorted(FAILING)
    for f in report["failed"]:
        assert FAILING[f["path"]] in f["error"].lower() and f["error"]
    for name in FAILING:  # exactly one ERROR line names each broken file
        hits = [ln for ln in done.stderr.splitlines() if ln.startswith("ERROR") and name in ln]
        assert len(hits) == 1, (name, done.stderr[-3000:])
    for name in SKIPPED:
        assert any(name in ln and "skipped" in ln for ln in done.stderr.splitlines()), name
    store = Store(Settings(store_dir=tmp_path / "store", collection="t"))
    records = store.doc_records()
    assert sorted(records) == [SEED, "report.pdf"]
    assert records["report.pdf"]["pages"] == 1 and records["report.pdf"]["format"] == "pdf"
    pages = {m["page"] for m in store.chunks.get(where={"source": "report.pdf"})["metadatas"]}
    assert pages == {1}


@pytest.fixture()
def one_thread():
    """Small batches on two shared cores: one torch thread beats two (see test_pipeline)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_a_file_that_breaks_keeps_its_previous_chunks(tmp_path, one_thread):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.pdf").write_bytes(GOOD_PDF)
    (corpus / "other.txt").write_text("Prague Process note\n\nTen states met in Vienna.\n")
    settings = Settings(corpus_dir=corpus, store_dir=tmp_path / "store", collection="t")
    store = Store(settings)
    first = run_ingest(settings, store=store, progress=False)
    assert first.added == 2
    before = store.chunks.get(where={"source": "report.pdf"}, include=["documents", "metadatas"])
    record = store.doc_records()["report.pdf"]

    (corpus / "report.pdf").write_bytes(GOOD_PDF[:200])  # now truncated
    (corpus / "other.txt").write_text("Prague Process note\n\nTwelve states met in Vienna.\n")
    report = run_ingest(settings, store=store, progress=False)
    assert [f["path"] for f in report.failed] == ["report.pdf"]
    assert report.updated == 1  # the other file still went in
    after = store.chunks.get(where={"source": "report.pdf"}, include=["documents", "metadatas"])
    assert after == before
    assert store.doc_records()["report.pdf"] == record and record["status"] == DONE
    assert "Twelve" in store.doc_text("other.txt")

    (corpus / "report.pdf").write_bytes(GOOD_PDF)  # repaired (same bytes as before)
    fixed = run_ingest(settings, store=store, progress=False)
    assert fixed.failed == [] and fixed.unchanged == 2 and fixed.chunks_embedded == 0
