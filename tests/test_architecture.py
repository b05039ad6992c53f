"""The shape of the code: imports point down, no import circles, no huge functions or files.

Layers, lowest first: storage < bot < handlers < silta (the wiring: the application and the CLI;
the package may not exist yet). A module imports only from its own layer or a lower one, so that
the wiring can import everything without a lower layer reaching up. Services (bot/services/) know
no Telegram: nothing they import, directly or through other project modules, imports `telegram`.

Imports are read with `ast` from the files, not by importing them: every `import` and `from`
counts, inside functions too (a function-level import hides a dependency, it does not remove it),
except under `if TYPE_CHECKING:`, which never runs.
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from radon.complexity import ComplexityVisitor
from radon.visitors import Class, Function

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("storage", "bot", "handlers", "silta")
# Entry shims may import upward: `python -m bot` only hands over to the wiring.
ENTRY_SHIMS = frozenset({"bot.__main__"})
SERVICES = "bot.services"
MAX_COMPLEXITY = 20
MAX_LINES = 600


@dataclass(frozen=True)
class Edge:
    """`source` imports `target` at `line` of source's file."""

    source: str
    target: str
    line: int


@dataclass
class Module:
    name: str
    path: Path
    is_package: bool
    imports: list[Edge] = field(default_factory=list)
    telegram_line: int | None = None  # where it imports the telegram package, if it does

    @property
    def layer(self) -> int:
        return LAYERS.index(self.name.split(".")[0])

    def where(self, line: int) -> str:
        return f"{self.path.relative_to(ROOT)}:{line}"


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportReader(ast.NodeVisitor):
    """Every import statement as (module, level, names, line), skipping TYPE_CHECKING blocks."""

    def __init__(self) -> None:
        self.found: list[tuple[str, int, tuple[str, ...], int]] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((alias.name, 0, (), node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = tuple(alias.name for alias in node.names)
        self.found.append((node.module or "", node.level, names, node.lineno))


def _module_files() -> Iterator[tuple[str, Path, bool]]:
    for top in LAYERS:
        base = ROOT / top
        if not base.is_dir():
            continue  # a layer not built yet
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            yield ".".join(parts[:-1] if is_package else parts), path, is_package


def _owner(name: str, known: Iterable[str]) -> str | None:
    """The project module that `name` is or lies in (`bot.clock.FakeClock` -> `bot.clock`)."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None


def _absolute(module: Module, target: str, level: int) -> str:
    if not level:
        return target
    package = module.name.split(".") if module.is_package else module.name.split(".")[:-1]
    base = package[: len(package) - (level - 1)]
    return ".".join([*base, target] if target else base)


@cache
def project() -> dict[str, Module]:
    """Every module of the layers, with the project modules and telegram it imports."""
    modules = {name: Module(name, path, is_package) for name, path, is_package in _module_files()}
    for module in modules.values():
        reader = _ImportReader()
        reader.visit(ast.parse(module.path.read_text(encoding="utf-8"), str(module.path)))
        for target, level, names, line in reader.found:
            base = _absolute(module, target, level)
            if base == "telegram" or base.startswith("telegram."):
                if module.telegram_line is None:
                    module.telegram_line = line
                continue
            # `from pkg import name` imports the module pkg.name when there is one.
            candidates = [f"{base}.{name}" for name in names] if names else [base]
            for candidate in candidates:
                owner = candidate if candidate in modules else _owner(base, modules)
                if owner is not None and owner != module.name:
                    edge = Edge(module.name, owner, line)
                    if all(e.target != owner for e in module.imports):
                        module.imports.append(edge)
    return modules


def _fail_if(offenders: list[str], what: str) -> None:
    """Fail listing every offender, one a line."""
    if offenders:
        pytest.fail(f"{len(offenders)} {what}:\n  " + "\n  ".join(offenders), pytrace=False)


def _parents(name: str) -> list[str]:
    """The packages whose __init__ runs before `name` is imported."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


# --- imports ------------------------------------------------------------------------------------


def test_each_module_imports_only_its_own_layer_or_lower() -> None:
    modules = project()
    upward = [
        f"{module.where(edge.line)}: {module.name} imports {edge.target} "
        f"({LAYERS[modules[edge.target].layer]} is above {LAYERS[module.layer]})"
        for module in modules.values()
        if module.name not in ENTRY_SHIMS
        for edge in module.imports
        if modules[edge.target].layer > module.layer
    ]
    _fail_if(upward, "import(s) point up a layer")


def test_storage_imports_nothing_above_it() -> None:
    modules = project()
    found = [
        f"{module.where(edge.line)}: {module.name} imports {edge.target}"
        for module in modules.values()
        if module.name.split(".")[0] == "storage"
        for edge in module.imports
        if edge.target.split(".")[0] != "storage"
    ]
    _fail_if(found, "import(s) from storage of bot, handlers or silta")


def _telegram_chain(start: str, modules: dict[str, Module]) -> list[str] | None:
    """The shortest import chain from `start` to a module that imports telegram, if any."""
    came_from: dict[str, tuple[str, str] | None] = {start: None}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        module = modules[name]
        if module.telegram_line is not None:
            chain = [f"telegram ({module.where(module.telegram_line)})"]
            step = came_from[name]
            here = name
            while step is not None:
                previous, how = step
                chain.append(f"{here} ({how})")
                here, step = previous, came_from[previous]
            chain.append(start)
            return list(reversed(chain))
        # Importing a.b.c runs a/__init__ and a/b/__init__ first: they count as imported too.
        following = [(e.target, module.where(e.line)) for e in module.imports]
        following += [(p, f"package of {name}") for p in _parents(name) if p in modules]
        for target, how in following:
            if target not in came_from:
                came_from[target] = (name, how)
                queue.append(target)
    return None


def test_services_import_nothing_that_imports_telegram() -> None:
    modules = project()
    services = [n for n in modules if n == SERVICES or n.startswith(SERVICES + ".")]
    chains = [chain for n in sorted(services) if (chain := _telegram_chain(n, modules))]
    _fail_if([" -> ".join(chain) for chain in chains], "service module(s) reach telegram")


def _components(modules: dict[str, Module]) -> list[list[str]]:
    """Strongly connected components of the import graph (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, iter([e.target for e in modules[root].imports]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter([e.target for e in modules[target].imports])))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                found.append(sorted(component))
    return found


def _shortest_cycle(start: str, members: set[str], modules: dict[str, Module]) -> list[Edge]:
    """The shortest import chain from `start` back to itself inside one component."""
    came_from: dict[str, Edge] = {}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        for edge in modules[name].imports:
            if edge.target not in members or edge.target in came_from:
                continue
            came_from[edge.target] = edge
            if edge.target == start:
                chain = [edge]
                while chain[-1].source != start:
                    chain.append(came_from[chain[-1].source])
                return list(reversed(chain))
            queue.append(edge.target)
    raise AssertionError(f"{start} is in a component without a way back")  # pragma: no cover


def _describe(chain: list[Edge], modules: dict[str, Module]) -> str:
    steps = [chain[0].source] + [
        f"{edge.target} ({modules[edge.source].where(edge.line)})" for edge in chain
    ]
    return " -> ".join(steps)


def test_there_is_no_import_circle() -> None:
    modules = project()
    circles: list[str] = []
    for component in _components(modules):
        if len(component) < 2:
            continue
        members = set(component)
        seen: set[tuple[str, ...]] = set()
        for start in component:
            chain = _shortest_cycle(start, members, modules)
            names = [edge.source for edge in chain]
            turn = names.index(min(names))
            key = tuple(names[turn:] + names[:turn])
            if key not in seen:
                seen.add(key)
                circles.append(_describe(chain[turn:] + chain[:turn], modules))
    _fail_if(circles, "import circle(s)")


# --- size -----------------------------------------------------------------------------------


def _functions(
    blocks: Iterable[Function | Class], outer: str = ""
) -> Iterator[tuple[str, int, int]]:
    """(qualified name, line, complexity) of every function, method and nested function."""
    for block in blocks:
        name = f"{outer}{block.name}"
        if isinstance(block, Class):
            yield from _functions([*block.methods, *block.inner_classes], f"{name}.")
        else:
            yield name, block.lineno, block.complexity
            yield from _functions(block.closures, f"{name}.")


def test_no_function_is_too_complex() -> None:
    too_complex = []
    for module in project().values():
        visitor = ComplexityVisitor.from_code(module.path.read_text(encoding="utf-8"))
        for name, line, complexity in _functions([*visitor.functions, *visitor.classes]):
            if complexity > MAX_COMPLEXITY:
                too_complex.append((complexity, f"{module.where(line)} {name}"))
    shown = [f"{where}: {complexity}" for complexity, where in sorted(too_complex, reverse=True)]
    _fail_if(shown, f"function(s) above cyclomatic complexity {MAX_COMPLEXITY}")


def test_no_file_is_too_long() -> None:
    too_long = sorted(
        (len(module.path.read_text(encoding="utf-8").splitlines()), module.path)
        for module in project().values()
    )
    shown = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for lines, path in reversed(too_long)
        if lines > MAX_LINES
    ]
    _fail_if(shown, f"file(s) above {MAX_LINES} lines")


# --- the reader itself ----------------------------------------------------------------------


def test_the_reader_sees_every_layer_that_exists() -> None:
    modules = project()
    for top in LAYERS:
        if (ROOT / top).is_dir():
            assert any(name.split(".")[0] == top for name in modules), top
    assert "storage.db" in modules and "bot.services" in modules


def test_the_reader_counts_function_imports_and_skips_type_checking() -> None:
    source = """
from typing import TYPE_CHECKING
import storage.db
from . import sibling
from .. import clock as c
if TYPE_CHECKING:
    from handlers import router
else:
    import fallback
def late():
    from telegram import Bot
"""
    reader = _ImportReader()
    reader.visit(ast.parse(source))
    read = {(name, level, names) for name, level, names, _ in reader.found}
    assert read == {
        ("typing", 0, ("TYPE_CHECKING",)),
        ("storage.db", 0, ()),
        ("", 1, ("sibling",)),
        ("", 2, ("clock",)),
        ("fallback", 0, ()),
        ("telegram", 0, ("Bot",)),
    }
    inside = Module("bot.services.digest", ROOT / "bot/services/digest.py", False)
    package = Module("bot.services", ROOT / "bot/services/__init__.py", True)
    assert _absolute(inside, "", 1) == "bot.services"
    assert _absolute(inside, "", 2) == "bot"
    assert _absolute(inside, "alerts", 1) == "bot.services.alerts"
    assert _absolute(package, "alerts", 1) == "bot.services.alerts"
    assert _owner("bot.clock.FakeClock", {"bot", "bot.clock"}) == "bot.clock"
