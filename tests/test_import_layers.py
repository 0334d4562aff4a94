"""Imports run one way: no package imports itself round in a cycle, and the audio stages import no plumbing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {
    "babblefish_monitor": REPO / "addon" / "monitor" / "src" / "babblefish_monitor",
    "babblefish_training": REPO / "training" / "src" / "babblefish_training",
    "custom_components.babblefish": REPO / "custom_components" / "babblefish",
}


def _module_name(package: str, root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def _runtime_imports(tree: ast.Module, module: str, is_package: bool) -> set[str]:
    """Modules imported when `module` loads: top level, outside `if TYPE_CHECKING:`."""
    found: set[str] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found |= {f"{target}.{alias.name}" for alias in node.names}
    return found


def _graph(package: str, root: Path) -> dict[str, set[str]]:
    modules = {
        _module_name(package, root, path): path
        for path in root.rglob("*.py")
        if "__pycache__" not in path.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = _runtime_imports(tree, name, path.name == "__init__.py")
        # A module's own package __init__ runs first anyway; it is not an edge back.
        graph[name] = {
            m for m in imported if m in modules and m != name and not name.startswith(f"{m}.")
        }
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_cycles(package: str) -> None:
    graph = _graph(package, PACKAGES[package])
    assert len(graph) > 10 and sum(map(len, graph.values())) > 20  # the parser sees imports
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_audio_stages_import_no_plumbing() -> None:
    """Sources, frontend, classifier, detector and pipeline know nothing of the API, the tally,
    the labels or the service that drive them."""
    package = "babblefish_monitor"
    graph = _graph(package, PACKAGES[package])
    audio = f"{package}.audio"
    assert f"{audio}.detector" in graph[f"{audio}.pipeline"]
    outward = sorted(
        (module, imported)
        for module, imports in graph.items()
        if module.startswith(f"{audio}.")
        for imported in imports
        if not imported.startswith(f"{audio}.") and imported not in (audio, package)
        and imported not in LEAVES_BELOW_AUDIO
    )  # fmt: skip
    assert outward == []


# A leaf module the audio stages may use: it imports nothing of the monitor's own.
LEAVES_BELOW_AUDIO = {"babblefish_monitor.redact"}
