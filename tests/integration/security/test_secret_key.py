"""No key that ships in the code signs anything (issue 11, point 1).

Without QUIZ_SECRET_KEY, a random key is made once in the data folder (0600) and
reused; the old built-in development key opens nothing.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from fastapi import FastAPI
from itsdangerous import URLSafeTimedSerializer
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.config import SecretKeyError, Settings, secret_key_of
from app.domain.clock import FakeClock
from tests.conftest import FAST_HASHER, PASSWORD, TestClient
from tests.integration.admin.web import make_admin

OLD_BUILT_IN_KEY = "dev-insecure-secret-change-me"  # what main shipped and signed with


@pytest.fixture
def keyless(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The test settings as `make run` has them: no QUIZ_SECRET_KEY in the environment."""
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    keyless = Settings(
        DATABASE_URL=settings.database_url,
        QUIZ_DATA_DIR=settings.data_dir,
        QUIZ_ALLOWED_HOSTS="testserver",
    )
    assert keyless.secret_key is None
    return keyless


def app_of(settings: Settings, clock: FakeClock) -> FastAPI:
    from app.web.app import create_app

    return create_app(settings, clock=clock, password_hasher=FAST_HASHER)


def forged(secret: str, payload: dict[str, object]) -> str:
    signer = URLSafeTimedSerializer(
        secret, salt="quiz-session", signer_kwargs={"digest_method": hashlib.sha256}
    )
    return signer.dumps(payload)


def test_a_cookie_signed_with_the_old_built_in_key_opens_nothing(
    keyless: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    make_admin(loaded, clock)  # account 1, an admin
    with TestClient(app_of(keyless, clock)) as client:
        for uid in (1, 2, 3):
            cookie = forged(OLD_BUILT_IN_KEY, {"uid": uid, "name": "root", "admin": True})
            headers = {"Cookie": f"quiz_session={cookie}"}
            assert client.get("/api/auth/me", headers=headers).status_code == 401
            assert client.get("/api/admin/awards", headers=headers).status_code == 401
            page = client.get("/admin", headers=headers, follow_redirects=False)
            assert page.status_code == 303
            assert page.headers["location"].startswith("/login")


def test_without_a_key_one_is_made_once_0600_and_shared(
    keyless: Settings, clock: FakeClock, loaded: sessionmaker[Session]
) -> None:
    with TestClient(app_of(keyless, clock)) as first:
        response = first.post("/api/auth/register", json={"username": "ada", "password": PASSWORD})
        assert response.status_code == 201
        cookie = first.cookies["quiz_session"]
        issuer_key = first.get("/issuer/key").json()
    key_file = keyless.data_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="ascii").strip()
    assert len(key) >= 43  # 32 random bytes, base64
    assert key != OLD_BUILT_IN_KEY
    # A second start (another process, a restart) reads the same key: still signed in,
    # and the issuer key sealed under it still opens (the same key signs badges).
    with TestClient(app_of(keyless, clock)) as second:
        me = second.get("/api/auth/me", headers={"Cookie": f"quiz_session={cookie}"})
        assert me.status_code == 200
        assert me.json()["username"] == "ada"
        assert second.get("/issuer/key").json() == issuer_key
    assert key_file.read_text(encoding="ascii").strip() == key


def _key_in_another_process(data_dir: str, start: multiprocessing.synchronize.Barrier) -> str:
    start.wait()
    return secret_key_of(Settings(QUIZ_DATA_DIR=data_dir, QUIZ_SECRET_KEY=None))


