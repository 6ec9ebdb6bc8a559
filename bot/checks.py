"""Our own data checks, run next to `rasa data validate`.

Rasa checks the format of the data; these check the project's conventions: every
intent has an interaction type (the directory its examples live in), is declared
in the domain, has enough examples, and shares no example with another intent.
The YAML is parsed directly, which keeps `python -m bot.checks` under a second.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from rasa.shared.nlu.training_data.entities_parser import replace_entities

from bot.interaction_types import (
    UNTYPED_INTENTS,
    InteractionTypeError,
    load_mapping,
    untyped_intents,
)

ERROR: Literal["error"] = "error"
WARNING: Literal["warning"] = "warning"

# intent -> [(plain example text, file it is in)]
Examples = dict[str, list[tuple[str, Path]]]


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def _load_yaml(path: Path) -> tuple[bool, Any]:
    """(parsed, document); data being written right now may not parse yet."""
    try:
        return True, yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False, None


def example_texts(examples: Any) -> Iterator[str]:
    """Rasa's two shapes: a `- text` block, or a list of `{text: ...}`."""
    if isinstance(examples, str):
        lines = (line.strip() for line in examples.splitlines())
        yield from (line[1:].strip() for line in lines if line.startswith("-"))
    elif isinstance(examples, list):
        yield from (str(item["text"]) for item in examples if isinstance(item, dict))


def _intent_blocks(document: Any) -> Iterator[tuple[str, Any]]:
    items = document.get("nlu") if isinstance(document, dict) else None
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and "intent" in item:
            yield str(item["intent"]), item.get("examples")


def _read_examples(data_dir: Path, problems: list[Problem]) -> Examples:
    examples: Examples = defaultdict(list)
    for path in sorted([*data_dir.rglob("*.yml"), *data_dir.rglob("*.yaml")]):
        parsed, document = _load_yaml(path)
        if not parsed:
            problems.append(Problem(ERROR, f"{path}: not valid YAML"))
        for intent, block in _intent_blocks(document):
            texts = [replace_entities(text) for text in example_texts(block)]
            examples[intent].extend((text, path) for text in texts)
    return examples


def _domain_documents(root: Path) -> list[Path]:
    """`domain.yml`, or every file of a `domain/` directory (Rasa accepts both)."""
    single = root / "domain.yml"
    return [single] if single.is_file() else sorted((root / "domain").rglob("*.yml"))


def _intent_names(entries: Any) -> list[str]:
    """Domain entries are `greet` or `{greet: {use_entities: [...]}}`."""
    if not isinstance(entries, list):
        return []
    return [n for e in entries for n in ([e] if isinstance(e, str) else e or {})]


def _read_domain_intents(root: Path, problems: list[Problem]) -> tuple[bool, set[str]]:
    """(whether there is a domain, its intents)."""
    intents: set[str] = set()
    for path in _domain_documents(root):
        parsed, document = _load_yaml(path)
        if not parsed:
            problems.append(Problem(ERROR, f"{path}: not valid YAML"))
        elif isinstance(document, dict):
            intents.update(_intent_names(document.get("intents")))
    return bool(_domain_documents(root)), intents


def _base(intent: str) -> str:
    """Retrieval intents (`faq/ask_hours`) appear in the domain as `faq`."""
    return intent.split("/", 1)[0]


def _type_problems(nlu_dir: Path, domain_intents: set[str]) -> list[Problem]:
    try:
        mapping = load_mapping(nlu_dir)
    except InteractionTypeError as error:
        return [Problem(ERROR, str(error))]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # `_read_examples` already reported the unreadable file
    typed = {**{_base(intent): kind for intent, kind in mapping.items()}, **mapping}
    hint = f"put its examples in {nlu_dir}/<type>/<intent>.yml"
    return [
        Problem(ERROR, f"intent {intent!r} has no interaction type: {hint}")
        for intent in untyped_intents(domain_intents, typed)
    ]


def _domain_problems(examples: Examples, domain_intents: set[str]) -> list[Problem]:
    return [
        Problem(ERROR, f"intent {intent!r} has training examples but is not in the domain")
        for intent in sorted(examples)
        if _base(intent) not in domain_intents
    ]


def _count_problems(examples: Examples, min_examples: int) -> list[Problem]:
    return [
        Problem(ERROR, f"intent {intent!r} has {len(found)} examples, fewer than {min_examples}")
        for intent, found in sorted(examples.items())
        if len(found) < min_examples and intent not in UNTYPED_INTENTS
    ]


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def _duplicate_problems(examples: Examples) -> list[Problem]:
    owners: dict[str, set[str]] = defaultdict(set)
    problems: list[Problem] = []
    for intent, found in sorted(examples.items()):
        seen: set[str] = set()
        for text, path in found:
            key = _normalised(text)
            if key in seen:
                problems.append(Problem(WARNING, f"{path}: {text!r} is listed twice"))
            seen.add(key)
            owners[key].add(intent)
    for key, intents in sorted(owners.items()):
        if len(intents) > 1:
            problems.append(
                Problem(ERROR, f"example {key!r} is under several intents: {sorted(intents)}")
            )
    return problems


def check_project(root: Path, *, min_examples: int = 20) -> list[Problem]:
    """Every problem in the project's domain and NLU data, errors and warnings."""
    problems: list[Problem] = []
    examples = _read_examples(root / "data", problems)
    has_domain, domain_intents = _read_domain_intents(root, problems)
    if has_domain:
        problems += _type_problems(root / "data" / "nlu", domain_intents)
        problems += _domain_problems(examples, domain_intents)
    else:
        problems.append(Problem(ERROR, f"{root}: no domain.yml"))
    problems += _count_problems(examples, min_examples)
    problems += _duplicate_problems(examples)
    problems += _shop_problems(root)
    return problems


def _shop_problems(root: Path) -> list[Problem]:
    """The domain's answers and examples against the shop's facts (bot/shop.py)."""
    from bot.escalation.parsing import PolicyError
    from bot.shop import SHOP_FILE_NAME, load_shop, problems

    path, domain_path = root / SHOP_FILE_NAME, root / "domain.yml"
    if not path.is_file() or not domain_path.is_file():
        return []
    parsed, domain = _load_yaml(domain_path)
    if not parsed or not isinstance(domain, dict):
        return []
    try:
        shop = load_shop(path)
    except PolicyError as error:
        return [Problem(ERROR, str(error))]
    return [Problem(ERROR, message) for message in problems(shop, domain)]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the problems; exit status 1 if any is an error."""
    parser = argparse.ArgumentParser(prog="python -m bot.checks", description=__doc__)
    parser.add_argument("root", nargs="?", type=Path, default=Path("."), help="project root")
    parser.add_argument("--min-examples", type=int, default=20, help="per intent")
    args = parser.parse_args(argv)
    problems = check_project(args.root, min_examples=args.min_examples)
    for problem in problems:
        print(problem)
    errors = sum(problem.severity == ERROR for problem in problems)
    print(f"{errors} error(s), {len(problems) - errors} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
