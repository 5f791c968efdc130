"""Core statements for the hottest paths, run straight on the driver's cursor.

`Connection.execute` spends some 20 µs per statement on bookkeeping (an execution
context, parameter dictionaries, result metadata): more than SQLite takes to run an
indexed UPDATE, and on the answer path a third of the service's time. A `Prepared`
statement is a Core statement that SQLAlchemy compiles once for the connection's
dialect, so the SQL is exactly what `Connection.execute` would send; its parameters
and result columns go through the same type processors (UTC datetimes stay aware,
JSON is decoded), and it runs on the DBAPI cursor inside the connection's
transaction. Drivers with named parameters (PostgreSQL's psycopg) and statements
whose column defaults are computed in Python take the ordinary `Connection.execute`
path. Two differences remain: a driver error here is the driver's own exception, not
SQLAlchemy's wrapper, and `before_cursor_execute` listeners do not see these.

A prepared INSERT or UPDATE begins the connection's transaction when none is open, as
`Connection.execute` would, so that `commit()` reaches the driver. A prepared SELECT
does not: on SQLite (the one driver with positional parameters here) a read opens no
transaction in the driver, so SQLAlchemy's would be bookkeeping alone (a transaction
object, and a COMMIT call with nothing to commit, on every read-only unit of work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Select, Update

Processor = Callable[[Any], Any]
Statement = Select[Any] | Insert | Update


@dataclass(frozen=True)
class _Bind:
    key: str
    required: bool  # False: a value written into the statement (`count + 1`)
    value: Any
    process: Processor | None  # the type's conversion for this driver


@dataclass(frozen=True)
class _Plan:
    sql: str
    binds: tuple[_Bind, ...]  # in the order of the SQL's placeholders
    converted: tuple[tuple[int, Processor], ...]  # the result columns a type converts
    reads: bool  # a SELECT: it begins no transaction


class Prepared:
    """One statement: `rows`/`first` for what it returns, `change` for what it changed."""

    def __init__(self, statement: Statement, *, columns: Iterable[str] | None = None) -> None:
        """`columns`: for an INSERT without `.values()`, the columns it is given."""
        self.statement = statement
        self._columns = list(columns) if columns is not None else None
        self._last: tuple[Dialect, _Plan | None] | None = None  # one engine per process

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        plan = self._plan(conn.dialect)
        if plan is None:
            return [tuple(row) for row in conn.execute(self.statement, dict(params))]
        cursor = self._run(conn, plan, params)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
        cursor.close()
        if not plan.converted:
            return fetched
        rows = []
        for row in fetched:
            values = list(row)
            for i, convert in plan.converted:
                values[i] = convert(values[i])
            rows.append(tuple(values))
        return rows

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def change(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE without RETURNING: the rows it changed."""
        plan = self._plan(conn.dialect)
        if plan is None:  # an INSERT's rowcount is kept only when asked for (psycopg: -1)
            kept = {"preserve_rowcount": True}
            count: int = conn.execute(self.statement, dict(params), execution_options=kept).rowcount
            return count
        cursor = self._run(conn, plan, params)
        changed: int = cursor.rowcount
        cursor.close()
        return changed

    def _run(self, conn: Connection, plan: _Plan, params: Mapping[str, Any]) -> Any:
        values = []
        for bind in plan.binds:
            value = params[bind.key] if bind.required else params.get(bind.key, bind.value)
            values.append(value if bind.process is None else bind.process(value))
        if not plan.reads and not conn.in_transaction():
            conn.begin()
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(plan.sql, values)
        return cursor

    def _plan(self, dialect: Dialect) -> _Plan | None:
        last = self._last
        if last is not None and last[0] is dialect:
            return last[1]
        plan = _compile(self.statement, dialect, self._columns)
        self._last = (dialect, plan)
        return plan


def _compile(statement: Statement, dialect: Dialect, columns: list[str] | None) -> _Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    order: Sequence[str] | None = getattr(compiled, "positiontup", None)
    if order is None:
        return None  # a driver with named parameters: Connection.execute
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None  # column defaults computed in Python: Connection.execute computes them
    binds = []
    for name in order:
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append(_Bind(bind.key, bind.required, bind.effective_value, process))
    converted = []
    for i, column in enumerate(statement.exported_columns):
        process = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if process is not None:
            converted.append((i, process))
    reads = isinstance(statement, Select)
    return _Plan(compiled.string, tuple(binds), tuple(converted), reads)
