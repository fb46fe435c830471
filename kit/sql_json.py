"""Pure-data subtrees answered with JSON built by PostgreSQL (issue 14, item 5).

Behind SQL_JSON (off by default). When the selection of a root connection or of node(id:)
is made only of columns, to-one relations, to-many connections, cursors, `totalCount`,
`pageInfo` and `__typename`, ONE statement writes the JSON text of the whole subtree:

- each page is the usual statement of kit/planner (the same joins, visibility conditions
  from ctx.visibility, filter, order, keyset and LIMIT) as a subquery s0, s1, ... with its
  rows numbered in the page's order; one aggregate over it writes the connection;
- each to-many connection is a LEFT JOIN LATERAL (m0, m1, ...) on the page of its parents,
  built the same way with the parent's key as one more condition, so its LIMIT is per parent;
- totalCount is a count subquery with the same visibility and filter.

The gateway hands the text to orjson as a `Fragment` (kit/executor.py): no row becomes a
Python object and nothing is decoded. The text is written exactly as the Python path writes
it: compact, keys in selection order, IDs base64("Type:pk"), dates ISO, date-times in UTC
with "Z" and microseconds only when there are some, decimals as strings with at least two
places, enums by name, cursors as kit/planner.encode_cursor writes them; so both paths answer
byte-identical `data` (tests/test_sql_json.py). JSON is concatenated as text rather than
built with json_build_object, whose output has spaces (`{"a" : 1}`) that orjson's has not.

What a selection reads is compiled once per document into a "recipe" (nested tuples:
hashable, part of the statement's cache key); the statement goes through the planner's
statement cache, so a repeated document only binds values (plansBuilt 0). Anything else (a
computed field, a field rule, a Float or JSON scalar, cursors selected over an ordering SQL
cannot write) gives no recipe, and the ordinary path answers. A null where the schema
promises none (which the Python path answers with an error) makes the statement answer
`ok = false`, and the ordinary path answers that request.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import GraphQLEnumType, get_named_type, is_non_null_type
from sqlalchemy import Integer, Text, cast, func, literal_column, select, true

from kit import planner
from kit.executor import FAST_LEAF
from kit.registry import EntitySpec

# ---- recipes: what the selection asks for, once per document --------------------------------
#
# connection recipe: tuple of
#   ("typename", key, name) | ("total", key) | ("nodes", key, node) | ("edges", key, edge)
#   | ("pageInfo", key, tuple of ("next"|"previous"|"start"|"end"|"typename", key, name))
# edge recipe: tuple of ("node", key, node) | ("cursor", key) | ("typename", key, name)
# node recipe: (spec name, tuple of
#   ("typename", key, name) | ("id", key) | ("col", key, attr, kind, enum names, non_null)
#   | ("one", key, attr, node recipe, non_null) | ("many", key, attr, connection recipe))


class _NotPure(Exception):
    pass


STATS = {"answered": 0}  # subtrees answered with PostgreSQL's JSON (tests/test_sql_json.py)


_recipes: dict[tuple[Any, ...], tuple[list[Any], Any]] = {}
MAX_RECIPES = 2000


def _cached(key: tuple[Any, ...], field_nodes: list[Any], make: Any) -> Any:
    hit = _recipes.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], field_nodes, strict=True)):
        return hit[1]
    dependent: list[str] = []
    try:
        recipe = make(dependent.append)
    except _NotPure:
        recipe = None
    if not dependent:  # a recipe under @skip/@include(if: $var) is made again each time
        if len(_recipes) >= MAX_RECIPES:
            _recipes.clear()
        _recipes[key] = (list(field_nodes), recipe)  # holding the nodes keeps their ids theirs
    return recipe


def connection_recipe(info: Any, spec: EntitySpec, field_nodes: list[Any]) -> Any:
    """The recipe of a root connection's selection, or None when it is not pure data."""
    sets = [n.selection_set for n in field_nodes]
    return _cached(
        ("conn", spec.name, *map(id, field_nodes)), field_nodes, lambda seen: _conn_recipe(info, spec, sets, seen)
    )


