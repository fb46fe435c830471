"""The entity registry: what the shared machinery knows of each model/GraphQL type pair.

Everything generic (look-ahead reads, loaders, filters, ordering, node(id:), mutations)
works from these specs, so a domain only declares its model and its Strawberry type.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Column, inspect
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapper, RelationshipDirection


def prose(doc: str | None) -> str | None:
    """A docstring as a GraphQL description: dedented, each paragraph on one line."""
    import inspect
    import re

    if not doc or not doc.strip():
        return None
    paragraphs = re.split(r"\n\s*\n", inspect.cleandoc(doc))
    return "\n\n".join(" ".join(line.strip() for line in p.splitlines()) for p in paragraphs)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@dataclass
class RelSpec:
    """A relation field. one: local_attr is our FK, remote_attr the target key (usually id).
    many: local_attr is our key (usually id), remote_attr the FK on the target table."""

    name: str
    kind: str  # "one" | "many"
    target_model: type[Any]
    local_attr: str
    remote_attr: str

    @property
    def target(self) -> EntitySpec:
        return spec_for_model(self.target_model)


@dataclass
class EntitySpec:
    name: str
    model: type[Any]  # a mapped class
    gql_cls: type[Any] | None = None
    tenant_key: str | None = None
    columns: dict[str, Column[Any]] = field(default_factory=dict)
    enum_attrs: dict[str, type[enum.Enum]] = field(default_factory=dict)
    relations: dict[str, RelSpec] = field(default_factory=dict)
    filter_fields: dict[str, str] = field(default_factory=dict)  # GraphQL name -> attr
    sort_fields: dict[str, str] = field(default_factory=dict)  # enum value -> attr
    # filled once the GraphQL schema exists: GraphQL field name -> ("id"|"col"|"rel"|"computed", attr)
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    public_fields: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()  # columns the declaration keeps out of the API
    owner_key: str | None = None  # column of the owning user (readable by them without a tenant)
    owner_via_key: str | None = None  # reference to an owner-read parent

    def id_target(self, attr: str) -> str | None:
        """The type whose global IDs a filter on `attr` takes: this type for `id`, the
        target of a to-one relation for its foreign key, None for a plain column."""
        if attr == "id":
            return self.name
        if attr in self.model.__dict__.get("__numeric_filters__", ()):
            return None
        for rel in self.relations.values():
            if rel.kind == "one" and rel.local_attr == attr:
                return rel.target_model.__name__
        return None

    @property
    def table(self) -> Any:
        return self.model.__table__

    def column_name(self, attr: str) -> str:
        return self.columns[attr].name

    def field_text(self, attr: str) -> str:
        """The description of a column's field: its comment, else what its name says."""
        comment = self.columns[attr].comment
        if comment:
            return comment
        words = attr.replace("_", " ")
        return {
            "active": f"False once the {self.name} is deactivated (kept for history, never deleted).",
            "created_at": "When it was recorded (UTC).",
            "updated_at": "When it last changed (UTC).",
        }.get(attr, f"{words[:1].upper()}{words[1:]}.")

    def public_tenants(self) -> Any:
        """SELECT of the tenants whose public catalogue anyone may read: the tenant root (the
        table the tenant key references) names its public rows in `__public_rows__`."""
        from sqlalchemy import select

        assert self.tenant_key is not None, f"{self.name} is not a tenant table"
        root_table = next(
            fk.column.table
            for fk in self.columns[self.tenant_key].foreign_keys
            if fk.constraint is not None and len(fk.constraint.columns) == 1
        )  # not the composite references that carry it
        root = next(m.class_ for m in self.model.registry.mappers if m.local_table is root_table)
        return select(root_table.c.id).where(*(root_table.c[c] for c in root.__public_rows__))

    def owned_via(self) -> EntitySpec:
        """The owner-read parent of a record readable with it (`Entity.owner_via` names the reference)."""
        attr = self.owner_via_key  # the reference (`booking`) or its column (`booking_id`)
        return next(
            rel.target for rel in self.relations.values() if rel.kind == "one" and attr in (rel.local_attr, rel.name)
        )

    def ids_owned_by(self, user: Any) -> Any:
        """SELECT of the ids of this type's rows owned by `user` (a bound user id): `Entity.owner`."""
        from sqlalchemy import select

        return select(self.table.c.id).where(self.table.c[self.owner_key] == user)


# Type name -> row filter applied to every read of the type, wherever it is reached (root
# list, node, join, batch, loader): (ctx, alias, bind) -> None | condition | (branch, condition).
VISIBILITY: dict[str, Any] = {}

SPECS: dict[str, EntitySpec] = {}
SPECS_BY_MODEL: dict[type[Any], EntitySpec] = {}


def spec_for_model(model: type[Any]) -> EntitySpec:
    """The spec of a model, created on first use (filter/order inputs need it early)."""
    spec = SPECS_BY_MODEL.get(model)
    if spec is not None:
        return spec
    mapper: Mapper[Any] = inspect(model)
    spec = EntitySpec(name=model.__name__, model=model, tenant_key=getattr(model, "__tenant_key__", None))
    for attr in mapper.column_attrs:
        col = cast(Column[Any], attr.columns[0])  # a declarative table's column
        spec.columns[attr.key] = col
        if isinstance(col.type, SAEnum) and col.type.enum_class is not None:
            spec.enum_attrs[attr.key] = col.type.enum_class
    for rel in mapper.relationships:
        assert rel.local_remote_pairs is not None  # set once the mappers are configured
        (local, remote), *_ = rel.local_remote_pairs
        local_attr = mapper.get_property_by_column(local).key
        remote_attr = inspect(rel.mapper.class_).get_property_by_column(remote).key
        kind = "one" if rel.direction is RelationshipDirection.MANYTOONE else "many"
        spec.relations[rel.key] = RelSpec(rel.key, kind, rel.mapper.class_, local_attr, remote_attr)
    catalogue = ("hostel_id",) if getattr(model, "__public_catalogue__", False) else ()  # visitors pick a hostel
    decl: Any = model.__dict__.get("__entity__")
    declared = decl is not None and hasattr(decl, "read")  # an Entity (models/entity.py), not Internal
    filterable = decl.filter if declared else ()
    sortable = decl.order if declared else ()
    spec.filter_fields = {camel(a): a for a in dict.fromkeys(("id", *catalogue, *filterable))}
    spec.sort_fields = {a.upper(): a for a in sortable}
    if declared:
        for attr in (*filterable, *sortable, *decl.protect, *decl.hide):
            if attr not in spec.columns:
                raise TypeError(f"{model.__name__}.__entity__ names {attr!r}, which is not a column of the model")
        from auth.permissions import protect

        for attr, rule in decl.protect.items():
            protect(spec.name, camel(attr), rule=rule)
        spec.hidden = frozenset(decl.hide)
    spec.owner_key = decl.owner if declared else None
    via = decl.owner_via if declared else None
    if via in spec.relations:  # the reference's name: its column
        via = spec.relations[via].local_attr
    spec.owner_via_key = via
    SPECS_BY_MODEL[model] = spec
    SPECS[spec.name] = spec
    return spec


def get_spec(type_name: str) -> EntitySpec | None:
    return SPECS.get(type_name)
