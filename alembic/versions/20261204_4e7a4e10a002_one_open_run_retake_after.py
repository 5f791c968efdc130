"""one open run per learner and set; a set's retake_after

Revision ID: 4e7a4e10a002
Revises: 7a7071e11a02
Create Date: 2026-12-04 15:00:00

Before the unique index can hold, a learner with several unfinished runs of one set
(allowed until now) keeps the newest open; the older ones are closed as abandoned:
their pending problems end timed out, at their deadline (or the run's start when never
viewed), and the run ends when its last problem did. Nothing answered is changed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4e7a4e10a002"
down_revision: str | Sequence[str] | None = "7a7071e11a02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

runs = sa.table(
    "runs",
    sa.column("id", sa.String),
    sa.column("user_id", sa.Integer),
    sa.column("set_id", sa.Integer),
    sa.column("started_at", sa.DateTime),
    sa.column("finished_at", sa.DateTime),
)
run_problems = sa.table(
    "run_problems",
    sa.column("run_id", sa.String),
    sa.column("deadline", sa.DateTime),
    sa.column("outcome", sa.String),
    sa.column("finished_at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("challenge_sets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retake_after_seconds", sa.Integer(), server_default="600", nullable=False)
        )
    _close_older_open_runs(op.get_bind())
    op.create_index(
        "uq_runs_open_user_id_set_id",
        "runs",
        ["user_id", "set_id"],
        unique=True,
        sqlite_where=sa.text("finished_at IS NULL"),
        postgresql_where=sa.text("finished_at IS NULL"),
    )


def _close_older_open_runs(bind: sa.engine.Connection) -> None:
    open_runs = bind.execute(
        sa.select(runs.c.id, runs.c.user_id, runs.c.set_id, runs.c.started_at)
        .where(runs.c.finished_at.is_(None))
        .order_by(runs.c.user_id, runs.c.set_id, runs.c.started_at.desc(), runs.c.id)
    ).all()
    seen: set[tuple[int, int]] = set()
    for run_id, user_id, set_id, started_at in open_runs:
        if (user_id, set_id) not in seen:
            seen.add((user_id, set_id))  # the newest stays open
            continue
        pending = (run_problems.c.run_id == run_id, run_problems.c.outcome == "pending")
        bind.execute(
            sa.update(run_problems)
            .where(*pending)
            .values(
                outcome="timed_out",
                finished_at=sa.func.coalesce(run_problems.c.deadline, started_at),
            )
        )
        last = bind.scalar(
            sa.select(sa.func.max(run_problems.c.finished_at)).where(
                run_problems.c.run_id == run_id
            )
        )
        bind.execute(
            sa.update(runs).where(runs.c.id == run_id).values(finished_at=last or started_at)
        )


def downgrade() -> None:
    op.drop_index("uq_runs_open_user_id_set_id", table_name="runs")
    with op.batch_alter_table("challenge_sets", schema=None) as batch_op:
        batch_op.drop_column("retake_after_seconds")
