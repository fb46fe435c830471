"""The shared read path: selection-aware SQL for connections, nodes and relations.

A root resolver hands its GraphQL selection to `plan_connection` / `plan_node`. The plan
JOINs every selected to-one relation into the same statement and loads every selected
to-many connection with one batched window query per relation (per parent, first/after
honoured), however many rows there are. Rows become plain objects (instances of the
Strawberry type, filled through __dict__) whose fields need no resolver. So the number of
statements depends on the depth of the query, never on the number of rows.

Every statement gets the visibility conditions (tenant predicate, the type's row filter) of
each table it reads from `ctx.visibility`; RLS stands behind the tenant part.

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
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import orjson
from graphql.execution.values import get_argument_values
from sqlalchemy import BigInteger, Integer, and_, any_, bindparam, false, func, not_, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY

from kit.db import compile_statement
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
            on_variable()
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
    `on_variable` is called when a @skip/@include depends on a variable."""
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
# A statement's SQL is cached under its shape (kit/db.py compile_statement). The shape is derived
# from the plan by `shape()` (what the plan decides of the SQL), plus the shapes of the
# conditions the context adds (visibility, extra conditions), which the Binder records where
# those conditions are made. Every field of a plan is named in SHAPE or VALUES below, and a test
# fails on a field named in neither (tests/test_statement_cache.py): a new plan field cannot be
# forgotten in the key. Under CAMPUS_VERIFY_SQL_CACHE (on in the tests) every cache hit is
# compiled again and compared.


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

    SHAPE: ClassVar[tuple[str, ...]] = ("node", "last", "after", "before", "filter", "order", "want_total", "signature")
    VALUES: ClassVar[tuple[str, ...]] = ("first",)  # the page size is a bound parameter

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


def plan_node(info: Any, spec: EntitySpec, selection_sets: list[Any]) -> NodePlan:
    fields = collect_fields(info, selection_sets, spec.name)
    attrs: dict[str, None] = {"id": None}
    ones: dict[str, tuple[RelSpec, list[Any]]] = {}
    manys: list[tuple[str, RelSpec, ConnPlan]] = []
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
                manys.append((key, rel, plan_connection(info, rel.target, nodes, gql_fields[fname])))
        elif kind == "computed":
            attrs.update(dict.fromkeys(spec.columns))
    return NodePlan(
        spec,
        list(attrs),
        [(attr, rel, plan_node(info, rel.target, sets)) for attr, (rel, sets) in ones.items()],
        manys,
    )


def plan_connection(
    info: Any,
    spec: EntitySpec,
    field_nodes: list[Any],
    field_def: Any,
    default_order: list[tuple[str, bool]] | None = None,
) -> ConnPlan:
    args = get_argument_values(field_def, field_nodes[0], info.variable_values)
    conn_type = f"{spec.name}Connection"
    node_sets: list[Any] = []
    want_total = False
    for key, nodes in collect_fields(info, [n.selection_set for n in field_nodes], conn_type).items():
        fname = nodes[0].name.value
        if fname == "nodes":
            node_sets.extend(n.selection_set for n in nodes)
        elif fname == "edges":
            for sub in collect_fields(info, [n.selection_set for n in nodes], f"{spec.name}Edge").values():
                if sub[0].name.value == "node":
                    node_sets.extend(n.selection_set for n in sub)
        elif fname == "totalCount":
            want_total = True
    node = plan_node(info, spec, node_sets)

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
        want_total=want_total,
        signature=signature,
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

    def __init__(self, embed: bool = False) -> None:
        self.values: dict[str, Any] = {}
        self.embed = embed
        self.shapes: list[Any] = []  # shapes of the conditions the context added (see `visible`)

    def __call__(self, value: Any, type_: Any = None) -> Any:
        name = f"p{len(self.values)}"
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
    plan: NodePlan
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


