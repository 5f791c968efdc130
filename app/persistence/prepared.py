"""Core statements for the hottest paths, run straight on the driver's cursor.

`Connection.execute` spends some 20 µs per statement on bookkeeping (an execution
context, parameter dictionaries, result metadata): more than SQLite takes to run an
indexed UPDATE, and on the answer path a third of the service's time. A `Prepared`
statement is a Core statement that SQLAlchemy compiles once for the connection's
dialect, so the SQL is exactly what `Connection.execute` would send (on PostgreSQL
with its casts); its parameters and result columns go through the same type
processors (UTC datetimes stay aware, JSON is decoded), and it runs on the DBAPI
cursor inside the connection's transaction, with the driver's own parameter style:
positional for SQLite, named (`%(name)s`) for psycopg. Statements whose column
defaults are computed in Python, or with parameters expanded at execution (`IN`
lists), take the ordinary `Connection.execute` path. Two differences remain: a driver
error here is the driver's own exception, not SQLAlchemy's wrapper (a connection lost
on PostgreSQL is found, and dropped from the pool, when the unit of work rolls back or
returns it), and `before_cursor_execute` listeners do not see these.

A prepared INSERT or UPDATE begins the connection's transaction when none is open, as
`Connection.execute` would, so that `commit()` reaches the driver. So does a SELECT on
PostgreSQL, where psycopg opens a transaction for a read too. A prepared SELECT on
SQLite does not: the driver opens none for a read, so SQLAlchemy's would be
bookkeeping alone (a transaction object, and a COMMIT call with nothing to commit, on
every read-only unit of work).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, Dialect, Insert, Select, Update

Processor = Callable[[Any], Any]
Statement = Select[Any] | Insert | Update


@dataclass(frozen=True)
class _Bind:
    key: str  # its key in the caller's parameters
    required: bool  # False: a value written into the statement (`count + 1`)
    value: Any
    process: Processor | None  # the type's conversion for this driver


@dataclass(frozen=True)
class _Plan:
    sql: str
    binds: tuple[_Bind, ...]  # positional: in the order of the SQL's placeholders
    # named parameters (psycopg): each bind's placeholder name, the driver given a dict;
    # empty for positional ones (SQLite), the driver given a list
    names: tuple[str, ...]
    # the result columns a type converts; None until the first result's description
    # gives their database types (psycopg's numbers are converted by what they are)
    converted: tuple[tuple[int, Processor], ...] | None
    reads: bool  # a SELECT on a driver that opens no transaction for one


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
        converted = plan.converted
        if converted is None:
            converted = _converters(self.statement, conn.dialect, cursor.description)
            self._last = (conn.dialect, replace(plan, converted=converted))
        cursor.close()
        if not converted:
            return fetched
        rows = []
        for row in fetched:
            values = list(row)
            for i, convert in converted:
                values[i] = convert(values[i])
            rows.append(tuple(values))
        return rows

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = self.rows(conn, params)
        return found[0] if found else None

    def change(self, conn: Connection, params: Mapping[str, Any]) -> int:
        """Run an INSERT, UPDATE or DELETE without RETURNING: the rows it changed."""
        plan = self._plan(conn.dialect)
        if plan is None:  # SQLAlchemy keeps an INSERT's rowcount only when asked to
            kept = {"preserve_rowcount": True}
            count: int = conn.execute(self.statement, dict(params), execution_options=kept).rowcount
            return count
        cursor = self._run(conn, plan, params)
        changed: int = cursor.rowcount
        cursor.close()
        return changed

    def change_many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run an INSERT, UPDATE or DELETE once per row of parameters, in one call to
        the driver (`executemany`: one loop in C on SQLite, one pipeline on psycopg)."""
        if not rows:  # (Core would run an INSERT once, with its defaults alone)
            return
        plan = self._plan(conn.dialect)
        if plan is None:
            conn.execute(self.statement, [dict(params) for params in rows])
            return
        self._begin(conn, plan)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(plan.sql, [_arguments(plan, params) for params in rows])
        cursor.close()

    def _run(self, conn: Connection, plan: _Plan, params: Mapping[str, Any]) -> Any:
        args = _arguments(plan, params)
        self._begin(conn, plan)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(plan.sql, args)
        return cursor

    @staticmethod
    def _begin(conn: Connection, plan: _Plan) -> None:
        if not plan.reads and not conn.in_transaction():
            conn.begin()

    def _plan(self, dialect: Dialect) -> _Plan | None:
        last = self._last
        if last is not None and last[0] is dialect:
            return last[1]
        plan = _compile(self.statement, dialect, self._columns)
        self._last = (dialect, plan)
        return plan


def _arguments(plan: _Plan, params: Mapping[str, Any]) -> list[Any] | dict[str, Any]:
    """`params` as the driver takes them: a list in placeholder order, or a dict by name."""
    values = []
    for bind in plan.binds:
        value = params[bind.key] if bind.required else params.get(bind.key, bind.value)
        values.append(value if bind.process is None else bind.process(value))
    return dict(zip(plan.names, values, strict=True)) if plan.names else values


def _compile(statement: Statement, dialect: Dialect, columns: list[str] | None) -> _Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=columns)
    if compiled.insert_prefetch or compiled.update_prefetch:
        return None  # column defaults computed in Python: Connection.execute computes them
    order: Sequence[str] | None = getattr(compiled, "positiontup", None)
    if order is None:  # each bind once, under the name its placeholder has in the SQL
        escaped = compiled.escaped_bind_names
        placed = [(escaped.get(name, name), bind) for bind, name in compiled.bind_names.items()]
    else:
        placed = [(name, compiled.binds[name]) for name in order]
    if any(bind.expanding or bind.literal_execute for _, bind in placed):
        return None  # rendered at execution: Connection.execute renders them
    binds = []
    for _, bind in placed:
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append(_Bind(bind.key, bind.required, bind.effective_value, process))
    reads = isinstance(statement, Select) and dialect.name == "sqlite"
    names = tuple(name for name, _ in placed) if order is None else ()
    return _Plan(compiled.string, tuple(binds), names, None, reads)


def _converters(
    statement: Statement, dialect: Dialect, description: Sequence[Sequence[Any]]
) -> tuple[tuple[int, Processor], ...]:
    """What `Connection.execute` converts each result column with, given the cursor's
    description of the columns (their database types)."""
    converted = []
    columns = zip(statement.exported_columns, description, strict=True)
    for i, (column, described) in enumerate(columns):
        kind = column.type.dialect_impl(dialect)
        process = kind.result_processor(dialect, described[1])
        if process is not None:
            converted.append((i, process))
    return tuple(converted)
