"""Shared input cleaning: every argument of every root field, before its resolver runs.

One rule set for all inputs, present and future, generated from the models where a field
maps to a column:

- text: no NUL byte (PostgreSQL text cannot hold one); at most the column's length
  (`String(n)`), else `DEFAULT_TEXT_MAX` characters, unless a field declares its own
  maximum (`declare_input`);
- decimals: plain digits only, no exponent ("1e3"), no NaN/Infinity (the Decimal scalar marks
  them, kit/scalars.py), and no more integer digits than the column holds;
- dates (and date-times): within `DATE_FLOOR` .. today + `DATE_YEARS_AHEAD` years (today in
  the tenant's time zone, kit/clock.py); a date that records something that
  already happened (`birth`, `issue` in its name) is not after today; a field may declare
  another window;
- JSON documents: no NUL byte in any string (jsonb refuses `\\u0000`).

The field's declared permission rule (auth/permissions.py) is checked first: a caller it
refuses gets UNAUTHENTICATED/FORBIDDEN whatever the input. A mutation with such input answers `errors: [{field: ["input", "name"], code: INVALID}]` in
its payload and runs nothing (so changes nothing); a query answers a BAD_USER_INPUT error
naming the argument. Filters are checked by the read path (kit/planner.py
`check_filter`) against the filtered column, at every depth.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    is_list_type,
)

from kit.errors import ErrorCode, UserError, UserErrors
from kit.values import DEFAULT_TEXT_MAX, decimal_problem, text_limit, value_problem

DATE_FLOOR = dt.date(1900, 1, 1)
DATE_YEARS_AHEAD = 50
_PAST_ONLY = re.compile(r"birth|dob$|^issue|issued", re.IGNORECASE)


@dataclass(frozen=True)
class FieldLimits:
    max_length: int | None = None
    window: tuple[dt.date | None, dt.date | None] | None = None  # None: the default window
    not_after_today: bool | None = None  # None: decided by the field's name


# "<InputType>.<field>" or "<Query|Mutation>.<field>.<arg>" -> column (generated inputs) / limits (declared)
INPUT_COLUMNS: dict[str, Any] = {}
DECLARED: dict[str, FieldLimits] = {}


def input_columns(type_name: str, columns: dict[str, Any]) -> None:
    """Tie the fields of a generated input type to their columns (GraphQL name -> Column)."""
    for field, column in columns.items():
        INPUT_COLUMNS[f"{type_name}.{field}"] = column


def declare_input(type_name: str, field: str, **limits: Any) -> None:
    """A field that needs other limits than its column gives (max_length, window, not_after_today)."""
    DECLARED[f"{type_name}.{field}"] = FieldLimits(**limits)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _date_problem(value: dt.date, field: str, limits: FieldLimits | None, today: dt.date) -> str | None:
    day = value.date() if isinstance(value, dt.datetime) else value
    low, high = DATE_FLOOR, _add_years(today, DATE_YEARS_AHEAD)
    if limits is not None and limits.window is not None:
        low, high = limits.window[0] or dt.date.min, limits.window[1] or dt.date.max
    past_only = (
        limits.not_after_today
        if limits is not None and limits.not_after_today is not None
        else bool(_PAST_ONLY.search(field))
    )
    if past_only and day > today:
        return f"cannot be in the future (today is {today.isoformat()})."
    if day < low:
        return f"cannot be before {low.isoformat()}."
    if day > high:
        return f"cannot be after {high.isoformat()}."
    return None


def _json_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return "contains a NUL byte (\\u0000), which text cannot hold." if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _json_problem(key) or _json_problem(item)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _json_problem(item)
            if problem:
                return problem
    return None


class Walker:
    """Collects (path, message) for the values of one root field's arguments."""

    def __init__(self, today: Any, fallback: dict[str, Any]) -> None:
        self._today = today  # called only when a date is met
        self.fallback = fallback  # top-level input field -> column of the mutation's entity (hand-written inputs)
        self.problems: list[tuple[list[str], str]] = []

    def walk(self, gtype: Any, value: Any, path: list[str], key: str, depth: int) -> None:
        if value is None:
            return
        if isinstance(gtype, GraphQLNonNull):
            gtype = gtype.of_type
        if is_list_type(gtype):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    self.walk(gtype.of_type, item, [*path, str(i)], key, depth)
            return
        if isinstance(gtype, GraphQLInputObjectType):
            if not isinstance(value, dict):
                return
            for name, item in value.items():
                field = gtype.fields.get(name)
                if field is not None:
                    self.walk(field.type, item, [*path, name], f"{gtype.name}.{name}", depth + 1)
            return
        if not isinstance(gtype, GraphQLScalarType):
            return
        field = path[-1] if path else ""
        declared = DECLARED.get(key)
        column = INPUT_COLUMNS.get(key)
        if column is None and depth == 1:
            column = self.fallback.get(field)
        problem = None
        if isinstance(value, str):
            if gtype.name == "ID":
                limit = None  # global IDs are decoded (and refused) by kit/ids.py
            elif declared is not None and declared.max_length is not None:
                limit = declared.max_length
            else:
                limit = text_limit(column)
            problem = value_problem(value, limit)
        elif isinstance(value, decimal.Decimal):
            problem = decimal_problem(value, column)
        elif isinstance(value, dt.date):
            problem = _date_problem(value, field, declared, self._today())
        elif gtype.name == "JSON":
            problem = _json_problem(value)
        if problem:
            self.problems.append((path, f"{field} {problem}" if field else problem))


