"""Accepted labels into the training data, in place.

Examples go into `data/nlu/<type>/<intent>.yml` with ruamel.yaml's round trip, so the
trainers' comments, key order and block style survive; every accepted example is also
appended to the NLU regression file (Rasa's NLU format, never trained on), which the
retraining gate and the end-to-end tests parse with the new model, so a label can't
silently regress. A new intent gets its own file and an entry in domain.yml.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from bot.checks import example_texts
from bot.interaction_types import INTERACTION_TYPES, load_mapping

INTENT_NAME = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
OUT_OF_SCOPE = "out_of_scope"
MAX_EXAMPLE_CHARS = 500
_LEADING_MARKS = re.compile(r"^[\s\-#|>]+")


class DataError(ValueError):
    """The change can't be made; the message says why, for the trainer."""


@dataclass(frozen=True)
class Workspace:
    """Where the training data lives: `root/data`, `root/domain.yml`, `root/config.yml`."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def nlu(self) -> Path:
        return self.data / "nlu"

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def config(self) -> Path:
        return self.root / "config.yml"

    @property
    def regressions(self) -> Path:
        return self.root / "tests" / "nlu" / "regressions.yml"

    def intents(self) -> dict[str, str]:
        """Every intent with its interaction type."""
        return load_mapping(self.nlu)


@dataclass(frozen=True)
class Added:
    intent: str
    path: Path
    examples: tuple[str, ...]  # what was new; examples already there are skipped


def add_examples(workspace: Workspace, intent: str, texts: Iterable[str]) -> Added:
    """Append examples to an existing intent's file."""
    mapping = workspace.intents()
    if intent not in mapping:
        raise DataError(f"unknown intent {intent!r}")
    examples = _clean(texts)
    _refuse_elsewhere(workspace, intent, examples)
    path = workspace.nlu / mapping[intent] / f"{intent}.yml"
    if not path.is_file():  # declared in another file of its type directory
        path = next(
            p
            for p in sorted((workspace.nlu / mapping[intent]).rglob("*.yml"))
            if intent in _intents_of(p)
        )
    added = _append(path, intent, examples)
    add_regressions(workspace, intent, added)
    return Added(intent, path, added)


def create_intent(
    workspace: Workspace, intent: str, interaction_type: str, texts: Iterable[str]
) -> Added:
    """A new intent of `interaction_type`, with its first examples and a domain entry."""
    if not INTENT_NAME.match(intent or ""):
        raise DataError("an intent name is 2-60 lower-case letters, digits and _")
    if interaction_type not in INTERACTION_TYPES:
        raise DataError(f"unknown interaction type {interaction_type!r}")
    if intent in workspace.intents():
        raise DataError(f"intent {intent!r} exists already")
    examples = _clean(texts)
    _refuse_elsewhere(workspace, intent, examples)
    path = workspace.nlu / interaction_type / f"{intent}.yml"
    document = CommentedMap()
    document["version"] = "3.1"
    block = CommentedMap()
    block["intent"] = intent
    block["examples"] = LiteralScalarString("".join(f"- {text}\n" for text in examples))
    document["nlu"] = CommentedSeq([block])
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, document)
    _add_to_domain(workspace.domain, intent)
    add_regressions(workspace, intent, examples)
    return Added(intent, path, examples)


def add_regressions(workspace: Workspace, intent: str, texts: Iterable[str]) -> None:
    examples = tuple(texts)
    if not examples:
        return
    path = workspace.regressions
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            "# Messages trainers labelled from the review inbox: each must keep its intent.\n"
            "# Rasa NLU format; never trained on (it is outside data/).\n"
            'version: "3.1"\nnlu: []\n',
            encoding="utf-8",
        )
    _append(path, intent, examples, create_block=True)


def regressions(workspace: Workspace) -> list[tuple[str, str]]:
    """(text, intent) pairs the model must keep."""
    path = workspace.regressions
    if not path.is_file():
        return []
    document = _yaml().load(path.read_text(encoding="utf-8")) or {}
    return [
        (text, str(block["intent"]))
        for block in document.get("nlu") or []
        for text in example_texts(block.get("examples"))
    ]


def _append(
    path: Path, intent: str, examples: tuple[str, ...], *, create_block: bool = False
) -> tuple[str, ...]:
    document = _yaml().load(path.read_text(encoding="utf-8"))
    blocks = document.get("nlu")
    if blocks is None:
        blocks = document["nlu"] = CommentedSeq()
    block = next((b for b in blocks if b.get("intent") == intent), None)
    if block is None:
        if not create_block:
            raise DataError(f"{path} has no examples block for {intent!r}")
        block = CommentedMap()
        block["intent"] = intent
        block["examples"] = LiteralScalarString("")
        blocks.append(block)
    current = str(block.get("examples") or "")
    present = {_key(text) for text in example_texts(current)}
    new = tuple(text for text in examples if _key(text) not in present)
    if not new:
        return ()
    if current and not current.endswith("\n"):
        current += "\n"
    block["examples"] = LiteralScalarString(current + "".join(f"- {text}\n" for text in new))
    _write(path, document)
    return new


def _add_to_domain(domain: Path, intent: str) -> None:
    document = _yaml(domain=True).load(domain.read_text(encoding="utf-8"))
    intents = document.get("intents")
    if intents is None:
        intents = document["intents"] = CommentedSeq()
    names = {next(iter(entry)) if isinstance(entry, dict) else entry for entry in intents}
    if intent not in names:
        intents.append(intent)
        _write(domain, document, domain=True)


def _refuse_elsewhere(workspace: Workspace, intent: str, examples: tuple[str, ...]) -> None:
    """An example under two intents teaches the model nothing; say where it is."""
    wanted = {_key(text): text for text in examples}
    for path in sorted(workspace.nlu.rglob("*.yml")):
        document = _yaml().load(path.read_text(encoding="utf-8")) or {}
        for block in document.get("nlu") or []:
            other = block.get("intent")
            if other == intent or other is None:
                continue
            for text in example_texts(block.get("examples")):
                if _key(text) in wanted:
                    raise DataError(f"{wanted[_key(text)]!r} is already an example of {other!r}")


def _intents_of(path: Path) -> list[str]:
    document = _yaml().load(path.read_text(encoding="utf-8")) or {}
    return [str(block.get("intent")) for block in document.get("nlu") or []]


def _clean(texts: Iterable[str]) -> tuple[str, ...]:
    """One line each, no YAML-significant start, deduplicated; at least one."""
    cleaned: dict[str, str] = {}
    for raw in texts:
        if not isinstance(raw, str):
            continue
        text = " ".join(raw.split())[:MAX_EXAMPLE_CHARS]
        text = _LEADING_MARKS.sub("", text)
        if text and text.isprintable():
            cleaned.setdefault(_key(text), text)
    if not cleaned:
        raise DataError("no usable example text")
    return tuple(cleaned.values())


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _yaml(*, domain: bool = False) -> YAML:
    """Round trip: comments, order and styles are kept. The project's NLU files write
    lists flush with their key (`nlu:\n- intent:`), domain.yml indents them."""
    yaml = YAML()
    yaml.preserve_quotes = True  # type: ignore[assignment]
    yaml.indent(mapping=2, sequence=4 if domain else 2, offset=2 if domain else 0)
    yaml.width = 4096  # type: ignore[assignment]
    return yaml


def _write(path: Path, document: Any, *, domain: bool = False) -> None:
    """Atomically: a crash mid-write never leaves half a training file."""
    buffer = io.StringIO()
    _yaml(domain=domain).dump(document, buffer)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(buffer.getvalue())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
