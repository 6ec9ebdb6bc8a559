"""Data quality findings on a copy of our data with planted problems."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from bot.trainer.data_files import Workspace
from bot.trainer.quality import annotation_errors, confusion_svg, examine, report


def plant(workspace: Workspace, intent: str, *lines: str) -> None:
    path = workspace.nlu / "informative" / "planted.yml"
    body = "".join(f"    - {line}\n" for line in lines)
    path.write_text(f'version: "3.1"\nnlu:\n- intent: {intent}\n  examples: |\n{body}')


def test_planted_problems_are_found(workspace: Workspace) -> None:
    plant(
        workspace,
        "planted",
        "hi",  # an exact duplicate of greet's
        "I want to cancel my order please!!",  # near a cancel_order example
        "my order is [12](order_number)",
        "mail me at [maria](email)",
        "what about [this](colour)",
        "broken [annotation](order_number",
    )
    quality = examine(workspace.root)
    assert ("hi", ["greet", "planted"]) in quality.duplicates
    assert any(b == "planted" or d == "planted" for _, b, _, d, _ in quality.near_duplicates)
    assert ("planted", 6) in quality.small_intents
    whys = [why for intent, _, why in quality.entity_errors if intent == "planted"]
    assert "'12' can't be a(n) order_number" in whys
    assert "'maria' can't be a(n) email" in whys
    assert "'colour' is not an entity of the domain" in whys
    assert any("not closed" in why for why in whys)
    assert quality.errors > 0


def test_our_own_data_is_clean(workspace: Workspace) -> None:
    quality = examine(workspace.root)
    assert quality.duplicates == [] and quality.small_intents == []
    assert quality.entity_errors == [], quality.entity_errors[:3]


def test_annotation_errors_of_single_examples() -> None:
    assert annotation_errors("order [100001](order_number)", {"order_number"}) == []
    assert annotation_errors('order [100001]{"entity": "order_number"}', {"order_number"}) == []
    assert annotation_errors("[](email)", {"email"})[0].startswith("an empty value")
    assert "unreadable annotation" in annotation_errors('[x]{"entity": }', None)[0]


def test_the_confusion_matrix_is_valid_svg(tmp_path: Path) -> None:
    crossval = {
        "per_intent": {"greet": {"support": 10}, "goodbye": {"support": 8}},
        "confused_pairs": [{"intent": "greet", "predicted": "goodbye", "count": 2}],
        "errors": [
            {"intent": "greet", "predicted_intent": "goodbye"},
            {"intent": "greet", "predicted_intent": "goodbye"},
            {"intent": "goodbye", "predicted_intent": "nlu_fallback"},
        ],
    }
    svg = confusion_svg(crossval)
    root = ElementTree.fromstring(svg)
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "greet → greet: 8" in titles and "greet → goodbye: 2" in titles
    assert "goodbye → nlu_fallback: 1" in titles
    path = tmp_path / "report.json"
    path.write_text(json.dumps(crossval))
    text, _ = report(tmp_path / "nothing", crossval_report=path, out=tmp_path / "out")
    assert "greet taken for goodbye 2 times" in text
    assert (tmp_path / "out" / "confusion.svg").is_file()
