"""The demo workspace `upkeep console --demo` (and `upkeep run` without Slack credentials) seeds:
a small payments team, so every command has something to show. Loaded through the same
config import as `upkeep import`; sections this build doesn't have are left out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models.config import Report, import_config, sections
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

CONFIG: dict[str, Any] = {
    "teams": [
        {
            "name": "payments",
            "channel": CHANNEL,
            "timezone": "Europe/Berlin",
            "leads": [YOU],
            "members": [YOU, "U0ANA", "U0BEN", "U0CHO"],
        },
        {
            "name": "platform",
            "channel": "C0PLATFORM",
            "timezone": "Asia/Kolkata",
            "leads": ["U0DEV"],
            "members": ["U0DEV", "U0CHO"],
        },
    ],
    "rotations": [
        {
            "name": "payments-primary",
            "team": "payments",
            "handoff": "monday 10:00",
            "every": "1w",
            "start": "2026-01-05",
            "members": ["U0ANA", "U0BEN", "U0CHO", YOU],
            "channel": "C0PAYONCALL",
        },
        {
            "name": "platform-daily",
            "team": "platform",
            "handoff": "09:00",
            "every": "1d",
            "start": "2026-01-05",
            "members": ["U0DEV", "U0CHO"],
        },
    ],
    "services": [
        {
            "name": "billing-api",
            "title": "Billing API",
            "team": "payments",
            "dri": "U0BEN",
            "rotation": "payments-primary",
            "tier": 1,
            "runbook": "https://runbooks.example.com/billing-api",
            "repo": "https://github.com/example/billing-api",
            "depends_on": ["ledger"],
        },
        {
            "name": "ledger",
            "team": "payments",
            "dri": "U0ANA",
            "rotation": "payments-primary",
            "tier": 1,
            "runbook": "https://runbooks.example.com/ledger",
        },
        {"name": "refunds-worker", "team": "payments", "tier": 3, "depends_on": ["ledger"]},
        {"name": "search-indexer", "team": "platform", "tier": 2},
    ],
    "rituals": [
        {"kind": "standup", "team": "payments", "days": "mon-fri", "time": "09:30"},
        {
            "kind": "retro",
            "team": "payments",
            "days": "thu",
            "time": "15:00",
            "cadence": "2w",
            "start": "2026-01-08",
        },
    ],
    "priorities": [
        {"team": "payments", "target": 60, "checkpoint": "mon 10:00"},
    ],
}


def seed(db: Session, workspace: Workspace, now: datetime, lookup: UserLookup | None) -> Report:
    known = {s.key for s in sections()}
    data = {key: value for key, value in CONFIG.items() if key in known}
    return import_config(db, workspace, data, now, lookup)
