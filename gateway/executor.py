"""graphql-core's executor with a fast path for the fields of finished read-path objects.

Most fields of a list response are plain attributes of objects the shared read path
already built (gateway/fast_resolvers.py marks them). For those, building a ResolveInfo,
checking for awaitables and dispatching through complete_value costs more than the value
itself, so a marked leaf field is read and serialised directly; and a to-many field whose
page was prefetched skips graphql-core's per-row argument coercion. Everything else (and
every error, including a null in a non-null field) takes graphql-core's own path.
"""

from __future__ import annotations

import asyncio
import types
from typing import Any

from graphql import get_named_type, is_non_null_type
from graphql.execution.incremental.incremental_executor import IncrementalExecutor
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel

FAST_LEAF = "_campus_fast_leaf"  # (attribute name, coerce_output_value)
FAST_PAGE = "_campus_fast_page"  # marks to-many relation fields
FAST_GUARD = "_campus_fast_guard"  # (attribute, coerce_output_value, FieldRule): sensitive leaves

_AWAITABLE = (types.CoroutineType, asyncio.Future)


def is_awaitable(value: Any) -> bool:
    # Resolvers return coroutines, asyncio futures (dataloaders) or plain values; the
    # generic check of graphql-core inspects every value of the response for more.
    return isinstance(value, _AWAITABLE)


class FastExecutor(IncrementalExecutor):
    def execute_fields(self, parent_type: Any, source_value: Any, path: Any, grouped_field_set: Any, position_context: Any) -> Any:
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
                result = self.execute_field(parent_type, source_value, field_details_list,
                                            Path(path, response_name, parent_type.name), position_context)
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

    def execute_field(self, parent_type: Any, source: Any, field_details_list: Any, path: Any, position_context: Any) -> Any:
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
                prefetched = source.__dict__.get("_conn")
                page = prefetched.get(path.key) if prefetched is not None else None
                if page is not None:
                    info = self.build_resolve_info(field_def, [d.node for d in field_details_list], parent_type, path)
                    try:
                        return self.complete_value(field_def.type, field_details_list, info, path, page, position_context)
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
_MISSING = object()


class _Bail(Exception):
    pass


class _Renderer:
    def __init__(self, info: Any) -> None:
        self.info = info
        self.compiled: dict[Any, list[tuple[Any, ...]]] = {}

    def ops(self, gtype: Any, selection_sets: list[Any]) -> list[tuple[Any, ...]]:
        key = (gtype.name, tuple(map(id, selection_sets)))
        ops = self.compiled.get(key)
        if ops is not None:
            return ops
        from resolvers.common.planner import collect_fields

        ops = []
        for response_key, nodes in collect_fields(self.info, selection_sets, gtype.name).items():
            name = nodes[0].name.value
            if name == "__typename":
                ops.append((response_key, "typename", gtype.name))
                continue
            fdef = gtype.fields.get(name)
            if fdef is None:
                raise _Bail
            non_null = is_non_null_type(fdef.type)
            leaf = fdef.__dict__.get(FAST_LEAF)
            if leaf is not None:
                ops.append((response_key, "leaf", leaf[0], leaf[1], non_null))
                continue
            guard = fdef.__dict__.get(FAST_GUARD)
            if guard is not None:
                ops.append((response_key, "guarded", guard[0], guard[1], non_null, guard[2]))
                continue
            how = fdef.__dict__.get(RENDER)
            if how is None:
                raise _Bail
            target = get_named_type(fdef.type)
            subsets = [n.selection_set for n in nodes]
            ops.append((response_key, how[0], how[-1], target, subsets, non_null))
        self.compiled[key] = ops
        return ops

    def render(self, gtype: Any, obj: Any, selection_sets: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for op in self.ops(gtype, selection_sets):
            key, kind = op[0], op[1]
            if kind == "leaf":
                value = getattr(obj, op[2], None)
                if value is None:
                    if op[4]:
                        raise _Bail
                    out[key] = None
                else:
                    coerced = op[3](value)
                    if coerced is None or coerced is Undefined:
                        raise _Bail
                    out[key] = coerced
                continue
            if kind == "typename":
                out[key] = op[2]
                continue
            if kind == "guarded":
                if not op[5].allows(self.info.context, obj):
                    raise _Bail  # graphql-core's path reports FORBIDDEN at this field
                value = getattr(obj, op[2], None)
                if value is None:
                    if op[4]:
                        raise _Bail
                    out[key] = None
                else:
                    out[key] = op[3](value)
                continue
            _, _, attr, target, subsets, non_null = op
            if kind == "one":
                value = obj.__dict__.get(attr, _MISSING)
                if value is _MISSING:
                    raise _Bail  # not joined: a dataloader has to fetch it
            elif kind == "page":
                pages = obj.__dict__.get("_conn")
                value = pages.get(key) if pages is not None else None
                if value is None:
                    raise _Bail
            else:
                value = getattr(obj, attr, None)
            if value is None:
                if non_null:
                    raise _Bail
                out[key] = None
            elif kind == "list":
                render = self.render
                out[key] = [render(target, item, subsets) for item in value]
            else:
                out[key] = self.render(target, value, subsets)
        return out


class RenderingExecutor(FastExecutor):
    def complete_value(self, return_type: Any, field_details_list: Any, info: Any, path: Any, result: Any,
                       position_context: Any) -> Any:
        type_name = RENDERABLE.get(type(result), _MISSING)
        if type_name is not _MISSING:
            named = get_named_type(return_type)
            gtype = named if type_name is None else self.schema.get_type(type_name)
            if gtype is not None and (gtype is named or self.schema.is_sub_type(named, gtype)):
                renderer = self.__dict__.get("_renderer")
                if renderer is None:
                    renderer = self.__dict__["_renderer"] = _Renderer(info)
                try:
                    return renderer.render(gtype, result, [d.node.selection_set for d in field_details_list])
                except Exception:  # noqa: BLE001 - _Bail or anything odd: graphql-core's own path
                    pass
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)
