"""Declarative base, naming convention and the shared mixins of every model.

- `AuditMixin`: seed 001 `BaseEntity` (createdAt/updatedAt/createdBy/updatedBy), filled from
  the request context by `models.audit_hooks`, never by callers.
- `ActiveMixin`: master data is deactivated, never deleted (DESIGN.md, data rules).
- `SchoolTenantMixin` / `HostelTenantMixin`: the tenant key of each family. The class
  attribute `__tenant_key__` is what the shared query builder and write guards read.

Every mapped model declares its API facts once, `__entity__ = Entity(...)` or `Internal("why")`
(models/entity.py); a model without one fails at import. `reference()` declares a foreign key
once (column, tenant-carrying key, relation, inverse).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    MetaData,
    Numeric,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(19, 2)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while the models and the schema are built: that work makes
    hundreds of thousands of objects that live as long as the process and hardly any garbage, yet
    the collector ran ~750 times over them (13% of `import gateway.app`, bench/import_time.py).
    At the end they are frozen (`gc.freeze()`, as gateway/app.py does at start-up): otherwise the
    first full collection after the pause scans them all at once (0.8 s). The little garbage
    made meanwhile stays (about 3 MB). The collector is then left on or off as the caller had it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        int: BigInteger,
        Decimal: Money,
        dt.datetime: DateTime(timezone=True),
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
    }

    __tenant_key__: ClassVar[str | None] = None

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, sort_order=-100)

    def __init_subclass__(cls, **kw: Any) -> None:
        _expand_references(cls)
        if "__tablename__" in cls.__dict__ and "__entity__" not in cls.__dict__:
            raise TypeError(
                f"{cls.__module__}.{cls.__name__} declares no __entity__: say who reads it with "
                f"Entity(read=...), or why it is never in the API with Internal('why') (models/entity.py)"
            )
        super().__init_subclass__(**kw)


class AuditMixin:
    created_at: Mapped[dt.datetime] = mapped_column(server_default=func.now(), nullable=False)
    updated_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    created_by: Mapped[int | None] = mapped_column(nullable=True)
    updated_by: Mapped[int | None] = mapped_column(nullable=True)


class ActiveMixin:
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True, server_default="true")


class SchoolTenantMixin(AuditMixin):
    """Seed 001 `TenantEntity`: every row belongs to one school."""

    __tenant_key__: ClassVar[str] = "school_id"

    @declared_attr
    def school_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("schools.id"), nullable=False, index=True)

    @classmethod
    def tenant_unique(cls) -> UniqueConstraint:
        """(school_id, id): target of composite foreign keys that carry the tenant key."""
        return UniqueConstraint("school_id", "id")


class HostelTenantMixin(AuditMixin):
    """Every row belongs to one hostel (the hostel family's tenant)."""

    __tenant_key__: ClassVar[str] = "hostel_id"

    @declared_attr
    def hostel_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("hostels.id"), nullable=False, index=True)

    @classmethod
    def tenant_unique(cls) -> UniqueConstraint:
        return UniqueConstraint("hostel_id", "id")


TENANT_KEYS = ("school_id", "hostel_id")


def school_ref(column: str, table: str) -> ForeignKeyConstraint:
    """A reference to another school-tenant table that carries the tenant key, so the
    database itself refuses a row pointing into another school."""
    return ForeignKeyConstraint(["school_id", column], [f"{table}.school_id", f"{table}.id"])


def hostel_ref(column: str, table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["hostel_id", column], [f"{table}.hostel_id", f"{table}.id"])


def ref(owner: str, column: str, target: str, **kw: Any) -> Any:
    """The to-one relationship over `column` (lazy="raise": loading goes through the read path)."""
    from sqlalchemy.orm import relationship

    return relationship(
        target,
        primaryjoin=f"{owner}.{column} == {target}.id",
        foreign_keys=f"[{owner}.{column}]",
        lazy="raise",
        viewonly=True,
        **kw,
    )


