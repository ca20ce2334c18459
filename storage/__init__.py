"""Persistence: SQLModel tables, the engine and sessions, queries, Alembic migrations.

Nothing here knows about chat platforms.
"""
