"""Building settings, the database and its migrations for one CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from app.authoring.loader import ParsedFile, parse_tree
from app.cli.output import fail, warn
from app.config import KEY_FILE, LOOPBACK_HOSTS, SecretKeyError, Settings, secret_key_of
from app.persistence.database import Database as Database
from app.persistence.engine import DatabaseError
from app.persistence.migrations import started_engine

PathArg = Annotated[
    Path | None,
    typer.Argument(help="A file or folder of challenge files (default: QUIZ_CHALLENGES_DIR)."),
]


def parsed_tree(path: Path | None) -> list[ParsedFile]:
    """Every challenge file under `path` (default: the configured folder), parsed."""
    root = path or load_settings().challenges_dir
    if not root.exists():
        raise fail(f"{root}: no such file or folder")
    return parse_tree(root)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in error.errors())
        raise fail(f"settings: {messages}") from None


def check_secret_key(settings: Settings) -> None:
    """Make or read the site's key now, so that a bad one stops the start in one line."""
    try:
        secret_key_of(settings)
    except SecretKeyError as refused:
        raise fail(str(refused)) from None
    if settings.secret_key is None:
        where = settings.data_dir / KEY_FILE
        warn(f"QUIZ_SECRET_KEY is not set: signing with the key kept in {where}")


def warn_if_unreachable(settings: Settings, host: str) -> None:
    """Listening beyond loopback while the public address is loopback: others get 400."""
    names = settings.host_names
    if host not in ("127.0.0.1", "localhost", "::1") and names[0] in LOOPBACK_HOSTS:
        warn(
            f"QUIZ_PUBLIC_URL is {settings.public_url}: requests naming any other host get "
            "400; set it to the address people use (QUIZ_ALLOWED_HOSTS adds more names)"
        )


def migrated_database(settings: Settings) -> Database:
    """Open the database and bring its schema to the newest migration."""
    with started_database(settings) as database:
        return database


@contextmanager
def started_database(settings: Settings) -> Iterator[Database]:
    """The database at the newest migration, with the start-up lock held for the block.

    Processes starting at once (`serve --workers`, several hosts) migrate, and load
    challenges/ inside the block, one at a time; the later ones find nothing to do.
    """
    try:
        with started_engine(settings.database_url, on_wait=_waiting) as engine:
            yield Database(engine)
    except DatabaseError as refused:
        raise fail(str(refused)) from None


def _waiting() -> None:
    typer.echo(
        "Another process is migrating the database or loading challenges: waiting for it",
        err=True,
    )
