"""graphql-core's executor with a fast path for the fields of finished read-path objects.

Most fields of a list response are plain attributes of objects the shared read path
already built (kit/fast_resolvers.py marks them). For those, building a ResolveInfo,
checking for awaitables and dispatching through complete_value costs more than the value
itself, so a marked leaf field is read and serialised directly; and a to-many field whose
page was prefetched skips graphql-core's per-row argument coercion. Everything else (and
every error, including a null in a non-null field) takes graphql-core's own path.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any

import orjson
from graphql import get_named_type, is_non_null_type
from graphql.execution.incremental.incremental_executor import IncrementalExecutor
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel

from kit.planner import CONNECTIONS

FAST_LEAF = "_campus_fast_leaf"  # (attribute name, coerce_output_value)
FAST_PAGE = "_campus_fast_page"  # marks to-many relation fields
FAST_GUARD = "_campus_fast_guard"  # (attribute, coerce_output_value, FieldRule): sensitive leaves

_AWAITABLE = (types.CoroutineType, asyncio.Future)


def is_awaitable(value: Any) -> bool:
    # Resolvers return coroutines, asyncio futures (dataloaders) or plain values; the
    # generic check of graphql-core inspects every value of the response for more.
    return isinstance(value, _AWAITABLE)


class FastExecutor(IncrementalExecutor):
    def execute_fields(
        self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, position_context: Any
    ) -> Any:
        # As graphql-core's, with marked leaf fields read and serialised inline: no Path,
        # no ResolveInfo, no awaitable check for values that cannot be awaitable.
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        fields = parent_type.fields
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field_def = fields.get(field_details_list[0].node.name.value)
                if field_def is not None:
                    leaf = field_def.__dict__.get(FAST_LEAF)
                    if leaf is not None:
                        value = getattr(source_value, leaf[0], None)
                        if value is not None:
                            try:
                                coerced = leaf[1](value)
                            except Exception:  # noqa: BLE001 - reported below by graphql-core
                                coerced = None
                            if coerced is not None and coerced is not Undefined:
                                results[response_name] = coerced
                                continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def execute_field(
        self, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any
    ) -> Any:
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is not None:
            leaf = field_def.__dict__.get(FAST_LEAF)
            if leaf is not None:
                value = getattr(source, leaf[0], None)
                if value is not None:
                    try:
                        coerced = leaf[1](value)
                    except Exception:  # noqa: BLE001 - graphql-core reports it the usual way
                        return super().execute_field(parent_type, source, field_details_list, path, position_context)
                    if coerced is not None and coerced is not Undefined:
                        return coerced
            elif FAST_PAGE in field_def.__dict__:
                prefetched = source.__dict__.get(CONNECTIONS)
                page = prefetched.get(path.key) if prefetched is not None else None
                if page is not None:
                    info = self.build_resolve_info(field_def, [d.node for d in field_details_list], parent_type, path)
                    try:
                        return self.complete_value(
                            field_def.type, field_details_list, info, path, page, position_context
                        )
                    except Exception as raw_error:  # noqa: BLE001
                        self.handle_field_error(raw_error, field_def.type, field_details_list, path)
                        return None
        return super().execute_field(parent_type, source, field_details_list, path, position_context)


# ---- rendering finished subtrees ---------------------------------------------------------
#
# An object of the read path (an entity, a connection) arrives with everything its
# selection needs already attached. Rather than letting graphql-core walk it field by field,
# the selection is compiled once per request into a list of operations and applied to every
# row. Anything the compiled form does not cover (a computed field, a relation that was not
# prefetched, a null in a non-null field) abandons the attempt and graphql-core completes
# that value the ordinary way, with its ordinary error handling.

RENDER = "_campus_render"  # ("one", attr) | ("page",) | ("object", attr) | ("list", attr)
RENDERABLE: dict[type, str | None] = {}  # class -> GraphQL type name (None: the field's own type)
_MISSING: Any = object()


class _Bail(Exception):
    pass


class _Compiler:
    """Compiles a selection on a type into a Python function that renders one object.

    The functions are generated source (exec), one per (type, selection), children compiled
    eagerly and bound in, so rendering a row is straight-line code: dict reads, serialiser
    calls, list comprehensions. They are cached with the document (the selection nodes are
    the cached document's), unless the selection depends on variables (@skip/@include)."""

    def __init__(self, info: Any) -> None:
        self.info = info
        self.variable_dependent = False

    def compile(self, gtype: Any, selection_sets: list[Any]) -> Any:
        from kit.planner import collect_fields

        entity = gtype.name in _ENTITY_TYPES
        lines = ["def render(obj, ctx):", "    d = obj.__dict__" if entity else "    pass", "    out = {}"]
        env: dict[str, Any] = {"Bail": _Bail, "MISSING": _MISSING}
        fields = collect_fields(self.info, selection_sets, gtype.name, on_variable=self._saw_variable)
        for i, (response_key, nodes) in enumerate(fields.items()):
            name = nodes[0].name.value
            k = repr(response_key)
            if name == "__typename":
                lines.append(f"    out[{k}] = {gtype.name!r}")
                continue
            fdef = gtype.fields.get(name)
            if fdef is None:
                raise _Bail
            non_null = is_non_null_type(fdef.type)
            on_null = "raise Bail" if non_null else f"out[{k}] = None"
            leaf = fdef.__dict__.get(FAST_LEAF) or fdef.__dict__.get(FAST_GUARD)
            if leaf is not None:
                env[f"c{i}"] = leaf[1]
                read = f"d.get({leaf[0]!r})" if entity else f"getattr(obj, {leaf[0]!r}, None)"
                if len(leaf) == 3:  # guarded: the rule decides per object
                    env[f"r{i}"] = leaf[2]
                    lines.append(f"    if not r{i}.allows(ctx, obj): raise Bail")
                lines += [
                    f"    v = {read}",
                    "    if v is None:",
                    f"        {on_null}",
                    "    else:",
                    f"        out[{k}] = c{i}(v)",
                ]
                continue
            how = fdef.__dict__.get(RENDER)
            if how is None:
                raise _Bail
            env[f"f{i}"] = self.compile(get_named_type(fdef.type), [n.selection_set for n in nodes])
            kind, attr = how[0], how[-1]
            if kind == "one":
                lines += [f"    v = d.get({attr!r}, MISSING)", "    if v is MISSING: raise Bail"]
            elif kind == "page":
                lines += [
                    "    p = d.get('_conn')",
                    f"    v = p.get({response_key!r}) if p is not None else None",
                    "    if v is None: raise Bail",
                ]
            else:
                lines.append(f"    v = getattr(obj, {attr!r}, None)")
            lines += ["    if v is None:", f"        {on_null}", "    else:"]
            if kind == "list":
                lines.append(f"        out[{k}] = [f{i}(x, ctx) for x in v]")
            else:
                lines.append(f"        out[{k}] = f{i}(v, ctx)")
        lines.append("    return out")
        exec(compile("\n".join(lines), f"<render {gtype.name}>", "exec"), env)  # noqa: S102 - our own generated code
        return env["render"]

    def _saw_variable(self, name: str) -> None:
        self.variable_dependent = True


_ENTITY_TYPES: set[str] = set()
STATS = {"fallbacks": 0}  # values graphql-core completed because the compiled form could not
_compiled: dict[tuple[Any, ...], tuple[Any, list[Any]]] = {}


def _renderer(info: Any, gtype: Any, selection_sets: list[Any]) -> Any:
    key = (gtype.name, *map(id, selection_sets))
    hit = _compiled.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[1], selection_sets, strict=True)):
        return hit[0]
    compiler = _Compiler(info)
    fn = compiler.compile(gtype, selection_sets)
    if not compiler.variable_dependent:
        if len(_compiled) > 5000:
            _compiled.clear()
        _compiled[key] = (fn, list(selection_sets))  # holding the nodes keeps their ids unique
    return fn


class RenderingExecutor(FastExecutor):
    def complete_value(
        self, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any, position_context: Any
    ) -> Any:
        if type(result) is orjson.Fragment:  # JSON PostgreSQL wrote (kit/sql_json.py): already final
            return result
        type_name = RENDERABLE.get(type(result), _MISSING)
        if type_name is not _MISSING:
            named = get_named_type(return_type)
            gtype = named if type_name is None else self.schema.get_type(type_name)
            if gtype is not None and (gtype is named or self.schema.is_sub_type(named, gtype)):
                try:
                    render = _renderer(info, gtype, [d.node.selection_set for d in field_details_list])
                    return render(result, info.context)
                except Exception:  # noqa: BLE001 - _Bail or anything odd: graphql-core's own path
                    STATS["fallbacks"] += 1
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)
