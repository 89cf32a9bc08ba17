"""Settings: read from the environment and `.env` when asked, never at import time."""

from __future__ import annotations

import re
from pathlib import Path

from bot.db import database_kind, normalize_url
from bot.settings import DEFAULT_SLACK_API_URL, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_and_loads_as_the_defaults(tmp_path, monkeypatch):
    example = (ROOT / ".env.example").read_text()
    names = set(re.findall(r"^([A-Z_]+)=", example, re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert names == fields
    assert all(line.endswith("=") for line in example.splitlines() if re.match(r"^[A-Z_]+=", line))
    (tmp_path / ".env").write_text(example)
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.slack_api_url == DEFAULT_SLACK_API_URL
    assert settings.port == 3000 and settings.database_url == "sqlite:///upkeep.db"
    assert not settings.has_slack_credentials


def test_environment_and_overrides(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("PUBLIC_URL", "https://upkeep.example.com/")
    settings = load_settings(port=8080)
    assert settings.socket_mode and settings.has_slack_credentials
    assert settings.public_url == "https://upkeep.example.com" and settings.port == 8080


def test_postgres_urls_mean_psycopg_3():
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_kind("postgres://u@h/db") == "postgresql"
    assert database_kind("sqlite:///x.db") == "sqlite"


def test_procfile_runs_migrations_web_and_worker():
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert procfile == {
        "release": "upkeep db upgrade",
        "web": "upkeep serve",
        "worker": "upkeep worker",
    }