def node_recipe(info: Any, spec: EntitySpec, field_nodes: list[Any]) -> Any:
    """The recipe of node(id:)'s selection for an object of `spec`'s type, or None."""
    sets = [n.selection_set for n in field_nodes]
    return _cached(
        ("node", spec.name, *map(id, field_nodes)), field_nodes, lambda seen: _node_recipe(info, spec, sets, seen)
    )


def _fields(info: Any, sets: list[Any], type_name: str, seen: Any) -> dict[str, list[Any]]:
    if any(s is None for s in sets):
        raise _NotPure
    return planner.collect_fields(info, sets, type_name, on_variable=seen)


_PAGE_INFO = {
    "hasNextPage": "next",
    "hasPreviousPage": "previous",
    "startCursor": "start",
    "endCursor": "end",
    "__typename": "typename",
}


def _conn_recipe(info: Any, spec: EntitySpec, sets: list[Any], seen: Any) -> Any:
    conn_type = f"{spec.name}Connection"
    out: list[Any] = []
    for key, nodes in _fields(info, sets, conn_type, seen).items():
        name = nodes[0].name.value
        subsets = [n.selection_set for n in nodes]
        if name == "__typename":
            out.append(("typename", key, conn_type))
        elif name == "totalCount":
            out.append(("total", key))
        elif name == "nodes":
            out.append(("nodes", key, _node_recipe(info, spec, subsets, seen)))
        elif name == "edges":
            edge: list[Any] = []
            for ekey, enodes in _fields(info, subsets, f"{spec.name}Edge", seen).items():
                ename = enodes[0].name.value
                if ename == "__typename":
                    edge.append(("typename", ekey, f"{spec.name}Edge"))
                elif ename == "cursor":
                    edge.append(("cursor", ekey))
                elif ename == "node":
                    edge.append(("node", ekey, _node_recipe(info, spec, [n.selection_set for n in enodes], seen)))
                else:
                    raise _NotPure
            out.append(("edges", key, tuple(edge)))
        elif name == "pageInfo":
            parts: list[Any] = []
            for pkey, pnodes in _fields(info, subsets, "PageInfo", seen).items():
                pname = _PAGE_INFO.get(pnodes[0].name.value)
                if pname is None:
                    raise _NotPure
                parts.append((pname, pkey, "PageInfo"))
            out.append(("pageInfo", key, tuple(parts)))
        else:
            raise _NotPure
    return tuple(out)


def _node_recipe(info: Any, spec: EntitySpec, sets: list[Any], seen: Any) -> Any:
    gtype = info.schema.type_map.get(spec.name)
    if gtype is None or spec.gql_cls is None:
        raise _NotPure
    out: list[Any] = []
    for key, nodes in _fields(info, sets, spec.name, seen).items():
        fname = nodes[0].name.value
        if fname == "__typename":
            out.append(("typename", key, spec.name))
            continue
        kind, attr = spec.fields.get(fname, ("meta", ""))
        gfield = gtype.fields.get(fname)
        if gfield is None:
            raise _NotPure
        non_null = is_non_null_type(gfield.type)
        subsets = [n.selection_set for n in nodes]
        if kind == "id":
            out.append(("id", key))
        elif kind == "col":
            if FAST_LEAF not in gfield.__dict__:  # a field rule decides per row, in Python
                raise _NotPure
            out.append(("col", key, attr, *_scalar_kind(spec, attr, get_named_type(gfield.type)), non_null))
        elif kind == "rel" and spec.relations[attr].kind == "one":
            out.append(("one", key, attr, _node_recipe(info, spec.relations[attr].target, subsets, seen), non_null))
        elif kind == "rel":
            out.append(("many", key, attr, _conn_recipe(info, spec.relations[attr].target, subsets, seen)))
        else:  # computed fields keep their Python resolvers
            raise _NotPure
    return (spec.name, tuple(out))


