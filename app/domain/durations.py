"""How long a run took: the one definition every page, export and credential uses.

From the run's start to its end; None while it is open. SQL sorts by the same span
through app.persistence.durations.seconds_between.
"""

from __future__ import annotations

from datetime import datetime


def run_seconds(started_at: datetime, finished_at: datetime | None) -> float | None:
    """Seconds from a run's start to its end; None while it is open."""
    if finished_at is None:
        return None
    return (finished_at - started_at).total_seconds()
