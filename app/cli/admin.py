"""`quiz admin create USERNAME`: create or promote an admin (CONTRACT §2)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Any

import typer
from argon2 import PasswordHasher

from app.cli.context import load_settings, migrated_database
from app.cli.output import fail, ok
from app.domain.clock import system_clock
from app.domain.errors import UserError
from app.services import admins
from app.services.audit import COMMAND_LINE

admin = typer.Typer(
    name="admin",
    help="Administrators: create or promote one.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(admin)


@admin.command("create")
def create(
    username: Annotated[str, typer.Argument(help="The admin's username (new or existing).")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input (for scripts). "
            "For an existing account it replaces the password.",
        ),
    ] = False,
) -> None:
    """Create USERNAME as an admin, or make an existing account an admin.

    A new account's password is asked for (twice) unless --password-stdin is given;
    an existing account keeps its password unless --password-stdin is given.
    """
    settings = load_settings()
    database = migrated_database(settings)
    try:
        if password_stdin:
            password: str | None = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise fail("--password-stdin: standard input had no password on its first line")
        elif admins.find_user(database.session_factory, username) is None:
            password = typer.prompt(
                f"Password for {username}", hide_input=True, confirmation_prompt=True
            )
        else:
            password = None
        result = admins.ensure_admin(
            database.session_factory,
            PasswordHasher(),
            clock=system_clock,
            username=username,
            password=password,
            via=_via(),
        )
    except UserError as error:
        raise fail(error.message) from None
    finally:
        database.engine.dispose()
    note = ", password set" if result.password_set else ""
    ok(f"{result.username}: {result.change}{note}")


def _via() -> dict[str, Any]:
    try:
        return {"via": COMMAND_LINE, "os_user": getpass.getuser()}
    except (KeyError, OSError):  # no user name in a bare container
        return {"via": COMMAND_LINE}