def _scalar_kind(spec: EntitySpec, attr: str, gtype: Any) -> tuple[str, Any]:
    """How a column's value is written: a kind, and for enums (database value, name) pairs."""
    column = spec.columns[attr]
    try:
        python = column.type.python_type
    except NotImplementedError:
        raise _NotPure from None
    if isinstance(gtype, GraphQLEnumType):
        members = spec.enum_attrs.get(attr)
        if members is None:
            raise _NotPure
        try:
            return "enum", tuple((str(m.value), gtype.serialize(m)) for m in members)
        except Exception:  # noqa: BLE001 - a member the GraphQL enum does not name: the Python path
            raise _NotPure from None
    name = gtype.name
    if name == "String" and python is str:
        return "str", None
    if name == "Int" and python is int:
        return "int", None
    if name == "Boolean" and python is bool:
        return "bool", None
    if name == "Date" and python is dt.date:
        return "date", None
    if name == "DateTime" and python is dt.datetime and getattr(column.type, "timezone", False):
        return "datetime", None
    if name == "Decimal" and python is decimal.Decimal:
        return "decimal", None
    raise _NotPure  # Float, JSON, Time, IDs of columns, custom scalars: the Python path


# ---- SQL text over a page subquery (s0.c0, s0.c1, ...) ----------------------------------------


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _json_lit(value: Any, suffix: str = "") -> str:
    return _lit(orjson.dumps(value).decode() + suffix)


def _b64(expr: str, max_bytes: int | None = None) -> str:
    encoded = f"encode(convert_to({expr}, 'UTF8'), 'base64')"
    if max_bytes is not None and max_bytes <= 57:  # one line: nothing to remove
        return encoded
    # PostgreSQL's base64 breaks lines every 76 characters (57 bytes); Python's does not
    return f"replace({encoded}, chr(10), '')"


_UTC_SECONDS = "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS')"
_MICROS = "CASE WHEN date_trunc('second', {c}) = {c} THEN '' ELSE to_char({c} AT TIME ZONE 'UTC', '.US') END"


def _value(kind: str, c: str, enum_names: Any) -> str:
    """JSON text of a column value `c` (NULL when it is NULL), as its GraphQL scalar writes it."""
    if kind == "str":
        return f"to_json({c})::text"
    if kind in ("int", "bool"):
        return f"{c}::text"
    if kind == "date":
        return f"'\"' || to_char({c}, 'YYYY-MM-DD') || '\"'"
    if kind == "datetime":
        return f"'\"' || {_UTC_SECONDS.format(c=c)} || {_MICROS.format(c=c)} || 'Z\"'"
    if kind == "decimal":  # scalars._serialize_decimal: at least two places, plain digits
        return f"'\"' || (CASE WHEN scale({c}) < 2 THEN round({c}, 2) ELSE {c} END)::text || '\"'"
    if kind == "enum":
        whens = " ".join(f"WHEN {_lit(v)} THEN {_json_lit(n)}" for v, n in enum_names)
        return f"(CASE {c}::text {whens} END)"
    raise AssertionError(kind)


def _cursor_value(spec: EntitySpec, attr: str, c: str) -> str:
    """JSON text of one cursor value as encode_cursor writes it (planner._json_value + orjson)."""
    if attr == "id":
        return f"coalesce({c}::text, 'null')"
    if attr in spec.enum_attrs:
        return f"coalesce(to_json({c}::text)::text, 'null')"
    column = spec.columns[attr]
    python = column.type.python_type
    if python is str:
        text = f"to_json({c})::text"
    elif python in (int, bool):
        text = f"{c}::text"
    elif python is dt.datetime and getattr(column.type, "timezone", False):
        text = f"'\"' || {_UTC_SECONDS.format(c=c)} || {_MICROS.format(c=c)} || '+00:00\"'"
    elif python is dt.date:
        text = f"'\"' || to_char({c}, 'YYYY-MM-DD') || '\"'"
    else:  # decimals (str() may write an exponent), floats, times: the Python path
        raise _NotPure
    return f"coalesce({text}, 'null')"


