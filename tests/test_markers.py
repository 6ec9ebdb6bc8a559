"""Every test gets the markers `make check`, `make test-unit` and `make test-e2e` select on
(tests/conftest.py): a PostgreSQL run is `postgres`, the real-process directories are `e2e`,
and the Chromium test is `apt`. One collection in a subprocess, nothing run."""

from __future__ import annotations

import json
import subprocess
import sys

from bot.settings import PROJECT_ROOT

SELECTING = {"apt", "e2e", "postgres", "security"}
PROBE = """
import json, sys, pytest
class Probe:
    def pytest_collection_finish(self, session):
        found = {i.nodeid: sorted({m.name for m in i.iter_markers()}) for i in session.items}
        print("MARKERS " + json.dumps(found))
pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[Probe()])
"""
FILES = (
    "tests/bot/services/test_throttles.py",
    "tests/bot/trackers/test_store.py",
    "tests/bot/web/test_chat_browser.py",
    "tests/e2e/test_tracker_restart.py",
    "tests/security/test_redaction.py",
)

# Opened without a backend-parametrized fixture, so marked by hand.
MARKED_POSTGRES = {
    "test_after_the_database_server_drops_its_connections_the_next_turn_works",
    "test_on_postgresql_statements_are_bounded_and_the_schema_kept",
}


def collected_markers() -> dict[str, set[str]]:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *FILES],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = next(line for line in probe.stdout.splitlines() if line.startswith("MARKERS "))
    found = json.loads(line.removeprefix("MARKERS "))
    return {node: set(names) & SELECTING for node, names in found.items()}


def test_each_test_carries_the_markers_of_what_it_needs() -> None:
    markers = collected_markers()
    assert set(FILES) == {node.split("::")[0] for node in markers}
    for node, names in markers.items():
        path, params = node.split("::")[0], node.partition("[")[2]
        expected = {
            "tests/e2e/test_tracker_restart.py": {"e2e"},
            "tests/security/test_redaction.py": {"e2e", "security"},
            "tests/bot/web/test_chat_browser.py": {"apt"},
        }.get(path, set())
        if "postgresql" in params or node.split("::")[-1] in MARKED_POSTGRES:
            expected = expected | {"postgres"}
        assert names == expected, node
