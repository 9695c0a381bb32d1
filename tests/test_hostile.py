"""Issue 11, points 2-8: hostile and careless files through the real `ingest` CLI.

One corpus holds the seed reports, good files with awkward structure (nested tables, a 100 KB
single word, a name that is not valid UTF-8 is *failed*, not crashed on) and the hostile ones: a
.docx zip bomb declaring 1 GiB, a .docx of 2 million paragraphs, a PDF stream bomb, random
bytes and /bin/ls named .txt, a 19.9 MB one-line .txt, a .docx over the text limit, a name that
forges a log line, a symlink out of the corpus. The CLI runs as a child process (stderr a pipe,
not a terminal); its peak memory comes from `os.wait4`. The store afterwards must equal a clean
build of the good files alone.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.store import Store
from bench import hostile_files as h
from bench.hostile import run_cli
from ingest.formats import html_drafts
from ingest.units import MAX_CHARS
from tests.conftest import SEEDS

EXE = Path(sys.executable).parent / "dialogue-assistant"
NESTED = "The meeting gathered 64 participants."
FORGED = "forged\nERROR ingest.pipeline: failed 001_x.txt: forged.txt"
BAD_UTF8 = os.fsdecode(b"bad-\xff-name.txt")
MAX_DOC_CHARS = 200_000
PEAK_LIMIT = 1.2e9


def good_files(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for seed in SEEDS.values():
        shutil.copy(seed, folder / seed.name)
    for i in range(18):  # enough files that the old code drew a progress bar into the log
        (folder / f"note_{i:02d}.txt").write_text(
            f"Note {i}\n\nThe working group {i} met in Vienna in 20{10 + i}. "
            f"It agreed on {i + 3} recommendations.\n", encoding="utf-8")
    h.nested_table_html(folder / "nested.html", NESTED)
    h.docx_nested_table(folder / "nested.docx", NESTED)
    (folder / "layout.html").write_text(
        "<table><tr><td><h2>Agenda</h2><p>The meeting opened at nine.</p></td></tr></table>")
    h.one_word_txt(folder / "one_word.txt", 100_000)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    corpus = root / "corpus"
    good_files(corpus)
    h.docx_bomb(corpus / "bomb.docx", 2**30)
    h.docx_paragraphs(corpus / "paras.docx", 2_000_000)
    h.docx_text(corpus / "too_long.docx", [f"Paragraph {i} of a long report on dialogue." * 2
                                           for i in range(4000)])  # ~350,000 characters
    h.pdf_bomb(corpus / "bomb.pdf", 256 * 2**20)
    h.random_txt(corpus / "random.txt")
    h.renamed_binary(corpus / "ls.txt")
    h.one_line_txt(corpus / "one_line.txt", 19_900_000)
    h.random_txt(corpus / FORGED)
    (corpus / BAD_UTF8).write_text("A report whose name is not UTF-8.\n")
    outside = root / "outside.txt"
    outside.write_text("Private text that must not be indexed.\n")
    os.symlink(outside, corpus / "outside_link.txt")

    clean = root / "clean"
    good_files(clean)
    # The clean build first: on a new machine it makes the one-time ONNX export (a child with
    # torch loaded, whose peak `wait4` would otherwise charge to the hostile run).
    done_clean = cli_ingest(clean, root / "store_c")
    return {"hostile": cli_ingest(corpus, root / "store_h"), "clean": done_clean}


def cli_ingest(corpus: Path, store_dir: Path) -> dict:
    """The real CLI as a child (stderr a file, not a terminal); its own peak RSS via wait4."""
    r = run_cli(corpus, store_dir, timeout=600, max_doc_chars=MAX_DOC_CHARS, query_encoder="model")
    return {**r, "settings": Settings(corpus_dir=corpus, store_dir=store_dir)}


def state(settings: Settings) -> tuple[dict, dict]:
    store = Store(settings)
    got = store.chunks.get(include=["documents", "metadatas"])
    chunks = {i: (t, m["source"], m["start"], m["end"]) for i, t, m in
              zip(got["ids"], got["documents"], got["metadatas"], strict=True)}
    docs = {s: (m["fingerprint"], m["status"], m["n_chunks"]) for s, m in store.doc_records().items()}
    return chunks, docs


@pytest.mark.slow
def test_every_hostile_file_fails_named_and_the_rest_equals_a_clean_build(runs):
    hostile, clean = runs["hostile"], runs["clean"]
    assert clean["code"] == 0, clean["stderr"][-2000:]
    assert hostile["code"] == 1, hostile["stderr"][-3000:]
    report = json.loads(hostile["stdout"].decode("ascii"))  # ASCII JSON even for a bad name
    reasons = {f["path"]: f["error"] for f in report["failed"]}
    expected = {
        "bomb.docx": "would inflate to 1,024 MiB, over the 32 MiB limit (zip bomb?)",
        "paras.docx": "zip bomb?",
        "too_long.docx": "over the limit of 200,000 per document (ASSISTANT_MAX_DOC_CHARS)",
        "bomb.pdf": "compressed stream inflates past the limit",
        "random.txt": "binary content",
        "ls.txt": "binary content (NUL bytes), not text",
        "one_line.txt": "19,900,000 characters of text, over the limit of 200,000",
        FORGED: "binary content",
        BAD_UTF8: "the file name is not valid UTF-8; rename it",
    }
    assert set(reasons) == set(expected)
    for path, why in expected.items():
        assert why in reasons[path], (path, reasons[path])
    assert state(hostile["settings"]) == state(clean["settings"])
    assert hostile["seconds"] < 300


@pytest.mark.slow
def test_a_zip_bomb_run_stays_under_1_2_gb(runs):
    """The hostile files (a 1 GiB docx bomb, a 256 MiB PDF stream bomb, 20 MB of one line...)
    add almost nothing to what indexing the good files alone costs: under 1.2 GB, and within
    300 MiB of the clean run's own peak (which a busy test session can raise)."""
    peak = runs["hostile"]["peak_mb"] * 2**20
    clean = runs["clean"]["peak_mb"] * 2**20
    assert peak < max(PEAK_LIMIT, clean + 300 * 2**20), (
        f"peak RSS {peak / 1e9:.2f} GB (clean run {clean / 1e9:.2f} GB)")
    assert peak < clean + 300 * 2**20, f"hostile {peak / 1e9:.2f} GB vs clean {clean / 1e9:.2f} GB"


