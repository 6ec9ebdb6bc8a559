"""The import contracts (.importlinter) hold even where `make lint` is not run: runtime never
imports tooling or tests, and nothing imports in a cycle.

The second test looks at single modules too: a package's __init__ and one of its modules that
import each other form a cycle that the contracts, comparing sibling packages, cannot see."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Set
from pathlib import Path

import grimp

from bot.settings import PROJECT_ROOT

ROOT_PACKAGES = ("bot", "actions", "tools")


def lint_imports() -> subprocess.CompletedProcess[str]:
    binary = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(binary), "--no-cache"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )


def cycles(imports: Mapping[str, Set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for start in sorted(imports):
        if start in index:
            continue
        work = [(start, iter(sorted(imports[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            module, pending = work[-1]
            step = next((m for m in pending if m not in index or m in stack), None)
            if step is not None and step not in index:
                index[step] = low[step] = len(index)
                stack.append(step)
                work.append((step, iter(sorted(imports[step]))))
                continue
            if step is not None:
                low[module] = min(low[module], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                component = stack[stack.index(module) :]
                del stack[stack.index(module) :]
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_import_contracts_are_kept() -> None:
    checked = lint_imports()
    assert checked.returncode == 0, checked.stdout[checked.stdout.find("Broken") :]


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*ROOT_PACKAGES, cache_dir=None)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    found = cycles(imports)
    assert not found, "modules that import each other: " + "; ".join(map(", ".join, found))


def test_cycles_are_found_through_several_modules_and_not_in_a_chain() -> None:
    chain = {"a": {"b"}, "b": {"c"}, "c": set()}
    loop = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}}
    assert cycles(chain) == []
    assert cycles(loop) == [["d", "e"], ["a", "b", "c"]]
