"""Problem content by revision, parsed once per process.

A revision's content never changes (its content hash names it), so the parsed
`Problem` is cached by that hash; the answer path then skips JSON decoding.
"""

from __future__ import annotations

from threading import Lock

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.domain.challenge import Problem
from app.persistence.codec import problem_from_json
from app.persistence.tables import ProblemRevisionRow

_MAX = 4096
_cache: dict[str, Problem] = {}
_lock = Lock()


def problem_of(session: Session | Connection, revision_id: int, content_hash: str) -> Problem:
    problem = _cache.get(content_hash)
    if problem is not None:
        return problem
    content = session.scalar(
        select(ProblemRevisionRow.content).where(ProblemRevisionRow.id == revision_id)
    )
    if content is None:
        raise LookupError(f"revision {revision_id} is missing")
    problem = problem_from_json(content)
    with _lock:
        if len(_cache) >= _MAX:
            _cache.clear()
        _cache[content_hash] = problem
    return problem
