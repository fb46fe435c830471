"""Every way a workflow parameter can name a model is decoded and checked by the kit
(kit/workflow.py `_graphql_kind`): a reference the kit does not see reaches the service as the
client's raw global ID, unchecked against the caller's visibility. The walk covers every
service function under `resolvers/`, whatever shape its author wrote."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from typing import Annotated, Any

import pytest

import models
import resolvers
from kit.workflow import Doc, Ref, RefTo, _graphql_kind


def _refs_in(hint: Any) -> list[RefTo]:
    """The RefTo markers anywhere inside `hint` (Annotated metadata, unions, lists)."""
    found = [extra for extra in getattr(hint, "__metadata__", ()) if isinstance(extra, RefTo)]
    for arg in typing.get_args(hint):
        found.extend(_refs_in(arg))
    return found


SHAPES = {
    "Ref[M]": Ref[models.FileUpload],
    "Ref[M] | None": Ref[models.FileUpload] | None,
    "Annotated[Ref[M], Doc]": Annotated[Ref[models.FileUpload], Doc("x")],
    "Annotated[Ref[M] | None, Doc]": Annotated[Ref[models.FileUpload] | None, Doc("x")],
    "Ref.many[M]": Ref.many[models.FileUpload],
    "Annotated[Ref.many[M], Doc]": Annotated[Ref.many[models.FileUpload], Doc("x")],
    "Annotated[Ref.many[M] | None, Doc]": Annotated[Ref.many[models.FileUpload] | None, Doc("x")],
}


@pytest.mark.parametrize("shape", SHAPES)
def test_each_shape_of_a_reference_is_seen(shape: str) -> None:
    _, ref, _ = _graphql_kind(SHAPES[shape])
    assert ref is not None and ref.model is models.FileUpload, shape
    assert ref.many == ("many" in shape)


def _services() -> list[tuple[str, Any]]:
    found = []
    for info in pkgutil.walk_packages(resolvers.__path__, "resolvers."):
        module = importlib.import_module(info.name)
        for name, fn in vars(module).items():
            if inspect.iscoroutinefunction(fn) and fn.__module__ == module.__name__:
                params = list(inspect.signature(fn).parameters)
                if params[:1] == ["ctx"]:
                    found.append((f"{module.__name__}.{name}", fn))
    return found


def test_every_reference_a_service_takes_is_decoded_by_the_kit() -> None:
    missed = []
    checked = 0
    for where, fn in _services():
        for param, hint in typing.get_type_hints(fn, include_extras=True).items():
            if not _refs_in(hint):
                continue
            checked += 1
            try:
                _, ref, _ = _graphql_kind(hint)
            except TypeError:
                continue  # not a workflow parameter shape (a helper's): nothing generated from it
            if ref is None:
                missed.append(f"{where}({param})")
    assert checked > 50  # the walk found the services
    assert missed == [], f"references the kit would hand over undecoded: {missed}"