def _concat(args: list[str]) -> str:
    """One concat() of SQL text pieces that are never NULL: one allocation where a chain of
    `||` copies the growing text at each step (the JSON of a page is most of its statement's
    time). A function takes at most 100 arguments: longer lists nest."""
    while len(args) > 90:
        args = [f"concat({', '.join(args[i : i + 90])})" for i in range(0, len(args), 90)]
    return f"concat({', '.join(args)})"


def _object(fields: list[tuple[str, str]]) -> str:
    """A JSON object of (key, value SQL that is never NULL) pairs."""
    args = []
    for i, (key, value) in enumerate(fields):
        args += [_lit(("{" if i == 0 else ",") + orjson.dumps(key).decode() + ":"), value]
    return _concat(args + ["'}'"]) if fields else "'{}'"


# ---- per request: the visibility conditions of every page, in the order they are built ------


@dataclass
class _Page:
    plan: planner.ConnPlan | planner.NodePlan
    recipe: Any
    alias: Any
    joined: list[list[Any]]
    base: list[Any]
    counted: Any = None
    cbase: Any = None


def _nested(recipe: Any, plan: planner.ConnPlan) -> Iterator[tuple[Any, planner.ConnPlan]]:
    """The to-many connections of a connection's selection, in the order _Writer meets them."""
    for entry in recipe:
        if entry[0] == "nodes":
            yield from _node_nested(entry[2], plan.node)
        elif entry[0] == "edges":
            for e in entry[2]:
                if e[0] == "node":
                    yield from _node_nested(e[2], plan.node)


def _node_nested(recipe: Any, plan: planner.NodePlan) -> Iterator[tuple[Any, planner.ConnPlan]]:
    ones = {name: sub for name, _rel, sub in plan.ones}
    manys = {key: conn for key, _rel, conn in plan.manys}
    for entry in recipe[1]:
        if entry[0] == "one":
            yield from _node_nested(entry[3], ones[entry[2]])
        elif entry[0] == "many":
            yield entry[3], manys[entry[1]]


def _wants_cursor(recipe: Any) -> bool:
    for entry in recipe:
        if entry[0] == "edges" and any(e[0] == "cursor" for e in entry[2]):
            return True
        if entry[0] == "pageInfo" and any(p[0] in ("start", "end") for p in entry[2]):
            return True
    return False


def _prepare_conn(ctx: Any, vbind: planner.Binder, recipe: Any, plan: planner.ConnPlan, out: list[_Page]) -> None:
    spec = plan.node.spec
    if _wants_cursor(recipe):  # the cursors must be writable in SQL
        for attr, _ in plan.order:
            _cursor_value(spec, attr, "c")
    alias = planner.table_alias(spec, "t0")
    page = _Page(plan, recipe, alias, planner._join_visibility(ctx, plan.node, vbind, []), [])
    page.base = planner.visible(ctx, spec, alias, vbind)
    if any(e[0] == "total" for e in recipe):
        page.counted = planner.table_alias(spec, "tc")
        page.cbase = planner.visible(ctx, spec, page.counted, vbind)
    out.append(page)
    for sub_recipe, sub_plan in _nested(recipe, plan):
        _prepare_conn(ctx, vbind, sub_recipe, sub_plan, out)


def _conn_values(pages: Iterator[_Page], out: list[Any]) -> None:
    """The plan's values in the order the builder binds them (pre-order, as _prepare_conn)."""
    for page in pages:
        plan = page.plan
        if isinstance(plan, planner.ConnPlan):
            planner._page_values(plan, out)  # filter, cursors, LIMIT
            if page.counted is not None:
                planner._filter_values(plan.node.spec, plan.filter, out)
            out.append(plan.size)


# ---- building the statement (once per shape) ------------------------------------------------


