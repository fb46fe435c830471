"""Generic writes through the ORM: tenant stamping and guard, savepoints, error mapping.

Every mutation runs inside a savepoint of the request's transaction: an expected failure
(`UserErrors`, a violated constraint) rolls back exactly what that mutation did and comes
back as payload errors; the request commits at the end.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Numeric, String, event, inspect, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from kit import clock
from kit.registry import EntitySpec, camel
from kit.errors import ErrorCode, UserError, UserErrors, user_error

if TYPE_CHECKING:
    from kit.context import RequestContext


def _constraint_columns(spec: EntitySpec, name: str | None) -> list[str]:
    if not name:
        return []
    for constraint in spec.table.constraints:
        if constraint.name == name:
            return [c.key for c in constraint.columns]
    return []


def integrity_to_user_error(spec: EntitySpec, exc: IntegrityError) -> UserErrors:
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    constraint = getattr(orig, "constraint_name", None)
    columns = [c for c in _constraint_columns(spec, constraint) if c not in ("school_id", "hostel_id")]
    attr_names = {col.name: attr for attr, col in spec.columns.items()}
    fields = [camel(attr_names.get(c, c)) for c in columns]
    field = fields[-1:] if fields else []
    if sqlstate == "23505":
        what = " and ".join(fields) or "these values"
        return user_error(ErrorCode.CONFLICT, f"Another {spec.name} already has this {what}.", *field)
    if sqlstate == "23P01":  # exclusion constraint: an overlapping range
        return user_error(ErrorCode.CONFLICT, f"This overlaps another {spec.name} ({constraint}).", *field)
    if sqlstate == "23503":
        return user_error(ErrorCode.NOT_FOUND, f"A referenced record does not exist ({constraint}).", *field)
    if sqlstate == "23514":
        return user_error(ErrorCode.INVALID, f"A value breaks the rule {constraint}.", *field)
    if sqlstate == "23502":
        return user_error(ErrorCode.INVALID, "A required value is missing.", *field)
    return user_error(ErrorCode.INVALID, "The change was refused by a database rule.")


_DATA_ERRORS = {
    "22001": "is longer than the field holds.",
    "22003": "is too large for the field.",
    "22008": "is out of range.",
    "22021": "contains a character text cannot hold (NUL).",
    "22P05": "contains a character text cannot hold (NUL).",
}


def data_error_to_user_error(session: Any, exc: DBAPIError) -> UserErrors | None:
    """INVALID for a value PostgreSQL refused that no check saw (raw SQL of a service)."""
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate not in _DATA_ERRORS:
        return None
    return user_error(ErrorCode.INVALID, f"A value {_DATA_ERRORS[sqlstate]}")


def stored_value_problem(column: Any, value: Any) -> str | None:
    """What the column cannot hold of `value` (NUL in text, text over VARCHAR(n), a decimal
    with more integer digits than NUMERIC(p, s) allows), as the end of a sentence."""
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL byte (\\u0000), which text cannot hold."
        length = getattr(column.type, "length", None)
        if isinstance(column.type, String) and length and len(value) > length:
            return f"is at most {length} characters (got {len(value)})."
    elif isinstance(value, Decimal) and isinstance(column.type, Numeric) and column.type.precision:
        whole = column.type.precision - (column.type.scale or 0)
        if value.is_finite() and abs(value) >= Decimal(10) ** whole:
            return f"is too large: at most {whole} digits before the decimal point."
    return None


@event.listens_for(Session, "before_flush")
def _refuse_unstorable_values(session: Session, flush_context: object, instances: object) -> None:
    """Every ORM write of a request, whatever built the value (a workflow service, a derived
    row): a value its column cannot hold is INVALID naming the field, before PostgreSQL
    refuses it with an error that names nothing."""
    if "user_id" not in session.info:  # CLI, migrations, demo data: not a request
        return
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        changed = state.dict.keys() if obj in session.new else state.committed_state.keys()
        for attr in state.mapper.column_attrs:
            if attr.key in changed and attr.key in state.dict:
                problem = stored_value_problem(attr.columns[0], state.dict[attr.key])
                if problem:
                    raise user_error(ErrorCode.INVALID, f"{camel(attr.key)} {problem}", camel(attr.key))


@asynccontextmanager
async def mutation_scope(ctx: Any, spec: EntitySpec | None = None) -> AsyncIterator[Any]:
    """The request's ORM session inside a savepoint; constraint violations become UserErrors."""
    session = await ctx.db.session()
    session.info["user_id"] = ctx.user_id
    savepoint = await session.begin_nested()
    try:
        yield session
        await session.flush()
    except IntegrityError as exc:
        await savepoint.rollback()
        if spec is None:
            raise
        raise integrity_to_user_error(spec, exc) from None
    except DBAPIError as exc:
        # A value the column cannot hold that the input cleaning (kit/inputs.py) did not
        # see, e.g. text a service built: INVALID, the savepoint undone, never an internal error.
        refused = data_error_to_user_error(session, exc)
        await savepoint.rollback()
        if refused is None:
            raise
        raise refused from None
    except BaseException:
        await savepoint.rollback()
        raise
    else:
        await savepoint.commit()
    finally:
        ctx.loaders.clear()


