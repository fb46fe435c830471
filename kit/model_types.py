"""Types generated from their models, for families of many small tables (seed 000 has
hundreds): `model_type(Model)` is `@entity_type(Model)` with the fields written out from the
mapping instead of by hand.

- every column becomes a field (camelCase), nullable as the column is, enums as GraphQL enums;
- a foreign key with a to-one relationship becomes that relation (the object, not the number);
- every to-many relationship becomes a connection (first/after/last/before, filter, orderBy);
- the tenant key and the audit author columns stay out (`createdAt`/`updatedAt` stay in);
- a field protected by a field rule (`auth.permissions.protect`, called before `model_type`)
  is nullable: a caller the rule refuses reads null (with a FORBIDDEN error) instead of
  losing the whole object to null propagation.

A relation annotation names its target type by the object when that type is already made
(Strawberry need not parse and evaluate a string: import time, bench/import_time.py), else as a
string, resolved in kit.entity's namespace, where every entity type registers itself (see
`register`), so types may refer to each other in any order and across domains.
"""

from __future__ import annotations

from typing import Any

import strawberry

from kit.registry import prose, spec_for_model
from kit.connection import Connection, graphql_enum, graphql_type_of
from kit.entity import _NAMESPACE, entity_type, register, relation  # noqa: F401 (register: re-exported)
from kit.node import Node

HIDDEN = frozenset({"id", "school_id", "hostel_id", "created_by", "updated_by"})


def model_type(model: type[Any], *, description: str | None = None, base: type | None = None) -> Any:
    """The Strawberry type of `model`, registered for node(id:), the read path and filters.
    `base` holds fields written by hand (computed fields, a column read differently); every
    other column and relation is generated. Descriptions come from the model's docstring and
    its columns' comments."""
    from auth.permissions import FIELD_RULES
    from kit.registry import camel

    spec = spec_for_model(model)
    own = dict(vars(base)) if base is not None else {}
    own_annotations = dict(own.pop("__annotations__", {}))
    written = set(own_annotations) | {k for k in own if not k.startswith("__")}
    doc = description or (base.__doc__ if base is not None and base.__doc__ else None) or model.__doc__
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": "kit.entity", "__doc__": prose(doc)}
    fk_attrs = {rel.local_attr: rel for rel in spec.relations.values() if rel.kind == "one"}
    for attr, column in spec.columns.items():
        if attr in HIDDEN or attr in fk_attrs or attr in spec.hidden or attr in written:
            continue
        if attr in spec.enum_attrs:
            kind: Any = graphql_enum(spec.enum_attrs[attr])
        else:
            kind = graphql_type_of(column)
        protected = f"{spec.name}.{camel(attr)}" in FIELD_RULES
        annotations[attr] = kind | None if column.nullable or protected else kind
        namespace[attr] = strawberry.field(description=spec.field_text(attr))
    relations: dict[str, tuple[Any, bool, bool]] = {}  # name -> (target model, to-many, nullable)
    for name, rel in spec.relations.items():
        if name in written:
            continue
        target = rel.target_model.__name__
        if rel.kind == "one":
            # a hidden target reads as null: public-catalogue and owner-read rows may be out of sight,
            # and so may a tenant root with public rows (a private hostel, to a visitor who booked there)
            target_model = rel.target_model
            nullable = (
                spec.columns[rel.local_attr].nullable
                or getattr(target_model, "__public_catalogue__", False)
                or hasattr(target_model, "__public_rows__")
                or spec_for_model(target_model).owner_key is not None
            )
            relations[name] = (target_model, False, nullable)
            namespace[name] = relation(
                spec.columns[rel.local_attr].comment or f"The {target} this {spec.name} refers to ({rel.local_attr})."
            )
        else:
            relations[name] = (rel.target_model, True, False)
            namespace[name] = relation(
                _relationship_doc(model, name) or f"{rel.target_model.__name__} rows of this {spec.name}."
            )
    for key, value in own.items():
        if not key.startswith("__"):
            namespace[key] = value
    namespace["__annotations__"] = annotations
    cls = type(spec.name, (Node,), namespace)
    for name, (target_model, many, nullable) in relations.items():
        made = cls if target_model is model else spec_for_model(target_model).gql_cls
        annotations[name] = _relation_annotation(made, target_model.__name__, many, nullable)
    annotations.update(own_annotations)
    return register(entity_type(model, description=namespace["__doc__"])(cls))


def _relation_annotation(made: Any, name: str, many: bool, nullable: bool) -> Any:
    """The annotation of a relation field. A type already made (or the class being made) is
    named by the object itself: a string is parsed and evaluated each time Strawberry resolves
    the field, most of a generated type's cost at import. A type not made yet is named by a
    string, resolved in kit.entity's namespace when the schema is built (types may refer to each
    other in any order)."""
    if made is None:
        return f"Connection[{name}]" if many else f"{name} | None" if nullable else name
    return Connection[made] if many else made | None if nullable else made


def _relationship_doc(model: type[Any], name: str) -> str | None:
    from sqlalchemy import inspect

    doc: str | None = inspect(model).relationships[name].doc
    return doc


def extend_type(model: type[Any]) -> Any:
    """`@extend_type(models.X) class X: ...`: the type of X generated from its model, with the
    fields written in the class added (or replacing generated ones of the same name)."""

    def wrap(cls: type) -> Any:
        return model_type(model, base=cls)

    return wrap


def readers_only(rule: Any) -> Any:
    """The row filter that makes a type's read rule hold wherever the type is reached: through
    relations of other types too, not only its root list and node(id:)."""
    from sqlalchemy import false

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        return None if rule.allows(ctx) else ("denied", false())

    return row_filter
