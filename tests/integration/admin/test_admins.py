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
from app.domain.errors import InvalidInput
from app.persistence.engine import make_engine, make_session_factory
from app.persistence.tables import User
from app.persistence.unit_of_work import UnitOfWork
from app.services import accounts, admins, audit
from app.services.admins import AdminChange
from app.services.throttle import LoginThrottle
from tests.conftest import FAST_HASHER, PASSWORD

VIA = {"via": "command line", "os_user": "tester"}


def is_admin(sessions: sessionmaker[Session], name: str) -> bool:
    with UnitOfWork(sessions) as uow:
        return bool(uow.session.scalar(select(User.is_admin).where(User.username == name)))


def test_create_promote_and_again(sessions: sessionmaker[Session], clock: FakeClock) -> None:
    made = admins.ensure_admin(
        sessions, FAST_HASHER, clock=clock, username="root", password=PASSWORD, via=VIA
    )
    assert (made.change, made.password_set) == (AdminChange.CREATED, True)
    accounts.register(sessions, FAST_HASHER, clock=clock, username="ada", password=PASSWORD)
    promoted = admins.ensure_admin(
        sessions, FAST_HASHER, clock=clock, username="ADA", password=None, via=VIA
    )
    assert (promoted.username, promoted.change, promoted.password_set) == (
        "ada", AdminChange.PROMOTED, False,
    )  # fmt: skip
    again = admins.ensure_admin(
        sessions, FAST_HASHER, clock=clock, username="ada", password=None, via=VIA
    )
    assert again.change is AdminChange.ALREADY
    assert is_admin(sessions, "root")
    assert is_admin(sessions, "ada")
    log = audit.entries(sessions).items
    assert [(e.who, e.action, e.target) for e in reversed(log)] == [
        ("command line (tester)", "admin.created", "root"),
        ("command line (tester)", "admin.promoted", "ada"),
    ]


def test_new_admin_signs_in_like_anyone(sessions: sessionmaker[Session], clock: FakeClock) -> None:
    admins.ensure_admin(
        sessions, FAST_HASHER, clock=clock, username="root", password=PASSWORD, via=VIA
    )
    learner = accounts.authenticate(
        sessions,
        FAST_HASHER,
        LoginThrottle(sessions, clock),
        username="root",
        password=PASSWORD,
        client="t",
    )
    assert learner.is_admin


def test_refusals(sessions: sessionmaker[Session], clock: FakeClock) -> None:
    with pytest.raises(InvalidInput, match="give it a password"):
        admins.ensure_admin(
            sessions, FAST_HASHER, clock=clock, username="x1x", password=None, via=VIA
        )
    with pytest.raises(InvalidInput, match="username"):
        admins.ensure_admin(
            sessions, FAST_HASHER, clock=clock, username="a b", password=PASSWORD, via=VIA
        )
    with pytest.raises(InvalidInput, match="password"):
        admins.ensure_admin(
            sessions, FAST_HASHER, clock=clock, username="root", password="short", via=VIA
        )


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/q.db")
    monkeypatch.setenv("QUIZ_ENV", "development")
    # The command hashes with argon2's defaults, as the web app does; cheap ones here.
    monkeypatch.setattr(admin_cli, "PasswordHasher", lambda: FAST_HASHER)
    engine = make_engine(f"sqlite:///{tmp_path}/q.db")
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
    assert "root: created, password set" in output
    assert is_admin(cli, "root")
    with UnitOfWork(cli) as uow:
        stored = uow.session.scalar(select(User.password_hash).where(User.username == "root"))
    assert stored is not None
    assert PasswordHasher().verify(stored, PASSWORD)
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin=PASSWORD + "\n")
    assert (code, "root: already an admin, password set" in output) == (0, True)


def test_cli_prompts_twice_for_a_new_admin(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "root", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, output
    assert "root: created" in output


def test_cli_promotes_without_asking(cli: sessionmaker[Session], clock: FakeClock) -> None:
    run_cli("admin", "create", "root", "--password-stdin", stdin=PASSWORD + "\n")
    accounts.register(cli, FAST_HASHER, clock=clock, username="ada", password=PASSWORD)
    code, output = run_cli("admin", "create", "ada")
    assert (code, "ada: promoted" in output) == (0, True)


def test_cli_errors_are_one_plain_line(cli: sessionmaker[Session]) -> None:
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin="short\n")
    assert code == 1
    assert "at least 8 characters" in output
    assert "Traceback" not in output
    code, output = run_cli("admin", "create", "root", "--password-stdin", stdin="")
    assert code == 1
    assert "no password" in output
