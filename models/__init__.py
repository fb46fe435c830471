"""Every model, found by walking this package: `Base.metadata` knows every table (Alembic,
tests) and `models.X` names every public class and enum of any module below `models/`.

Adding a domain (a module or package under `models/`) edits nothing here. Two modules that
define a public class of the same name fail at import, naming both. Once every module is
imported, `finish_references()` attaches the foreign keys and inverse relations of every
`reference()` (a target may be defined after the model that points at it).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType as _Module  # private: not re-exported as models.ModuleType


def _walk(package: _Module) -> list[_Module]:
    """`package` and every module below it, a package before its modules, in name order."""
    found = [package]
    for info in sorted(pkgutil.iter_modules(package.__path__, package.__name__ + "."), key=lambda i: i.name):
        module = importlib.import_module(info.name)
        found.extend(_walk(module) if info.ispkg else [module])
    return found


def _exports(modules: list[_Module]) -> dict[str, type]:
    """Public classes (models, enums, mixins, declarations) by name, each from the module that defines it."""
    exports: dict[str, type] = {}
    where: dict[str, str] = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("_") or not isinstance(value, type) or value.__module__ != module.__name__:
                continue
            if name in exports and exports[name] is not value:
                raise ImportError(
                    f"models: {name!r} is defined by both {where[name]} and {module.__name__}; "
                    "rename one of them (models.<Name> must name one class)"
                )
            exports[name], where[name] = value, module.__name__
    return exports


from models.base import finish_references, paused_gc  # noqa: E402

with paused_gc():
    _EXPORTS = _exports(_walk(importlib.import_module(__name__)))
    globals().update(_EXPORTS)
    finish_references()  # foreign keys and inverse relations of every reference(), now that all targets exist

__all__ = sorted(_EXPORTS)
