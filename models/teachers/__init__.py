"""Teachers (seed 001): a teacher is a user working in a school."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SchoolTenantMixin, ref


class Teacher(SchoolTenantMixin, Base):
    __tablename__ = "teachers"
    __table_args__ = (
        SchoolTenantMixin.tenant_unique(),
        # seed: OneToOne User; a user is one teacher per school
        Index("uq_teachers_school_user", "school_id", "user_id", unique=True, postgresql_where=text("user_id IS NOT NULL")),
    )
    __filterable__ = ("created_at",)
    __sortable__ = ("created_at",)

    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped["User | None"] = ref("Teacher", "user_id", "User")
