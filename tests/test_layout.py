"""The map in docs/architecture.md, checked from the source: which package may import which.

- `models` imports neither `bot` nor `handlers`; one domain package of `models` imports another
  only downward (no cycle between `models/<a>` and `models/<b>`).
- `bot` (the runtime core) never imports `handlers`, except `bot/features.py`.
- `handlers/<f>` imports the core and `models`, and never another feature's handlers.
- No module imports itself back through others (no import cycle at all).
- One name, one thing: no two classes share a name, and no public function of the core or the
  domain shares its name with another function (handlers' own entry points such as `listeners`
  or `home_blocks` repeat from feature to feature by design).

Imports under `if TYPE_CHECKING:` are for annotations only: they don't count for the layers, and
they do for cycles (a cycle of annotations is still a knot for whoever reads the code)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "models")
MAX_LINES = 520  # "about 500"


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules(root: Path = ROOT) -> dict[str, Path]:
    return {
        module_name(p, root): p for layer in LAYERS for p in sorted((root / layer).rglob("*.py"))
    }


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, known: set[str], *, annotations: bool = False) -> set[str]:
    """The project modules `path` imports at run time (function-level imports included), and
    with `annotations` also those it imports for type checking only."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node) and not annotations:
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:  # `from models import retro` imports models.retro
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {name for name in found if name.split(".")[0] in LAYERS}


def graph(root: Path = ROOT, *, annotations: bool = False) -> dict[str, set[str]]:
    modules = source_modules(root)
    known = set(modules)
    return {
        name: imports_of(path, known, annotations=annotations) & known
        for name, path in modules.items()
    }


def package(module: str) -> str:
    """`handlers.oncall.jobs` -> `handlers.oncall`; `bot.render.text` -> `bot`."""
    parts = module.split(".")
    if parts[0] in ("handlers", "models") and len(parts) > 1:
        return ".".join(parts[:2])
    return parts[0]


def violations(edges: dict[str, set[str]]) -> list[str]:
    found = []
    for module, targets in sorted(edges.items()):
        layer = module.split(".")[0]
        for target in sorted(targets):
            to = target.split(".")[0]
            if layer == "models" and to != "models":
                found.append(f"{module} -> {target}: models imports neither bot nor handlers")
            if layer == "bot" and to == "handlers" and module != "bot.features":
                found.append(f"{module} -> {target}: only bot.features imports handlers")
            if (
                layer == "handlers"
                and to == "handlers"
                and package(target) != package(module)
                and target != "handlers"
            ):
                found.append(f"{module} -> {target}: a feature's handlers import no other's")
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return found


def package_edges(edges: dict[str, set[str]], layer: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for module, targets in edges.items():
        if module.startswith(layer + "."):
            here = package(module)
            out.setdefault(here, set()).update(
                package(t) for t in targets if t.startswith(layer + ".") and package(t) != here
            )
    return out


@pytest.fixture(scope="module")
def edges() -> dict[str, set[str]]:
    return graph()


def test_each_layer_imports_only_what_the_map_allows(edges):
    assert violations(edges) == []


def test_no_module_imports_itself_back():
    assert cycles(graph(annotations=True)) == []


def test_the_domain_packages_import_each_other_downward_only(edges):
    assert cycles(package_edges(edges, "models")) == []


def test_no_source_module_is_much_over_500_lines():
    long = {
        name: n
        for name, path in source_modules().items()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def definitions(root: Path = ROOT) -> dict[str, list[tuple[str, str]]]:
    """Public top-level names -> [(kind, module)] for every class and function."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, path in source_modules(root).items():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)) and not node.name.startswith("_"):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                found.setdefault(node.name, []).append((kind, name))
    return found


def shared_names(found: dict[str, list[tuple[str, str]]]) -> dict[str, list[str]]:
    clashes = {}
    for name, places in found.items():
        classes = [m for kind, m in places if kind == "class"]
        core = [m for _, m in places if not m.startswith("handlers.")]
        if len(places) > 1 and (len(classes) > 1 or core):
            clashes[name] = sorted(m for _, m in places)
    return clashes


def test_one_name_one_thing():
    assert shared_names(definitions()) == {}


def test_the_rules_catch_a_forbidden_import(tmp_path):
    """The check itself can fail: a model that imports the core, a core module that imports a
    feature, one feature's handlers importing another's, and a cycle, are each reported."""
    for name, text in {
        "models/__init__.py": "",
        "models/a/__init__.py": "",
        "models/a/x.py": "import bot.deps\nfrom models.b.y import Y\n",
        "models/b/__init__.py": "",
        "models/b/y.py": "from models.a.x import X\n",
        "bot/__init__.py": "",
        "bot/deps.py": "from handlers.f import FEATURE\n",
        "handlers/__init__.py": "",
        "handlers/f/__init__.py": "from handlers.g.commands import thing\n",
        "handlers/g/__init__.py": "",
        "handlers/g/commands.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from handlers.f import FEATURE\n",
    }.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    edges = graph(tmp_path)
    assert violations(edges) == [
        "bot.deps -> handlers.f: only bot.features imports handlers",
        "handlers.f -> handlers.g.commands: a feature's handlers import no other's",
        "models.a.x -> bot.deps: models imports neither bot nor handlers",
    ]
    assert cycles(package_edges(edges, "models")) == [["models.a", "models.b"]]
    assert edges["handlers.g.commands"] == set()  # annotations only
    assert graph(tmp_path, annotations=True)["handlers.g.commands"] == {"handlers.f"}
