"""Root field builders: connections, node(id:) / nodes(ids:), and master-data mutations.

Each builder records the field's permission rule (auth.permissions.DECLARED) and checks it
before doing anything.
"""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from strawberry.types import Info

from auth.permissions import Rule, declare
from kit import direct, planner, sql_json
from kit.registry import VISIBILITY, get_spec, spec_for_model
from kit.connection import Connection, connection_args_resolver
from kit.errors import Forbidden, Unauthenticated, authorize  # noqa: F401 (re-exported names of the read path)
from kit.ids import InvalidId, decode_gid
from kit.node import Node

log = logging.getLogger(__name__)


RowFilter = Any  # (ctx, alias, bind) -> SQL condition, or None for no restriction


def connection_field(
    model: type[Any], *, permission: Rule, description: str | None = None, name: str, row_filter: RowFilter = None
) -> Any:
    """A root list of `model` rows as a Relay connection (keyset pages, filter, orderBy)."""
    spec = spec_for_model(model)
    declare(f"Query.{name}", permission)
    declared = connection_args_resolver(model)

    async def resolve(info: Info, **_: Any) -> Any:
        authorize(info, permission)
        raw = info._raw_info
        plan = planner.plan_connection(raw, spec, raw.field_nodes, raw.parent_type.fields[raw.field_name])
        if info.context.settings.sql_json:  # pure data: PostgreSQL writes the JSON (kit/sql_json.py)
            recipe = sql_json.connection_recipe(raw, spec, raw.field_nodes)
            if recipe is not None:
                found = await sql_json.fetch_connection_json(info.context, plan, recipe)
                if found is not None:
                    return found
        return await planner.fetch_connection(info.context, plan)

    def ready(info: Any, args: dict[str, Any]) -> bool:
        """Answered whole by PostgreSQL's JSON, for this caller (kit/direct.py)."""
        ctx = info.context
        return bool(
            ctx.settings.sql_json
            and permission.allows(ctx)
            and sql_json.connection_recipe(info, spec, info.field_nodes) is not None
        )

    direct.direct_root_field(name, ready)
    page = Connection[spec.gql_cls]  # type: ignore[name-defined]  # a type made at run time
    resolve.__annotations__ = {**declared.__annotations__, "info": Info, "return": page}
    resolve.__signature__ = _signature_of(declared, extra_info=True)  # type: ignore[attr-defined]
    return strawberry.field(resolver=resolve, name=name, description=description)


def _signature_of(func: Any, extra_info: bool) -> Any:
    import inspect

    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    if extra_info:
        params.insert(0, inspect.Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Info))
    return sig.replace(parameters=params)


# "Query.studentLedger" -> cost of the field itself, for fields heavier than one object
# (gateway/limits.py adds it to the operation's cost); default 1 for objects, 0 for leaves.
FIELD_COSTS: dict[str, int] = {}


def declare_cost(path: str, cost: int) -> None:
    FIELD_COSTS[path] = cost


# ---- node(id:) / nodes(ids:) ----------------------------------------------------------------

NODE_RULE = Rule("any caller; each type's own read rule and the tenant apply to what is returned", public=True)


async def _load_nodes(info: Any, ids: list[str]) -> list[Any]:
    raw = info._raw_info
    wanted: dict[str, list[int]] = {}
    decoded: list[tuple[str, int] | None] = []
    for gid in ids:
        try:
            type_name, pk = decode_gid(gid)
        except InvalidId as exc:
            raise planner.BadInput(str(exc)) from None
        spec = get_spec(type_name)
        if spec is None or spec.gql_cls is None:
            decoded.append(None)
            continue
        decoded.append((type_name, pk))
        wanted.setdefault(type_name, []).append(pk)
    found: dict[tuple[str, int], Any] = {}
    for type_name, pks in wanted.items():
        spec = get_spec(type_name)
        policy = READ_POLICIES.get(type_name)
        if spec is None or policy is None or not policy[0].allows(info.context):
            continue  # not readable by this caller (or by anyone through node): as if it did not exist
        plan = planner.plan_node(raw, spec, [n.selection_set for n in raw.field_nodes])
        found_rows = await planner.fetch_by_keys(info.context, plan, "id", pks)
        for pk, obj in found_rows.items():
            found[(type_name, pk)] = obj
    return [found.get(d) if d else None for d in decoded]


