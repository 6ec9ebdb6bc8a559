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


def test_a_repeated_message_comes_from_the_cache_unchanged() -> None:
    encoder = Encoder(DEFAULT_DIR, 1)
    first = encoder.embed(["where is my parcel"])

    again = encoder.embed(["where is my parcel"])
    again[0, 0] = 42.0  # the caller's copy; the cached vector stays as it was

    assert (encoder.hits, encoder.misses) == (1, 1)
    assert np.array_equal(encoder.embed(["where is my parcel"]), first)
    assert np.allclose(first, encoder.embed(["where is my parcel", "hi"])[:1], atol=1e-5)


def test_the_cache_is_bounded_and_skips_long_texts() -> None:
    import bot.nlu.encoder as module

    encoder = Encoder(DEFAULT_DIR, 1)
    encoder.cache_size = 2
    for text in ("one", "two", "three", "one", "x" * (module.CACHE_MAX_CHARS + 1)):
        encoder.embed([text])

    assert list(encoder._cache) == ["three", "one"]
    assert (encoder.hits, encoder.misses) == (0, 4)


def test_loading_in_the_background_leaves_the_encoder_ready() -> None:
    encoder = Encoder(DEFAULT_DIR, 1)

    encoder.load_in_background().join(timeout=60)

    assert encoder._loaded is not None
    assert encoder.embed(["hi"]).shape == (1, DIMENSIONS)


def test_a_background_load_without_files_is_logged_and_embed_still_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    encoder = Encoder(tmp_path, 1)

    encoder.load_in_background().join(timeout=60)

    assert "could not load" in caplog.text
    with pytest.raises(EncoderError):
        encoder.embed(["hi"])


def test_the_cache_size_comes_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import get_settings

    monkeypatch.setenv("CIM_ENCODER_CACHE_SIZE", "0")
    get_settings.cache_clear()
    try:
        encoder = Encoder(DEFAULT_DIR, 1)
        first = encoder.embed(["hello there"])
        assert np.allclose(encoder.embed(["hello there"]), first)
        assert (encoder.cache_size, encoder.hits, len(encoder._cache)) == (0, 0, 0)
    finally:
        monkeypatch.delenv("CIM_ENCODER_CACHE_SIZE")
        get_settings.cache_clear()