def _select_parts(ctx: Any, plan: NodePlan, alias: Any, cols: list[Any], joins: list[Any], bind: Binder) -> Layout:
    spec = plan.spec
    start = len(cols)
    entries = []
    for i, attr in enumerate(plan.attrs):
        cols.append(alias.c[spec.column_name(attr)].label(f"c{len(cols)}"))
        if i:
            entries.append((start + i, attr, spec.enum_attrs.get(attr)))
    layout = Layout(spec, plan, start, entries, [])
    for name, rel, sub in plan.ones:
        target = sub.spec
        joined = table_alias(target, f"t{len(joins) + 1}")
        on = joined.c[target.column_name(rel.remote_attr)] == alias.c[spec.column_name(rel.local_attr)]
        joins.append((joined, and_(on, *visible(ctx, target, joined, bind))))
        layout.children.append((name, _select_parts(ctx, sub, joined, cols, joins, bind)))
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
    buckets.setdefault(id(layout.plan), []).append(obj)
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


def _operator(spec: EntitySpec, attr: str, col: Any, op: str, operand: Any, bind: Binder) -> Any:
    target = spec.id_target(attr)
    if target is not None:
        operand = [_pk_of(target, g) for g in operand] if isinstance(operand, list) else _pk_of(target, operand)
    if op in ("in", "notIn"):
        if len(operand) > MAX_IN_LIST:
            raise BadInput(f"An in/notIn list may hold at most {MAX_IN_LIST} values.")
        cond = col == any_(bind(operand, ARRAY(col.type)))
        return not_(cond) if op == "notIn" else cond
    if op == "isNull":
        return col.is_(None) if operand else col.is_not(None)
    if op == "contains":
        return col.ilike(bind(f"%{_like_escape(operand)}%", col.type), escape="!")
    if op == "startsWith":
        return col.like(bind(f"{_like_escape(operand)}%", col.type), escape="!")
    param = bind(operand, col.type)
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


async def _run(ctx: Any, stmt: Any, key: tuple[Any, ...], bind: Binder) -> list[Any]:
    """Run `stmt` under its statement shape: `key` (what the caller derived from the plan) and
    the shapes of the context's conditions recorded by the binder."""
    sql, names, constants = compile_statement(stmt, (*key, tuple(bind.shapes)))
    values = bind.values
    rows: list[Any] = await ctx.db.fetch(sql, [values[n] if n in values else constants[n] for n in names])
    return rows


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
    if plan.last is not None:
        has_more = len(objs) > plan.last
        objs = objs[: plan.last]
        objs.reverse()
        return ConnectionObj(plan, objs, plan.before is not None, has_more, total)
    has_more = len(objs) > plan.size
    return ConnectionObj(plan, objs[: plan.size], has_more, plan.after is not None, total)


# ---- the three reads ------------------------------------------------------------------------


def _base_where(ctx: Any, spec: EntitySpec, alias: Any, plan: ConnPlan, bind: Binder) -> list[Any]:
    return [*visible(ctx, spec, alias, bind), _compile_filter(spec, alias, plan.filter, bind)]


def _cursor_where(cols: list[tuple[Any, bool]], plan: ConnPlan, bind: Binder) -> list[Any]:
    out = []
    if plan.after is not None:
        out.append(_keyset(cols, plan.after, True, bind))
    if plan.before is not None:
        out.append(_keyset(cols, plan.before, False, bind))
    return out


async def fetch_connection(ctx: Any, plan: ConnPlan, extra_where: Any = None) -> ConnectionObj:
    """A root list: one statement for the page (+1 for totalCount), then one per to-many."""
    spec = plan.node.spec
    alias = table_alias(spec, "t0")
    bind, cols, joins = Binder(), list[Any](), list[Any]()
    layout = _select_parts(ctx, plan.node, alias, cols, joins, bind)
    where = [*_base_where(ctx, spec, alias, plan, bind), *_extra(extra_where, alias, bind)]
    order_cols = _order_columns(spec, alias, plan)
    where += _cursor_where(order_cols, plan, bind)
    reverse = plan.last is not None
    limit = plan.size + 1
    stmt = (
        select(*cols)
        .select_from(_from_clause(alias, joins))
        .where(*where)
        .order_by(*_order_by(order_cols, reverse))
        .limit(bind(limit, Integer))
    )
    shape = plan.shape()
    rows = await _run(ctx, stmt, ("conn", shape), bind)

    total = None
    if plan.want_total:
        cbind = Binder()
        calias = table_alias(spec, "t0")
        cwhere = [*_base_where(ctx, spec, calias, plan, cbind), *_extra(extra_where, calias, cbind)]
        count = select(func.count()).select_from(calias).where(*cwhere)
        total = (await _run(ctx, count, ("count", spec.name, filter_shape(plan.filter)), cbind))[0][0]

    buckets: dict[int, list[Any]] = {}
    objs = [_materialize(layout, row, buckets) for row in rows]
    page = _page(plan, objs, total)
    await _load_manys(ctx, plan.node, buckets)
    return page


