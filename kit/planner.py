"""The shared read path: selection-aware SQL for connections, nodes and relations.

A root resolver hands its GraphQL selection to `plan_connection` / `plan_node`. The plan
JOINs every selected to-one relation into the same statement and loads every selected
to-many connection with one batched window query per relation (per parent, first/after
honoured), however many rows there are. Rows become plain objects (instances of the
Strawberry type, filled through __dict__) whose fields need no resolver. So the number of
statements depends on the depth of the query, never on the number of rows.

Every statement gets the visibility conditions (tenant predicate, the type's row filter) of
each table it reads from `ctx.visibility`; RLS stands behind the tenant part.

Per-document work is done once: the selection's skeleton (what it reads) is cached per
document and per values of its @skip/@include variables, each statement's SQL per shape of
the plan and of the caller's visibility conditions (both LRU-bounded). A repeated document
then costs its arguments' checks, the caller's visibility conditions and the binding of
values; `plansBuilt` in the response's stats counts what had to be built (0 on a repeat).

The row objects (the protocol with kit/executor.py and kit/fast_resolvers.py): an instance of
the entity's Strawberry type made without __init__, whose __dict__ holds
- `PK` ("_pk"): the row's primary key (its global ID is encoded only if `id` is selected);
- each selected column under its model attribute name (enums as their Python enum);
- each joined to-one relation under its name: a row object, or None (absent or not visible);
- `CONNECTIONS` ("_conn"): response key -> page, for the to-many connections loaded with it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import enum
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import orjson
from graphql.execution.values import get_argument_values
from sqlalchemy import BigInteger, Integer, and_, any_, bindparam, false, func, not_, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from kit import db
from kit.db import compile_statement, current_stats
from auth.permissions import FIELD_RULES
from kit.errors import BadInput, ForbiddenField
from kit.registry import EntitySpec, RelSpec
from kit.values import decimal_problem, text_limit, value_problem
from kit.ids import InvalidId, column_max, decode_gid

MAX_IN_LIST = 1000
MAX_ORDER_FIELDS = 8
MAX_FILTER_CONDITIONS = 200  # field conditions and and/or/not branches of one filter, at all depths


# ---- field rules over filters and ordering ---------------------------------------------------


def protected_attrs(spec: EntitySpec) -> dict[str, tuple[str, Any]]:
    """Column attribute -> (GraphQL field name, FieldRule) for the type's protected columns.
    Filled from FIELD_RULES and the type's fields, so every field rule covers filters and
    ordering too, wherever the type's connection appears."""
    cached: tuple[int, dict[str, tuple[str, Any]]] | None = spec.__dict__.get("_protected")
    if cached is not None and cached[0] == len(spec.fields):
        return cached[1]
    out: dict[str, tuple[str, Any]] = {}
    for fname, (kind, attr) in spec.fields.items():
        rule = FIELD_RULES.get(f"{spec.name}.{fname}")
        if rule is not None and kind in ("col", "id"):
            out[attr] = (fname, rule)
    for gname, attr in spec.filter_fields.items():  # before the schema is built: by the filter name
        rule = FIELD_RULES.get(f"{spec.name}.{gname}")
        if rule is not None:
            out.setdefault(attr, (gname, rule))
    spec.__dict__["_protected"] = (len(spec.fields), out)
    return out


def may_use_protected(ctx: Any, rule: Any) -> bool:
    """Filtering or ordering by a protected field reads it on every row the list spans, so
    only holders of the rule's roles may: the owner exemption of a rule is per row (the owner
    reads their own value), and a filter is a question about all rows."""
    return not rule.roles.isdisjoint(getattr(ctx, "roles", ()))


def check_filter(
    ctx: Any, spec: EntitySpec, filt: dict[str, Any] | None, path: str = "filter", left: list[int] | None = None
) -> None:
    """Refuse, before any SQL, a filter that names a protected field the caller may not read
    (at any depth of and/or/not), operands no column can hold (NUL bytes, text longer than
    the column, decimals with an exponent), and filters of more than MAX_FILTER_CONDITIONS
    conditions (20,000 `or` branches cost seconds of SQL building for one anonymous request)."""
    if not filt:
        return
    if left is None:
        left = [MAX_FILTER_CONDITIONS]
    protected = protected_attrs(spec)
    for gname, value in filt.items():
        if value is None:
            continue
        left[0] -= len(value) if isinstance(value, (list, dict)) else 1
        if left[0] < 0:
            raise BadInput(f"A filter may hold at most {MAX_FILTER_CONDITIONS} conditions.")
        if gname in ("and", "or"):
            for i, sub in enumerate(value):
                check_filter(ctx, spec, sub, f"{path}.{gname}[{i}]", left)
            continue
        if gname == "not":
            check_filter(ctx, spec, value, f"{path}.not", left)
            continue
        attr = spec.filter_fields.get(gname)
        if attr is None:
            continue
        guarded = protected.get(attr)
        if guarded is not None and not may_use_protected(ctx, guarded[1]):
            raise ForbiddenField(spec.name, guarded[0], "filter")
        column = spec.columns[attr]
        for op, operand in value.items():
            for item in operand if isinstance(operand, list) else (operand,):
                problem = operand_problem(column, item)
                if problem:
                    raise BadInput(f"{path}.{gname}.{op}: {problem}")


def operand_problem(column: Any, value: Any) -> str | None:

    if isinstance(value, str):
        return value_problem(value, text_limit(column))
    return value_problem(value, None)


def check_order(ctx: Any, spec: EntitySpec, order: list[tuple[str, bool]]) -> None:
    protected = protected_attrs(spec)
    for attr, _ in order:
        guarded = protected.get(attr)
        if guarded is not None and not may_use_protected(ctx, guarded[1]):
            raise ForbiddenField(spec.name, guarded[0], "order")


# ---- selections -----------------------------------------------------------------------------


def _variables(info: Any) -> dict[str, Any]:
    values = info.variable_values
    return getattr(values, "coerced", values) or {}


