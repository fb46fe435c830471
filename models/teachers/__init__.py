"""Teachers (seed 001): a teacher is a user working in a school."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Index, text
from sqlalchemy.orm import Mapped

from models.base import Base, SchoolTenantMixin, reference
from models.entity import Entity, Writes
from models.school.access import ADMINS, READERS_AND_FAMILIES, family_teachers

if TYPE_CHECKING:  # names of string annotations (SQLAlchemy resolves them through its registry)
    from models.user import User


class Teacher(SchoolTenantMixin, Base):
    """A teacher of the school (a user working there); class teachers and subject teachers are
    teachers, and their assignments decide which classes they mark and read."""

    __tablename__ = "teachers"
    __table_args__ = (
        SchoolTenantMixin.tenant_unique(),
        # seed: OneToOne User; a user is one teacher per school
        Index(
            "uq_teachers_school_user", "school_id", "user_id", unique=True, postgresql_where=text("user_id IS NOT NULL")
        ),
    )
    __entity__ = Entity(
        read=READERS_AND_FAMILIES,
        rows=family_teachers,
        list="teachers",
        filter=("created_at",),
        order=("created_at",),
        write=Writes(ADMINS, fields=("user_id",)),
    )

    user: Mapped[User | None] = reference(tenant=False, comment="The teacher's login.")
