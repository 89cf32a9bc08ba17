"""The demo workspace `upkeep console --demo` (and `upkeep run` without Slack credentials) seeds:
a small payments team, so every command has something to show. Loaded from `demo.yaml` through
the same config import as `upkeep import`."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.config import import_config
from models.core.config import Report
from models.core.people import UserLookup, find_team
from models.core.workspace import Workspace
from models.pages.formats import PARSERS
from models.pages.ingest import ingest
from models.pages.integrations import add_integration
from models.pages.pages import Page
from models.slos.figures import refresh_figures
from models.slos.slos import SliCount, find_slo

YOU = "U0YOU"
CHANNEL = "C0PAYMENTS"
CHANNELS = {
    CHANNEL: "payments",
    "C0PAYONCALL": "payments-oncall",
    "C0PLATFORM": "platform",
    "C0GENERAL": "general",
    "C0PAYREQ": "payments-requests",
}

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


# (alert name, service, hours ago): a week of pages for `/oncall load` and the digest to show.
PAGES = [
    ("DiskAlmostFull", "ledger", 150),
    ("DiskAlmostFull", "ledger", 126),
    ("HighLatency", "billing-api", 100),
    ("DiskAlmostFull", "ledger", 78),
    ("CertExpiring", "billing-api", 60),
    ("QueueBacklog", "refunds-worker", 40),
    ("HighLatency", "billing-api", 30),
    ("DiskAlmostFull", "ledger", 9),
    ("KafkaLag", "payments-kafka", 5),
]


def seed(db: Session, workspace: Workspace, now: datetime, lookup: UserLookup | None) -> Report:
    report = import_config(db, workspace, config(), now, lookup)
    if not db.scalar(select(Page.id).where(Page.workspace_id == workspace.id).limit(1)):
        seed_pages(db, workspace, now)
    seed_slo(db, workspace, now)
    return report


# checkout's pushed counts: 10,000 requests an hour for 30 days, 4 of them failing (0.04%), 12 in
# each of the last 6 hours: about 59% of a 99.9% budget left, burning at 1.2x.
SLO_TRAFFIC, SLO_ERRORS, SLO_BAD_HOURS, SLO_BAD_ERRORS = 10_000, 4, 6, 12


def seed_slo(db: Session, workspace: Workspace, now: datetime) -> None:
    """30 days of pushed counts for the demo SLO (once), and its figures at `now`, as the
    worker's refresh stores them: `/slo` shows real numbers from the start."""
    slo = find_slo(db, workspace.id, "checkout")
    if slo is None:
        return
    if not db.scalar(select(SliCount.id).where(SliCount.slo_id == slo.id).limit(1)):
        for hours in range(30 * 24, 0, -1):
            errors = SLO_BAD_ERRORS if hours <= SLO_BAD_HOURS else SLO_ERRORS
            start = now - timedelta(hours=hours)
            db.add(
                SliCount(
                    slo_id=slo.id,
                    start=start,
                    end=start + timedelta(hours=1),
                    good=SLO_TRAFFIC - errors,
                    total=SLO_TRAFFIC,
                )
            )
        db.flush()
    refresh_figures(db, [slo], None, now)


def seed_pages(db: Session, workspace: Workspace, now: datetime) -> None:
    """A demo integration and a week of pages, through the same ingest as `/hooks/generic`."""
    team = find_team(db, workspace, "payments")
    integration, _ = add_integration(
        db, workspace, team, source="generic", now=now, rotation="payments-primary"
    )
    alerts = [
        {
            "key": f"demo-{i}",
            "title": f"{name} on {service}",
            "alert": name,
            "service": service,
            "started_at": (now - timedelta(hours=ago)).isoformat(),
        }
        for i, (name, service, ago) in enumerate(PAGES)
    ]
    ingest(db, integration, PARSERS["generic"]({"alerts": alerts}, now), now=now)