def _included(selection: Any, variables: dict[str, Any], on_variable: Any = None) -> bool:
    for directive in selection.directives or ():
        name = directive.name.value
        if name not in ("skip", "include"):
            continue
        arg = directive.arguments[0].value
        if arg.kind == "variable" and on_variable is not None:
            on_variable(arg.name.value)
        value = variables.get(arg.name.value) if arg.kind == "variable" else arg.value
        if (name == "skip") == bool(value):
            return False
    return True


def _applies(info: Any, condition: Any, type_name: str) -> bool:
    if condition is None or condition.name.value == type_name:
        return True
    schema = info.schema
    cond_type = schema.get_type(condition.name.value)
    obj_type = schema.get_type(type_name)
    return cond_type is not None and obj_type is not None and schema.is_sub_type(cond_type, obj_type)


def collect_fields(
    info: Any, selection_sets: list[Any], type_name: str, on_variable: Any = None
) -> dict[str, list[Any]]:
    """Response key -> field nodes, through fragments whose type condition applies.
    `on_variable(name)` is called when a @skip/@include depends on the variable `name`."""
    out: dict[str, list[Any]] = {}
    variables = _variables(info)

    def visit(selection_set: Any) -> None:
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if not _included(sel, variables, on_variable):
                continue
            kind = sel.kind
            if kind == "field":
                out.setdefault(sel.alias.value if sel.alias else sel.name.value, []).append(sel)
            elif kind == "inline_fragment":
                if _applies(info, sel.type_condition, type_name):
                    visit(sel.selection_set)
            elif kind == "fragment_spread":
                frag = info.fragments.get(sel.name.value)
                if frag is not None and _applies(info, frag.type_condition, type_name):
                    visit(frag.selection_set)

    for s in selection_sets:
        visit(s)
    return out


# ---- plans ----------------------------------------------------------------------------------

PK = "_pk"
CONNECTIONS = "_conn"


# ---- plans, and the statement shapes derived from them ----------------------------------------
#
# A statement's SQL is cached under its shape (`_execute`, "statements, once per shape"). The shape is derived
# from the plan by `shape()` (what the plan decides of the SQL), plus the shapes of the
# conditions the context adds (visibility, extra conditions), which the Binder records where
# those conditions are made. Every field of a plan is named in SHAPE or VALUES below, and a test
# fails on a field named in neither (tests/test_statement_cache.py): a new plan field cannot be
# forgotten in the key. Under CAMPUS_VERIFY_SQL_CACHE (on in the tests) every cache hit is
# built again and compared, SQL and values.


@dataclass
class NodePlan:
    spec: EntitySpec
    attrs: list[str]
    ones: list[tuple[str, RelSpec, NodePlan]] = field(default_factory=list)
    manys: list[tuple[str, RelSpec, ConnPlan]] = field(default_factory=list)

    SHAPE: ClassVar[tuple[str, ...]] = ("spec", "attrs", "ones")
    VALUES: ClassVar[tuple[str, ...]] = ("manys",)  # separate statements, each with its own shape

    def shape(self) -> tuple[Any, ...]:
        return (self.spec.name, tuple(self.attrs), tuple((name, sub.shape()) for name, _rel, sub in self.ones))


@dataclass
class ConnPlan:
    node: NodePlan
    first: int | None
    last: int | None
    after: list[Any] | None
    before: list[Any] | None
    filter: dict[str, Any] | None
    order: list[tuple[str, bool]]  # (attr, descending); id ascending breaks ties
    want_total: bool
    signature: str
    want_more: bool = True  # fetch the row after the page (see _bind_connection)

    SHAPE: ClassVar[tuple[str, ...]] = ("node", "last", "after", "before", "filter", "order", "want_total", "signature")
    VALUES: ClassVar[tuple[str, ...]] = ("first", "want_more")  # the LIMIT is a bound parameter

    @property
    def size(self) -> int:
        """The page size: `last` when paging backwards, else `first` (plan_connection sets one)."""
        size = self.last if self.last is not None else self.first
        assert size is not None
        return size

    def shape(self) -> tuple[Any, ...]:
        return (
            self.node.shape(),
            self.last is not None,
            _none_pattern(self.after),
            _none_pattern(self.before),
            filter_shape(self.filter),
            tuple(self.order),
            self.want_total,
        )


def _none_pattern(values: list[Any] | None) -> tuple[bool, ...] | None:
    """A cursor's shape: which of its values are NULL (the keyset predicate differs)."""
    return None if values is None else tuple(v is None for v in values)


def filter_shape(filt: Any) -> Any:
    """The shape of a filter: its structure and operators; operands are bound parameters,
    except those that change the SQL (isNull's true/false, an operand left null)."""
    if not filt:
        return None
    out = []
    for name, value in filt.items():
        if value is None:
            continue
        if name in ("and", "or"):
            out.append((name, tuple(filter_shape(sub) for sub in value)))
        elif name == "not":
            out.append((name, filter_shape(value)))
        else:
            out.append(
                (
                    name,
                    tuple(
                        (op, operand if op == "isNull" else None)
                        for op, operand in value.items()
                        if operand is not None
                    ),
                )
            )
    return tuple(out)


# ---- planning, once per document --------------------------------------------------------
#
# What a selection asks for (columns, joined to-ones, to-many connections, totalCount, whether
# the extra row of a page is read) depends only on the document's nodes and on the variables
# of its @skip/@include: it is worked out once into a skeleton, kept in a bounded LRU keyed by
# the identity of the selection nodes (the validation cache and APQ hand every request of a
# document the same parsed nodes) and the values of those directive variables. Each request
# then only binds its arguments (first/last, cursors, filter, orderBy: validated for this
# caller, kit/planner check_filter/check_order) onto a fresh plan.

MAX_SKELETONS = 2000  # bounded: a client sending endless new documents only evicts old ones


@dataclass
class _NodeSkeleton:
    spec: EntitySpec
    attrs: tuple[str, ...]
    ones: list[tuple[str, RelSpec, _NodeSkeleton]]
    manys: list[tuple[str, RelSpec, list[Any], Any, _ConnSkeleton]]  # key, rel, field nodes, field def