def many(owner: str, target: str, column: str, **kw: Any) -> Any:
    """The to-many relationship of `target` rows whose `column` points at `owner`."""
    from sqlalchemy.orm import relationship

    return relationship(
        target,
        primaryjoin=f"{owner}.id == {target}.{column}",
        foreign_keys=f"[{target}.{column}]",
        lazy="raise",
        viewonly=True,
        **kw,
    )


# ---- compact declarations for the hostel family's many small tables ------------------------


def enum_column(enum_cls: type, default: Any = None, **kw: Any) -> Any:
    """A VARCHAR enum column (values checked in Python and by GraphQL enums)."""
    from sqlalchemy import Enum

    if default is not None:
        kw.setdefault("default", default)
        kw.setdefault("server_default", default.value)
    return mapped_column(Enum(enum_cls, native_enum=False, length=30, validate_strings=True), **kw)


def hostel_table(*refs: tuple[str, str], extra: tuple[Any, ...] = ()) -> tuple[Any, ...]:
    """`__table_args__` of a hostel tenant table: (hostel_id, id) unique as the target of
    composite references, and each (column, table) reference carrying the tenant key, so the
    database refuses a row that points into another hostel."""
    return (*extra, HostelTenantMixin.tenant_unique(), *(hostel_ref(column, table) for column, table in refs))


def no_overlap(name: str, key: str, start: str, end: str, where: str) -> Any:
    """An exclusion constraint: rows matching `where` never share `key` over overlapping
    [start, end) date ranges (end NULL = open). int8range(key, key) states equality as a range
    so plain GiST serves it without the btree_gist extension."""
    from sqlalchemy import text
    from sqlalchemy.dialects.postgresql import ExcludeConstraint

    return ExcludeConstraint(
        (text(f"int8range({key}, {key}, '[]')"), "&&"),
        (text(f"daterange({start}, {end}, '[)')"), "&&"),
        where=text(where),
        using="gist",
        name=name,
    )


class ComputedMixin:
    """Rows derived from operational data by `campus compute-analytics` (and on demand), never
    typed in: they say when they were computed."""

    __computed__: ClassVar[bool] = True
    computed_at: Mapped[dt.datetime] = mapped_column(nullable=False)


class CatalogueMixin:
    """Public listing data of a hostel (room types, amenities, media, policies): readable by
    visitors without a tenant, for public and active hostels only (RLS policy `public_catalogue`)."""

    __public_catalogue__: ClassVar[bool] = True

    @declared_attr
    def hostel(cls) -> Mapped[Any]:  # noqa: N805 - visitors filter and show the catalogue by hostel
        return ref(cls.__name__, "hostel_id", "Hostel")


# ---- references: one declaration gives the column, the foreign key, the relation and its inverse ----


class Reference:
    """`room_type: Mapped[RoomTypeDefinition] = reference(back="features")` declares, once:

    - the column `room_type_id` (BIGINT, NOT NULL unless the annotation says `| None`);
    - the foreign key: between two tables of the same tenant family it carries the tenant key,
      `(hostel_id, room_type_id) -> room_type_definitions (hostel_id, id)`, so the database
      itself refuses a row that points into another tenant (`tenant=False`: a plain key);
    - the to-one relation `room_type` (lazy="raise": reads go through the kit's read path);
    - with `back=`, the inverse to-many relation on the target (`RoomTypeDefinition.features`).

    The target is the annotation's class (or `target="Name"`); it may be defined later, in any
    module: keys and inverses are attached once every model is imported (`finish_references`).
    `back_comment=` describes the inverse; `numeric_filter=True` keeps an existing column's
    filter on its number (an `IntFilter`, as clients already send it) instead of global IDs.
    """

    def __init__(self, **options: Any) -> None:
        self.target: str | None = options.get("target")
        self.column: str | None = options.get("column")
        self.back: str | None = options.get("back")
        self.tenant: bool = options.get("tenant", True)
        self.index: bool = options.get("index", False)
        self.ondelete: str | None = options.get("ondelete")
        self.comment: str | None = options.get("comment")
        self.unique: bool = options.get("unique", False)
        self.back_comment: str | None = options.get("back_comment")
        self.numeric_filter: bool = options.get("numeric_filter", False)

    def but(self, **changes: Any) -> Reference:
        return Reference(**{**vars(self), **changes})


