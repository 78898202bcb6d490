"""Imports run downward: models/ imports no layer built on it, and no import cycle runs at import time."""

from __future__ import annotations

import ast
from pathlib import Path

import enhancerlm

PACKAGE = Path(enhancerlm.__file__).parent
# The layers built on models/: a model never imports them (what it needs from them is passed in).
ABOVE_MODELS = ("train", "experiment", "predict", "embeddings", "interpret", "scan", "serve", "cli")


def module_names() -> dict[str, Path]:
    """``enhancerlm.x.y`` -> its file, for every module of the installed package."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported_modules(node: ast.Import | ast.ImportFrom, modules: dict[str, Path]) -> set[str]:
    """The enhancerlm modules one import statement names (``from a import b``: ``a.b`` where it is a module)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in modules}
    if node.level or node.module is None:
        return set()
    named = {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in named if name in modules} | ({node.module} if named - set(modules) else set())


def all_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement, function-level ones included."""
    return [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]


def import_time_imports(body: list[ast.stmt]) -> list[ast.Import | ast.ImportFrom]:
    """The imports that run when the module is imported: not inside functions, not under ``if TYPE_CHECKING``."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found += import_time_imports(node.orelse)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                block = getattr(node, field, None)
                if isinstance(block, list):
                    found += import_time_imports(block)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the enhancerlm modules it imports when it is imported."""
    modules = module_names()
    graph = {}
    for name, path in modules.items():
        nodes = import_time_imports(ast.parse(path.read_text()).body)
        graph[name] = set().union(*(imported_modules(node, modules) for node in nodes)) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Groups of modules that import each other in a loop (strongly connected components of 2 or more)."""
    reach = {name: _reachable(graph, name) for name in graph}
    groups = {frozenset({b for b in reach[a] if a in reach[b]} | {a}) for a in graph if a in reach[a]}
    return [set(group) for group in groups]


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), list(graph[start])
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += graph.get(name, ())
    return seen


def test_models_import_no_layer_built_on_them():
    modules = module_names()
    upward = []
    for name, path in modules.items():
        if name.startswith("enhancerlm.models"):
            for node in all_imports(ast.parse(path.read_text())):
                for target in imported_modules(node, modules):
                    if target.split(".")[1:2] and target.split(".")[1] in ABOVE_MODELS:
                        upward.append(f"{path.name}:{node.lineno} imports {target}")
    assert not upward, upward


def test_no_import_cycle_runs_at_import_time():
    graph = import_graph()
    assert "enhancerlm.models.base" in graph["enhancerlm.predict"]  # the graph sees real imports
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_loop():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