@dataclass
class _ConnSkeleton:
    node: _NodeSkeleton
    want_total: bool
    has_next_read: bool  # pageInfo.hasNextPage is selected
    has_previous_read: bool  # pageInfo.hasPreviousPage is selected


class _Skeletons:
    """LRU of skeletons: (kind, type, ids of the selection nodes) -> (the nodes, held so their
    ids stay theirs; the names of the directive variables; {their values: skeleton})."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[Any, tuple[list[Any], tuple[str, ...], dict[Any, Any]]] = OrderedDict()

    def get(self, key: Any, nodes: list[Any], variables: dict[str, Any]) -> Any:
        entry = self.entries.get(key)
        if entry is None or not all(a is b for a, b in zip(entry[0], nodes, strict=True)):
            return None
        self.entries.move_to_end(key)
        return entry[2].get(tuple(_frozen(variables.get(n)) for n in entry[1]))

    def put(self, key: Any, nodes: list[Any], names: set[str], variables: dict[str, Any], skeleton: Any) -> None:
        entry = self.entries.get(key)
        ordered = tuple(sorted(names))
        if entry is None or entry[1] != ordered or not all(a is b for a, b in zip(entry[0], nodes, strict=True)):
            entry = self.entries[key] = (list(nodes), ordered, {})
        if len(entry[2]) >= 16:  # a boolean per directive variable: more is a client cycling values
            entry[2].clear()
        entry[2][tuple(_frozen(variables.get(n)) for n in ordered)] = skeleton
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


def _frozen(value: Any) -> Any:
    return value if isinstance(value, (bool, type(None))) else repr(value)


_skeletons = _Skeletons(MAX_SKELETONS)


def _plan_built() -> None:
    """Count a read plan built (a skeleton or a statement) in the request's stats: a repeated
    document with variables of the same shape builds none (tests/test_plan_cache.py)."""
    stats = current_stats.get()
    if stats is not None:
        stats.plans_built += 1


def _node_skeleton(info: Any, spec: EntitySpec, selection_sets: list[Any], seen: set[str]) -> _NodeSkeleton:
    fields = collect_fields(info, selection_sets, spec.name, on_variable=seen.add)
    attrs: dict[str, None] = {"id": None}
    ones: dict[str, tuple[RelSpec, list[Any]]] = {}
    manys: list[tuple[str, RelSpec, list[Any], Any, _ConnSkeleton]] = []
    gql_fields = info.schema.type_map[spec.name].fields
    for key, nodes in fields.items():
        fname = nodes[0].name.value
        kind, attr = spec.fields.get(fname, ("meta", ""))
        if kind == "col":
            attrs[attr] = None
            rule = FIELD_RULES.get(f"{spec.name}.{fname}")
            if rule is not None and rule.owner_attr in spec.columns:  # the guard compares it with the caller
                attrs[rule.owner_attr] = None
        elif kind == "rel":
            rel = spec.relations[attr]
            attrs[rel.local_attr] = None
            if rel.kind == "one":
                # aliases of one to-one field share one JOIN: their selections merge
                ones.setdefault(attr, (rel, []))[1].extend(n.selection_set for n in nodes)
            else:
                manys.append((key, rel, nodes, gql_fields[fname], _conn_skeleton(info, rel.target, nodes, seen)))
        elif kind == "computed":
            attrs.update(dict.fromkeys(spec.columns))
    return _NodeSkeleton(
        spec,
        tuple(attrs),
        [(attr, rel, _node_skeleton(info, rel.target, sets, seen)) for attr, (rel, sets) in ones.items()],
        manys,
    )


def _conn_skeleton(info: Any, spec: EntitySpec, field_nodes: list[Any], seen: set[str]) -> _ConnSkeleton:
    conn_type = f"{spec.name}Connection"
    node_sets: list[Any] = []
    want_total = has_next = has_previous = False
    for nodes in collect_fields(info, [n.selection_set for n in field_nodes], conn_type, seen.add).values():
        fname = nodes[0].name.value
        if fname == "nodes":
            node_sets.extend(n.selection_set for n in nodes)
        elif fname == "edges":
            for sub in collect_fields(info, [n.selection_set for n in nodes], f"{spec.name}Edge", seen.add).values():
                if sub[0].name.value == "node":
                    node_sets.extend(n.selection_set for n in sub)
        elif fname == "totalCount":
            want_total = True
        elif fname == "pageInfo":
            for sub in collect_fields(info, [n.selection_set for n in nodes], "PageInfo", seen.add).values():
                has_next = has_next or sub[0].name.value == "hasNextPage"
                has_previous = has_previous or sub[0].name.value == "hasPreviousPage"
    return _ConnSkeleton(_node_skeleton(info, spec, node_sets, seen), want_total, has_next, has_previous)


def _skeleton(info: Any, kind: str, spec: EntitySpec, nodes: list[Any], make: Any) -> Any:
    variables = _variables(info)
    key = (kind, spec.name, *map(id, nodes))
    found = _skeletons.get(key, nodes, variables)
    if found is None:
        seen: set[str] = set()
        found = make(info, spec, nodes, seen)
        _skeletons.put(key, nodes, seen, variables, found)
        _plan_built()
    return found


def _node_plan(info: Any, skeleton: _NodeSkeleton) -> NodePlan:
    return NodePlan(
        skeleton.spec,
        list(skeleton.attrs),
        [(attr, rel, _node_plan(info, sub)) for attr, rel, sub in skeleton.ones],
        [
            (key, rel, _bind_connection(info, rel.target, nodes, fdef, sub, None))
            for key, rel, nodes, fdef, sub in skeleton.manys
        ],
    )


def plan_node(info: Any, spec: EntitySpec, selection_sets: list[Any]) -> NodePlan:
    return _node_plan(info, _skeleton(info, "node", spec, selection_sets, _node_skeleton))


def plan_connection(
    info: Any,
    spec: EntitySpec,
    field_nodes: list[Any],
    field_def: Any,
    default_order: list[tuple[str, bool]] | None = None,
) -> ConnPlan:
    skeleton = _skeleton(info, "conn", spec, field_nodes, _conn_skeleton)
    return _bind_connection(info, spec, field_nodes, field_def, skeleton, default_order)


def _bind_connection(
    info: Any,
    spec: EntitySpec,
    field_nodes: list[Any],
    field_def: Any,
    skeleton: _ConnSkeleton,
    default_order: list[tuple[str, bool]] | None,
) -> ConnPlan:
    """The request's part of a connection's plan: its arguments, checked for this caller."""
    node = _node_plan(info, skeleton.node)
    args = get_argument_values(field_def, field_nodes[0], info.variable_values)
    settings = info.context.settings
    first, last = args.get("first"), args.get("last")
    if first is not None and last is not None:
        raise BadInput("Use either first or last, not both.")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= settings.max_page_size:
            raise BadInput(f"{name} must be between 0 and {settings.max_page_size}, got {value}.")
    if first is None and last is None:
        first = settings.default_page_size

    order: list[tuple[str, bool]] = []
    items = args.get("orderBy") or ()
    if len(items) > MAX_ORDER_FIELDS:  # 50,000 copies of one field took seconds and made a 600 kB cursor
        raise BadInput(f"orderBy takes at most {MAX_ORDER_FIELDS} fields.")
    for item in items:
        attr = "id" if _enum_value(item["field"]) == "ID" else spec.sort_fields[_enum_value(item["field"])]
        if any(attr == seen for seen, _ in order):
            raise BadInput(f"orderBy names {_enum_value(item['field'])} twice.")
        order.append((attr, _enum_value(item.get("direction")) == "DESC"))
    if not order and default_order:
        order = list(default_order)
    if not order or order[-1][0] != "id":
        order.append(("id", False))
    for attr, _ in order:
        if attr not in node.attrs:
            node.attrs.append(attr)
    signature = ",".join(f"{a}{'-' if d else '+'}" for a, d in order)
    check_order(info.context, spec, order)
    check_filter(info.context, spec, args.get("filter"))

    return ConnPlan(
        node=node,
        first=first,
        last=last,
        after=_decode_cursor(args.get("after"), signature, spec, order),
        before=_decode_cursor(args.get("before"), signature, spec, order),
        filter=args.get("filter"),
        order=order,
        want_total=skeleton.want_total,
        signature=signature,
        # The row after the page is fetched only to answer hasNextPage (forward) or
        # hasPreviousPage (backward, `last`); endCursor, startCursor and the other flag come
        # from the page itself and the cursors given. So when the selection reads neither, the
        # extra row would be fetched and thrown away, and the page without it is exact.
        want_more=skeleton.has_previous_read if last is not None else skeleton.has_next_read,
    )


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


# ---- cursors --------------------------------------------------------------------------------


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def encode_cursor(signature: str, values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([signature, *map(_json_value, values)])).decode()


def _decode_cursor(
    cursor: str | None, signature: str, spec: EntitySpec, order: list[tuple[str, bool]]
) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        sig, *values = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, TypeError):
        raise BadInput(f'"{cursor}" is not a valid cursor.') from None
    if sig != signature or len(values) != len(order):
        raise BadInput("This cursor belongs to a different orderBy; start again without after/before.")
    out = []
    for (attr, _), value in zip(order, values, strict=True):
        out.append(None if value is None else _from_json(spec, attr, value))
    return out


def _from_json(spec: EntitySpec, attr: str, value: Any) -> Any:
    """One value of a client's cursor, as strict as the cursors `encode_cursor` writes: the
    JSON type the column's values are written as, and a value the column can hold (a forged
    cursor must never become a database error)."""

    try:
        column = spec.columns[attr]
        if attr in spec.enum_attrs:
            members = spec.enum_attrs[attr]
            if not isinstance(value, str) or value not in {*(m.value for m in members), *(m.name for m in members)}:
                raise ValueError
            return value
        kind = column.type.python_type
        if kind is str:
            if not isinstance(value, str) or operand_problem(column, value):
                raise ValueError
            return value
        if kind in (dt.datetime, dt.date, dt.time) and not isinstance(value, str):
            raise ValueError
        if kind is dt.datetime:
            moment = dt.datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise ValueError
            return moment.astimezone(dt.UTC)  # OverflowError at the ends of the calendar
        if kind is dt.date:
            return dt.date.fromisoformat(value)
        if kind is dt.time:
            return dt.time.fromisoformat(value)
        if kind is decimal.Decimal:
            if not isinstance(value, str) or len(value) > 100:
                raise ValueError
            number = decimal.Decimal(value)
            if not number.is_finite() or cast(int, number.as_tuple().exponent) < -30 or decimal_problem(number, column):
                raise ValueError
            return number
        if kind is int:
            # a client's cursor: an integer within the column's range, or refused
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or abs(value) > column_max(spec.columns[attr].type)
            ):
                raise ValueError
            return value
        return kind(value)
    except (ValueError, TypeError, OverflowError, decimal.InvalidOperation):
        raise BadInput("The cursor is damaged.") from None


# ---- SQL ------------------------------------------------------------------------------------


class Binder:
    """Bind parameters named by position, so one statement shape always compiles the same.
    With `embed`, the values travel inside the expression (for ORM statements)."""

    def __init__(self, embed: bool = False, prefix: str = "p") -> None:
        self.values: dict[str, Any] = {}
        self.embed = embed
        self.prefix = prefix
        self.shapes: list[Any] = []  # shapes of the conditions the context added (see `visible`)

    def __call__(self, value: Any, type_: Any = None) -> Any:
        name = f"{self.prefix}{len(self.values)}"
        self.values[name] = _db_value(value)
        if self.embed:
            return bindparam(name, value=value, type_=type_)
        return bindparam(name, type_=type_)


def _db_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_db_value(v) for v in value]
    return value


_aliases: dict[tuple[str, str], Any] = {}


def table_alias(spec: EntitySpec, name: str) -> Any:
    """Aliases are immutable expressions: building their column collections once matters."""
    alias = _aliases.get((spec.name, name))
    if alias is None:
        alias = _aliases[(spec.name, name)] = spec.table.alias(name)
    return alias


@dataclass
class Layout:
    spec: EntitySpec
    index: int  # the node's place in the plan's pre-order (see _preorder)
    start: int
    entries: list[tuple[int, str, Any]]
    children: list[tuple[str, Layout]]


def visible(ctx: Any, spec: EntitySpec, alias: Any, bind: Binder) -> list[Any]:
    """The caller's visibility conditions on `alias` (tenant, row filter); their shape goes into
    the statement's key through the binder."""
    conditions: list[Any]
    shape, conditions = ctx.visibility(spec, alias, bind)
    bind.shapes.append(shape)
    return conditions


