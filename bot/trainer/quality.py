"""Data quality for trainers: `cim quality` and the trainer page.

- exact duplicates across intents, and near-duplicates (character TF-IDF cosine >= 0.9);
- intents with fewer than 20 examples;
- the most confused intent pairs of a cross-validation, with a confusion-matrix picture (SVG);
- entity annotation errors: a value that can't be of its type, an unknown entity, or a
  broken `[text](entity)` annotation;
- our own check (`bot.checks`: every intent typed, in the domain, no example twice).
`rasa data validate` stays in `make validate`: it needs a whole Rasa start-up.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import yaml

from bot.checks import ERROR, check_project, example_texts

NEAR_DUPLICATE_AT = 0.9
MIN_EXAMPLES = 20
_ANNOTATION = re.compile(r"\[([^\]]*)\]\(([^)]*)\)|\[([^\]]*)\](\{[^}]*\})")
_BROKEN = re.compile(r"\[[^\]]*\]\([^)]*$|\[[^\]]*$")
VALUE_SHAPES = {
    "email": re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    "order_number": re.compile(r"^#?[0-9]{6}$"),
    "phone": re.compile(r"^\+?[0-9 ().\-/]{7,20}$"),
    "amount": re.compile(
        r"^[$€£]?\s?[0-9][0-9.,]*\s?(?:[$€£]|usd|eur|gbp|dollars?|euros?)?$", re.I
    ),
}


@dataclass
class Quality:
    duplicates: list[tuple[str, list[str]]] = field(default_factory=list)
    near_duplicates: list[tuple[str, str, str, str, float]] = field(default_factory=list)
    small_intents: list[tuple[str, int]] = field(default_factory=list)
    confused_pairs: list[tuple[str, str, int]] = field(default_factory=list)
    entity_errors: list[tuple[str, str, str]] = field(default_factory=list)  # intent, text, why
    checks: list[str] = field(default_factory=list)
    matrix_svg: str | None = None

    @property
    def errors(self) -> int:
        return (
            len(self.duplicates)
            + len(self.entity_errors)
            + sum(1 for line in self.checks if line.startswith(ERROR))
        )


def examine(root: Path, *, crossval_report: Path | None = None) -> Quality:
    examples = _examples(root / "data" / "nlu")
    entities = _domain_entities(root / "domain.yml")
    quality = Quality()
    owners: dict[str, set[str]] = defaultdict(set)
    for intent, texts in examples.items():
        for text in texts:
            owners[_plain(text).casefold()].add(intent)
    quality.duplicates = sorted((t, sorted(i)) for t, i in owners.items() if len(i) > 1)
    quality.near_duplicates = _near_duplicates(examples)
    quality.small_intents = sorted(
        (intent, len(texts)) for intent, texts in examples.items() if len(texts) < MIN_EXAMPLES
    )
    for intent, texts in examples.items():
        for text in texts:
            for why in annotation_errors(text, entities):
                quality.entity_errors.append((intent, text, why))
    quality.checks = [str(problem) for problem in check_project(root)]
    if crossval_report is not None and crossval_report.is_file():
        report = json.loads(crossval_report.read_text())
        quality.confused_pairs = [
            (pair["intent"], pair["predicted"], int(pair["count"]))
            for pair in report.get("confused_pairs", [])
        ][:15]
        quality.matrix_svg = confusion_svg(report)
    return quality


def annotation_errors(text: str, known_entities: set[str] | None = None) -> list[str]:
    """What is wrong with the entity annotations of one training example."""
    problems = []
    stripped = _ANNOTATION.sub("", text)
    if _BROKEN.search(stripped):
        problems.append("a [text](entity) annotation is not closed")
    for match in _ANNOTATION.finditer(text):
        value = match.group(1) if match.group(1) is not None else match.group(3)
        spec = match.group(2) if match.group(2) is not None else match.group(4)
        entity = _entity_name(spec)
        if not value.strip():
            problems.append(f"an empty value is annotated as {entity!r}")
        if entity is None:
            problems.append(f"{value!r} has an unreadable annotation {spec!r}")
            continue
        if known_entities is not None and entity not in known_entities:
            problems.append(f"{entity!r} is not an entity of the domain")
        shape = VALUE_SHAPES.get(entity)
        if shape is not None and not shape.match(value.strip()):
            problems.append(f"{value!r} can't be a(n) {entity}")
    return problems


def confusion_svg(report: dict[str, Any]) -> str:
    """The confusion matrix of a crossval report (rows: true intent, columns: predicted)."""
    support = {name: int(s.get("support", 0)) for name, s in report.get("per_intent", {}).items()}
    wrong: Counter[tuple[str, str]] = Counter()
    for error in report.get("errors", []):
        wrong[(error["intent"], error["predicted_intent"])] += 1
    labels = sorted(set(support) | {p for _, p in wrong})
    counts = {
        (t, p): (support.get(t, 0) - sum(c for (tt, _), c in wrong.items() if tt == t))
        if t == p
        else wrong.get((t, p), 0)
        for t in labels
        for p in labels
    }
    cell, left, top = 16, 170, 170
    size = len(labels) * cell
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + size + 10}" '
        f'height="{top + size + 10}" font-family="sans-serif" font-size="10" role="img" '
        'aria-label="Confusion matrix: rows are the true intents, columns the predicted ones">'
    ]
    for index, label in enumerate(labels):
        y = top + index * cell + 12
        parts.append(f'<text x="{left - 4}" y="{y}" text-anchor="end">{escape(label)}</text>')
        x = left + index * cell + 11
        parts.append(
            f'<text transform="translate({x},{top - 4}) rotate(-60)">{escape(label)}</text>'
        )
    for row, true in enumerate(labels):
        total = max(1, sum(counts[(true, p)] for p in labels))
        for column, predicted in enumerate(labels):
            value = counts[(true, predicted)]
            if value <= 0:
                continue
            share = value / total
            colour = (
                f"rgba(27,94,32,{0.15 + 0.85 * share:.2f})"
                if true == predicted
                else f"rgba(183,28,28,{min(1.0, 0.25 + 2 * share):.2f})"
            )
            parts.append(
                f'<rect x="{left + column * cell}" y="{top + row * cell}" width="{cell - 1}" '
                f'height="{cell - 1}" fill="{colour}"><title>{escape(true)} → '
                f"{escape(predicted)}: {value}</title></rect>"
            )
    parts.append("</svg>")
    return "".join(parts)


def report(root: Path, *, crossval_report: Path | None, out: Path) -> tuple[str, int]:
    quality = examine(root, crossval_report=crossval_report)
    lines = ["# Data quality", ""]
    lines += [
        f"- exact duplicate across intents: {t!r} in {', '.join(i)}" for t, i in quality.duplicates
    ]
    lines += [
        f"- near-duplicates ({score:.2f}): {a!r} ({ia}) ~ {b!r} ({ib})"
        for a, ia, b, ib, score in quality.near_duplicates
    ]
    lines += [
        f"- {intent}: {count} examples, fewer than {MIN_EXAMPLES}"
        for intent, count in quality.small_intents
    ]
    lines += [f"- confused: {t} taken for {p} {c} times" for t, p, c in quality.confused_pairs]
    lines += [
        f"- entity annotation ({intent}): {text!r}: {why}"
        for intent, text, why in quality.entity_errors
    ]
    lines += [f"- {line}" for line in quality.checks]
    if len(lines) == 2:
        lines.append("No problems found.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "quality.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if quality.matrix_svg:
        (out / "confusion.svg").write_text(quality.matrix_svg, encoding="utf-8")
        lines.append(f"\nconfusion matrix: {out / 'confusion.svg'}")
    return "\n".join(lines), quality.errors


def _near_duplicates(examples: dict[str, list[str]]) -> list[tuple[str, str, str, str, float]]:
    texts = [(intent, _plain(text)) for intent, found in examples.items() for text in found]
    if len(texts) < 2:
        return []
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit_transform(
        [text.casefold() for _, text in texts]
    )
    similarity = (matrix @ matrix.T).tocoo()
    found = []
    for i, j, score in zip(similarity.row, similarity.col, similarity.data, strict=True):
        different = texts[i][0] != texts[j][0]
        # exact duplicates are listed on their own
        if i < j and score >= NEAR_DUPLICATE_AT and different and _key(texts, i) != _key(texts, j):
            found.append((texts[i][1], texts[i][0], texts[j][1], texts[j][0], float(score)))
    return sorted(found, key=lambda row: -row[4])[:50]


def _key(texts: list[tuple[str, str]], index: int) -> str:
    return texts[index][1].casefold()


def _examples(nlu_dir: Path) -> dict[str, list[str]]:
    examples: dict[str, list[str]] = defaultdict(list)
    for path in sorted(nlu_dir.rglob("*.yml")):
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for block in document.get("nlu") or []:
            if isinstance(block, dict) and "intent" in block:
                examples[str(block["intent"])].extend(example_texts(block.get("examples")))
    return examples


def _domain_entities(domain: Path) -> set[str] | None:
    try:
        document = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    entries = document.get("entities") or []
    return {next(iter(e)) if isinstance(e, dict) else str(e) for e in entries}


def _entity_name(spec: str) -> str | None:
    spec = spec.strip()
    if spec.startswith("{"):
        try:
            parsed = json.loads(spec)
        except json.JSONDecodeError:
            return None
        name = parsed.get("entity") if isinstance(parsed, dict) else None
        return str(name) if name else None
    name = spec.split(":", 1)[0].strip()
    return name or None


def _plain(text: str) -> str:
    """The example as a customer would type it: annotations replaced by their text."""
    return _ANNOTATION.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(3), text)
