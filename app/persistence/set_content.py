"""A set's content as new runs and its intro page read it: Core, cached per process.

What is derived from a set's content (the set as loaded, the revisions a new run takes)
changes only when loading changes the set, in any process; loading then gives the set
a new random `content_stamp` (app.persistence.sets). So it is cached here by slug and
stamp, and each unit of work checks its stamp with one single-row SELECT before using
it: a `quiz load` anywhere is noticed at the next request. Nothing about learners is
cached. A unit of work hands this out as `uow.set_content`, on its connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, Table, bindparam, select

from app.domain.challenge import SetKind
from app.persistence.prepared import Prepared
from app.persistence.revisions import parsed_problem
from app.persistence.sets import (
    SET_FIELDS,
    RevisionRef,
    SetHeading,
    SetRevisions,
    StoredSet,
    challenge_set_of,
)
from app.persistence.tables import ChallengeSetRow, ProblemRevisionRow, ProblemRow


@dataclass(frozen=True)
class _Entry:
    stamp: str
    stored: StoredSet
    revisions: SetRevisions


_SETS = cast(Table, ChallengeSetRow.__table__).c
_PROBLEMS = cast(Table, ProblemRow.__table__).c
_REVISION_TABLE = cast(Table, ProblemRevisionRow.__table__)
_REVISIONS = _REVISION_TABLE.c
_SLUG: BindParameter[str] = bindparam("slug")

_STAMP = Prepared(select(_SETS.content_stamp).where(_SETS.slug == _SLUG))
_ROW_COLUMNS = ("id", "content_stamp", "loaded_at", "retired_at", *SET_FIELDS)
_ROW = Prepared(select(*(_SETS[name] for name in _ROW_COLUMNS)).where(_SETS.slug == _SLUG))
_CURRENT = Prepared(  # the file's order, a pool's members side by side
    select(
        _PROBLEMS.id, _PROBLEMS.position, _REVISIONS.id, _REVISIONS.content_hash,
        _REVISIONS.content,
    )
    .join(_REVISION_TABLE, _REVISIONS.id == _PROBLEMS.current_revision_id)
    .where(_PROBLEMS.set_id == bindparam("set_id"), _PROBLEMS.retired_at.is_(None))
    .order_by(_PROBLEMS.position, _PROBLEMS.id)
)  # fmt: skip
_HEADING = Prepared(
    select(_SETS.slug, _SETS.title, _SETS.badge_name).where(_SETS.id == bindparam("set_id"))
)

_cache: dict[str, _Entry] = {}
_lock = Lock()
_MAX_CACHED = 1024


class SetContent:
    """Sets by slug, as loaded, on one unit of work's connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._checked: dict[str, _Entry | None] = {}  # in this unit: read once

    def stored(self, slug: str) -> StoredSet | None:
        """The set by slug, retired or not."""
        found = self._entry(slug)
        return None if found is None else found.stored

    def revisions_to_take(self, slug: str) -> SetRevisions | None:
        """The set by slug, retired or not, with the revisions a new run of it takes."""
        found = self._entry(slug)
        return None if found is None else found.revisions

    def heading(self, set_id: int) -> SetHeading:
        row = _HEADING.first(self._conn, {"set_id": set_id})
        if row is None:
            raise LookupError(f"set {set_id} is missing")
        slug, title, badge_name = row
        return SetHeading(slug=slug, title=title, badge_name=badge_name)

    def _entry(self, slug: str) -> _Entry | None:
        if slug in self._checked:
            return self._checked[slug]
        stamp = _STAMP.first(self._conn, {"slug": slug})
        cached = _cache.get(slug)
        if stamp is None:
            found = None
        elif cached is not None and stamp[0] is not None and cached.stamp == stamp[0]:
            found = cached
        else:
            found = self._load(slug)
        self._checked[slug] = found
        return found

    def _load(self, slug: str) -> _Entry | None:
        """Read the set and its current problems; kept under the stamp read with the row
        (a load committed between the two reads leaves an entry no one's stamp matches)."""
        row = _ROW.first(self._conn, {"slug": slug})
        if row is None:
            return None
        values: dict[str, Any] = dict(zip(_ROW_COLUMNS, row, strict=True))
        current = _CURRENT.rows(self._conn, {"set_id": values["id"]})
        problems = [
            (position, parsed_problem(content_hash, content))
            for _, position, _, content_hash, content in current
        ]
        retired = values["retired_at"] is not None
        found = _Entry(
            stamp=values["content_stamp"],
            stored=StoredSet(
                id=values["id"],
                challenge_set=challenge_set_of(values, problems),
                retired=retired,
                loaded_at=values["loaded_at"],
            ),
            revisions=SetRevisions(
                id=values["id"],
                kind=SetKind(values["kind"]),
                retired=retired,
                revisions=tuple(
                    RevisionRef(revision_id, content_hash, problem_id, position)
                    for problem_id, position, revision_id, content_hash, _ in current
                ),
                title=values["title"],
                retake_after_seconds=values["retake_after_seconds"],
            ),
        )
        if found.stamp is not None:  # a set stored before stamps: read each time
            with _lock:
                if len(_cache) >= _MAX_CACHED:
                    _cache.clear()
                _cache[slug] = found
        return found
