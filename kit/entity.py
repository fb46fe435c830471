"""`@entity_type(Model)`: a Strawberry type backed by a model, read by the shared machinery.

Scalar fields are the camelCase of the model's attributes; `relation()` declares a field
for one of the model's ORM relationships: to-one gives the object, to-many a connection
with first/after/last/before, filter and orderBy. Their resolvers are installed by
kit/fast_resolvers.py (look-ahead joins and batches, dataloaders where it cannot see).
"""

from __future__ import annotations

import sys
from typing import Any

import strawberry
from strawberry.types.base import get_object_definition

from kit.registry import prose, spec_for_model
from kit.connection import Connection, connection_args_resolver


# Entity types by name: generated annotations name a target not made yet as a string ("Room | None"),
# resolved in this module's namespace when Strawberry builds the schema, so types may refer to
# each other in any order and across domains (a target already made is named by the object).
_NAMESPACE = sys.modules[__name__].__dict__
_NAMESPACE["Connection"] = Connection


def register(gql_cls: Any) -> Any:
    """Make an entity type resolvable by name in generated annotations."""
    _NAMESPACE[gql_cls.__name__] = gql_cls
    return gql_cls


class _Relation:
    def __init__(self, description: str | None) -> None:
        self.description = description


def relation(description: str | None = None) -> Any:
    return _Relation(description)


def entity_type(model: type[Any], *, description: str | None = None) -> Any:
    spec = spec_for_model(model)

    def wrap(cls: type) -> type:
        for attr, value in list(vars(cls).items()):
            if not isinstance(value, _Relation):
                continue
            rel = spec.relations.get(attr)
            if rel is None:
                raise TypeError(f"{cls.__name__}.{attr}: {model.__name__} has no relationship '{attr}'")
            if rel.kind == "one":
                setattr(cls, attr, strawberry.field(default=None, description=value.description))
            else:
                setattr(
                    cls,
                    attr,
                    strawberry.field(
                        resolver=connection_args_resolver(rel.target_model), description=value.description
                    ),
                )
        # The GraphQL type name is the model's class name (DESIGN.md naming rules).
        gql = strawberry.type(cls, name=spec.name, description=description or prose(model.__doc__))
        for f in get_object_definition(gql, strict=True).fields:  # a field written without a description: its column's
            if f.description is None and f.python_name in spec.columns:
                f.description = spec.field_text(f.python_name)
            elif f.description is None and f.python_name in spec.relations:
                rel = spec.relations[f.python_name]
                f.description = (
                    f"The {rel.target_model.__name__} this {spec.name} refers to."
                    if rel.kind == "one"
                    else f"{rel.target_model.__name__} rows of this {spec.name}."
                )
        spec.gql_cls = gql
        register(gql)  # resolvable by name in generated types' annotations
        return gql

    return wrap
