"""The package's import structure: data flows one way through the layers, no private names cross modules.

Parses every module's imports (nothing is imported or executed) and fails when

* a module imports from a part of the package that comes later in the layer order (or from another
  part of the same rank);
* a module imports another module's private name (a leading underscore), except from ``_internal``;
* a module of the package imports lazily inside a function (hidden dependencies; ``cli`` excepted);
* a test, script or notebook reaches a private module or name (``qsjax._x``, ``qsjax.sketch._y``).
"""

from __future__ import annotations

import ast
import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PKG = ROOT / "qsjax"

# Parts of the package in data-flow order; a part may import only from parts of a lower rank.
LAYERS = {
    "_internal": 0,
    "random": 1,
    "kernels": 2,
    "data": 3,
    "sketch": 4,
    "metrics": 5,
    "qsp": 5,
    "blockencoding": 6,
    "states": 7,
    "algorithms": 8,
    "resources": 9,
    "shadows": 9,
    "learn": 10,
    "experiments": 11,
    "cli": 12,
    "__init__": 13,
}


def _module_name(path: pathlib.Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _part(module: str) -> str:
    """``qsjax.sketch._phase`` -> ``sketch``; the package itself -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str | None:
    """Absolute module named by an import, or None for imports from outside qsjax."""
    if node.level == 0:
        return node.module if (node.module or "").split(".")[0] == "qsjax" else None
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _package_imports():
    for path in sorted(PKG.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(), filename=str(path))
        is_package = path.name == "__init__.py"
        top_level = set(map(id, tree.body))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                target = _resolve(node, module, is_package)
                if target is not None:
                    yield module, path, node, target, id(node) in top_level
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == "qsjax":
                        yield module, path, node, alias.name, id(node) in top_level


def test_the_layer_table_covers_every_part():
    parts = {_part(_module_name(p)) for p in PKG.rglob("*.py")}
    assert parts <= set(LAYERS), f"parts without a layer: {sorted(parts - set(LAYERS))}"
    assert len(list(_package_imports())) > 50  # the scan sees the package's imports


def test_imports_follow_the_layer_order():
    bad = []
    for module, path, node, target, _ in _package_imports():
        src, dst = _part(module), _part(target)
        if dst == "__init__" and src != "__init__":
            bad.append(f"{path.relative_to(ROOT)}:{node.lineno} imports the top-level package")
        elif src != dst and LAYERS[dst] >= LAYERS[src]:
            bad.append(
                f"{path.relative_to(ROOT)}:{node.lineno}: {src} (rank {LAYERS[src]}) imports "
                f"{target} ({dst}, rank {LAYERS[dst]})"
            )
    assert not bad, "imports against the layer order:\n" + "\n".join(bad)


def test_no_private_names_cross_modules():
    bad = []
    for _module, path, node, target, _ in _package_imports():
        if not isinstance(node, ast.ImportFrom) or _part(target) == "_internal":
            continue
        for alias in node.names:
            if alias.name.startswith("_") and alias.name != "__version__":
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}: {alias.name} from {target}")
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_no_lazy_imports_inside_the_package():
    bad = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {target}"
        for module, path, node, target, top in _package_imports()
        if not top and _part(module) != "cli"
    ]
    assert not bad, "imports inside functions (move them to the top of the module):\n" + "\n".join(bad)


def _private_reference(name: str) -> bool:
    return any(part.startswith("_") and part != "__version__" for part in name.split(".")[1:])


def _user_code():
    files = [*sorted((ROOT / "tests").glob("*.py")), *sorted((ROOT / "scripts").glob("*.py"))]
    for path in files:
        yield path, path.read_text()
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text())["cells"]
        yield nb, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("path,source", list(_user_code()), ids=lambda v: getattr(v, "name", ""))
def test_tests_scripts_and_notebooks_use_public_names(path, source):
    if path.name == "test_layers.py":
        return
    tree = ast.parse(source)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "qsjax":
            if _private_reference(node.module):
                bad.append(f"line {node.lineno}: from {node.module} import ...")
            bad += [
                f"line {node.lineno}: {a.name} from {node.module}"
                for a in node.names
                if a.name.startswith("_") and a.name != "__version__"
            ]
        elif isinstance(node, ast.Import):
            bad += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.split(".")[0] == "qsjax" and _private_reference(a.name)
            ]
        elif (
            isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "qsjax"
        ):
            if node.attr.startswith("_") and not (node.attr.startswith("__") and node.attr.endswith("__")):
                bad.append(f"line {node.lineno}: qsjax.{node.attr}")
    assert not bad, f"{path.relative_to(ROOT)} uses private names:\n" + "\n".join(bad)