class _Builder:
    def __init__(self, pages: list[_Page]) -> None:
        self.pages = iter(pages)
        self.bind = planner.Binder()
        self.subqueries = 0
        self.laterals = 0

    def connection(self, correlate: tuple[str, str] | None = None) -> Any:
        """SELECT json, ok over the next prepared page; `correlate` = (the page table's key
        attribute, the parent's column) for a to-many connection."""
        page = next(self.pages)
        plan = page.plan
        assert isinstance(plan, planner.ConnPlan)
        spec, alias, bind = plan.node.spec, page.alias, self.bind
        cols, joins, layouts = list[Any](), list[Any](), list[planner.Layout]()
        layout = planner._select_parts(plan.node, alias, cols, joins, iter(page.joined), layouts)
        order_cols = planner._order_columns(spec, alias, plan)
        order_by = planner._order_by(order_cols, plan.last is not None)
        where = [*page.base]
        cwhere = [*(page.cbase or ())]
        if correlate is not None:
            where.append(alias.c[spec.column_name(correlate[0])] == literal_column(correlate[1]))
            if page.counted is not None:
                cwhere.append(page.counted.c[spec.column_name(correlate[0])] == literal_column(correlate[1]))
        where += [
            planner._compile_filter(spec, alias, plan.filter, bind),
            *planner._cursor_where(order_cols, plan, bind),
        ]
        limit = bind(planner._limit(plan), Integer)
        total = None
        if page.counted is not None:
            cwhere.append(planner._compile_filter(spec, page.counted, plan.filter, bind))
            total = cast(select(func.count()).select_from(page.counted).where(*cwhere).scalar_subquery(), Text)
        size = bind(plan.size, Integer)
        name = f"s{self.subqueries}"
        self.subqueries += 1
        sub = (
            select(*cols, func.row_number().over(order_by=order_by).label("rn"), size.label("sz"))
            .select_from(planner._from_clause(alias, joins))
            .where(*where)
            .order_by(*order_by)
            .limit(limit)
            .subquery(name)
        )
        w = _Writer(self, name)
        parts, ok = w.connection(page.recipe, plan, layout, total)
        text: Any = None
        for part in parts:
            element = literal_column(part) if isinstance(part, str) else part
            text = element if text is None else text.op("||")(element)
        # GROUP BY (): one row, also over an empty page and when nothing selected aggregates (a
        # to-many asked only for totalCount would otherwise give a row per child, or none)
        return (
            select(text.label("json"), literal_column(ok).label("ok"))
            .select_from(w.from_clause(sub))
            .group_by(literal_column("()"))
        )

    def node(self, key: Any) -> Any:
        """SELECT json, ok of the object whose primary key is `key` (no row: not found)."""
        page = next(self.pages)
        plan = page.plan
        assert isinstance(plan, planner.NodePlan)
        spec, alias = plan.spec, page.alias
        cols, joins, layouts = list[Any](), list[Any](), list[planner.Layout]()
        layout = planner._select_parts(plan, alias, cols, joins, iter(page.joined), layouts)
        col = alias.c[spec.column_name("id")]
        where = [planner._key_condition(col, [key], self.bind, col.type), *page.base]
        name = f"s{self.subqueries}"
        self.subqueries += 1
        sub = select(*cols).select_from(planner._from_clause(alias, joins)).where(*where).subquery(name)
        w = _Writer(self, name)
        text = w.node(page.recipe, plan, layout)
        ok = " AND ".join(f"({c})" for c in w.checks) if w.checks else "true"
        return select(literal_column(text).label("json"), literal_column(ok).label("ok")).select_from(
            w.from_clause(sub)
        )


