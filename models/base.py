"""Declarative base, naming convention and the shared mixins of every model.

- `AuditMixin`: seed 001 `BaseEntity` (createdAt/updatedAt/createdBy/updatedBy), filled from
  the request context by `models.audit_hooks`, never by callers.
- `ActiveMixin`: master data is deactivated, never deleted (DESIGN.md, data rules).
- `SchoolTenantMixin` / `HostelTenantMixin`: the tenant key of each family. The class
  attribute `__tenant_key__` is what the shared query builder and write guards read.

Models also declare `__filterable__` and `__sortable__` (attribute names): the GraphQL
`filter` and `orderBy` inputs are generated from them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (BigInteger, Boolean, DateTime, ForeignKey, ForeignKeyConstraint, Identity, MetaData, Numeric,
                        UniqueConstraint, func)
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
    __filterable__: ClassVar[tuple[str, ...]] = ()
    __sortable__: ClassVar[tuple[str, ...]] = ()

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, sort_order=-100)


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

    return relationship(target, primaryjoin=f"{owner}.{column} == {target}.id", foreign_keys=f"[{owner}.{column}]",
                        lazy="raise", viewonly=True, **kw)


def many(owner: str, target: str, column: str, **kw: Any) -> Any:
    """The to-many relationship of `target` rows whose `column` points at `owner`."""
    from sqlalchemy.orm import relationship

    return relationship(target, primaryjoin=f"{owner}.id == {target}.{column}", foreign_keys=f"[{target}.{column}]",
                        lazy="raise", viewonly=True, **kw)


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

    return ExcludeConstraint((text(f"int8range({key}, {key}, '[]')"), "&&"),
                             (text(f"daterange({start}, {end}, '[)')"), "&&"),
                             where=text(where), using="gist", name=name)


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
