"""Session hooks every ORM write passes through (DESIGN.md, data rules and isolation layer 1):

- audit columns are filled from the request (session.info), never by callers;
- inside a request (session.info["tenant_scope"]), every ORM statement on a tenant model is
  filtered by the active tenant, new rows are stamped with it, and changing or deleting a
  row of another tenant is refused.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from models.base import AuditMixin, HostelTenantMixin, SchoolTenantMixin


class TenantViolation(Exception):
    """A write that would touch another tenant's rows: a bug, never a user error."""


@event.listens_for(Session, "before_flush")
def _stamp_audit_columns(session: Session, flush_context: object, instances: object) -> None:
    user_id = session.info.get("user_id")
    now = dt.datetime.now(dt.UTC)
    for obj in session.new:
        if isinstance(obj, AuditMixin):
            obj.created_by = user_id
            obj.created_at = now
    for obj in session.dirty:
        if isinstance(obj, AuditMixin) and session.is_modified(obj, include_collections=False):
            obj.updated_by = user_id
            obj.updated_at = now


def _tenant_of(obj: object, scope: tuple[int | None, int | None]) -> tuple[str, int | None] | None:
    if isinstance(obj, SchoolTenantMixin):
        return "school_id", scope[0]
    if isinstance(obj, HostelTenantMixin):
        return "hostel_id", scope[1]
    return None


@event.listens_for(Session, "before_flush")
def _guard_tenant_writes(session: Session, flush_context: object, instances: object) -> None:
    scope = session.info.get("tenant_scope")
    if scope is None:  # CLI, migrations, demo data: not a request
        return
    for obj in session.new:
        key = _tenant_of(obj, scope)
        if key is None:
            continue
        attr, tenant = key
        if tenant is None:
            raise TenantViolation(f"{type(obj).__name__} needs an active tenant")
        current = getattr(obj, attr)
        if current is None:
            setattr(obj, attr, tenant)
        elif current != tenant:
            raise TenantViolation(f"{type(obj).__name__} of tenant {current} written from tenant {tenant}")
    for obj in (*session.dirty, *session.deleted):
        key = _tenant_of(obj, scope)
        if key is None:
            continue
        attr, tenant = key
        if getattr(obj, attr) != tenant or session.is_modified(obj) and attr in _changed(obj):
            raise TenantViolation(f"{type(obj).__name__} {getattr(obj, 'id', '?')} is not of tenant {tenant}")


def _changed(obj: object) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {a.key for a in state.attrs if a.history.has_changes()}


@event.listens_for(Session, "do_orm_execute")
def _filter_by_tenant(state: ORMExecuteState) -> None:
    scope = state.session.info.get("tenant_scope")
    if scope is None or not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_select and state.session.info.get("platform_read") and scope == (None, None):
        return  # a platform role without a tenant reads across tenants (writes stay guarded)
    school = scope[0] if scope[0] is not None else -1  # no tenant: no rows
    hostel = scope[1] if scope[1] is not None else -1
    state.statement = state.statement.options(
        with_loader_criteria(SchoolTenantMixin, lambda cls: cls.school_id == school, include_aliases=True),
        with_loader_criteria(HostelTenantMixin, lambda cls: cls.hostel_id == hostel, include_aliases=True),
    )
