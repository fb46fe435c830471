"""A generated demo row for every tenant entity type the hand-written demo data leaves empty.

After the hand-written demo data, each tenant model in the API (declared `Entity(...)`, or
not yet declared; never `Internal(...)`) that has no row in a demo tenant gets one there,
built from the model (demo/values.py): NOT NULL columns without a default get a generated
value, references point at an existing row of the same tenant (or at one generated first,
when the reference is required), optional references at an existing row when there is one.
Each row is inserted in its own savepoint; rows that fail are reported together, each naming
the model and the constraint it broke (fix: demo/overrides.py). The isolation matrix
(tests/test_isolation.py) then finds rows of every type in every demo tenant.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, exists, insert, select
from sqlalchemy.exc import DBAPIError

from demo.values import column_value, override, reference_target
from demo.overrides import REQUIRED_REFERENCES
from kit.declared import declaration
from models.base import Base
from models.entity import Internal

# tenant key -> (tenant table, code column, codes of the demo tenants)
DEMO_TENANTS = {
    "school_id": ("schools", "school_code", ("DEMO-GWH", "DEMO-RVP")),
    "hostel_id": ("hostels", "slug", ("demo-sunrise", "demo-lotus")),
}
AUDIT = frozenset({"created_at", "updated_at", "created_by", "updated_by"})


class GenerationError(Exception):
    pass


def tenant_models() -> list[type]:
    """Tenant models in the API (not `Internal`), in name order."""
    found = [
        m.class_
        for m in Base.registry.mappers
        if getattr(m.class_, "__tenant_key__", None) in DEMO_TENANTS
        and m.local_table is m.persist_selectable
        and not isinstance(declaration(m.class_), Internal)
    ]
    return sorted(found, key=lambda model: model.__name__)


def _model_of(table: Any) -> type | None:
    return next((m.class_ for m in Base.registry.mappers if m.local_table is table), None)


def _attr(model: type, column: Any) -> str:
    """The model attribute mapped to `column` (overrides and inputs speak attributes)."""
    prop = model.__mapper__.get_property_by_column(column)
    return prop.key


def _constraint(exc: BaseException) -> tuple[str, str]:
    """(constraint name, message) of a database error."""
    cause: BaseException | None = exc
    while cause is not None:
        name = getattr(cause, "constraint_name", None)
        if name:
            return name, str(cause).splitlines()[0]
        cause = cause.__cause__ or getattr(cause, "orig", None)
    return "?", str(exc).splitlines()[0]


class Generator:
    """Builds and inserts rows of tenant models for one session (the owner's: no RLS)."""

    def __init__(self, session: Any, today: dt.date | None = None) -> None:
        self.session, self.today = session, today or dt.date.today()
        self.building: set[type] = set()

    async def _pick(self, table: Any, tenant_key: str, tenant_id: int, avoid: set[int]) -> int | None:
        query = select(table.c.id).order_by(table.c.id).limit(len(avoid) + 1)
        if tenant_key in table.c:
            query = query.where(table.c[tenant_key] == tenant_id)
        if "active" in table.c:
            # a deactivated row refuses new references ("This room is deactivated."): in a shared
            # test database another test may have deactivated the first row of the tenant
            query = query.where(table.c.active.is_(True))
        ids = [i for i in (await self.session.scalars(query)).all() if i not in avoid]
        return ids[0] if ids else None

    async def values(
        self,
        model: type,
        tenant_id: int,
        *,
        optional: bool = False,
        create_missing: bool = True,
        only: set[str] | None = None,
    ) -> dict[str, Any]:
        """Column name -> value of a new row of `model` in the tenant. `optional`: nullable and
        defaulted columns too; `only`: just these attributes (and what they need)."""
        table = model.__table__
        key = model.__tenant_key__
        row: dict[str, Any] = {key: tenant_id}
        used: dict[Any, set[int]] = {}
        for column in table.columns:
            if column.primary_key or column.name == key or column.name in AUDIT:
                continue
            attr = _attr(model, column)
            if only is not None and attr not in only:
                continue
            has, value = override(model, attr)
            if has:
                row[column.name] = value(row) if callable(value) else value
                continue
            target = reference_target(column)
            required = not column.nullable and column.default is None and column.server_default is None
            required = required or column.name in REQUIRED_REFERENCES.get(model.__name__, ())
            if target is not None:
                if not (required or optional or only is not None):
                    continue
                avoid = used.setdefault(target, set())
                picked = await self._pick(target, key, tenant_id, avoid)
                if picked is None and required and create_missing:
                    target_model = _model_of(target)
                    if (
                        target_model is None
                        or target_model in self.building
                        or not hasattr(target_model, "__tenant_key__")
                    ):
                        raise GenerationError(
                            f"{model.__name__}.{attr}: no {target.name} row to point at in tenant {tenant_id}"
                        )
                    picked = await self.insert(target_model, tenant_id)
                if picked is None and required:
                    raise GenerationError(
                        f"{model.__name__}.{attr}: no {target.name} row to point at in tenant {tenant_id}"
                    )
                if picked is not None:
                    avoid.add(picked)
                    row[column.name] = picked
                continue
            if required or ((optional or only is not None) and column.computed is None):
                row[column.name] = column_value(column, self.today)
        return row

    async def insert(self, model: type, tenant_id: int) -> int:
        """Insert one generated row of `model` in the tenant (its own savepoint); its id."""
        self.building.add(model)
        try:
            row = await self.values(model, tenant_id)
            try:
                async with self.session.begin_nested():
                    return await self.session.scalar(
                        insert(model.__table__).values(row).returning(model.__table__.c.id)
                    )
            except DBAPIError as exc:
                name, message = _constraint(exc)
                raise GenerationError(
                    f"generated demo row of {model.__name__} ({model.__tablename__}) breaks {name}: "
                    f"{message}; give it values in demo/overrides.py"
                ) from None
        finally:
            self.building.discard(model)


async def demo_tenants(session: Any) -> dict[str, list[int]]:
    """tenant key -> ids of the demo tenants."""
    out: dict[str, list[int]] = {}
    for key, (table_name, code, codes) in DEMO_TENANTS.items():
        table = Base.metadata.tables[table_name]
        out[key] = list(
            (await session.scalars(select(table.c.id).where(table.c[code].in_(codes)).order_by(table.c.id))).all()
        )
    return out


async def fill(session: Any, models: list[type] | None = None) -> list[str]:
    """Give every tenant model without a row in a demo tenant one generated row there; raise
    GenerationError listing every model whose row failed. Returns "Model@tenant" of each row made."""
    tenants = await demo_tenants(session)
    generator = Generator(session)
    made: list[str] = []
    failures: list[str] = []
    for model in models if models is not None else tenant_models():
        table, key = model.__table__, model.__tenant_key__
        for tenant_id in tenants.get(key, []):
            present = await session.scalar(select(exists().where(and_(table.c[key] == tenant_id))))
            if present:
                continue
            try:
                await generator.insert(model, tenant_id)
                made.append(f"{model.__name__}@{tenant_id}")
            except (GenerationError, TypeError) as exc:
                if str(exc) not in failures:
                    failures.append(str(exc))
    if failures:
        raise GenerationError("generated demo rows failed:\n  " + "\n  ".join(failures))
    return made


__all__ = ["DEMO_TENANTS", "GenerationError", "Generator", "demo_tenants", "fill", "tenant_models"]
