"""Who reads which complaint rows: staff the hostel's, a resident those of their own complaints."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select

from models.base import Base
from models.hostel.access import is_staff, my_student_ids


def my_complaint_ids(ctx: Any, bind: Any) -> Any:
    c = Base.metadata.tables["complaints"]  # by name: models/complaint/complaint.py imports this module
    return select(c.c.id).where(c.c.student_id.in_(my_student_ids(ctx, bind)))


def own_complaint_rows(column: str = "complaint_id", hidden_flag: str | None = None) -> Any:
    """Row filter of a complaint's records: staff see all; anyone else the records of the
    complaints filed for them, without those `hidden_flag` marks (internal notes)."""

    def row_filter(ctx: Any, alias: Any, bind: Any) -> Any:
        if is_staff(ctx):
            return None
        mine = alias.c[column].in_(my_complaint_ids(ctx, bind))
        return "self", mine if hidden_flag is None else and_(mine, alias.c[hidden_flag].is_(False))

    return row_filter
