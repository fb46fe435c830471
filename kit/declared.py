"""The declaration reader: what the kit generates from each model's `__entity__`.

For every mapped model declaring `Entity(...)` (models/entity.py):
- its GraphQL type (`type_of`), unless the declaration says why it is hand-written;
- its field rules (`protect`), filter and order inputs (through its spec, kit/registry.py);
- who reads it through `node(id:)` and its root list, and which rows anyone sees wherever the
  type is reached (`read_policy`);
- its root connection (`Entity.list`) and its create/update/deactivate mutations (`Writes`).

`surface()` is called once by the root schema, after the domain modules (and the types they
write by hand) are imported. Nothing here names a domain.
"""

from __future__ import annotations

import importlib
from typing import Any

import strawberry

from auth.permissions import Rule
from kit.registry import spec_for_model
from models.base import Base
from models.entity import VERBS, Entity, Internal


def declaration(model: type[Any]) -> Entity | Internal | None:
    """The model's own declaration (not inherited from a mixin or parent)."""
    return model.__dict__.get("__entity__")


def declared_models() -> list[type]:
    """Every mapped model declaring an Entity, in a stable order (module, then class name)."""
    found = [mapper.class_ for mapper in Base.registry.mappers if isinstance(declaration(mapper.class_), Entity)]
    return sorted(found, key=lambda model: (model.__module__, model.__name__))


def undeclared_models() -> list[type]:
    return sorted(
        (mapper.class_ for mapper in Base.registry.mappers if declaration(mapper.class_) is None),
        key=lambda model: model.__name__,
    )


def type_of(model: type[Any]) -> Any:
    """The GraphQL type of a declared model: generated once from the model, or the hand-written
    type the declaration names a reason for (registered by `kit.entity.entity_type`)."""
    spec = spec_for_model(model)
    if spec.gql_cls is not None:
        return spec.gql_cls
    decl = declaration(model)
    if isinstance(decl, Entity) and decl.hand_written:
        raise TypeError(
            f"{model.__name__} is declared hand-written ({decl.hand_written}); import its schema module first"
        )
    from kit.model_types import model_type

    return model_type(model)


def service(path: str | None) -> Any:
    """A hook named by its dotted path ("resolvers.room.service.check_room")."""
    if path is None:
        return None
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise TypeError(f"declared hook {path!r} does not exist: {exc}") from None


def _row_filter(decl: Entity) -> Any:
    if decl.rows is not None or decl.read.public or decl.read.any_authenticated:
        return decl.rows
    from kit.model_types import readers_only

    return readers_only(decl.read)


def surface() -> tuple[type | None, tuple[type, ...]]:
    """(the Query type of every declared root list, or None; the Mutation types of every declared write)."""
    from kit.fields import list_field, read_policy
    from kit.mutations import master_data_mutations

    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    mutations: list[type] = []
    for model in declared_models():
        decl: Entity = declaration(model)  # type: ignore[assignment]
        gql = type_of(model)
        rows = _row_filter(decl)
        if decl.list is not None:
            from kit.connection import Connection

            annotations[decl.list] = Connection[gql]  # type: ignore[valid-type]  # a type made at run time
            namespace[decl.list] = list_field(
                model, name=decl.list, permission=decl.read, row_filter=rows, description=decl.about
            )
        else:
            read_policy(model, decl.read, rows)
        if decl.write is not None:
            w = decl.write
            verbs = w.verbs or (VERBS if "active" in spec_for_model(model).columns else VERBS[:2])
            mutations.append(
                master_data_mutations(
                    model,
                    writable=w.fields,
                    required=w.required,
                    immutable=w.immutable,
                    verbs=verbs,
                    permissions={verb: w.rule(verb) for verb in verbs},
                    validate=service(w.validate),
                    after=service(w.after),
                    prepare=service(w.prepare),
                    write_filter=w.rows if w.rows is not None else "read",
                )
            )
    namespace["__annotations__"] = annotations
    query = strawberry.type(type("DeclaredQuery", (), namespace)) if annotations else None
    return query, tuple(mutations)


__all__ = ["Rule", "declaration", "declared_models", "service", "surface", "type_of", "undeclared_models"]