def test_processes_starting_at_once_end_with_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(4) as pool:
        start = manager.Barrier(4, timeout=300)  # a safety valve: a lost worker fails, not hangs
        keys = pool.starmap(_key_in_another_process, [(str(tmp_path), start)] * 4)
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text(encoding="ascii").strip() == keys[0]


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = Settings(QUIZ_DATA_DIR=tmp_path, QUIZ_SECRET_KEY=None)
    secret_key_of(settings)
    (tmp_path / "secret_key").chmod(0o644)
    with pytest.raises(SecretKeyError) as refused:
        secret_key_of(settings)
    message = str(refused.value)
    assert "\n" not in message
    assert str(tmp_path / "secret_key") in message
    assert "chmod 600" in message


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_key_file_planted_by_another_user_is_refused(tmp_path: Path) -> None:
    """QUIZ_DATA_DIR in a shared place (/tmp/quiz): another local user made the folder
    and a 0600 `secret_key` they know first. Its mode passed, a root-run server read it,
    and that user could sign an admin session. The key must be the server's own file."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o700)
    key_file = folder / "secret_key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"k" * 64 + b"\n")
    os.close(fd)
    nobody = 65534
    os.chown(key_file, nobody, nobody)
    with pytest.raises(SecretKeyError) as refused:
        secret_key_of(Settings(QUIZ_DATA_DIR=folder, QUIZ_SECRET_KEY=None))
    assert "another user" in str(refused.value)


def test_a_key_in_a_folder_others_can_write_is_refused(tmp_path: Path) -> None:
    """Others who can write the folder can swap the key file for one they know."""
    folder = tmp_path / "open"
    folder.mkdir()
    secret_key_of(Settings(QUIZ_DATA_DIR=folder, QUIZ_SECRET_KEY=None))
    folder.chmod(0o777)
    with pytest.raises(SecretKeyError) as refused:
        secret_key_of(Settings(QUIZ_DATA_DIR=folder, QUIZ_SECRET_KEY=None))
    assert "chmod 700" in str(refused.value)
    folder.chmod(0o755)
    assert secret_key_of(Settings(QUIZ_DATA_DIR=folder, QUIZ_SECRET_KEY=None))


def test_a_short_key_file_is_refused(tmp_path: Path) -> None:
    key_file = tmp_path / "secret_key"
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"too-short\n")
    os.close(fd)
    with pytest.raises(SecretKeyError, match="shorter than 32 characters"):
        secret_key_of(Settings(QUIZ_DATA_DIR=tmp_path, QUIZ_SECRET_KEY=None))


def test_a_short_quiz_secret_key_is_refused_even_in_development() -> None:
    with pytest.raises(ValidationError, match="32"):
        Settings(QUIZ_SECRET_KEY="short", QUIZ_ENV="development")
    with pytest.raises(ValidationError, match="32"):
        Settings(QUIZ_SECRET_KEY=OLD_BUILT_IN_KEY)


def test_serve_refuses_a_loose_key_file_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text("k" * 64, encoding="ascii")
    (tmp_path / "data" / "secret_key").chmod(0o640)
    result = CliRunner().invoke(app, ["serve"], env={"QUIZ_ENV": "development"})
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "secret_key" in lines[0]
    assert "chmod 600" in lines[0]


def test_the_first_command_makes_the_data_folder_and_database_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A careless operator's first command (`quiz admin create`, before any `serve`)
    made data/ 0755 and quiz.db 0644 under the usual umask: every local user could read
    the password hashes and everyone's runs. The key's folder is meant to be 0700."""
    from app.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QUIZ_SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("QUIZ_DATA_DIR", raising=False)
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(
            app, ["admin", "create", "root", "--password-stdin"], input=PASSWORD + "\n"
        )
        assert result.exit_code == 0, result.output
        folder, database = tmp_path / "data", tmp_path / "data" / "quiz.db"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(database.stat().st_mode) & 0o077 == 0
        from app.persistence.engine import make_engine

        engine = make_engine("sqlite:///./data/quiz.db")  # WAL and its index, while open
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE scratch (x INTEGER)")
            for extra in (database.with_name("quiz.db-wal"), database.with_name("quiz.db-shm")):
                assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra.name
        engine.dispose()
        nested = tmp_path / "elsewhere" / "deeper" / "other.db"  # DATABASE_URL elsewhere
        make_engine(f"sqlite:///{nested}").dispose()
        assert stat.S_IMODE(nested.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(nested.stat().st_mode) & 0o077 == 0
    finally:
        os.umask(old)
