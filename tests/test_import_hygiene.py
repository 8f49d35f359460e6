"""Import hygiene: the modules of bot/ import one another without a cycle, counting every import
statement (also those inside functions, which Python runs late but which still tie the modules
together), and the layers stay apart (the contracts themselves are in pyproject.toml)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bot"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree except the bodies of `if TYPE_CHECKING:` blocks (imports for type
    checkers only, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                todo.extend(child.orelse)
                continue
            todo.append(child)


def import_graph() -> dict[str, set[str]]:
    """module -> the bot modules it imports anywhere in its body (module level, functions, methods;
    not `if TYPE_CHECKING:` blocks), each import a dependency on the deepest module it names."""
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in files}

    def known(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for mod, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in _runtime_nodes(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(mod, path.name == "__init__.py", node)
                targets = [f"{base}.{a.name}" for a in node.names] or [base]
            for t in targets:
                if t.split(".")[0] != "bot":
                    continue
                dep = known(t)
                if dep and dep != mod and not mod.startswith(dep + "."):  # a package's own __init__ is no cycle
                    graph[mod].add(dep)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_the_finder_sees_imports_inside_functions():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c"]]
    g = import_graph()
    assert "bot.store.library" in g["bot.core.index"]
    assert "bot.backends.store" in g["bot.store.library"]  # imported inside Index.store()


def test_no_import_cycle_in_bot():
    cycles = find_cycles(import_graph())
    assert cycles == [], "import cycles (counting imports inside functions): " + "; ".join(" <-> ".join(c) for c in cycles)


def test_backends_import_neither_core_nor_store():
    bad = {m: sorted(d for d in deps if d.startswith(("bot.core", "bot.store", "bot.cli", "bot.tui")))
           for m, deps in import_graph().items() if m.startswith("bot.backends")}
    assert {m: d for m, d in bad.items() if d} == {}


def test_layer_contracts_of_pyproject_are_kept():
    """`lint-imports` (import-linter, the `test` extra) with the contracts of pyproject.toml."""
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        found = shutil.which("lint-imports")
        if found is None:
            pytest.skip("import-linter is not installed (pip install -e '.[test]')")
        exe = Path(found)
    proc = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "0 broken" in proc.stdout, proc.stdout[-3000:]