def _join_visibility(ctx: Any, plan: NodePlan, bind: Binder, out: list[list[Any]]) -> list[list[Any]]:
    """The visibility conditions of every joined table, in the order _select_parts joins them
    (pre-order, aliases t1, t2, ...): evaluated for every request, before the statement's key."""
    for _name, _rel, sub in plan.ones:
        out.append(visible(ctx, sub.spec, table_alias(sub.spec, f"t{len(out) + 1}"), bind))
        _join_visibility(ctx, sub, bind, out)
    return out


def _preorder(plan: NodePlan, out: list[NodePlan]) -> list[NodePlan]:
    out.append(plan)
    for _name, _rel, sub in plan.ones:
        _preorder(sub, out)
    return out


def _select_parts(
    plan: NodePlan, alias: Any, cols: list[Any], joins: list[Any], joined_visibility: Any, layouts: list[Layout]
) -> Layout:
    spec = plan.spec
    start = len(cols)
    entries = []
    for i, attr in enumerate(plan.attrs):
        cols.append(alias.c[spec.column_name(attr)].label(f"c{len(cols)}"))
        if i:
            entries.append((start + i, attr, spec.enum_attrs.get(attr)))
    layout = Layout(spec, len(layouts), start, entries, [])
    layouts.append(layout)
    for name, rel, sub in plan.ones:
        target = sub.spec
        joined = table_alias(target, f"t{len(joins) + 1}")
        on = joined.c[target.column_name(rel.remote_attr)] == alias.c[spec.column_name(rel.local_attr)]
        joins.append((joined, and_(on, *next(joined_visibility))))
        layout.children.append((name, _select_parts(sub, joined, cols, joins, joined_visibility, layouts)))
    return layout


