"""The layers' import rules, read from the code itself (docs/architecture.md).

Data flows one way: update → handler → use case → parsing/storage/reports → reply. These tests
read every module's imports with `ast` and fail on an import that breaks a rule, a cycle
between modules, SQL outside storage/, or python-telegram-bot's private internals.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("handlers", "services", "storage", "schedules", "transport", "parsing", "reports",
            "i18n", "config", "console", "localapi", "web")
CORE = ("handlers", "services", "storage", "schedules", "transport", "parsing", "reports",
        "i18n", "config", "web")

# What each package may not import (a top-level package name, or "telegram").
FORBIDDEN = {
    "parsing": {"telegram", "storage", "services", "handlers", "schedules", "transport",
                "reports", "config", "web", "localapi"},
    "reports": {"telegram", "storage", "services", "handlers", "schedules", "transport",
                "parsing", "config", "web", "localapi"},
    "i18n": {"telegram", "storage", "services", "handlers", "schedules", "transport", "parsing",
             "reports", "config", "web", "localapi"},
    "config": {"telegram", "storage", "services", "handlers", "schedules", "transport", "web",
               "localapi"},
    "storage": {"telegram", "services", "handlers", "schedules", "transport", "reports",
                "parsing", "web", "localapi"},
    "services": {"telegram", "handlers", "transport", "schedules", "web", "localapi"},
    "schedules": {"handlers", "web", "localapi"},
    "transport": {"handlers", "services", "schedules", "web", "localapi"},
    "handlers": {"schedules.runner", "web", "localapi"},
    "web": {"telegram", "handlers", "transport", "localapi"},
}


def modules() -> dict[str, Path]:
    """Every module of the project's packages (and bot.py), by dotted name."""
    found = {"bot": ROOT / "bot.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")) if (ROOT / package).is_dir() else ():
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path) -> set[str]:
    """The dotted names a module imports, anywhere in it (function-level imports too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


MODULES = modules()
IMPORTS = {name: imports_of(name, path) for name, path in MODULES.items()}


# Names are normalised (NFKC, invisible characters dropped) wherever they are read, storage's
# look-ups too: the one pure text module every layer may use.
SHARED = ("parsing.normalize",)


def _breaks(imported: str, rule: str) -> bool:
    if any(imported == shared or imported.startswith(shared + ".") for shared in SHARED):
        return False
    return imported == rule or imported.startswith(rule + ".")


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_only_what_its_layer_may(package):
    broken = sorted(
        f"{name} imports {imported}"
        for name, imported_names in IMPORTS.items()
        if name == package or name.startswith(package + ".")
        for imported in imported_names
        for rule in FORBIDDEN[package]
        if _breaks(imported, rule)
    )
    assert not broken, "\n".join(broken)


def _project_edges() -> dict[str, set[str]]:
    """Module → the project modules it imports (a `from pkg import mod` counts as pkg.mod)."""
    edges: dict[str, set[str]] = {}
    for name, imported_names in IMPORTS.items():
        targets = set()
        for imported in imported_names:
            while imported and imported not in MODULES:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        edges[name] = targets
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def _is_package_init(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def test_no_import_cycles_between_modules():
    # A package's __init__ importing its own modules is not a cycle of the design.
    edges = {name: {t for t in targets if not (_is_package_init(t) and name.startswith(t + "."))}
             for name, targets in _project_edges().items()}
    assert _cycles(edges) == []


def test_the_core_never_imports_the_local_bot_api_stand_in():
    broken = sorted(f"{name} imports {imported}" for name, imported_names in IMPORTS.items()
                    if name.split(".")[0] in CORE or name == "bot"
                    for imported in imported_names if _breaks(imported, "localapi"))
    assert not broken, "\n".join(broken)


SQL = re.compile(r"\.(execute|executescript|executemany|query)\(|\bPRAGMA\b")


def lines_matching(pattern: re.Pattern, names, *, skip_comments: bool = False) -> list[str]:
    """Each line of the modules `names` that `pattern` finds, as "path:number: line"."""
    return sorted(
        f"{MODULES[name].relative_to(ROOT)}:{number}: {line.strip()}"
        for name in names
        for number, line in enumerate(MODULES[name].read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line) and not (skip_comments and line.lstrip().startswith("#"))
    )


def test_sql_is_written_only_in_storage():
    outside = lines_matching(SQL, [name for name in MODULES if name.split(".")[0] in CORE
                                   and not name.startswith("storage")], skip_comments=True)
    outside += lines_matching(SQL, ["bot"])
    assert not outside, "\n".join(outside)


PRIVATE_PTB = re.compile(r"\b_do_post\b|\._post\(|\._migrations\b|\.__dict__\[")


def test_no_private_internals_of_the_libraries():
    used = lines_matching(PRIVATE_PTB, [name for name in MODULES
                                        if name.split(".")[0] in CORE or name == "bot"])
    assert not used, "\n".join(used)


def test_the_rules_see_the_code():
    """The reader finds the modules and their imports (else every rule above passes vacuously)."""
    assert {"bot", "handlers", "services.views", "storage.db", "parsing.status"} <= set(MODULES)
    assert "telegram" in {i.split(".")[0] for i in IMPORTS["handlers"]}
    assert any(_breaks(i, "storage") for i in IMPORTS["services.views"])