async def fetch_by_keys(
    ctx: Any, plan: NodePlan, key_attr: str, keys: list[Any], extra_where: Any = None
) -> dict[Any, Any]:
    """Rows whose `key_attr` is one of `keys` (unique keys): node(id:), nodes(ids:), loaders."""
    spec = plan.spec
    if not keys:
        return {}
    alias = table_alias(spec, "t0")
    bind, cols, joins = Binder(), list[Any](), list[Any]()
    if key_attr not in plan.attrs:
        plan.attrs.append(key_attr)
    layout = _select_parts(ctx, plan, alias, cols, joins, bind)
    col = alias.c[spec.column_name(key_attr)]
    where = [
        col == any_(bind(list(keys), ARRAY(col.type))),
        *visible(ctx, spec, alias, bind),
        *_extra(extra_where, alias, bind),
    ]
    stmt = select(*cols).select_from(_from_clause(alias, joins)).where(*where)
    rows = await _run(ctx, stmt, ("keys", key_attr, plan.shape()), bind)
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
    bind, cols, joins = Binder(), list[Any](), list[Any]()
    layout = _select_parts(ctx, plan.node, alias, cols, joins, bind)
    fk = alias.c[spec.column_name(fk_attr)]
    keys_param = bind(list(parent_keys), ARRAY(BigInteger))
    where = [fk == any_(keys_param), *_base_where(ctx, spec, alias, plan, bind)]
    order_cols = _order_columns(spec, alias, plan)
    where += _cursor_where(order_cols, plan, bind)
    reverse = plan.last is not None
    limit = plan.size + 1
    window_order = _order_by(order_cols, reverse)
    extra = [func.row_number().over(partition_by=fk, order_by=window_order).label("rn")]
    inline_total = plan.want_total and plan.after is None and plan.before is None  # follows from the plan's shape
    if inline_total:
        extra.append(func.count().over(partition_by=fk).label("total"))
    inner = select(*cols, *extra).select_from(_from_clause(alias, joins)).where(*where).subquery("w")
    stmt = select(inner).where(inner.c.rn <= bind(limit, Integer)).order_by(inner.c.rn)
    rows = await _run(ctx, stmt, ("many", rel.name, fk_attr, plan.shape()), bind)

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
        cbind = Binder()
        calias = table_alias(spec, "t0")
        cfk = calias.c[spec.column_name(fk_attr)]
        cwhere = [
            cfk == any_(cbind(list(parent_keys), ARRAY(BigInteger))),
            *_base_where(ctx, spec, calias, plan, cbind),
        ]
        count = select(cfk, func.count()).where(*cwhere).group_by(cfk)
        for parent, n in await _run(ctx, count, ("many-count", spec.name, fk_attr, filter_shape(plan.filter)), cbind):
            totals[parent] = n
    await _load_manys(ctx, plan.node, buckets)
    return {
        parent: _page(plan, grouped.get(parent, []), totals.get(parent, 0) if plan.want_total else None)
        for parent in parent_keys
    }


async def _load_manys(ctx: Any, plan: NodePlan, buckets: dict[int, list[Any]]) -> None:
    """Attach the to-many connections selected anywhere in the joined tree, one batch each."""
    stack = [plan]
    while stack:
        node = stack.pop()
        stack.extend(sub for _, _, sub in node.ones)
        objs = buckets.get(id(node))
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
