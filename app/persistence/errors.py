"""Failures of the database itself, in terms services can catch without knowing SQLAlchemy."""

from __future__ import annotations


class NotStored(Exception):
    """The database refused to store something (a full disk, a lock held too long, a bug):
    never the user's input. The message names the database's own error."""
