"""The light query encoder gives the sentence-transformers vectors, and ingest exports it."""

from __future__ import annotations

import numpy as np

from assistant.onnx_encoder import OnnxEncoder, export, load_onnx_encoder, onnx_path

QUESTIONS = [
    "Who opened the 2022 meeting in Istanbul?",
    "How many participants attended the 32nd Senior Officials Meeting of the Budapest Process?",
    "Savaş Ünlü",
    "x " * 400,  # past the 256-piece window: truncated the same way
]


def test_onnx_vectors_equal_sentence_transformers(tmp_path, embedder):
    path = tmp_path / "model.onnx"
    assert export(embedder, path)
    enc = OnnxEncoder(path)
    got, want = enc.encode(QUESTIONS), embedder.encode(QUESTIONS)
    assert got.shape == want.shape == (len(QUESTIONS), 384)
    np.testing.assert_allclose(got, want, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_ingest_exports_the_encoder_and_answers_use_it(seed_settings):
    from assistant.answering import resources

    assert onnx_path(seed_settings).is_file(), "ingest should export the query encoder"
    assert isinstance(load_onnx_encoder(seed_settings), OnnxEncoder)
    assert isinstance(resources(seed_settings).embedder, OnnxEncoder)


def test_a_broken_export_falls_back(tmp_path):
    from assistant.settings import Settings

    s = Settings().with_(store_dir=tmp_path)
    onnx_path(s).parent.mkdir(parents=True)
    onnx_path(s).write_bytes(b"not a model")
    assert load_onnx_encoder(s) is None
