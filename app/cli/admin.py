"""`quiz admin create USERNAME [--promote]`: a new admin, or an account promoted (CONTRACT §2)."""

from __future__ import annotations

import getpass
import sys
from typing import Annotated, Any

import typer
from argon2 import PasswordHasher

from app.cli.context import Database, load_settings, migrated_database
from app.cli.output import fail, ok
from app.domain.clock import system_clock
from app.domain.errors import NotFound, UserError, UsernameTaken
from app.services import accounts, admins
from app.services.audit import COMMAND_LINE

admin = typer.Typer(
    name="admin",
    help="Administrators: create one, or promote an existing account.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(admin)


@admin.command("create")
def create(
    username: Annotated[str, typer.Argument(help="The admin's username.")],
    promote: Annotated[
        bool,
        typer.Option(
            "--promote",
            help="Make an existing account an admin; it keeps its password.",
        ),
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the new admin's password from the first line of standard input "
            "(for scripts) instead of asking for it twice.",
        ),
    ] = False,
) -> None:
    """Create USERNAME as a new admin account, with a new password.

    A name that already has an account (in any mix of cases) is refused: to make that
    account an admin, keeping its password, add --promote.
    """
    if promote and password_stdin:
        raise fail(
            "--promote keeps the account's password; --password-stdin is only for a new admin."
        )
    settings = load_settings()
    database = migrated_database(settings)
    try:
        if promote:
            result = _promote(database, username)
        else:
            result = _create(database, username, password_stdin)
    except UserError as error:
        raise fail(error.message) from None
    finally:
        database.dispose()
    ok(f"{result.username}: {_said(result.change)}")


def _create(database: Database, username: str, password_stdin: bool) -> admins.AdminResult:
    existing = admins.account_name(database.units, username)
    if existing is not None:  # refused before asking for a password it would not use
        raise fail(_has_an_account(existing))
    accounts.check_username(username)  # likewise
    password = _read_password(username) if not password_stdin else _stdin_password()
    try:
        return admins.create_admin(
            database.units,
            PasswordHasher(),
            clock=system_clock,
            username=username,
            password=password,
            via=_via(),
        )
    except UsernameTaken:  # registered while we asked for the password
        raise fail(_has_an_account(username.strip())) from None


def _promote(database: Database, username: str) -> admins.AdminResult:
    try:
        return admins.promote(database.units, clock=system_clock, username=username, via=_via())
    except NotFound as error:
        name = username.strip()
        raise fail(f"{error.message} To create it: quiz admin create {name}") from None


def _has_an_account(name: str) -> str:
    return (
        f"{name!r} already has an account, so it was not created. To make that account "
        f"an admin, keeping its password: quiz admin create {name} --promote"
    )


def _read_password(username: str) -> str:
    # default="": an empty answer reaches the password rules and their message.
    password: str = typer.prompt(
        f"New password for {username}",
        default="",
        show_default=False,
        hide_input=True,
        confirmation_prompt=True,
    )
    return password


def _stdin_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise fail("--password-stdin: standard input had no password on its first line")
    return password


def _said(change: admins.AdminChange) -> str:
    return {
        admins.AdminChange.CREATED: "created as admin, with the password given",
        admins.AdminChange.PROMOTED: "promoted to admin; the password is unchanged",
        admins.AdminChange.ALREADY: "already an admin; nothing changed",
    }[change]


def _via() -> dict[str, Any]:
    try:
        return {"via": COMMAND_LINE, "os_user": getpass.getuser()}
    except (KeyError, OSError):  # no user name in a bare container
        return {"via": COMMAND_LINE}
