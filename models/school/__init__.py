"""School family root (seed 001 §1.1, school domain): School and AcademicSession."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import ActiveMixin, AuditMixin, Base, SchoolTenantMixin


class School(ActiveMixin, AuditMixin, Base):
    """The tenant root of the school family; not itself tenant-scoped (seed §3.1)."""

    __tablename__ = "schools"
    __filterable__ = ("name", "display_name", "board", "medium", "school_code", "city", "state", "active", "created_at")
    __sortable__ = ("name", "school_code", "city", "created_at")

    name: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    board: Mapped[str | None] = mapped_column(String(100))
    medium: Mapped[str | None] = mapped_column(String(100))
    school_code: Mapped[str] = mapped_column(String(50), unique=True)
    affiliation_code: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(500))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(100))
    pincode: Mapped[str | None] = mapped_column(String(20))
    contact_number: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    website: Mapped[str | None] = mapped_column(String(255))
    logo_url: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(String(2000))
    # The pointer names a session of this same school: the composite foreign key below
    # (id, current_session_id) -> academic_sessions (school_id, id) makes that a database rule.
    current_session_id: Mapped[int | None]

    __table_args__ = (
        ForeignKeyConstraint(
            ["id", "current_session_id"], ["academic_sessions.school_id", "academic_sessions.id"],
            name="fk_schools_current_session_same_school", use_alter=True,
        ),
    )

    current_session: Mapped[AcademicSession | None] = relationship(
        primaryjoin="School.current_session_id == AcademicSession.id",
        foreign_keys="School.current_session_id", lazy="raise", viewonly=True,
    )
    academic_sessions: Mapped[list[AcademicSession]] = relationship(
        back_populates="school", foreign_keys="AcademicSession.school_id", lazy="raise"
    )


class AcademicSession(ActiveMixin, SchoolTenantMixin, Base):
    __tablename__ = "academic_sessions"
    __table_args__ = (
        UniqueConstraint("name", "school_id"),
        SchoolTenantMixin.tenant_unique(),
    )
    __filterable__ = ("name", "start_date", "end_date", "active", "created_at")
    __sortable__ = ("name", "start_date", "end_date", "created_at")

    name: Mapped[str] = mapped_column(String(100))
    # Immutable after creation (seed §6.1): no update path changes them.
    start_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]

    school: Mapped[School] = relationship(back_populates="academic_sessions", foreign_keys="AcademicSession.school_id", lazy="raise")
