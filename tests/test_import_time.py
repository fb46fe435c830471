"""What keeps `import gateway.app` quick (bench/import_time.py measures it): the collector paused
while the models and the schema are built, and generated types that name the types they refer
to by the object rather than by a string Strawberry has to parse and evaluate again."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from strawberry.types.base import get_object_definition

from kit.connection import filter_input
from kit.declared import declared_models
from kit.registry import spec_for_model
from models.base import paused_gc

ROOT = Path(__file__).resolve().parent.parent


def test_the_collector_is_back_on_after_the_import_and_finds_new_garbage() -> None:
    """A fresh process that imports the app collects cyclic garbage again afterwards: the pause
    ends with the import (a server that never collected would grow without bound)."""
    probe = (
        "import gc, gateway.app\n"
        "class Cycle: pass\n"
        "a, b = Cycle(), Cycle(); a.other, b.other = b, a; del a, b\n"
        "print(gc.isenabled(), gc.collect() >= 2)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_the_pause_leaves_a_disabled_collector_disabled() -> None:
    was = gc.isenabled()
    try:
        gc.disable()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
        gc.enable()
        with paused_gc():
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_generated_filters_take_themselves_in_and_or_not() -> None:
    """`<Type>Filter.and/or/not` are `[<Type>Filter!]` / `<Type>Filter`: the annotation is the
    class itself, resolved without a string evaluation."""
    models = declared_models()
    assert models
    for model in models:
        cls = filter_input(model)
        fields = {f.python_name: f for f in get_object_definition(cls, strict=True).fields}
        for op in ("and_", "or_", "not_"):
            assert not isinstance(cls.__annotations__[op], str), (cls.__name__, op)
        assert fields["not_"].type.of_type is cls  # Optional[<itself>]
        assert fields["and_"].type.of_type.of_type is cls  # Optional[List[<itself>]]


def test_generated_relations_to_types_made_before_them_are_objects() -> None:
    """A generated type names a relation target made before it by the object; only targets
    made after it (or hand-written later) stay strings, resolved when the schema is built."""
    objects = strings = 0
    for model in declared_models():
        gql = spec_for_model(model).gql_cls
        if gql is None or gql.__module__ != "kit.entity":
            continue  # hand-written types annotate their fields themselves
        for name, rel in spec_for_model(model).relations.items():
            hint = gql.__annotations__.get(name)
            if hint is None:
                continue
            if isinstance(hint, str):
                strings += 1
                assert rel.target_model.__name__ in hint
            else:
                objects += 1
    assert objects > strings  # most targets exist by the time a type is made
