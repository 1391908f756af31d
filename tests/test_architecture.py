"""The layout's rules, checked on the source: layers point one way, no cycles, small modules,
and tests that mirror the code (tests/<package>/test_<module>.py beside <package>/<module>.py).

Layers, lowest first: core (the modules beside models.py) < ingest < indexing < search and
logs < live and quality < web (HTTP) < console (the editor's pages, which show quality reports
of what the service observed) < cli. A module may import its own layer and the layers below it,
never above; layers of equal rank never import each other.
Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support import ROOT

PACKAGE = ROOT / "src" / "relatedposts"
MAX_LINES = 300
RANK = {"core": 0, "ingest": 1, "indexing": 2, "search": 3, "logs": 3, "live": 4, "quality": 4,
        "web": 5, "console": 6, "cli": 7}
# Layers of equal rank must not import each other either: ranking knows nothing of the logs,
# and quality reads indexes and the Searcher, never the live service.
FORBIDDEN = {("search", "logs"), ("logs", "search"), ("live", "quality"), ("quality", "live")}
# The search package is the seam shared by HTTP, CLI, console and scripts: no web framework.
WEB_FRAMEWORKS = ("flask", "werkzeug", "flask_limiter", "waitress")


def _modules() -> dict[str, Path]:
    """Map every module's dotted name to its file."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def layer(module: str) -> str:
    """Return the layer of a dotted module name inside the package."""
    parts = module.split(".")
    if module == "relatedposts.__main__" or (len(parts) > 1 and parts[1].startswith("cli_")):
        return "cli"  # `python -m relatedposts`, and command modules cli_<topic>.py
    return parts[1] if len(parts) > 1 and parts[1] in RANK else "core"


