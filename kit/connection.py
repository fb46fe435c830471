"""Relay connections, and the filter / orderBy inputs generated from model declarations.

Connection objects are built by the shared read path (kit/planner.py) as plain
objects; their fields need no resolvers.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import sys
import types
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.unset import UNSET

from kit.registry import camel, spec_for_model

T = TypeVar("T")

# Generated input types live in this module's namespace so that their self-references
# ("and: [SchoolFilter!]") resolve when Strawberry builds the schema.
_generated = types.ModuleType("kit.generated")
sys.modules[_generated.__name__] = _generated


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Opaque keyset cursor of this row, for after/before.")
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T] = strawberry.field(description="The rows of this page, without cursors.")
    page_info: PageInfo
    total_count: int = strawberry.field(description="Rows matching the filter, all pages (costs one count).")


def enum_definition(py_enum: Any) -> StrawberryEnumDefinition:
    """What `strawberry.enum` attached to an enum class: its values and their descriptions."""
    definition: StrawberryEnumDefinition = py_enum.__strawberry_definition__
    return definition


@strawberry.enum(description="Ascending or descending.")
class OrderDirection(enum.Enum):
    ASC = "ASC"
    DESC = "DESC"


for _value, _text in zip(
    enum_definition(OrderDirection).values, ("Smallest first (NULLs last).", "Largest first (NULLs last)."), strict=True
):
    _value.description = _text


# ---- operator inputs, one per scalar kind -------------------------------------------------


def _operator_input(name: str, scalar: Any, ops: tuple[str, ...], description: str) -> type:
    doc = {
        "eq": "equal to",
        "ne": "not equal to",
        "in": "one of",
        "not_in": "none of",
        "lt": "less than",
        "lte": "at most",
        "gt": "greater than",
        "gte": "at least",
        "contains": "contains, ignoring case",
        "starts_with": "starts with (case-sensitive)",
        "is_null": "true: only rows without a value; false: only rows with one",
    }
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for op in ops:
        kind = bool if op == "is_null" else (list[scalar] if op in ("in", "not_in") else scalar)
        py_name = "in_" if op == "in" else op  # `in` is a Python keyword
        annotations[py_name] = kind | None
        namespace[py_name] = strawberry.field(default=UNSET, description=doc[op], name=camel(op))
    namespace["__annotations__"] = annotations
    namespace["__doc__"] = description  # else dataclasses builds one from the signature (import time)
    cls = type(name, (), namespace)
    return strawberry.input(cls, name=name, description=description)


_COMPARE = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "is_null")
StringFilter = _operator_input(
    "StringFilter",
    str,
    ("eq", "ne", "in", "not_in", "contains", "starts_with", "is_null"),
    "Conditions on a text field.",
)
IntFilter = _operator_input("IntFilter", int, _COMPARE, "Conditions on an integer field.")
DecimalFilter = _operator_input("DecimalFilter", decimal.Decimal, _COMPARE, "Conditions on a decimal field.")
BooleanFilter = _operator_input("BooleanFilter", bool, ("eq", "is_null"), "Conditions on a true/false field.")
DateFilter = _operator_input("DateFilter", dt.date, _COMPARE, "Conditions on a date field.")
DateTimeFilter = _operator_input("DateTimeFilter", dt.datetime, _COMPARE, "Conditions on a date-time field (UTC).")
IDFilter = _operator_input("IDFilter", strawberry.ID, ("eq", "in"), "Conditions on a global ID.")

_BY_PYTHON_TYPE = {
    str: StringFilter,
    int: IntFilter,
    decimal.Decimal: DecimalFilter,
    bool: BooleanFilter,
    dt.date: DateFilter,
    dt.datetime: DateTimeFilter,
}
_enum_filters: dict[type, type] = {}
_strawberry_enums: dict[type, type] = {}


def graphql_enum(py_enum: type[enum.Enum]) -> type:
    """The Strawberry enum of a model's Python enum, made once and shared by all users. Its
    description is the enum's docstring; a value's description comes from the enum's
    `__descriptions__` mapping (value name -> text), else from its name."""
    if py_enum not in _strawberry_enums:
        from kit.registry import prose

        made = strawberry.enum(
            py_enum, description=prose(py_enum.__doc__) if py_enum.__doc__ != enum.Enum.__doc__ else None
        )
        texts = getattr(py_enum, "__descriptions__", None) or {}
        for value in enum_definition(made).values:
            if value.description is None:
                value.description = texts.get(value.name) or value.name.replace("_", " ").capitalize() + "."
        _strawberry_enums[py_enum] = made
    return _strawberry_enums[py_enum]


def _enum_filter(py_enum: type[enum.Enum]) -> type:
    if py_enum not in _enum_filters:
        gql = graphql_enum(py_enum)
        _enum_filters[py_enum] = _operator_input(
            f"{py_enum.__name__}Filter",
            gql,
            ("eq", "ne", "in", "not_in", "is_null"),
            f"Conditions on a {py_enum.__name__} field.",
        )
    return _enum_filters[py_enum]


def graphql_type_of(column: Any) -> Any:
    """The Python/Strawberry type of a plain column (arrays of items, JSON documents)."""
    from sqlalchemy import ARRAY
    from sqlalchemy.types import JSON as SAJSON
    from strawberry.scalars import JSON

    if isinstance(column.type, ARRAY):
        return list[column.type.item_type.python_type]
    if isinstance(column.type, SAJSON):
        return JSON
    return column.type.python_type


# ---- per-model inputs ---------------------------------------------------------------------

_filters: dict[type, type] = {}
_orders: dict[type, type] = {}


def filter_input(model: type[Any]) -> type:
    """`<Type>Filter`: one operator input per declared filterable field, plus and/or/not."""
    if model in _filters:
        return _filters[model]
    spec = spec_for_model(model)
    name = f"{spec.name}Filter"
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for gql_name, attr in spec.filter_fields.items():
        if spec.id_target(attr) is not None:  # ids and foreign keys take global IDs
            kind = IDFilter
        elif attr in spec.enum_attrs:
            kind = _enum_filter(spec.enum_attrs[attr])
        else:
            kind = _BY_PYTHON_TYPE[spec.columns[attr].type.python_type]
        annotations[attr] = kind | None
        namespace[attr] = strawberry.field(
            default=UNSET, name=gql_name, description=_filter_description(spec, attr, gql_name)
        )
    for op in ("and_", "or_", "not_"):
        namespace[op] = strawberry.field(
            default=UNSET,
            name=op.rstrip("_"),
            description={"and_": "All of these.", "or_": "Any of these.", "not_": "Not this."}[op],
        )
    description = f"Conditions on {spec.name} rows; all given conditions must hold."
    namespace["__annotations__"] = annotations
    namespace["__module__"] = _generated.__name__
    namespace["__doc__"] = description  # else dataclasses builds one from the signature (import time)
    made = type(name, (), namespace)
    # The self-references name the class itself, not a string: a string is parsed and evaluated
    # again each time Strawberry resolves the field (most of a filter type's cost at import).
    annotations.update({"and_": list[made] | None, "or_": list[made] | None, "not_": made | None})  # type: ignore[valid-type]
    cls = strawberry.input(made, name=name, description=description)
    setattr(_generated, name, cls)
    _filters[model] = cls
    return cls


def _filter_description(spec: Any, attr: str, gql_name: str) -> str:
    if attr == "id":
        return f"The {spec.name}'s global ID."
    target = spec.id_target(attr)
    if target is not None:
        return f"The global ID of the {target} this {spec.name} refers to ({gql_name})."
    comment = spec.columns[attr].comment
    return f"Conditions on {gql_name}" + (f": {comment}" if comment else ".")


def order_input(model: type[Any]) -> type:
    """`<Type>Order`: a sortable field and a direction; the id breaks ties."""
    if model in _orders:
        return _orders[model]
    spec = spec_for_model(model)
    # an enum named at run time (mypy reads only literal names)
    py_enum: Any = enum.Enum(f"{spec.name}OrderField", {k: k for k in ("ID", *spec.sort_fields)})  # type: ignore[misc]
    field_enum = strawberry.enum(py_enum, description=f"What {spec.name} rows can be ordered by.")
    for value in enum_definition(field_enum).values:
        attr = "id" if value.name == "ID" else spec.sort_fields[value.name]
        value.description = "Creation order (the ID)." if attr == "id" else f"By {camel(attr)}."
    description = f"One key of the order of {spec.name} rows; the ID breaks ties."
    cls = strawberry.input(
        type(
            f"{spec.name}Order",
            (),
            {
                "__doc__": description,  # else dataclasses builds one from the signature
                "__annotations__": {"field": field_enum, "direction": OrderDirection},
                "field": strawberry.field(description="What to order by."),
                "direction": strawberry.field(default=OrderDirection.ASC, description="ASC (the default) or DESC."),
            },
        ),
        name=f"{spec.name}Order",
        description=description,
    )
    _orders[model] = cls
    return cls


def connection_args_resolver(model: type[Any]) -> Any:
    """A resolver whose only job is to declare the connection arguments in the schema;
    the shared read path installs the real resolver (kit/fast_resolvers.py)."""
    filt, order = filter_input(model), order_input(model)

    def resolve(
        first: int | None = UNSET,
        after: str | None = UNSET,
        last: int | None = UNSET,
        before: str | None = UNSET,
        filter: Any = UNSET,  # noqa: A002 - GraphQL argument name
        order_by: Any = UNSET,
    ) -> Any:
        raise NotImplementedError("replaced by the shared read path")

    name = spec_for_model(model).name

    def arg(kind: Any, text: str) -> Any:
        return Annotated[kind, strawberry.argument(description=text)]

    resolve.__annotations__ = {
        "first": arg(
            int | None, "The first n rows (after `after`); the default page size when neither first nor last is given."
        ),
        "after": arg(str | None, "A cursor: rows after this one."),
        "last": arg(int | None, "The last n rows (before `before`)."),
        "before": arg(str | None, "A cursor: rows before this one."),
        "filter": arg(filt | None, f"Only {name} rows matching these conditions."),
        "order_by": arg(
            list[order] | None,  # type: ignore[valid-type]  # a type made at run time
            "Order of the rows, key by key; the ID breaks ties (the default order).",
        ),
    }
    return resolve
