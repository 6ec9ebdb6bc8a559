"""The MiniLM encoder: real model files from vendor/minilm (fetched by `make install`)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.nlu.encoder import (
    DEFAULT_DIR,
    DIMENSIONS,
    MODEL_FILE,
    TOKENIZER_FILE,
    Encoder,
    EncoderError,
    resolve_dir,
    shared_encoder,
)


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return shared_encoder(DEFAULT_DIR, 1)


def test_vectors_are_unit_length_and_in_input_order(encoder: Encoder) -> None:
    texts = ["where is my parcel", "track my package", "I like turtles"]

    vectors = encoder.embed(texts)

    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2  # paraphrases are closer
    assert np.allclose(encoder.embed([texts[2]])[0], vectors[2], atol=1e-5)  # batching


def test_odd_text_gets_a_vector(encoder: Encoder) -> None:
    texts = ["", "😀😀", "مرحبا بكم", "\x00\x01", "word " * 20_000]

    vectors = encoder.embed(texts)

    assert vectors.shape == (5, DIMENSIONS)
    assert np.all(np.isfinite(vectors))
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_no_rows_and_no_loading() -> None:
    encoder = Encoder(Path("/nonexistent"), 1)

    assert encoder.embed([]).shape == (0, DIMENSIONS)


def test_one_encoder_per_directory_and_thread_count() -> None:
    assert shared_encoder(DEFAULT_DIR, 1) is shared_encoder(DEFAULT_DIR / ".." / "minilm", 1)
    assert shared_encoder(DEFAULT_DIR, 1) is not shared_encoder(DEFAULT_DIR, 2)


def test_relative_directories_are_under_the_project() -> None:
    assert resolve_dir(None) == DEFAULT_DIR
    assert resolve_dir("vendor/minilm") == DEFAULT_DIR
    assert resolve_dir("/opt/minilm") == Path("/opt/minilm")


def test_missing_files_say_how_to_fetch_them(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="make install"):
        Encoder(tmp_path, 1).embed(["hello"])


def test_a_model_file_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    shutil.copy(DEFAULT_DIR / TOKENIZER_FILE, tmp_path / TOKENIZER_FILE)
    (tmp_path / MODEL_FILE).write_bytes(b"not an onnx model")

    with pytest.raises(EncoderError, match="not the pinned"):
        Encoder(tmp_path, 1).embed(["hello"])
