"""Settings: one pydantic-settings class, built by `load_settings()` (never at import time)."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_app_token: str = ""
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = "sqlite:///upkeep.db"
    port: int = 3000
    public_url: str = "http://localhost:3000"
    log_level: str = "INFO"
    # How often the worker asks what is due, in seconds.
    worker_tick_seconds: float = 60.0
    # For tests and rehearsals only: the process clock reads this instant at start and runs on
    # from it at real speed, so a process can be seen doing what falls due at a chosen time.
    clock_start: datetime | None = None
    # Where SLO figures come from (optional): Prometheus's base URL, and its credentials, a
    # bearer token or a user name and password (basic auth).
    prometheus_url: str = ""
    prometheus_bearer_token: str = ""
    prometheus_username: str = ""
    prometheus_password: str = ""
    prometheus_timeout_seconds: float = 10.0
    # Personal notification webhooks (`/oncall notify add`) may reach private, loopback and
    # link-local addresses: for tests and closed networks only (else they are refused).
    notify_webhooks_allow_private: bool = False

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("CLOCK_START needs a UTC offset (like 2026-03-02T09:00:00Z)")
        return value

    @field_validator("worker_tick_seconds")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not 0 < value <= 3600:
            raise ValueError("WORKER_TICK_SECONDS must be more than 0 and at most 3600")
        return value

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def has_slack_credentials(self) -> bool:
        """HTTP mode needs a bot token and a signing secret; Socket Mode a bot and an app token."""
        if self.slack_app_token:
            return bool(self.slack_bot_token)
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)


def load_settings(**overrides) -> Settings:
    """Read the environment (and `.env`); keyword overrides win."""
    return Settings(**overrides)
