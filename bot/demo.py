"""The demo workspace `upkeep console --demo` (and `upkeep run` without Slack credentials) seeds:
a small payments team, so every command has something to show. Loaded from `demo.yaml` through
the same config import as `upkeep import`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from models.config import Report, import_config
from models.people import UserLookup
from models.workspace import Workspace

YOU = "U0YOU"
CHANNEL = "C0PAYMENTS"
CHANNELS = {CHANNEL: "payments", "C0PAYONCALL": "payments-oncall", "C0GENERAL": "general"}

# uid -> (real name, IANA zone, extra users.info fields)
PEOPLE: dict[str, tuple[str, str, dict[str, Any]]] = {
    YOU: ("You", "Europe/London", {"is_admin": True}),
    "U0ANA": ("Ana Alves", "Europe/Berlin", {}),
    "U0BEN": ("Ben Brooks", "America/New_York", {}),
    "U0CHO": ("Cho Chen", "Asia/Tokyo", {}),
    "U0DEV": ("Dev Desai", "Asia/Kolkata", {}),
}

CONFIG_FILE = Path(__file__).with_name("demo.yaml")  # also the documented example


def config() -> dict[str, Any]:
    return yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))


def seed(db: Session, workspace: Workspace, now: datetime, lookup: UserLookup | None) -> Report:
    return import_config(db, workspace, config(), now, lookup)
