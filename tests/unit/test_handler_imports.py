"""The Telegram edge's imports point one way: the router imports handlers, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

HANDLERS = Path(__file__).resolve().parents[2] / "handlers"


def _module(path: Path) -> str:
    parts = path.relative_to(HANDLERS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Each handlers module -> the handlers modules it imports (anywhere in the file)."""
    modules = {_module(p): p for p in HANDLERS.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    found.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def test_no_handler_module_imports_the_router_and_menus_import_no_handler() -> None:
    graph = _imports()
    assert [m for m, deps in graph.items() if "handlers.router" in deps] == []
    assert {d for d in graph["handlers.menus"] if d != "handlers"} == set()


def test_handlers_import_each_other_without_a_circle() -> None:
    edges = _imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges[node]):
            assert state.get(dep) != 1, " -> ".join([*path, node, dep])
            if dep not in state:
                visit(dep, [*path, node])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])


def test_handlers_import_at_module_level() -> None:
    """Function-level imports would hide a dependency; none is needed here."""
    late = [
        f"{path.name}:{node.lineno}"
        for path in HANDLERS.rglob("*.py")
        for fn in ast.walk(ast.parse(path.read_text()))
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert late == []
