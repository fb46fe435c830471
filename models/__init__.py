"""All models, imported so that `Base.metadata` knows every table (Alembic, tests)."""

from models.base import Base
from models.hostel import Hostel
from models.school import AcademicSession, School
from models.user import User, UserRole

__all__ = ["AcademicSession", "Base", "Hostel", "School", "User", "UserRole"]
from models import audit_hooks  # noqa: E402,F401  (registers the audit column hook)
