"""No import cycles between vertical's modules, counting the imports inside functions too.

A cycle makes the import order matter and hides a module's real dependencies; the neutral modules
(`sections`, `predictions`, `pretrain.trainer`, `unicode_scripts`) exist so that there are none.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vertical

PACKAGE_ROOT = Path(vertical.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module) -> list[str]:
    """Modules imported anywhere in a module (a function's lazy import too), except under
    `if TYPE_CHECKING:`, which never runs."""
    found: list[str] = []
    never_run = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for statement in node.body
        for inner in ast.walk(statement)
    }
    for node in ast.walk(tree):
        if id(node) in never_run:
            continue
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.extend([node.module] + [f"{node.module}.{alias.name}" for alias in node.names])
    return found


def import_graph() -> dict[str, set[str]]:
    """Each vertical module -> the vertical modules (and their packages) it imports."""
    modules = {_module_name(path): path for path in PACKAGE_ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges = set()
        for target in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if target not in modules:
                continue
            parts = target.split(".")
            # importing a.b.c runs a/__init__, a/b/__init__ and a/b/c
            edges.update(
                ".".join(parts[:n]) for n in range(2, len(parts) + 1) if ".".join(parts[:n]) in modules
            )
        edges.discard(name)
        graph[name] = {e for e in edges if not name.startswith(e + ".")}  # a module's own packages load first
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph`, as a list of modules, or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_a_recipe_loads_without_torch():
    import subprocess
    import sys

    code = "import sys, vertical.recipe; assert 'torch' not in sys.modules, 'torch'"
    subprocess.run([sys.executable, "-c", code], check=True)
