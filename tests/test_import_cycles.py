"""The package's import graph has no cycle, function-local (lazy) imports included.

The graph is read from the source with `ast`, independently of what Python happens to import in
one run, so a lazy import that would close a cycle on some code path counts as much as a
top-level one. Edges, as Python executes them:

- `import a.b` and `from a.b import x`, where a.b.x is not a module: a.b;
- `from a import b`, where a.b is a module: a.b, and also a itself, because the name is looked
  up in the package's namespace, which runs (and may still be running) `a/__init__.py`.

Imports under `if TYPE_CHECKING:` never run and are left out. A module's implicit dependency on
its parent package's `__init__` is not an edge: Python registers the parent before its
children, so that one can never fail.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "lossadvisor"

# Pairs known to be cyclic and owned elsewhere; each needs a reason and an owner. Empty is the
# goal.
KNOWN: set[frozenset[str]] = set()


def module_files() -> dict[str, Path]:
    """Dotted module name -> its file, for every module of the package."""
    files = {}
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that can run (any depth), skipping `if TYPE_CHECKING:` bodies."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def _absolute(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules its import statements execute."""
    files = module_files()
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                source = _absolute(name, node, path.name == "__init__.py")
                targets = []
                for alias in node.names:
                    sub = f"{source}.{alias.name}"
                    if sub in files:
                        targets.append(sub)
                        if files[source].name == "__init__.py":
                            targets.append(source)  # the name is read from the package
                    else:
                        targets.append(source)
            for target in targets:
                while target and target not in files:  # `import a.b.C` style: nearest module
                    target = target.rpartition(".")[0]
                if target.startswith(PACKAGE) and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_package_has_no_import_cycle() -> None:
    found = [c for c in cycles(import_graph()) if frozenset(c) not in KNOWN]
    assert found == [], "import cycles (lazy imports included):\n" + "\n".join(
        " <-> ".join(c) for c in found
    )


# Packages that must not import another (lazy imports included): the data flow runs
# rules -> recommend -> render / export, never back.
FORBIDDEN: list[tuple[str, str]] = [
    ("lossadvisor.rules", "lossadvisor.export"),
    ("lossadvisor.rules", "lossadvisor.render"),
    ("lossadvisor.rules", "lossadvisor.cli"),
]


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize(("low", "high"), FORBIDDEN)
def test_a_lower_layer_imports_nothing_of_a_higher_one(low: str, high: str) -> None:
    graph = import_graph()
    found = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _inside(module, low)
        for target in targets
        if _inside(target, high)
    )
    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # a cycle through a lazy import inside a function is found
        ({"a": "import b", "b": "def f():\n    import a\n"}, [["a", "b"]]),
        # `from pkg import sub` reads the package namespace: pkg/__init__ -> sub -> pkg
        (
            {
                "pkg/__init__": "from pkg import sub",
                "pkg/sub": "from pkg import other",
                "pkg/other": "",
            },
            [["pkg", "pkg.sub"]],
        ),
        # `from pkg.other import x` does not run through the package namespace: no cycle
        (
            {
                "pkg/__init__": "from pkg import sub",
                "pkg/sub": "from pkg.other import x",
                "pkg/other": "x = 1",
            },
            [],
        ),
        # a type-only import never runs
        ({"a": "import b", "b": "if TYPE_CHECKING:\n    import a\n"}, []),
    ],
)
def test_the_walker_finds_what_python_would_run(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    source: dict[str, str],
    expected: list[list[str]],
) -> None:
    """The walker itself, on tiny packages whose cycles are known by construction."""
    for name, text in source.items():
        path = tmp_path / "top" / f"{name}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            text.replace("pkg", "top.pkg")
            .replace("import a", "import top.a")
            .replace("import b", "import top.b"),
            encoding="utf-8",
        )
    (tmp_path / "top" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    monkeypatch.setattr(f"{__name__}.PACKAGE", "top")
    found = cycles(import_graph())
    assert found == [[f"top.{m}" for m in c] for c in expected]