async def log_activity(session: Any, ctx: Any, action: str, entity_type: str | None, entity_id: int | None) -> None:
    """Every mutation leaves one audit entry (append-only): seed 001's ActivityLog in a school,
    seed 000's AuditLog in a hostel (also when a visitor acts in one: the session's scope)."""
    scope = session.info.get("tenant_scope") or (ctx.school_id, ctx.hostel_id)
    school_id, hostel_id = scope
    if school_id is not None:
        from models import ActivityLog  # type: ignore[attr-defined]  # models exports every class at run time

        session.add(
            ActivityLog(
                school_id=school_id,
                user_id=ctx.user_id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                ip_address=ctx.client_ip,
                timestamp=now_utc(),
            )
        )
    elif hostel_id is not None:
        from models import AuditLog  # type: ignore[attr-defined]  # models exports every class at run time

        session.add(
            AuditLog(
                hostel_id=hostel_id,
                user_id=ctx.user_id,
                action=action,
                entity_type=entity_type,
                entity_id=entity_id,
                ip_address=ctx.client_ip,
                occurred_at=now_utc(),
                request_id=getattr(ctx, "request_id", None),
            )
        )
    else:
        return
    await session.flush()


def require_school(ctx: RequestContext) -> int:
    """The active school of a school-family write, or a clear INVALID error."""
    if ctx.school_id is None:
        raise user_error(ErrorCode.INVALID, "Choose a school first (X-Tenant-Id with the School's ID).")
    return ctx.school_id


def require_session(ctx: RequestContext) -> int:
    """The resolved academic session (X-Session-Id, else the school's current one)."""
    if ctx.session_id is None:
        raise user_error(ErrorCode.INVALID, "No academic session is selected: the school has no current session.")
    return ctx.session_id


def tenant_value(ctx: RequestContext, spec: EntitySpec) -> int | None:
    if spec.tenant_key == "school_id":
        return ctx.school_id
    if spec.tenant_key == "hostel_id":
        return ctx.hostel_id
    return None


async def get_for_update(ctx: Any, session: Any, spec: EntitySpec, pk: int, row_filter: Any = None) -> Any:
    """The row, locked, if it exists in the caller's tenant and passes the type's write
    filter (a school admin's own school, ...); otherwise NOT_FOUND, the same either way."""
    from kit.planner import Binder

    model = spec.model
    stmt = select(model).where(model.id == pk).with_for_update()
    tenant = tenant_value(ctx, spec)
    if spec.tenant_key:
        stmt = stmt.where(getattr(model, spec.tenant_key) == (tenant if tenant is not None else -1))
    if row_filter is not None:
        condition = row_filter(ctx, spec.table, Binder(embed=True))
        if isinstance(condition, tuple):
            condition = condition[1]
        if condition is not None:
            stmt = stmt.where(condition)
    obj = (await session.execute(stmt)).scalar_one_or_none()
    if obj is None:
        raise user_error(ErrorCode.NOT_FOUND, f"No {spec.name} with this ID.", "id")
    return obj


Validator = Callable[[Any, Any, Any], Awaitable[None]]
# after(ctx, session, obj, verb): runs once the write is flushed (obj.id known), inside the same
# savepoint, for "create", "update", "activate" or "deactivate": derived rows and counters kept
# in step, checks that need the written row; raising UserErrors undoes the whole mutation.
After = Callable[[Any, Any, Any, str], Awaitable[None]]