def _from_clause(alias: Any, joins: list[Any]) -> Any:
    clause = alias
    for joined, on in joins:
        clause = clause.outerjoin(joined, on)
    return clause


def _materialize(layout: Layout, row: Any, buckets: dict[int, list[Any]]) -> Any:
    pk = row[layout.start]
    if pk is None:
        return None
    cls: Any = layout.spec.gql_cls  # the Strawberry class (set for every type the schema reads)
    obj = cls.__new__(cls)
    d = obj.__dict__
    d[PK] = pk  # the global ID is made only if `id` is selected (kit/fast_resolvers.py)
    for index, attr, conv in layout.entries:
        value = row[index]
        d[attr] = value if conv is None or value is None else conv(value)
    for name, child in layout.children:
        d[name] = _materialize(child, row, buckets)
    buckets.setdefault(layout.index, []).append(obj)
    return obj


def _compile_filter(spec: EntitySpec, alias: Any, filt: dict[str, Any] | None, bind: Binder) -> Any:
    if not filt:
        return true()
    conds = []
    for gname, value in filt.items():
        if value is None:
            continue
        if gname in ("and", "or"):
            parts = [_compile_filter(spec, alias, sub, bind) for sub in value]
            conds.append((and_ if gname == "and" else or_)(*parts) if parts else true())
        elif gname == "not":
            conds.append(not_(_compile_filter(spec, alias, value, bind)))
        else:
            attr = spec.filter_fields[gname]
            col = alias.c[spec.column_name(attr)]
            for op, operand in value.items():
                if operand is None:
                    continue
                conds.append(_operator(spec, attr, col, op, operand, bind))
    return and_(*conds) if conds else true()


def _like_escape(text: str) -> str:
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")


_NO_VALUE: Any = object()


def _operand_value(spec: EntitySpec, attr: str, op: str, operand: Any) -> Any:
    """The value an operator binds (_NO_VALUE: none), shared by the SQL and by _filter_values."""
    target = spec.id_target(attr)
    if target is not None:
        operand = [_pk_of(target, g) for g in operand] if isinstance(operand, list) else _pk_of(target, operand)
    if op in ("in", "notIn"):
        if len(operand) > MAX_IN_LIST:
            raise BadInput(f"An in/notIn list may hold at most {MAX_IN_LIST} values.")
        return operand
    if op == "isNull":
        return _NO_VALUE
    if op == "contains":
        return f"%{_like_escape(operand)}%"
    if op == "startsWith":
        return f"{_like_escape(operand)}%"
    return operand


def _filter_values(spec: EntitySpec, filt: dict[str, Any] | None, out: list[Any]) -> None:
    """The values _compile_filter binds, in its order, without building SQL."""
    if not filt:
        return
    for gname, value in filt.items():
        if value is None:
            continue
        if gname in ("and", "or"):
            for sub in value:
                _filter_values(spec, sub, out)
        elif gname == "not":
            _filter_values(spec, value, out)
        else:
            attr = spec.filter_fields[gname]
            for op, operand in value.items():
                if operand is not None:
                    bound = _operand_value(spec, attr, op, operand)
                    if bound is not _NO_VALUE:
                        out.append(bound)


