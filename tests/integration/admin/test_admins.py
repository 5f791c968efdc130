"""`quiz admin create`: creating, promoting, passwords from stdin, and the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.cli import admin as admin_cli
from app.domain.clock import FakeClock
from app.domain.errors import InvalidInput, NotFound, UsernameTaken
from app.persistence.database import Database
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.tables import User
from app.persistence.unit_of_work import UnitOfWorkFactory
from app.services import accounts, admins, audit
from app.services.admins import AdminChange
from app.services.throttle import LoginThrottle
from tests.conftest import FAST_HASHER, PASSWORD, unit_of

VIA = {"via": "command line", "os_user": "tester"}


def is_admin(sessions: sessionmaker[Session], name: str) -> bool:
    with unit_of(sessions) as uow:
        return bool(uow.session.scalar(select(User.is_admin).where(User.username == name)))


def test_create_promote_and_again(
    units: UnitOfWorkFactory, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    made = admins.create_admin(
        units, FAST_HASHER, clock=clock, username="root", password=PASSWORD, via=VIA
    )
    assert made.change is AdminChange.CREATED
    accounts.register(units, FAST_HASHER, clock=clock, username="ada", password=PASSWORD)
    promoted = admins.promote(units, clock=clock, username="ADA", via=VIA)
    assert (promoted.username, promoted.change) == ("ada", AdminChange.PROMOTED)
    again = admins.promote(units, clock=clock, username="ada", via=VIA)
    assert again.change is AdminChange.ALREADY
    assert is_admin(sessions, "root")
    assert is_admin(sessions, "ada")
    log = audit.entries(units).items
    assert [(e.who, e.action, e.target) for e in reversed(log)] == [
        ("command line (tester)", "admin.created", "root"),
        ("command line (tester)", "admin.promoted", "ada"),
    ]


def test_new_admin_signs_in_like_anyone(
    units: UnitOfWorkFactory, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    admins.create_admin(
        units, FAST_HASHER, clock=clock, username="root", password=PASSWORD, via=VIA
    )
    learner = accounts.authenticate(
        units,
        FAST_HASHER,
        LoginThrottle(clock),
        username="root",
        password=PASSWORD,
        client="t",
    )
    assert learner.is_admin


def test_refusals(
    units: UnitOfWorkFactory, sessions: sessionmaker[Session], clock: FakeClock
) -> None:
    accounts.register(units, FAST_HASHER, clock=clock, username="ada", password=PASSWORD)
    with pytest.raises(UsernameTaken, match="That name is taken"):
        admins.create_admin(
            units, FAST_HASHER, clock=clock, username="Ada", password=PASSWORD, via=VIA
        )
    with pytest.raises(InvalidInput, match="username"):
        admins.create_admin(
            units, FAST_HASHER, clock=clock, username="a b", password=PASSWORD, via=VIA
        )
    with pytest.raises(InvalidInput, match="password"):
        admins.create_admin(
            units, FAST_HASHER, clock=clock, username="root", password="short", via=VIA
        )
    with pytest.raises(NotFound, match="no account named"):
        admins.promote(units, clock=clock, username="nobody", via=VIA)
    assert not is_admin(sessions, "ada")


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str
) -> Iterator[sessionmaker[Session]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("QUIZ_ENV", "development")
    # The command hashes with argon2's defaults, as the web app does; cheap ones here.
    monkeypatch.setattr(admin_cli, "PasswordHasher", lambda: FAST_HASHER)
    engine = make_engine(database_url)  # migrated, as the command leaves it
    yield make_session_factory(engine)
    engine.dispose()


def run_cli(*args: str, stdin: str = "") -> tuple[int, str]:
    import typer

    app = typer.Typer()
    admin_cli.register(app)
    app.command("noop")(lambda: None)  # a second command keeps `admin` a group
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


def test_cli_password_from_stdin(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, output
    assert "root: created as admin" in output
    assert is_admin(cli, "root")
    with unit_of(cli) as uow:
        stored = uow.session.scalar(select(User.password_hash).where(User.username == "root"))
    assert stored is not None
    assert PasswordHasher().verify(stored, PASSWORD)
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin="other password\n")
    assert code == 1
    assert "already has an account" in output
    assert stored_hash_verifies(cli, "root", PASSWORD)


def test_cli_prompts_twice_for_a_new_admin(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "root", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, output
    assert "root: created" in output


def test_cli_refuses_an_existing_account_without_promote(
    cli: sessionmaker[Session], clock: FakeClock
) -> None:
    accounts.register(
        Database(cli.kw["bind"]).units, FAST_HASHER, clock=clock, username="ada", password=PASSWORD
    )
    for spelling in ("ada", "ADA", "Ada "):
        code, output = run_cli(
            "admin", "create", spelling, "--password-stdin", stdin="attacker's password\n"
        )
        assert code == 1, output
        assert "already has an account" in output
        assert "--promote" in output
    code, output = run_cli("admin", "create", "ada", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 1
    assert "--promote" in output
    assert not is_admin(cli, "ada")
    assert stored_hash_verifies(cli, "ada", PASSWORD)


def test_cli_promote_keeps_the_password_and_says_so(
    cli: sessionmaker[Session], clock: FakeClock
) -> None:
    accounts.register(
        Database(cli.kw["bind"]).units, FAST_HASHER, clock=clock, username="ada", password=PASSWORD
    )
    code, output = run_cli("admin", "create", "ADA", "--promote")
    assert code == 0, output
    assert "ada: promoted to admin; the password is unchanged" in output
    assert is_admin(cli, "ada")
    assert stored_hash_verifies(cli, "ada", PASSWORD)
    code, output = run_cli("admin", "create", "ada", "--promote")
    assert (code, "ada: already an admin" in output) == (0, True)


def test_cli_promote_refuses_what_it_cannot_do(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "nobody", "--promote")
    assert code == 1
    assert "no account named 'nobody'" in output
    run_cli("admin", "create", "root", "--password-stdin", stdin=PASSWORD + "\n")
    code, output = run_cli(
        "admin", "create", "root", "--promote", "--password-stdin", stdin="new password 123\n"
    )
    assert code == 1
    assert "keeps the account's password" in output
    assert stored_hash_verifies(cli, "root", PASSWORD)


def test_cli_a_new_admin_needs_a_good_password(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "root", stdin="\n\n")
    assert code == 1, output
    assert "at least 8 characters" in output
    code, output = run_cli("admin", "create", "root", stdin="short\nshort\n")
    assert code == 1
    assert "at least 8 characters" in output
    code, output = run_cli("admin", "create", "a b")  # the name is refused before any prompt
    assert code == 1
    assert "Password" not in output
    assert "A username has 3 to 32 letters" in output
    code, output = run_cli("admin", "create", "root", stdin=f"{PASSWORD}\nsomething else\n")
    assert code == 1
    assert not is_admin(cli, "root")


def stored_hash_verifies(sessions: sessionmaker[Session], name: str, password: str) -> bool:
    with unit_of(sessions) as uow:
        stored = uow.session.scalar(select(User.password_hash).where(User.username == name))
    assert stored is not None
    return FAST_HASHER.verify(stored, password)


def test_cli_errors_are_one_plain_line(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin="short\n")
    assert code == 1
    assert "at least 8 characters" in output
    assert "Traceback" not in output
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin="")
    assert code == 1
    assert "no password" in output
