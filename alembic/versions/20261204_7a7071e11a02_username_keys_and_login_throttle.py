"""username keys and the login throttle

Two changes for issue 11:

* ``users.username_key``: the normalised username (NFKC, trimmed, case-folded; the same
  rule as ``app.domain.usernames.username_key``, copied here so this migration never
  changes), with a unique index. Sign-in looks accounts up by it, so "Bob", "bob" and
  "BOB" are one name and cannot be registered twice.

  Existing duplicates (possible before this revision: the old index was on the name as
  typed) are resolved, not refused: in each group of usernames with the same key, the
  oldest account (earliest ``created_at``, then lowest id) keeps its name; each later
  one, oldest first, is renamed to its own name plus ``-2``, ``-3``, ... (the first
  suffix whose key no account has). Nothing else about those accounts changes: their
  passwords, runs and badges stay. Each rename is written to the audit log
  (``account.renamed``, from and to), so an admin can tell the people concerned their
  new sign-in name. A downgrade drops the column and keeps the new names.

* ``login_throttle``: failed sign-ins per account and per client address, shared by
  every app process (``app.services.throttle``).

Revision ID: 7a7071e11a02
Revises: 69b5525798f5
Create Date: 2026-12-04 15:00:00

"""

import unicodedata
from datetime import UTC, datetime
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "7a7071e11a02"
down_revision: Union[str, Sequence[str], None] = "69b5525798f5"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("username_key", sa.String),
    sa.column("created_at", sa.DateTime),
)
_audit_log = sa.table(
    "audit_log",
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("at", sa.DateTime),
)


def _key(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).strip().casefold()
    return unicodedata.normalize("NFKC", folded)


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started", sa.DateTime(), nullable=False),
        sa.Column("locks", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_index(op.f("ix_login_throttle_last_at"), "login_throttle", ["last_at"], unique=False)
    op.add_column("users", sa.Column("username_key", sa.String(length=64), nullable=True))
    _fill_keys(op.get_bind())
    with op.batch_alter_table("users") as batch:
        batch.alter_column("username_key", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(batch.f("uq_users_username_key"), ["username_key"])


def _fill_keys(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.select(_users.c.id, _users.c.username).order_by(_users.c.created_at, _users.c.id)
    ).all()
    taken = {_key(name) for _, name in rows}
    kept: set[str] = set()
    now = datetime.now(UTC).replace(tzinfo=None)
    for user_id, name in rows:
        key = _key(name)
        if key in kept:  # a later account with an earlier one's name: rename it
            new_name, key = _free_name(name, taken)
            taken.add(key)
            connection.execute(
                _users.update().where(_users.c.id == user_id).values(username=new_name)
            )
            connection.execute(
                _audit_log.insert().values(
                    actor_id=None,
                    action="account.renamed",
                    target=new_name,
                    detail={"from": name, "to": new_name, "via": "upgrade", "revision": revision},
                    at=now,
                )
            )
        kept.add(key)
        connection.execute(_users.update().where(_users.c.id == user_id).values(username_key=key))


def _free_name(name: str, taken: set[str]) -> tuple[str, str]:
    suffix = 2
    while True:
        tail = f"-{suffix}"
        candidate = name.strip()[: 64 - len(tail)] + tail
        if _key(candidate) not in taken:
            return candidate, _key(candidate)
        suffix += 1


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(batch.f("uq_users_username_key"), type_="unique")
        batch.drop_column("username_key")
    op.drop_index(op.f("ix_login_throttle_last_at"), table_name="login_throttle")
    op.drop_table("login_throttle")