def _payload_maker(field: Any) -> Any:
    """Builds the field's payload with only `errors`, when its type has one (mutations)."""
    gtype = get_named_type(field.type)
    if not isinstance(gtype, GraphQLObjectType) or "errors" not in gtype.fields:
        return None
    definition: Any = gtype.extensions.get("strawberry-definition")
    cls = getattr(definition, "origin", None)
    if cls is None:
        return None
    defaults: dict[str, Any] = {}
    for sfield in definition.fields:
        if getattr(sfield, "base_resolver", None) is not None:
            continue  # computed from the payload's own state
        gfield = gtype.fields.get(sfield.graphql_name or _camel(sfield.python_name))
        default: Any = None
        if gfield is not None and isinstance(gfield.type, GraphQLNonNull):
            inner = get_named_type(gfield.type)
            if isinstance(gfield.type.of_type, GraphQLList):
                default = []
            elif inner.name == "Boolean":
                default = False
            elif inner.name == "Int":
                default = 0
        defaults[sfield.python_name] = default

    own_make = getattr(cls, "make", None)  # the payload's own constructor of a refusal: make(None, errors)

    def make(errors: list[Any]) -> Any:
        if own_make is not None:
            return own_make(None, errors)
        try:
            return cls(**{**defaults, "errors": errors})
        except TypeError:  # fields without an __init__ argument
            obj = cls.__new__(cls)
            obj.__dict__.update(defaults)
            obj.__dict__["errors"] = errors
            return obj

    return make


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _entity_columns(field: Any) -> dict[str, Any]:
    """GraphQL name -> column of the entity a mutation's payload returns, for inputs written by
    hand: a field named like a column of that entity is limited by the column."""
    from kit.registry import camel, get_spec

    gtype = get_named_type(field.type)
    if not isinstance(gtype, GraphQLObjectType):
        return {}
    for sub in gtype.fields.values():
        spec = get_spec(get_named_type(sub.type).name)
        if spec is not None and spec.gql_cls is not None:
            return {camel(attr): column for attr, column in spec.columns.items()}
    return {}


_SKIP_ARGS = frozenset({"filter", "orderBy"})  # checked by the read path, against the filtered column


def _needs_walk(gtype: Any, seen: set[str] | None = None) -> bool:
    seen = seen if seen is not None else set()
    named = get_named_type(gtype)
    if isinstance(named, GraphQLScalarType):
        return named.name not in ("Int", "Boolean", "Float")
    if isinstance(named, GraphQLInputObjectType):
        if named.name in seen:
            return False
        seen.add(named.name)
        return any(_needs_walk(f.type, seen) for f in named.fields.values())
    return False


