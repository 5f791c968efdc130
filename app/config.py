"""Settings from the environment; read only by composition roots (CLI, app factory).

No key ships in the code. Without QUIZ_SECRET_KEY, `secret_key_of` makes a random key
once in the data folder (`secret_key`, mode 0600) and every later start, and every
process started beside it, reads that one back.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET = 32  # characters
KEY_FILE = "secret_key"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")  # as a Host header names them


class SecretKeyError(Exception):
    """The site's key cannot be had safely; the message is one line for the operator."""


class SandboxSettings(BaseSettings):
    """What both roles read: app hosts and `quiz sandbox serve` (which needs nothing else)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    # Sandbox services (`quiz sandbox serve`), comma separated; empty: run in this process.
    sandbox_url: str = Field(default="", alias="QUIZ_SANDBOX_URL")
    # The secret app hosts show sandbox services; a service off loopback refuses to start
    # without one.
    sandbox_token: str | None = Field(default=None, alias="QUIZ_SANDBOX_TOKEN")

    @field_validator("sandbox_token")
    @classmethod
    def _a_long_token(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None  # set but empty is unset, as a compose file's blank leaves it
        if len(value.strip()) < MIN_SECRET:
            raise ValueError(
                f"QUIZ_SANDBOX_TOKEN must be a random string of {MIN_SECRET}+ characters"
            )
        return value.strip()

    @field_validator("sandbox_url")
    @classmethod
    def _addresses(cls, value: str) -> str:
        for url in _listed(value):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"QUIZ_SANDBOX_URL must list http(s) addresses, not {url!r}")
        return value

    @property
    def sandbox_urls(self) -> list[str]:
        return [url.rstrip("/") for url in _listed(self.sandbox_url)]


def _listed(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class Settings(SandboxSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(default="sqlite:///./data/quiz.db", alias="DATABASE_URL")
    challenges_dir: Path = Field(default=Path("challenges"), alias="QUIZ_CHALLENGES_DIR")
    # None: the key kept in the data folder (made on first start); see `secret_key_of`.
    secret_key: str | None = Field(default=None, alias="QUIZ_SECRET_KEY")
    # "development" may keep its key in the data folder; anything else must be given one.
    environment: str = Field(default="development", alias="QUIZ_ENV")
    data_dir: Path = Field(default=Path("data"), alias="QUIZ_DATA_DIR")
    # The site's address as the world sees it: the only source of absolute URLs.
    public_url: str = Field(default="http://127.0.0.1:8000", alias="QUIZ_PUBLIC_URL")
    # Further Host names to answer (comma separated), beside the public URL's and loopback.
    allowed_hosts: str = Field(default="", alias="QUIZ_ALLOWED_HOSTS")
    # Reverse proxies whose X-Forwarded-For names the client (comma separated addresses);
    # empty: the peer is the client, so no local process can pose as another address.
    trusted_proxies: str = Field(default="", alias="QUIZ_TRUSTED_PROXIES")
    # How many of one learner's snippets may run at once (kept below the sandbox's total).
    snippets_per_learner: int = Field(default=2, ge=1, le=100, alias="QUIZ_SNIPPETS_PER_LEARNER")

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str | None) -> str | None:
        if value is not None and len(value) < MIN_SECRET:
            raise ValueError(
                f"QUIZ_SECRET_KEY must be a random string of {MIN_SECRET}+ characters "
                "(or leave it unset to keep a generated key in QUIZ_DATA_DIR)"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _an_address(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"QUIZ_PUBLIC_URL must be an http(s) address, not {value!r}")
        if parts.query or parts.fragment:
            raise ValueError("QUIZ_PUBLIC_URL must be an address without ?query or #fragment")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _a_key_outside_development(self) -> Settings:
        if self.environment != "development" and self.secret_key is None:
            raise ValueError(
                f"QUIZ_SECRET_KEY must be set to a random string of {MIN_SECRET}+ characters "
                "outside development (QUIZ_ENV=development keeps one in QUIZ_DATA_DIR)"
            )
        return self

    @property
    def host_names(self) -> list[str]:
        """The Host names this site answers to: its public URL's, loopback, and the extras."""
        public = urlsplit(self.public_url).hostname or ""
        extra = [name.strip().lower() for name in self.allowed_hosts.split(",")]
        names = [public.lower(), *LOOPBACK_HOSTS, *filter(None, extra)]
        return list(dict.fromkeys(f"[{n}]" if ":" in n and "[" not in n else n for n in names))


def secret_key_of(settings: Settings) -> str:
    """QUIZ_SECRET_KEY, or the key kept in the data folder, made there on first use.

    Made atomically: the key is written whole to a private temporary file that is then
    hard-linked to its name, which fails if another process got there first; then the
    name is read back, so processes starting at once all end with the winner's key.
    """
    if settings.secret_key is not None:
        return settings.secret_key
    folder = settings.data_dir
    path = folder / KEY_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            _create(path)
        return _read(path)
    except OSError as error:
        raise SecretKeyError(f"{path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise SecretKeyError(f"{path}: not a key this app wrote (not ASCII text)") from None


def _create(path: Path) -> None:
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, (secrets.token_urlsafe(48) + "\n").encode("ascii"))
        os.fsync(fd)
        os.close(fd)
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the key
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> str:
    folder = path.parent.stat()
    if folder.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise SecretKeyError(
            f"{path.parent}: others may write this folder and swap the key for one they "
            f"know (mode {stat.S_IMODE(folder.st_mode):o}); run `chmod 700 {path.parent}`"
        )
    found = path.stat()
    if found.st_uid != os.geteuid():
        raise SecretKeyError(
            f"{path}: the key file belongs to another user (uid {found.st_uid}), who may "
            "know it; delete it to make a new one (everyone is signed out)"
        )
    mode = found.st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretKeyError(
            f"{path}: others may read this key (mode {stat.S_IMODE(mode):o}); "
            f"run `chmod 600 {path}` and start again"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_SECRET:
        raise SecretKeyError(
            f"{path}: the key is shorter than {MIN_SECRET} characters; "
            "delete the file to make a new one (everyone is signed out)"
        )
    return key
