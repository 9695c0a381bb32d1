"""The light query encoder gives the sentence-transformers vectors, and ingest exports it."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.onnx_encoder import OnnxEncoder, ensure_export, load_onnx_encoder, onnx_path

QUESTIONS = [
    "Who opened the 2022 meeting in Istanbul?",
    "How many participants attended the 32nd Senior Officials Meeting of the Budapest Process?",
    "Savaş Ünlü",
    "x " * 400,  # past the 256-piece window: truncated the same way
]


@pytest.fixture(scope="module")
def onnx_settings(seed_settings):
    """The session's seed store, with the query encoder exported as `ingest` does."""
    s = seed_settings.with_(query_encoder="onnx")
    ensure_export(s)
    return s


def test_onnx_vectors_equal_sentence_transformers(onnx_settings, embedder):
    enc = OnnxEncoder(onnx_path(onnx_settings))
    got, want = enc.encode(QUESTIONS), embedder.encode(QUESTIONS)
    assert got.shape == want.shape == (len(QUESTIONS), 384)
    np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_the_exported_encoder_answers_questions(onnx_settings):
    from assistant.answering import query_encoder

    assert onnx_path(onnx_settings).is_file()
    assert isinstance(query_encoder(onnx_settings), OnnxEncoder)
    assert not isinstance(query_encoder(onnx_settings.with_(query_encoder="model")), OnnxEncoder)


def test_the_ingest_cli_exports_it_once(tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(Path(__file__).resolve().parent.parent / "corpus" / "000_dee6c97f22f75511.txt", corpus)
    env = {**os.environ, "ASSISTANT_STORE_DIR": str(tmp_path / "store"), "HF_HUB_OFFLINE": "1",
           "ASSISTANT_QUERY_ENCODER": "onnx", "ASSISTANT_CORPUS_DIR": str(corpus)}
    cmd = [sys.executable, "-m", "ui.cli", "ingest", "--quiet"]
    subprocess.run(cmd, env=env, check=True, timeout=600)
    model = tmp_path / "store" / "model"
    assert [p.suffix for p in model.iterdir()] == [".onnx"]
    stamp = next(model.iterdir()).stat().st_mtime_ns
    subprocess.run(cmd, env=env, check=True, timeout=600)
    assert next(model.iterdir()).stat().st_mtime_ns == stamp  # not exported again


def test_a_broken_export_falls_back(tmp_path):
    from assistant.settings import Settings

    s = Settings().with_(store_dir=tmp_path)
    onnx_path(s).parent.mkdir(parents=True)
    onnx_path(s).write_bytes(b"not a model")
    assert load_onnx_encoder(s) is None
