"""The SQL cache key of the read path is derived from the plan (kit/planner.py): every plan
field is either part of the statement's shape or a bound value, and the cache refuses to serve
one SQL text for a statement whose SQL differs."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import column, select, table

from kit import db, planner


@pytest.mark.parametrize("plan_class", [planner.NodePlan, planner.ConnPlan])
def test_every_plan_field_is_shape_or_value(plan_class: type) -> None:
    fields = {f.name for f in dataclasses.fields(plan_class)}
    named = set(plan_class.SHAPE) | set(plan_class.VALUES)
    assert fields == named, (
        f"{plan_class.__name__}: say whether {fields ^ named} decide the SQL (SHAPE) or not (VALUES)"
    )
    assert not set(plan_class.SHAPE) & set(plan_class.VALUES)


def test_filter_shapes_differ_where_the_sql_does() -> None:
    shape = planner.filter_shape
    assert shape({"name": {"eq": "a"}}) == shape({"name": {"eq": "b"}})  # a bound value
    assert shape({"name": {"isNull": True}}) != shape({"name": {"isNull": False}})  # IS NULL / IS NOT NULL
    assert shape({"name": {"eq": "a"}}) != shape({"name": {"ne": "a"}})
    assert shape({"or": [{"name": {"eq": "a"}}]}) != shape({"or": [{"name": {"eq": "a"}}, {"name": {"eq": "b"}}]})
    assert shape({"name": {"eq": None, "ne": "x"}}) == shape({"name": {"ne": "y"}})  # a null operand is no condition
    assert shape({"not": {"name": {"eq": "a"}}}) != shape({"name": {"eq": "a"}})


def test_a_shape_that_misses_part_of_the_sql_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "VERIFY_CACHE", True)
    t = table("things", column("a"), column("b"))
    key = ("test-shape", id(t))
    db.compile_statement(select(t.c.a), key)
    assert db.compile_statement(select(t.c.a), key)[0].startswith("SELECT things.a")
    with pytest.raises(db.StatementShapeError):
        db.compile_statement(select(t.c.b), key)  # same key, other SQL: a shape that forgot something