class _Writer:
    """Writes the JSON text of a page's rows over its subquery's columns, collecting the
    conditions under which it equals the Python path's answer and the LATERALs it joins."""

    def __init__(self, builder: _Builder, sub: str) -> None:
        self.builder, self.sub = builder, sub
        self.checks: list[str] = []
        self.laterals: list[Any] = []

    def from_clause(self, sub: Any) -> Any:
        clause = sub
        for lateral in self.laterals:
            clause = clause.outerjoin(lateral, true())
        return clause

    def check(self, condition: str, guards: tuple[str, ...]) -> None:
        # under a to-one that is absent, the fields below it are not answered at all
        self.checks.append(" OR ".join([*guards, condition]) if guards else condition)

    def node(self, recipe: Any, plan: planner.NodePlan, layout: planner.Layout, guards: tuple[str, ...] = ()) -> str:
        s = self.sub
        index = {attr: layout.start + i for i, attr in enumerate(plan.attrs)}
        children = dict(layout.children)
        ones = {name: sub for name, _rel, sub in plan.ones}
        manys = {key: (rel, conn) for key, rel, conn in plan.manys}
        parts = []
        for entry in recipe[1]:
            kind, key = entry[0], entry[1]
            if kind == "typename":
                value = _json_lit(entry[2])
            elif kind == "id":  # a bigint key: at most 20 characters
                encoded = _b64(f"{_lit(plan.spec.name + ':')} || {s}.c{layout.start}::text", len(plan.spec.name) + 21)
                value = f"'\"' || {encoded} || '\"'"
            elif kind == "col":
                _, _, attr, skind, enum_names, non_null = entry
                c = f"{s}.c{index[attr]}"
                if non_null:
                    self.check(f"{c} IS NOT NULL", guards)
                value = f"coalesce({_value(skind, c, enum_names)}, 'null')"
                if skind == "enum":  # a value the enum does not name: the Python path's error
                    self.check(f"{c} IS NULL OR {_value(skind, c, enum_names)} IS NOT NULL", guards)
            elif kind == "one":
                _, _, attr, sub, non_null = entry
                child = children[attr]
                pk = f"{s}.c{child.start}"
                if non_null:
                    self.check(f"{pk} IS NOT NULL", guards)
                inner = self.node(sub, ones[attr], child, (*guards, f"{pk} IS NULL"))
                value = f"CASE WHEN {pk} IS NULL THEN 'null' ELSE {inner} END"
            else:  # many
                rel, conn = manys[key]
                select_ = self.builder.connection((rel.remote_attr, f"{s}.c{index[rel.local_attr]}"))
                name = f"m{self.builder.laterals}"
                self.builder.laterals += 1
                self.laterals.append(select_.lateral(name))
                self.check(f"{name}.ok", guards)
                value = f"{name}.json"
            parts.append((key, value))
        return _object(parts)

    def cursor(self, plan: planner.ConnPlan, layout: planner.Layout) -> str:
        spec = plan.node.spec
        index = {attr: layout.start + i for i, attr in enumerate(plan.node.attrs)}
        values = [_cursor_value(spec, attr, f"{self.sub}.c{index[attr]}") for attr, _ in plan.order]
        text = " || ',' || ".join([_json_lit(plan.signature), *values])
        encoded = _b64("'[' || " + text + " || ']'")
        return f"'\"' || translate({encoded}, '+/', '-_') || '\"'"

    def connection(
        self, recipe: Any, plan: planner.ConnPlan, layout: planner.Layout, total: Any
    ) -> tuple[list[Any], str]:
        """The connection's JSON as parts to concatenate (SQL text, or `total`: the count's
        expression), and the condition that it equals the Python path's answer."""
        s = self.sub
        backward = plan.last is not None
        # the rows are numbered in the order fetched; a backward page is answered reversed
        order = f"{s}.rn DESC" if backward else f"{s}.rn"
        reverse = f"{s}.rn" if backward else f"{s}.rn DESC"
        in_page = f"FILTER (WHERE {s}.rn <= {s}.sz)"
        has_more = f"CASE WHEN count(*) FILTER (WHERE {s}.rn > {s}.sz) > 0 THEN 'true' ELSE 'false' END"
        parts: list[Any] = []

        def add(key: str, value: Any) -> None:
            parts.append(("'{'" if not parts else "','") + f" || {_json_lit(key, ':')}")
            parts.append(value)

        def array(element: str) -> str:
            return f"'[' || coalesce(string_agg({element}, ',' ORDER BY {order}) {in_page}, '') || ']'"

        for entry in recipe:
            kind, key = entry[0], entry[1]
            if kind == "typename":
                add(key, _json_lit(entry[2]))
            elif kind == "total":
                add(key, total)
            elif kind == "nodes":
                add(key, array(self.node(entry[2], plan.node, layout)))
            elif kind == "edges":
                fields = []
                for e in entry[2]:
                    if e[0] == "typename":
                        value = _json_lit(e[2])
                    elif e[0] == "cursor":
                        value = self.cursor(plan, layout)
                    else:
                        value = self.node(e[2], plan.node, layout)
                    fields.append((e[1], value))
                add(key, array(_object(fields)))
            else:  # pageInfo
                fields = []
                for pkind, pkey, tname in entry[2]:
                    if pkind == "typename":
                        value = _json_lit(tname)
                    elif pkind == "next":
                        value = _lit(str(plan.before is not None).lower()) if backward else has_more
                    elif pkind == "previous":
                        value = has_more if backward else _lit(str(plan.after is not None).lower())
                    else:
                        agg_order = order if pkind == "start" else reverse
                        value = f"coalesce((array_agg({self.cursor(plan, layout)} ORDER BY {agg_order}) {in_page})[1], 'null')"
                    fields.append((pkey, value))
                add(key, _object(fields))
        parts.append("'}'")
        ok = (
            f"coalesce(bool_and({' AND '.join(f'({c})' for c in self.checks)}) {in_page}, true)"
            if self.checks
            else "true"
        )
        return parts, ok