def reference(
    target: str | None = None,
    *,
    column: str | None = None,
    back: str | None = None,
    tenant: bool = True,
    index: bool = False,
    ondelete: str | None = None,
    comment: str | None = None,
    unique: bool = False,
    back_comment: str | None = None,
    numeric_filter: bool = False,
) -> Any:
    return Reference(
        target=target,
        column=column,
        back=back,
        tenant=tenant,
        index=index,
        ondelete=ondelete,
        comment=comment,
        unique=unique,
        back_comment=back_comment,
        numeric_filter=numeric_filter,
    )


_PENDING: list[tuple[type, str, Reference]] = []


def _annotation_target(annotation: Any) -> tuple[str, bool]:
    """("RoomTypeDefinition", optional) of `Mapped[RoomTypeDefinition | None]`, written as a string."""
    import re

    text = annotation if isinstance(annotation, str) else repr(annotation)
    match = re.fullmatch(r"\s*Mapped\[\s*['\"]?(\w+)['\"]?\s*(\|\s*None\s*)?\]\s*", text)
    if match is None:
        raise TypeError(f"reference() needs an annotation like Mapped[Target] or Mapped[Target | None], not {text!r}")
    return match.group(1), match.group(2) is not None


def _expand_references(cls: type) -> None:
    from sqlalchemy.orm import relationship

    for name, value in list(vars(cls).items()):
        if not isinstance(value, Reference):
            continue
        target, optional = _annotation_target(cls.__dict__.get("__annotations__", {}).get(name, ""))
        target = value.target or target
        column = value.column or f"{name}_id"
        if column not in vars(cls):
            setattr(
                cls,
                column,
                mapped_column(
                    BigInteger, nullable=optional, index=value.index, unique=value.unique or None, comment=value.comment
                ),
            )
            cls.__annotations__[column] = "Mapped[int | None]" if optional else "Mapped[int]"
        # a reference to its own class (a comment's parent) is to-one only once `remote_side` says
        # which end is remote: without it SQLAlchemy reads the self-join as one-to-many
        own = {"remote_side": f"{target}.id"} if target == cls.__name__ else {}
        setattr(
            cls,
            name,
            relationship(
                target,
                primaryjoin=f"{cls.__name__}.{column} == {target}.id",
                foreign_keys=f"[{cls.__name__}.{column}]",
                lazy="raise",
                viewonly=True,
                **own,
            ),
        )
        if value.numeric_filter:
            cls.__numeric_filters__ = (*cls.__dict__.get("__numeric_filters__", ()), column)
        _PENDING.append((cls, column, value.but(target=target, column=column)))


def finish_references() -> None:
    """Attach the foreign keys and inverse relations of every `reference()` (called once all
    models are imported: a target may be defined after the model that points at it)."""
    from sqlalchemy.orm import relationship

    classes = {mapper.class_.__name__: mapper.class_ for mapper in Base.registry.mappers}
    while _PENDING:
        cls, column, ref = _PENDING.pop(0)
        target = classes.get(ref.target)
        if target is None:
            raise TypeError(f"{cls.__name__}.{column}: no model named {ref.target!r}")
        table, target_table = cls.__table__, target.__table__
        key = cls.__tenant_key__
        if ref.tenant and key is not None and key == target.__tenant_key__:
            fk = ForeignKeyConstraint(
                [key, column], [f"{target_table.name}.{key}", f"{target_table.name}.id"], ondelete=ref.ondelete
            )
        else:
            fk = ForeignKeyConstraint([column], [f"{target_table.name}.id"], ondelete=ref.ondelete)
        table.append_constraint(fk)
        if ref.back is not None:
            setattr(
                target,
                ref.back,
                relationship(
                    cls.__name__,
                    primaryjoin=f"{target.__name__}.id == {cls.__name__}.{column}",
                    foreign_keys=f"[{cls.__name__}.{column}]",
                    lazy="raise",
                    viewonly=True,
                    doc=ref.back_comment,
                ),
            )
