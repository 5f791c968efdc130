"""Settings from the environment; read only by composition roots (CLI, app factory)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development only: the validator below refuses it outside QUIZ_ENV=development.
_DEV_SECRET = "dev-insecure-secret-change-me"  # noqa: S105


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore")

    database_url: str = Field(default="sqlite:///./data/quiz.db", alias="DATABASE_URL")
    challenges_dir: Path = Field(default=Path("challenges"), alias="QUIZ_CHALLENGES_DIR")
    secret_key: str = Field(default=_DEV_SECRET, alias="QUIZ_SECRET_KEY")
    # "development" tolerates the built-in secret; anything else refuses it.
    environment: str = Field(default="development", alias="QUIZ_ENV")
    data_dir: Path = Field(default=Path("data"), alias="QUIZ_DATA_DIR")
    # How many of one learner's snippets may run at once (kept below the sandbox's total).
    snippets_per_learner: int = Field(default=2, ge=1, le=100, alias="QUIZ_SNIPPETS_PER_LEARNER")

    @model_validator(mode="after")
    def _refuse_unsafe_secret(self) -> Settings:
        if self.environment != "development" and (
            self.secret_key == _DEV_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "QUIZ_SECRET_KEY must be set to a random string of 32+ characters "
                "outside development (QUIZ_ENV=development)"
            )
        return self

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret_key == _DEV_SECRET