def _operator(spec: EntitySpec, attr: str, col: Any, op: str, operand: Any, bind: Binder) -> Any:
    value = _operand_value(spec, attr, op, operand)
    if op in ("in", "notIn"):
        cond = col == any_(bind(value, ARRAY(col.type)))
        return not_(cond) if op == "notIn" else cond
    if op == "isNull":
        return col.is_(None) if operand else col.is_not(None)
    if op == "contains":
        return col.ilike(bind(value, col.type), escape="!")
    if op == "startsWith":
        return col.like(bind(value, col.type), escape="!")
    param = bind(value, col.type)
    return {
        "eq": col == param,
        "ne": col != param,
        "lt": col < param,
        "lte": col <= param,
        "gt": col > param,
        "gte": col >= param,
    }[op]


def _pk_of(expected_type: str, gid: str) -> int:
    try:
        type_name, pk = decode_gid(gid)
    except InvalidId as exc:
        raise BadInput(str(exc)) from None
    return pk if type_name == expected_type else -1  # an ID of another type matches nothing


def _order_columns(spec: EntitySpec, alias: Any, plan: ConnPlan) -> list[tuple[Any, bool]]:
    return [(alias.c[spec.column_name(attr)], desc) for attr, desc in plan.order]


def _order_by(cols: list[tuple[Any, bool]], reverse: bool) -> list[Any]:
    # NULLs sort last in the forward direction, so the keyset predicates below stay simple.
    out = []
    for col, desc in cols:
        if desc != reverse:
            out.append(col.desc().nulls_first() if reverse else col.desc().nulls_last())
        else:
            out.append(col.asc().nulls_first() if reverse else col.asc().nulls_last())
    return out


def _keyset_values(values: list[Any], out: list[Any]) -> None:
    """The values _keyset binds, in its order (for `after` and `before` alike: the equalities
    on the earlier keys are bound even where the branch is then dropped)."""
    for i, v in enumerate(values):
        out.extend(values[j] for j in range(i) if values[j] is not None)
        if v is not None:
            out.append(v)


def _keyset(cols: list[tuple[Any, bool]], values: list[Any], after: bool, bind: Binder) -> Any:
    """Rows strictly after (or before) `values` in the forward order, NULLs last."""
    ors = []
    for i, (col, desc) in enumerate(cols):
        ands = [
            cols[j][0].is_(None) if values[j] is None else cols[j][0] == bind(values[j], cols[j][0].type)
            for j in range(i)
        ]
        v = values[i]
        if after:
            if v is None:
                continue  # nothing sorts after NULL on this key
            p = bind(v, col.type)
            ands.append(or_(col < p if desc else col > p, col.is_(None)))
        else:
            ands.append(
                col.is_not(None) if v is None else (col > bind(v, col.type) if desc else col < bind(v, col.type))
            )
        ors.append(and_(*ands))
    return or_(*ors) if ors else false()


def _extra(extra_where: Any, alias: Any, bind: Binder) -> list[Any]:
    """An extra condition of a caller of the read path (its shape recorded in the binder).

    `extra_where(alias, bind)` returns a condition, None, or (branch, condition) when the
    condition's shape varies (the SQL is cached under the function and the branch)."""
    result = None if extra_where is None else extra_where(alias, bind)
    if result is None:
        bind.shapes.append(None)
        return []
    branch, condition = result if isinstance(result, tuple) else (None, result)
    bind.shapes.append(("extra", getattr(extra_where, "shape_id", None) or id(extra_where.__code__), branch))
    return [condition]


# ---- statements, once per shape ---------------------------------------------------------
#
# A statement is built (SQLAlchemy Core) and compiled only the first time its key is seen: the
# plan's shape, plus the shapes of the caller's visibility conditions, which are evaluated for
# every request (they depend on the caller) before the key is looked up. After that a request
# only binds values: the visibility conditions' own (names v0, v1, ...) and the plan's (p0,
# p1, ...), the latter listed by a values function that walks the plan in the builder's order.
# Under CAMPUS_VERIFY_SQL_CACHE (the tests) every hit is built again and both its SQL and its
# values must equal what the cache gave.

MAX_STATEMENTS = 2000


@dataclass
class _Statement:
    sql: str
    names: tuple[str, ...]
    constants: dict[str, Any]
    layout: Layout | None


_statements: OrderedDict[Any, _Statement] = OrderedDict()


def _build_statement(build: Any) -> tuple[_Statement, dict[str, Any]]:
    stmt, layout, pbind = build()
    sql, names, constants = compile_statement(stmt)
    return _Statement(sql, names, constants, layout), pbind.values


def _plan_values(values: Any) -> dict[str, Any]:
    return {f"p{i}": _db_value(v) for i, v in enumerate(values())}


async def _execute(ctx: Any, key: tuple[Any, ...], vbind: Binder, build: Any, values: Any) -> tuple[list[Any], Any]:
    """Run the statement of `key` (what the caller derived from the plan) under the shapes of
    the context's conditions recorded in `vbind`. `build()` -> (Core statement, Layout or None,
    the Binder of the plan's values); `values()` -> the plan's values in the builder's order."""
    full_key = (*key, tuple(vbind.shapes))
    statement = _statements.get(full_key)
    if statement is None:
        statement, pvalues = _build_statement(build)
        if db.VERIFY_CACHE and _plan_values(values) != pvalues:
            raise db.StatementShapeError(f"values of {full_key!r}: {_plan_values(values)!r} != {pvalues!r}")
        _statements[full_key] = statement
        while len(_statements) > MAX_STATEMENTS:
            _statements.popitem(last=False)
        _plan_built()
    else:
        _statements.move_to_end(full_key)
        pvalues = _plan_values(values)
        if db.VERIFY_CACHE:
            fresh, fresh_values = _build_statement(build)
            if (fresh.sql, fresh.names, fresh.constants) != (statement.sql, statement.names, statement.constants):
                raise db.StatementShapeError(
                    f"statement shape {full_key!r} names two statements:\n{statement.sql}\n---\n{fresh.sql}"
                )
            if fresh_values != pvalues:
                raise db.StatementShapeError(f"values of {full_key!r}: {pvalues!r} != {fresh_values!r}")
    bound = vbind.values
    constants = statement.constants
    params = [pvalues[n] if n in pvalues else bound[n] if n in bound else constants[n] for n in statement.names]
    rows: list[Any] = await ctx.db.fetch(statement.sql, params)
    return rows, statement.layout


