"""The floors of the code and the absence of import circles (docs/architecture.md).

Bottom to top: `models/` < `kit/` (the machinery) < `resolvers/` (services) < `schema/` <
`gateway/`; no module imports a higher floor (import-linter's layers contract in
pyproject.toml, also runnable as `lint-imports`), the kit imports no domain model, and no two
modules import each other, directly or around a circle.
"""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gateway", "schema", "resolvers", "kit", "models", "auth")
KIT_MAY_IMPORT_FROM_MODELS = {"models", "models.base", "models.entity"}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, exclude_type_checking_imports=True)


def test_no_import_goes_up_a_floor() -> None:
    """`lint-imports` prints the chain of every import that goes up (e.g. a service importing
    the HTTP edge through a helper module)."""
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0, (
        "an import goes up a floor: see the report above"
    )


def test_the_kit_imports_no_domain() -> None:
    graph = _graph()
    found = sorted(
        f"{m} -> {i}"
        for m in graph.modules
        if m.startswith("kit")
        for i in graph.find_modules_directly_imported_by(m)
        if i.startswith("models") and i not in KIT_MAY_IMPORT_FROM_MODELS
    )
    assert not found, found


def test_no_import_circles() -> None:
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    assert not circles, circles
