"""Install the read path's resolvers on the built schema.

Entity objects come out of the shared read path finished: scalar fields are plain
attributes, to-one relations are already joined in, to-many connections already batched.
So their GraphQL fields get the cheapest resolvers possible (an attribute read, no
Strawberry argument conversion), and relation fields fall back to the per-request
dataloaders only when the object came from somewhere look-ahead could not see.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLObjectType, get_nullable_type, is_leaf_type

from auth.permissions import FIELD_RULES
from kit.executor import _ENTITY_TYPES, FAST_GUARD, FAST_LEAF, FAST_PAGE, RENDER, RENDERABLE
from kit.planner import CONNECTIONS, PK

from kit.registry import EntitySpec, RelSpec, get_spec
from kit.ids import encode_gid

_MISSING = object()
DEFINITION = "strawberry-definition"


def _attr_resolver(name: str) -> Any:
    def resolve(source: Any, info: Any) -> Any:
        return getattr(source, name)

    return resolve


def _global_id_of(type_name: str) -> Any:
    def encode(pk: int) -> str:
        return encode_gid(type_name, pk)

    return encode


def _global_id_resolver(type_name: str) -> Any:
    def resolve(source: Any, info: Any) -> Any:
        return encode_gid(type_name, source.__dict__[PK])

    return resolve


def _guarded_resolver(name: str, rule: Any) -> Any:
    """A sensitive field: null with a FORBIDDEN error for callers the rule does not allow."""

    def resolve(source: Any, info: Any) -> Any:
        if not rule.allows(info.context, source):
            from kit.fields import Forbidden

            raise Forbidden()
        return getattr(source, name)

    return resolve


def _to_one_resolver(rel: RelSpec) -> Any:
    name, local = rel.name, rel.local_attr

    def resolve(source: Any, info: Any) -> Any:
        d = source.__dict__
        value = d.get(name, _MISSING)
        if value is not _MISSING:
            return value
        key = d.get(PK) if local == "id" else d.get(local)
        if key is None:
            return None
        return info.context.loaders.by_key(rel.target, rel.remote_attr, info).load(key)

    return resolve


def _to_many_resolver(rel: RelSpec) -> Any:
    local = rel.local_attr

    def resolve(source: Any, info: Any, **_: Any) -> Any:
        d = source.__dict__
        prefetched = d.get(CONNECTIONS)
        if prefetched is not None:
            page = prefetched.get(info.path.key)
            if page is not None:
                return page
        key = d[PK] if local == "id" else d.get(local)
        return info.context.loaders.many(rel, info).load(key)

    return resolve


def _mark_leaf(gfield: Any, attr: str) -> None:
    """Let the executor read and serialise this field directly (kit/executor.py)."""
    field_type = get_nullable_type(gfield.type)
    if is_leaf_type(field_type):
        setattr(gfield, FAST_LEAF, (attr, field_type.coerce_output_value))


def _install_entity(spec: EntitySpec, gtype: GraphQLObjectType) -> None:
    spec.fields = {}
    for fname, gfield in gtype.fields.items():
        sfield = gfield.extensions.get(DEFINITION)
        py_name = sfield.python_name if sfield is not None else fname
        if py_name == "id":
            spec.fields[fname] = ("id", "id")
            gfield.resolve = _global_id_resolver(spec.name)
            setattr(gfield, FAST_LEAF, (PK, _global_id_of(spec.name)))
        elif py_name in spec.relations:
            rel = spec.relations[py_name]
            spec.fields[fname] = ("rel", py_name)
            gfield.resolve = _to_one_resolver(rel) if rel.kind == "one" else _to_many_resolver(rel)
            if rel.kind == "many":
                setattr(gfield, FAST_PAGE, True)
                setattr(gfield, RENDER, ("page",))
            else:
                setattr(gfield, RENDER, ("one", py_name))
        elif py_name in spec.columns:
            spec.fields[fname] = ("col", py_name)
            rule = FIELD_RULES.get(f"{spec.name}.{fname}")
            if rule is None:
                gfield.resolve = _attr_resolver(py_name)
                _mark_leaf(gfield, py_name)
            else:
                gfield.resolve = _guarded_resolver(py_name, rule)
                field_type = get_nullable_type(gfield.type)
                setattr(gfield, FAST_GUARD, (py_name, field_type.coerce_output_value, rule))
        else:  # a computed field keeps its own resolver and gets every column to work from
            spec.fields[fname] = ("computed", py_name)


def install(schema: Any) -> None:
    from kit.planner import ConnectionObj

    RENDERABLE[ConnectionObj] = None
    for name, gtype in schema._schema.type_map.items():
        if not isinstance(gtype, GraphQLObjectType) or name.startswith("__"):
            continue
        spec = get_spec(name)
        if spec is not None and spec.gql_cls is not None:
            _install_entity(spec, gtype)
            RENDERABLE[spec.gql_cls] = name
            _ENTITY_TYPES.add(name)
        elif name.endswith(("Connection", "Edge")) or name == "PageInfo":
            for fname, gfield in gtype.fields.items():
                sfield = gfield.extensions.get(DEFINITION)
                attr = sfield.python_name if sfield is not None else fname
                gfield.resolve = _attr_resolver(attr)
                _mark_leaf(gfield, attr)
                if attr in ("edges", "nodes"):
                    setattr(gfield, RENDER, ("list", attr))
                elif attr in ("page_info", "node"):
                    setattr(gfield, RENDER, ("object", attr))