def _node_json_target(raw: Any, gid: Any) -> tuple[Any, Any, int] | None:
    """What node(id: gid) reads when kit/sql_json.py answers it: (spec, recipe, key), or None
    when the ordinary path answers (an invalid ID, a type the caller may not read, a selection
    that is not pure data). `raw`: graphql-core's resolve info."""
    if not raw.context.settings.sql_json or not isinstance(gid, str):
        return None
    try:
        type_name, pk = decode_gid(gid)
    except InvalidId:
        return None
    spec = get_spec(type_name)
    policy = READ_POLICIES.get(type_name)
    if spec is None or spec.gql_cls is None or policy is None or not policy[0].allows(raw.context):
        return None
    recipe = sql_json.node_recipe(raw, spec, raw.field_nodes)
    return None if recipe is None else (spec, recipe, pk)


async def _node_json(info: Any, gid: str) -> Any:
    """node(id:) answered by kit/sql_json.py: its JSON, None (not found), or False when the
    ordinary path answers."""
    raw = info._raw_info
    target = _node_json_target(raw, gid)
    if target is None:
        return False
    spec, recipe, pk = target
    plan = planner.plan_node(raw, spec, [n.selection_set for n in raw.field_nodes])
    return await sql_json.fetch_node_json(info.context, plan, recipe, pk)


direct.direct_root_field("node", lambda info, args: _node_json_target(info, args.get("id")) is not None)


# Type name -> (rule, row filter): who may read it through node(id:) and its root list.
# A type without a policy is never returned by node(id:) (deny by default).
READ_POLICIES: dict[str, tuple[Rule, RowFilter]] = {}


def read_policy(model: type[Any], rule: Rule, row_filter: RowFilter = None) -> None:
    """Who may read the type through its root list and node(id:) (the rule), and which rows
    anyone may see wherever the type is reached (the row filter, applied by the read path)."""
    name = spec_for_model(model).name
    READ_POLICIES[name] = (rule, row_filter)
    if row_filter is not None:
        VISIBILITY[name] = row_filter


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when it does not exist or is not yours to see.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:  # noqa: A002
        if info.context.settings.sql_json:  # pure data: PostgreSQL writes the JSON (kit/sql_json.py)
            answer = await _node_json(info, id)
            if answer is not False:
                return answer  # type: ignore[no-any-return]
        found: Node | None = (await _load_nodes(info, [id]))[0]
        return found

    @strawberry.field(description="Several objects by global ID, in the same order; null for each one not found.")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        limit = info.context.settings.max_page_size
        if len(ids) > limit:
            raise planner.BadInput(f"nodes takes at most {limit} IDs.")
        return await _load_nodes(info, list(ids))


declare("Query.node", NODE_RULE)
declare("Query.nodes", NODE_RULE)


def list_field(
    model: type[Any], *, name: str, permission: Rule, description: str | None = None, row_filter: RowFilter = None
) -> Any:
    """A root connection whose rule and row filter also govern node(id:) for the type."""
    read_policy(model, permission, row_filter)
    return connection_field(model, name=name, permission=permission, description=description, row_filter=row_filter)


# ---- loading entities a computed field names by primary key ---------------------------------


def load_entity(info: Info, model: type[Any], pk: int | None) -> Any:
    """The entity `pk` through the request's selection-aware loader (one batched statement per
    field, whatever the number of objects); the type's visibility applies (hidden: null)."""
    if pk is None:
        return None
    return info.context.loaders.by_key(spec_for_model(model), "id", info._raw_info).load(pk)


async def load_entities(info: Info, model: type[Any], pks: list[int]) -> list[Any]:
    """Several entities in one batch, in order, leaving out those the caller may not see."""
    if not pks:
        return []
    found = await info.context.loaders.by_key(spec_for_model(model), "id", info._raw_info).load_many(pks)
    return [obj for obj in found if obj is not None]
