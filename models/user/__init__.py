"""The one platform identity (seed 001 `User`; seed 000 `user/` adds to it later)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import ActiveMixin, AuditMixin, Base
from models.school import School


class UserRole(enum.Enum):
    # seed 001 §9
    SUPER_ADMIN = "SUPER_ADMIN"
    PLATFORM_ADMIN = "PLATFORM_ADMIN"
    SCHOOL_ADMIN = "SCHOOL_ADMIN"
    ACCOUNTANT = "ACCOUNTANT"
    TEACHER = "TEACHER"
    STUDENT = "STUDENT"
    GUARDIAN = "GUARDIAN"
    # seed 000 (hostel family)
    HOSTEL_ADMIN = "HOSTEL_ADMIN"
    SUPERVISOR = "SUPERVISOR"
    HOSTEL_STUDENT = "HOSTEL_STUDENT"
    VISITOR = "VISITOR"


class User(ActiveMixin, AuditMixin, Base):
    __tablename__ = "users"
    __filterable__ = ("email", "full_name", "role", "active", "created_at")
    __sortable__ = ("email", "full_name", "created_at")

    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(Enum(UserRole, native_enum=False, length=50, validate_strings=True))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)

    school: Mapped[School | None] = relationship(lazy="raise")