# ---- connection objects ---------------------------------------------------------------------


class PageInfoObj:
    __slots__ = ("has_next_page", "has_previous_page", "_conn")

    def __init__(self, conn: ConnectionObj, has_next: bool, has_previous: bool) -> None:
        self.has_next_page, self.has_previous_page, self._conn = has_next, has_previous, conn

    @property
    def start_cursor(self) -> str | None:
        nodes = self._conn.nodes
        return self._conn.cursor_of(nodes[0]) if nodes else None

    @property
    def end_cursor(self) -> str | None:
        nodes = self._conn.nodes
        return self._conn.cursor_of(nodes[-1]) if nodes else None


class EdgeObj:
    __slots__ = ("node", "_conn")

    def __init__(self, conn: ConnectionObj, node: Any) -> None:
        self.node, self._conn = node, conn

    @property
    def cursor(self) -> str:
        return self._conn.cursor_of(self.node)


class ConnectionObj:
    __slots__ = ("nodes", "page_info", "total_count", "_plan")

    def __init__(self, plan: ConnPlan, nodes: list[Any], has_next: bool, has_previous: bool, total: int | None) -> None:
        self.nodes, self._plan = nodes, plan
        self.page_info = PageInfoObj(self, has_next, has_previous)
        if total is not None:
            self.total_count = total

    @property
    def edges(self) -> list[EdgeObj]:
        return [EdgeObj(self, n) for n in self.nodes]

    def cursor_of(self, node: Any) -> str:
        d = node.__dict__
        return encode_cursor(self._plan.signature, [d[PK] if a == "id" else d[a] for a, _ in self._plan.order])


def _page(plan: ConnPlan, objs: list[Any], total: int | None) -> ConnectionObj:
    # without `want_more` the extra row was not fetched: the flag it answers is not selected
    if plan.last is not None:
        has_more = len(objs) > plan.last
        objs = objs[: plan.last]
        objs.reverse()
        return ConnectionObj(plan, objs, plan.before is not None, has_more, total)
    has_more = len(objs) > plan.size
    return ConnectionObj(plan, objs[: plan.size], has_more, plan.after is not None, total)


# ---- the three reads ------------------------------------------------------------------------


def _cursor_where(cols: list[tuple[Any, bool]], plan: ConnPlan, bind: Binder) -> list[Any]:
    out = []
    if plan.after is not None:
        out.append(_keyset(cols, plan.after, True, bind))
    if plan.before is not None:
        out.append(_keyset(cols, plan.before, False, bind))
    return out


def _page_values(plan: ConnPlan, out: list[Any]) -> list[Any]:
    """What _compile_filter, _cursor_where and the LIMIT bind, in that order."""
    _filter_values(plan.node.spec, plan.filter, out)
    for cursor in (plan.after, plan.before):
        if cursor is not None:
            _keyset_values(cursor, out)
    out.append(_limit(plan))
    return out


def _limit(plan: ConnPlan) -> int:
    return plan.size + 1 if plan.want_more else plan.size


def _count_values(plan: ConnPlan, out: list[Any]) -> list[Any]:
    _filter_values(plan.node.spec, plan.filter, out)
    return out


async def fetch_connection(ctx: Any, plan: ConnPlan, extra_where: Any = None) -> ConnectionObj:
    """A root list: one statement for the page (+1 for totalCount), then one per to-many."""
    spec = plan.node.spec
    alias = table_alias(spec, "t0")
    vbind = Binder(prefix="v")
    joined = _join_visibility(ctx, plan.node, vbind, [])
    base = [*visible(ctx, spec, alias, vbind), *_extra(extra_where, alias, vbind)]

    def build() -> tuple[Any, Layout, Binder]:
        bind, cols, joins, layouts = Binder(), list[Any](), list[Any](), list[Layout]()
        layout = _select_parts(plan.node, alias, cols, joins, iter(joined), layouts)
        order_cols = _order_columns(spec, alias, plan)
        where = [*base, _compile_filter(spec, alias, plan.filter, bind), *_cursor_where(order_cols, plan, bind)]
        stmt = (
            select(*cols)
            .select_from(_from_clause(alias, joins))
            .where(*where)
            .order_by(*_order_by(order_cols, plan.last is not None))
            .limit(bind(_limit(plan), Integer))
        )
        return stmt, layout, bind

    rows, layout = await _execute(ctx, ("conn", plan.shape()), vbind, build, lambda: _page_values(plan, []))

    total = None
    if plan.want_total:
        cvbind = Binder(prefix="v")
        cbase = [*visible(ctx, spec, alias, cvbind), *_extra(extra_where, alias, cvbind)]

        def build_count() -> tuple[Any, None, Binder]:
            bind = Binder()
            where = [*cbase, _compile_filter(spec, alias, plan.filter, bind)]
            return select(func.count()).select_from(alias).where(*where), None, bind

        key = ("count", spec.name, filter_shape(plan.filter))
        total = (await _execute(ctx, key, cvbind, build_count, lambda: _count_values(plan, [])))[0][0][0]

    buckets: dict[int, list[Any]] = {}
    objs = [_materialize(layout, row, buckets) for row in rows]
    page = _page(plan, objs, total)
    await _load_manys(ctx, plan.node, buckets)
    return page


def _key_condition(col: Any, keys: list[Any], bind: Binder, type_: Any) -> Any:
    # One key is `col = $1`: PostgreSQL settles on a generic plan for the prepared statement
    # after its first executions. `col = ANY($1)` with an array of one element kept getting a
    # custom plan, planned again on every execution (most of the time of a read by id).
    if len(keys) == 1:
        return col == bind(keys[0], type_)
    return col == any_(bind(list(keys), ARRAY(type_)))