# ---- the reads --------------------------------------------------------------------------------


async def _run(ctx: Any, key: Any, vbind: planner.Binder, pages: list[_Page], build: Any, values: Any) -> Any:
    rows, _ = await planner._execute(ctx, key, vbind, build, values)
    if not rows:  # node(id:) of nothing this caller may see
        STATS["answered"] += 1
        return None
    text, ok = rows[0]
    if not ok:
        return False
    STATS["answered"] += 1
    return orjson.Fragment(text)


async def fetch_connection_json(ctx: Any, plan: planner.ConnPlan, recipe: Any) -> orjson.Fragment | None:
    """A root connection as JSON text in one statement; None when the ordinary path must
    answer (an ordering whose cursor SQL cannot write; a null the schema does not allow)."""
    vbind = planner.Binder(prefix="v")
    pages: list[_Page] = []
    try:
        _prepare_conn(ctx, vbind, recipe, plan, pages)
    except _NotPure:
        return None

    def build() -> tuple[Any, None, planner.Binder]:
        builder = _Builder(pages)
        return builder.connection(), None, builder.bind

    def values() -> list[Any]:
        out: list[Any] = []
        _conn_values(iter(pages), out)
        return out

    key = ("json-conn", recipe, tuple(p.plan.shape() for p in pages))
    found = await _run(ctx, key, vbind, pages, build, values)
    return found if isinstance(found, orjson.Fragment) else None


async def fetch_node_json(ctx: Any, plan: planner.NodePlan, recipe: Any, pk: int) -> orjson.Fragment | None | bool:
    """node(id:) as JSON text in one statement: the Fragment, None when there is no such
    object for this caller, False when the ordinary path must answer."""
    vbind = planner.Binder(prefix="v")
    alias = planner.table_alias(plan.spec, "t0")
    pages = [_Page(plan, recipe, alias, planner._join_visibility(ctx, plan, vbind, []), [])]
    pages[0].base = planner.visible(ctx, plan.spec, alias, vbind)
    try:
        for sub_recipe, sub_plan in _node_nested(recipe, plan):
            _prepare_conn(ctx, vbind, sub_recipe, sub_plan, pages)
    except _NotPure:
        return False

    def build() -> tuple[Any, None, planner.Binder]:
        builder = _Builder(pages)
        return builder.node(pk), None, builder.bind

    def values() -> list[Any]:
        out: list[Any] = [pk]
        _conn_values(iter(pages[1:]), out)
        return out

    key = ("json-node", recipe, tuple(p.plan.shape() for p in pages))
    result: orjson.Fragment | None | bool = await _run(ctx, key, vbind, pages, build, values)
    return result
