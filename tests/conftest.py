"""Shared fixtures: the seed corpus, real small PDF/DOCX files built on the fly, the embedder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
SEEDS = {
    "000": CORPUS / "000_dee6c97f22f75511.txt",
    "001": CORPUS / "001_06afa2b095fced14.txt",
    "004": CORPUS / "004_7b05704cdeef6cba.txt",
}


def _pdf_escape(line: str) -> bytes:
    raw = line.encode("cp1252")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def make_pdf(pages: list[list[str]]) -> bytes:
    """A real, minimal PDF (Helvetica, WinAnsi text) with one text line per list entry.

    >>> make_pdf([["Page one title", "", "A paragraph."], ["Page two."]])[:8]
    b'%PDF-1.4'
    """
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: pages (filled in below)
    font_id = 3
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    kids = []
    for lines in pages:
        ops = [b"BT /F1 11 Tf 14 TL 56 780 Td"]
        for line in lines:
            ops.append(b"(" + _pdf_escape(line) + b") Tj T*")
        ops.append(b"ET")
        stream = b"\n".join(ops)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>" % (font_id, content_id)
        )
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids),
        len(kids),
    )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# Test processes (and the CLIs they start) encode questions with sentence-transformers and never
# export the ONNX query encoder, which takes seconds per store; tests/test_onnx_encoder.py
# covers that path explicitly.
os.environ["ASSISTANT_QUERY_ENCODER"] = "model"

@pytest.fixture
def pdf_factory(tmp_path):
    """Write `make_pdf(pages)` to a file and return its path."""

    def build(pages: list[list[str]], name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(make_pdf(pages))
        return path

    return build


@pytest.fixture(scope="session")
def embedder():
    """The real packaged all-MiniLM-L6-v2 (offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from assistant.embeddings import get_embedder

    return get_embedder()


# --- a real Chroma server (server mode, sharded ingest) ----------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_chroma(path: Path, log_path: Path, timeout: float = 60.0):
    """Start `chroma run` on a free loopback port; return (process, url) once its heartbeat
    answers. The caller stops it (`stop_process`)."""
    import subprocess
    import sys
    import time
    import urllib.request

    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    proc._log_file = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            log.close()
            raise RuntimeError(f"chroma run exited with {proc.returncode}: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as resp:
                if resp.status == 200:
                    return proc, url
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_process(proc)
            raise RuntimeError(f"chroma run did not answer within {timeout:.0f}s")
        time.sleep(0.2)


def start_serve(env: dict, log_path: Path, *extra: str, timeout: float = 120.0):
    """Start the real `dialogue-assistant serve` on a free loopback port with `env`; return
    (process, base URL, port) once it answers. The caller stops it (`stop_process`)."""
    import subprocess
    import sys
    import time

    import httpx

    port = free_port()
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "dialogue-assistant"), "serve", "--port", str(port),
         *extra], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    proc._log_file = log  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.close()
            raise RuntimeError(log_path.read_text(errors="replace")[-3000:])
        try:
            if httpx.get(base + "/", timeout=2).status_code < 500:
                return proc, base, port
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_process(proc)
    raise RuntimeError(f"serve did not answer within {timeout:.0f} s")


def stop_process(proc) -> None:
    """Terminate one process we started (by its PID), killing it if it does not stop."""
    from bench.measure import stop

    stop(proc)
    log = getattr(proc, "_log_file", None)
    if log is not None:
        log.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """URL (http://127.0.0.1:PORT) of a real Chroma server for this test session, persisted in
    a temporary folder; stopped by its PID at the end, whatever happened. Tests keep apart by
    using their own collection names."""
    base = tmp_path_factory.mktemp("chroma-server")
    proc, url = start_chroma(base / "db", base / "chroma.log")
    try:
        yield url
    finally:
        stop_process(proc)


# --- the seed corpus, ingested once per session ------------------------------------------------


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory, embedder):
    """Settings of a store holding the three seed reports, ingested once per session from a
    copy of corpus/ (tests must not change this store; copy it or ingest their own to mutate).
    """
    import shutil

    from assistant.settings import Settings
    from ingest.pipeline import run_ingest

    base = tmp_path_factory.mktemp("seed")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings().with_(corpus_dir=corpus, store_dir=base / "store")
    report = run_ingest(settings, embedder=embedder, progress=False)
    assert report.added == len(SEEDS) and not report.failed, report.to_dict()
    return settings


def doc_records(store) -> dict:
    """The store's document records, id -> (cleaned text, metadata), without the change marker
    (its value differs from run to run): what a store-equals-clean-build check compares."""
    from assistant.store import GENERATION_ID

    got = store.docs.get(include=["documents", "metadatas"])
    docs = {i: (t, dict(m)) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"],
                                                strict=True)}
    docs.pop(GENERATION_ID, None)
    return docs