@pytest.mark.slow
def test_log_lines_are_whole_and_names_escaped(runs):
    err = runs["hostile"]["stderr"]
    lines = err.splitlines()
    assert "\r" not in err and "it/s" not in err and "file/s" not in err  # no bar fragments
    errors = [x for x in lines if x.startswith("ERROR")]  # what `grep '^ERROR'` finds
    assert len(errors) == 9
    for name in ("bomb.docx", "ls.txt", "one_line.txt", "bad-\\udcff-name.txt"):
        assert sum(name in x for x in errors) == 1, name
    # The newline in the name is escaped: no forged "failed 001_x.txt" line.
    assert not any(x.startswith("ERROR ingest.pipeline: failed 001_x.txt") for x in lines)
    assert any(repr(FORGED) in x for x in errors)
    assert any("'outside_link.txt': symlink to a place outside the corpus folder" in x
               for x in lines)


@pytest.mark.slow
def test_no_chunk_beyond_the_window_and_nested_tables_kept(runs):
    chunks, docs = state(runs["hostile"]["settings"])
    assert max(len(t) for t, *_ in chunks.values()) <= MAX_CHARS
    assert docs["one_word.txt"][2] >= 100_000 // MAX_CHARS
    texts = {}
    for t, source, *_ in chunks.values():
        texts.setdefault(source, []).append(t)
    assert any(NESTED in t for t in texts["nested.html"])
    assert any(NESTED in t for t in texts["nested.docx"])
    layout = " ".join(texts["layout.html"])
    assert "AgendaThe" not in layout and "The meeting opened at nine." in layout
    assert "outside_link.txt" not in docs


def test_html_nested_table_keeps_its_text():
    drafts = html_drafts("<table><tr><td><table><tr><td>" + NESTED
                         + "</td></tr></table></td></tr></table>")
    assert [d.text for d in drafts] == [NESTED]


def test_upload_refuses_a_zip_bomb_and_binary_text(tmp_path):
    from ui.library import UploadError, save_upload

    settings = Settings(corpus_dir=tmp_path / "corpus", store_dir=tmp_path / "store")
    bomb = h.docx_bomb(tmp_path / "bomb.docx", 128 * 2**20)
    with pytest.raises(UploadError, match=r"would inflate to 128 MiB, over the 32 MiB limit"):
        save_upload(bomb, "report.docx", settings)
    ls = h.renamed_binary(tmp_path / "ls.txt")
    with pytest.raises(UploadError, match=r"binary content \(NUL bytes\)"):
        save_upload(ls, "notes.txt", settings)
    assert not (tmp_path / "corpus" / "report.docx").exists()