def _key_value(keys: list[Any]) -> Any:
    return keys[0] if len(keys) == 1 else list(keys)


async def fetch_by_keys(
    ctx: Any, plan: NodePlan, key_attr: str, keys: list[Any], extra_where: Any = None
) -> dict[Any, Any]:
    """Rows whose `key_attr` is one of `keys` (unique keys): node(id:), nodes(ids:), loaders."""
    spec = plan.spec
    if not keys:
        return {}
    alias = table_alias(spec, "t0")
    if key_attr not in plan.attrs:
        plan.attrs.append(key_attr)
    vbind = Binder(prefix="v")
    joined = _join_visibility(ctx, plan, vbind, [])
    base = [*visible(ctx, spec, alias, vbind), *_extra(extra_where, alias, vbind)]

    def build() -> tuple[Any, Layout, Binder]:
        bind, cols, joins, layouts = Binder(), list[Any](), list[Any](), list[Layout]()
        layout = _select_parts(plan, alias, cols, joins, iter(joined), layouts)
        col = alias.c[spec.column_name(key_attr)]
        where = [_key_condition(col, keys, bind, col.type), *base]
        return select(*cols).select_from(_from_clause(alias, joins)).where(*where), layout, bind

    key = ("keys", key_attr, len(keys) == 1, plan.shape())
    rows, layout = await _execute(ctx, key, vbind, build, lambda: [_key_value(keys)])
    buckets: dict[int, list[Any]] = {}
    objs = [_materialize(layout, row, buckets) for row in rows]
    await _load_manys(ctx, plan, buckets)
    return {o.__dict__[PK] if key_attr == "id" else o.__dict__[key_attr]: o for o in objs}


async def fetch_many_batch(ctx: Any, rel: RelSpec, plan: ConnPlan, parent_keys: list[Any]) -> dict[Any, ConnectionObj]:
    """One to-many connection for many parents in one statement: a window per parent."""
    spec = plan.node.spec
    fk_attr = rel.remote_attr
    if fk_attr not in plan.node.attrs:
        plan.node.attrs.append(fk_attr)
    alias = table_alias(spec, "t0")
    single = len(parent_keys) == 1
    inline_total = plan.want_total and plan.after is None and plan.before is None  # follows from the plan's shape
    vbind = Binder(prefix="v")
    joined = _join_visibility(ctx, plan.node, vbind, [])
    base = visible(ctx, spec, alias, vbind)

    def build() -> tuple[Any, Layout, Binder]:
        bind, cols, joins, layouts = Binder(), list[Any](), list[Any](), list[Layout]()
        layout = _select_parts(plan.node, alias, cols, joins, iter(joined), layouts)
        fk = alias.c[spec.column_name(fk_attr)]
        where = [_key_condition(fk, parent_keys, bind, BigInteger()), *base]
        where.append(_compile_filter(spec, alias, plan.filter, bind))
        order_cols = _order_columns(spec, alias, plan)
        where += _cursor_where(order_cols, plan, bind)
        window_order = _order_by(order_cols, plan.last is not None)
        extra = [func.row_number().over(partition_by=fk, order_by=window_order).label("rn")]
        if inline_total:
            extra.append(func.count().over(partition_by=fk).label("total"))
        inner = select(*cols, *extra).select_from(_from_clause(alias, joins)).where(*where).subquery("w")
        stmt = select(inner).where(inner.c.rn <= bind(_limit(plan), Integer)).order_by(inner.c.rn)
        return stmt, layout, bind

    key = ("many", rel.name, fk_attr, single, plan.shape())
    rows, layout = await _execute(ctx, key, vbind, build, lambda: _page_values(plan, [_key_value(parent_keys)]))

    fk_index = layout.start + plan.node.attrs.index(fk_attr)
    grouped: dict[Any, list[Any]] = {}
    totals: dict[Any, int] = {}
    buckets: dict[int, list[Any]] = {}
    for row in rows:
        parent = row[fk_index]
        grouped.setdefault(parent, []).append(_materialize(layout, row, buckets))
        if inline_total:
            totals[parent] = row[-1]
    if plan.want_total and not inline_total:
        cvbind = Binder(prefix="v")
        cbase = visible(ctx, spec, alias, cvbind)

        def build_count() -> tuple[Any, None, Binder]:
            bind = Binder()
            cfk = alias.c[spec.column_name(fk_attr)]
            where = [_key_condition(cfk, parent_keys, bind, BigInteger()), *cbase]
            where.append(_compile_filter(spec, alias, plan.filter, bind))
            return select(cfk, func.count()).where(*where).group_by(cfk), None, bind

        key = ("many-count", spec.name, fk_attr, single, filter_shape(plan.filter))
        counted, _ = await _execute(
            ctx, key, cvbind, build_count, lambda: _count_values(plan, [_key_value(parent_keys)])
        )
        for parent, n in counted:
            totals[parent] = n
    await _load_manys(ctx, plan.node, buckets)
    return {
        parent: _page(plan, grouped.get(parent, []), totals.get(parent, 0) if plan.want_total else None)
        for parent in parent_keys
    }


async def _load_manys(ctx: Any, plan: NodePlan, buckets: dict[int, list[Any]]) -> None:
    """Attach the to-many connections selected anywhere in the joined tree, one batch each."""
    for index, node in enumerate(_preorder(plan, [])):
        objs = buckets.get(index)
        if not objs:
            continue
        for response_key, rel, conn_plan in node.manys:
            keys = list(
                dict.fromkeys(o.__dict__[PK] if rel.local_attr == "id" else o.__dict__[rel.local_attr] for o in objs)
            )
            keys = [k for k in keys if k is not None]
            pages = await fetch_many_batch(ctx, rel, conn_plan, keys)
            for o in objs:
                k = o.__dict__[PK] if rel.local_attr == "id" else o.__dict__[rel.local_attr]
                o.__dict__.setdefault(CONNECTIONS, {})[response_key] = pages.get(k) or _page(
                    conn_plan, [], 0 if conn_plan.want_total else None
                )
