"""Problem content by revision, parsed once per process.

A revision's content never changes (its content hash names it), so the parsed
`Problem` is cached by that hash; the answer path then skips JSON decoding. A run's
variant of it (params values filled in) is cached beside it, by hash and values.
Services ask a unit of work's `uow.revisions`; other repositories call `problem_of`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from threading import Lock
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from app.domain.challenge import Problem
from app.domain.variants import find_variant, render
from app.persistence.codec import problem_from_json
from app.persistence.tables import ProblemRevisionRow

_MAX = 4096
_cache: dict[str, Problem] = {}
_lock = Lock()


def problem_of(
    session: Session | Connection,
    revision_id: int,
    content_hash: str,
    variant: Mapping[str, object] | None = None,
) -> Problem:
    """The revision's problem; with `variant` (a run's param values), that variant of it."""
    if variant is None:
        return _parsed(session, revision_id, content_hash)
    key = content_hash + json.dumps(variant, sort_keys=True)
    problem = _cache.get(key)
    if problem is None:
        parsed = _parsed(session, revision_id, content_hash)
        problem = render(parsed, find_variant(parsed.params, variant))
        _keep(key, problem)
    return problem


def _parsed(session: Session | Connection, revision_id: int, content_hash: str) -> Problem:
    problem = _cache.get(content_hash)
    if problem is not None:
        return problem
    content = session.scalar(
        select(ProblemRevisionRow.content).where(ProblemRevisionRow.id == revision_id)
    )
    if content is None:
        raise LookupError(f"revision {revision_id} is missing")
    return parsed_problem(content_hash, content)


def parsed_problem(content_hash: str, content: dict[str, Any]) -> Problem:
    """The problem of a revision's content read already, parsed once per process."""
    problem = _cache.get(content_hash)
    if problem is None:
        problem = problem_from_json(content)
        _keep(content_hash, problem)
    return problem


def _keep(key: str, problem: Problem) -> None:
    with _lock:
        if len(_cache) >= _MAX:
            _cache.clear()
        _cache[key] = problem


class Revisions:
    """Problem content by revision, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def problem(
        self, revision_id: int, content_hash: str, variant: Mapping[str, object] | None = None
    ) -> Problem:
        """The revision's problem; with `variant` (a run's param values), that variant of it."""
        return problem_of(self._conn, revision_id, content_hash, variant)