_WORDS = re.compile(r"[A-Z][a-z0-9]*")


def _tie_hand_written_inputs(gschema: Any) -> None:
    """Inputs written by hand (`StudentDetailsInput`, `MarkEntryInput`, ...) are tied to the
    model whose name their own name contains (the longest, on word boundaries): a field named
    like one of its columns gets the column's limits. Generated inputs are tied already."""
    from kit.registry import SPECS, camel

    models = sorted(((tuple(_WORDS.findall(name)), spec) for name, spec in SPECS.items()), key=lambda x: -len(x[0]))
    for type_name, gtype in gschema.type_map.items():
        if not isinstance(gtype, GraphQLInputObjectType) or type_name.endswith(("Filter", "Order")):
            continue
        if any(f"{type_name}.{field}" in INPUT_COLUMNS for field in gtype.fields):
            continue
        words = tuple(_WORDS.findall(type_name))
        for model_words, spec in models:
            n = len(model_words)
            if any(words[i : i + n] == model_words for i in range(len(words) - n + 1)):
                columns = {camel(attr): column for attr, column in spec.columns.items()}
                for field, f in gtype.fields.items():
                    if field in columns and get_named_type(f.type).name in ("String", "Decimal"):
                        INPUT_COLUMNS[f"{type_name}.{field}"] = columns[field]
                break


def install(schema: Any) -> None:
    """Wrap every root field whose arguments carry text, decimals, dates or JSON."""
    gschema = schema._schema
    _tie_hand_written_inputs(gschema)
    for root in (gschema.query_type, gschema.mutation_type):
        if root is None:
            continue
        is_mutation = root is gschema.mutation_type
        for name, field in root.fields.items():
            args = {a: arg for a, arg in field.args.items() if a not in _SKIP_ARGS and _needs_walk(arg.type)}
            make = _payload_maker(field) if is_mutation else None
            if field.resolve is None or not (args or make):
                continue
            field.resolve = _cleaning(
                field.resolve, args, f"{root.name}.{name}", make, _entity_columns(field) if is_mutation else {}
            )


def _cleaning(resolve: Any, args: dict[str, Any], path: str, make: Any, fallback: dict[str, Any]) -> Any:
    from auth.permissions import DECLARED as RULES
    from kit import clock
    from kit.errors import BadInput, authorize

    rule = RULES.get(path)

    def clean_then_resolve(source: Any, info: Any, **kwargs: Any) -> Any:
        if rule is not None and not rule.allows(info.context):
            # the field's own rule first: a caller who may not use it learns UNAUTHENTICATED or
            # FORBIDDEN, not which of its inputs would be refused (the resolver checks the
            # same declared rule before anything else)
            authorize(info, rule)
        walker = Walker(clock.today, fallback)
        for arg_name, arg in args.items():
            if arg_name in kwargs:
                walker.walk(arg.type, kwargs[arg_name], [arg_name], f"{path}.{arg_name}", 0)
        if walker.problems:
            if make is not None:  # a mutation: the project's payload errors, nothing run
                return make(
                    [
                        UserError(field=where, code=ErrorCode.INVALID, message=message)
                        for where, message in walker.problems
                    ]
                )
            where, message = walker.problems[0]
            raise BadInput(f"{'.'.join(where)}: {message}")
        if make is None:
            return resolve(source, info, **kwargs)
        try:
            result = resolve(source, info, **kwargs)
        except UserErrors as exc:
            return make(exc.errors)
        if isawaitable(result):
            return _payload_on_user_errors(result, make)
        return result

    return clean_then_resolve


async def _payload_on_user_errors(result: Any, make: Any) -> Any:
    """A mutation whose expected failure escaped its own frame (the check of every ORM write
    raised in a `mutation_scope` the mutation does not catch): payload errors, not an
    internal error. The mutation's savepoint is already rolled back."""
    try:
        return await result
    except UserErrors as exc:
        return make(exc.errors)


__all__ = ["DEFAULT_TEXT_MAX", "declare_input", "input_columns", "install", "text_limit", "value_problem"]
