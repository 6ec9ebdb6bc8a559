"""all-MiniLM-L6-v2 (int8 ONNX) sentence vectors under onnxruntime + tokenizers; no torch.

The files come from `scripts/fetch-encoder.sh` (hash-pinned, fetched by `make install`) into
`vendor/minilm/`. Nothing is read until the first `embed`, and one onnxruntime session serves
the whole process (`shared_encoder`), however many components or models ask for it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.settings import PROJECT_ROOT, get_settings

logger = logging.getLogger(__name__)

DEFAULT_DIR = PROJECT_ROOT / "vendor" / "minilm"
MODEL_FILE, TOKENIZER_FILE = "model.onnx", "tokenizer.json"
# Pinned in scripts/fetch-encoder.sh too; a different file is refused, never run.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIMENSIONS = 384
MAX_WORD_PIECES = 256  # what the model was trained with (sentence-transformers' max_seq_length)
BATCH_SIZE = 64
# Vectors of the last messages parsed one at a time, by exact text. A shop's chat repeats
# itself ("hi", "thanks", "where is my order?"), and a message costs 4-7 ms of encoder
# CPU (bench/results/chat.md); 4096 vectors are 6 MB. Training batches bypass the cache.
# The size is CIM_ENCODER_CACHE_SIZE (bot/settings.py); 0 turns the cache off.
CACHE_MAX_CHARS = 500  # longer messages are rarely repeated word for word
# The cache is shared by every conversation, so a hit (a few ms faster) tells that someone
# typed the same text recently. Texts that may identify someone (an email address; any
# digit: order, phone, card and house numbers, postcodes) are never cached (`cacheable`).
_IDENTIFYING = re.compile(r"[@\uff20\ufe6b]|\d")


def cacheable(text: str) -> bool:
    """Whether a message's vector may be kept for other conversations: short, and nothing
    in it that could identify a customer (see `_IDENTIFYING`)."""
    return len(text) <= CACHE_MAX_CHARS and _IDENTIFYING.search(text) is None


class EncoderError(RuntimeError):
    """The encoder files are missing or are not the pinned ones."""


def resolve_dir(configured: str | None) -> Path:
    """The encoder directory: as configured (relative to the project root), or the default."""
    if not configured:
        return DEFAULT_DIR
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_ROOT / path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_files(directory: Path) -> None:
    for name in (MODEL_FILE, TOKENIZER_FILE):
        if not (directory / name).is_file():
            raise EncoderError(
                f"no {name} in {directory}: run `make install` "
                f"(or scripts/fetch-encoder.sh {directory})"
            )
    if (found := file_sha256(directory / MODEL_FILE)) != MODEL_SHA256:
        raise EncoderError(
            f"{directory / MODEL_FILE} has sha256 {found}, not the pinned {MODEL_SHA256}; "
            f"fetch it again with scripts/fetch-encoder.sh {directory}"
        )


@dataclass
class _Loaded:
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer
    inputs: frozenset[str]


class Encoder:
    """Mean-pooled, L2-normalised sentence vectors (float32, 384 wide)."""

    def __init__(self, directory: Path, threads: int) -> None:
        self.directory = directory
        self.threads = threads
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.hits = self.misses = 0
        self.cache_size = get_settings().encoder_cache_size

    def _load(self) -> _Loaded:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._open()
            return self._loaded

    def load_in_background(self) -> threading.Thread:
        """Load the model files and run one message on a daemon thread (a missing file is
        then logged, and raised again by the first `embed`)."""

        def warm() -> None:
            try:
                self._embed_many(["hello"])
            except EncoderError as error:
                logger.error("The sentence encoder could not load: %s", error)

        thread = threading.Thread(target=warm, name="minilm-load", daemon=True)
        thread.start()
        return thread

    def _open(self) -> _Loaded:
        import onnxruntime
        from tokenizers import Tokenizer

        _check_files(self.directory)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(self.directory / MODEL_FILE), options, providers=["CPUExecutionProvider"]
        )
        tokenizer = Tokenizer.from_file(str(self.directory / TOKENIZER_FILE))
        tokenizer.enable_truncation(MAX_WORD_PIECES)
        tokenizer.no_padding()
        inputs = frozenset(i.name for i in session.get_inputs())
        return _Loaded(session, tokenizer, inputs)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in order; shortest first in batches to keep padding small."""
        if len(texts) == 1 and self.cache_size and cacheable(texts[0]):
            return self._embed_one(texts[0])[None, :].copy()
        return self._embed_many(texts)

    def _embed_one(self, text: str) -> np.ndarray:
        """A single message's vector, from the cache when the same text came recently."""
        with self._cache_lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
                self.hits += 1
                return vector
            self.misses += 1
        vector = self._embed_many([text])[0]
        vector.setflags(write=False)
        with self._cache_lock:
            self._cache[text] = vector
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return vector

    def _embed_many(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return vectors
        loaded = self._load()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            vectors[rows] = self._batch(loaded, [texts[i] for i in rows])
        return vectors

    @staticmethod
    def _batch(loaded: _Loaded, texts: list[str]) -> np.ndarray:
        encodings = loaded.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        feed = {name: value for name, value in feed.items() if name in loaded.inputs}
        hidden = loaded.session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_SHARED: dict[tuple[Path, int], Encoder] = {}
_SHARED_LOCK = threading.Lock()


def shared_encoder(directory: Path, threads: int) -> Encoder:
    """The process's one encoder for `directory` and thread count; it loads on first use."""
    key = (directory.resolve(), threads)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = Encoder(key[0], threads)
        return _SHARED[key]