async def create_row(
    ctx: Any,
    spec: EntitySpec,
    values: dict[str, Any],
    validate: Validator | None = None,
    action: str | None = None,
    after: After | None = None,
) -> int:
    async with mutation_scope(ctx, spec) as session:
        obj = spec.model(**values)
        if spec.tenant_key:
            tenant = tenant_value(ctx, spec)
            if tenant is None:
                raise user_error(ErrorCode.INVALID, f"Choose a tenant first: {spec.name} rows belong to one.")
            setattr(obj, spec.tenant_key, tenant)  # stamped from the context, never from input
        if validate is not None:
            await validate(ctx, session, obj)
        session.add(obj)
        await session.flush()
        await log_activity(session, ctx, action or f"{spec.name}.create", spec.name, obj.id)
        if after is not None:
            await after(ctx, session, obj, "create")
        row_id: int = obj.id
        return row_id


async def update_row(
    ctx: Any,
    spec: EntitySpec,
    pk: int,
    values: dict[str, Any],
    validate: Validator | None = None,
    row_filter: Any = None,
    action: str | None = None,
    after: After | None = None,
) -> int:
    async with mutation_scope(ctx, spec) as session:
        obj = await get_for_update(ctx, session, spec, pk, row_filter)
        await log_activity(session, ctx, action or f"{spec.name}.update", spec.name, pk)
        for attr, value in values.items():
            if value is None and not spec.columns[attr].nullable:
                raise user_error(ErrorCode.INVALID, f"{camel(attr)} cannot be empty.", camel(attr))
            setattr(obj, attr, value)
        if validate is not None:
            await validate(ctx, session, obj)
        if after is not None:
            await session.flush()
            await after(ctx, session, obj, "update")
        row_id: int = obj.id
        return row_id


async def set_active(
    ctx: Any,
    spec: EntitySpec,
    pk: int,
    active: bool | None,
    row_filter: Any = None,
    action: str | None = None,
    after: After | None = None,
) -> int:
    """Set the row's `active` flag; `None` flips it (the toggle mutations)."""
    async with mutation_scope(ctx, spec) as session:
        obj = await get_for_update(ctx, session, spec, pk, row_filter)
        obj.active = (not obj.active) if active is None else active
        await log_activity(
            session, ctx, action or f"{spec.name}.{'activate' if obj.active else 'deactivate'}", spec.name, pk
        )
        if after is not None:
            await session.flush()
            await after(ctx, session, obj, "activate" if obj.active else "deactivate")
        row_id: int = obj.id
        return row_id


@asynccontextmanager
async def acting_in_hostel(ctx: Any, hostel_id: int, field: str = "hostelId") -> AsyncIterator[Any]:
    """The block's writes land in `hostel_id`, a hostel the caller may book in although it is
    not their tenant (a visitor on the website, a resident of another hostel): it must be
    public, active and open, else NOT_FOUND (the same as a hostel that does not exist). The
    caller's own tenant needs no switch. The caller's roles are not widened (they hold none
    there), and the scope is restored when the block ends, so reads afterwards see what they
    saw before. Its date rules follow that hostel's time zone for the block (clock.in_zone)."""
    if ctx.hostel_id == hostel_id:
        yield
        return
    rows = await ctx.db.fetch(
        "SELECT id, time_zone FROM hostels WHERE id = $1 AND is_public AND active AND status = 'ACTIVE'", [hostel_id]
    )
    if not rows:
        raise user_error(ErrorCode.NOT_FOUND, "No bookable hostel with this ID.", field)
    async with ctx.db.hostel_scope(hostel_id):
        with clock.in_zone(rows[0][1]):
            yield


def clean_text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    """Free text as stored: trimmed, empty becomes None (refused when required), at most `limit` characters."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise user_error(ErrorCode.INVALID, f"{field} cannot be empty.", field)
        return None
    if len(cleaned) > limit:
        raise user_error(ErrorCode.INVALID, f"{field} is at most {limit} characters.", field)
    return cleaned


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


__all__ = [
    "UserError",
    "UserErrors",
    "acting_in_hostel",
    "clean_text",
    "create_row",
    "get_for_update",
    "mutation_scope",
    "set_active",
    "update_row",
]
