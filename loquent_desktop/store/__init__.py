"""Local persistence: SQLAlchemy models, Alembic migrations and repositories.

Everything outside this package sees plain frozen records (they cross threads), never ORM
objects or sessions.
"""

from .database import Database, open_database
from .errors import RecordNotFound

__all__ = ["Database", "RecordNotFound", "open_database"]