def imports(module: str) -> set[str]:
    """Return the package modules a module imports (anywhere in it), resolved to real modules."""
    path = MODULES[module]
    tree = ast.parse(path.read_text("utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            names = [f"{base}.{a.name}" for a in node.names] + [base]
        for name in names:
            while name and name not in MODULES:
                name = name.rsplit(".", 1)[0] if "." in name else ""
            if name and name != module and name.startswith("relatedposts"):
                found.add(name)
    return found


GRAPH = {m: imports(m) for m in MODULES}


def test_the_layout_has_every_layer() -> None:
    assert {layer(m) for m in MODULES if m != "relatedposts"} == set(RANK)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down_the_layers(module: str) -> None:
    mine = layer(module)
    upward = [dep for dep in GRAPH[module]
              if dep != "relatedposts" and (RANK[layer(dep)] > RANK[mine]
                                            or (mine, layer(dep)) in FORBIDDEN)]
    assert not upward, f"{module} ({mine}) imports from a higher layer: {upward}"


def test_no_import_cycles() -> None:
    """Depth-first search for a back edge; report the cycle found."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for dep in sorted(GRAPH[m]):
            if dep == "relatedposts" or dep.startswith(m + "."):
                continue  # a package importing its own submodules is not a cycle
            if state.get(dep) == 1:
                return stack[stack.index(dep):] + [dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        state[m] = 2
        stack.pop()
        return None

    for m in sorted(GRAPH):
        if m not in state:
            cycle = visit(m)
            assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_import_graph_is_real() -> None:
    """The rules above are not vacuous: the real graph has edges of every allowed kind."""
    kinds = {(layer(m), layer(d)) for m, deps in GRAPH.items() for d in deps
             if d != "relatedposts"}
    assert {("indexing", "core"), ("indexing", "ingest"), ("search", "indexing"),
            ("live", "search"), ("live", "logs"), ("web", "live"), ("quality", "indexing"),
            ("cli", "web")} <= kinds
    assert "relatedposts.indexing.versions" in GRAPH["relatedposts.live.service"]
    assert "relatedposts.search" in GRAPH["relatedposts.live.service"]  # through the seam


def external_imports(module: str) -> set[str]:
    """Return the top-level names of the outside packages a module imports (anywhere in it)."""
    tree = ast.parse(MODULES[module].read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found - {"relatedposts"}


SEARCH_MODULES = sorted(m for m in MODULES if layer(m) == "search")


def test_the_search_package_exists() -> None:
    assert "relatedposts.search.searcher" in SEARCH_MODULES and len(SEARCH_MODULES) >= 8


@pytest.mark.parametrize("module", SEARCH_MODULES)
def test_search_never_imports_a_web_framework(module: str) -> None:
    """Ranking is usable without Flask: no search module imports Flask or werkzeug."""
    web = external_imports(module) & set(WEB_FRAMEWORKS)
    assert not web, f"{module} imports {sorted(web)}"


def test_the_web_framework_check_is_not_vacuous() -> None:
    assert "flask" in external_imports("relatedposts.web.api")


@pytest.mark.parametrize("path", sorted(p for p in [*PACKAGE.rglob("*.py"),
                                                    *(ROOT / "scripts").rglob("*.py"),
                                                    *(ROOT / "tests").rglob("*.py")]),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_300_lines(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) != "search"))
def test_search_is_used_through_its_seam(module: str) -> None:
    """Outside the search package, only `relatedposts.search` itself is imported."""
    inner = sorted(d for d in GRAPH[module] if d.startswith("relatedposts.search."))
    assert not inner, f"{module} reaches into the search package: {inner}"


TESTS = ROOT / "tests"
# Unit test files named after no module, each with its reason. Scenario suites (end to end,
# across modules) live in tests/scenarios/ and are exempt.
NOT_A_MODULE = {
    "cli/test_commands.py": "the command group end to end (scrape, build, search, related, "
                            "settings): the commands of several cli modules and cli/__init__.py",
}
# Top-level test files: about the whole tree, or re-export shims (see their docstrings).
TOP_LEVEL = {"test_architecture.py": "the layout of the whole tree",
             "test_dependencies.py": "what the code may use of its dependencies"}


def _unit_test_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py")
                  if p.parent != TESTS and "scenarios" not in p.relative_to(TESTS).parts)


def mirrored_module(test_file: Path) -> Path:
    """Return the source file a unit test file is named after (tests/core/: top-level)."""
    package = test_file.parent.relative_to(TESTS)
    name = test_file.name.removeprefix("test_")
    return PACKAGE / name if package.parts == ("core",) else PACKAGE / package / name


@pytest.mark.parametrize("test_file", _unit_test_files(),
                         ids=lambda p: str(p.relative_to(TESTS)))
def test_every_unit_test_file_names_a_real_module(test_file: Path) -> None:
    key = str(test_file.relative_to(TESTS))
    if key in NOT_A_MODULE:
        assert not mirrored_module(test_file).exists(), f"{key} mirrors a module now: unlist it"
        return
    source = mirrored_module(test_file)
    assert source.is_file(), (f"tests/{key} names no module ({source.relative_to(ROOT)}): "
                              "rename it after the module it tests, move it to "
                              "tests/scenarios/, or list it in NOT_A_MODULE with a reason")


def test_the_mirror_check_is_not_vacuous() -> None:
    files = {str(p.relative_to(TESTS)) for p in _unit_test_files()}
    assert {"core/test_config.py", "search/test_fusion.py", "indexing/test_chunk.py",
            "indexing/embedders/test_onnx.py", "web/test_api.py"} <= files
    assert set(NOT_A_MODULE) <= files
    assert mirrored_module(TESTS / "core" / "test_config.py") == PACKAGE / "config.py"


def test_test_directories_are_packages_and_flat_files_are_listed() -> None:
    """Every tests/ directory with tests has an empty __init__.py; no stray tests/test_*.py."""
    for directory in {p.parent for p in TESTS.rglob("test_*.py")}:
        init = directory / "__init__.py"
        assert init.is_file() and init.stat().st_size == 0, f"{init.relative_to(ROOT)}"
    assert {p.name for p in TESTS.glob("test_*.py")} == set(TOP_LEVEL)
