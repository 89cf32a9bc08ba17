"""What the alerting tests share: the payments team with its rotation and services, an
escalation policy, a generic integration, and a way to post alerts to the running server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from models import AlertGroup, Workspace
from models.core.people import find_person, find_team
from models.oncall.overrides import add_override
from models.oncall.rotations import lookup_rotation
from models.pages.integrations import add_integration
from tests.factories import CATALOG, configure, lookup

ALERTING = """
alerting:
  - team: payments
    urgent: [critical, page]
    escalations:
      - name: standard
        steps:
          - rotation: payments-primary
            wait: 5
          - person: U0LEAD
            wait: 10
          - channel: payments
"""


@dataclass
class Hooks:
    url: str
    token: str
    app: Any = None  # with it, `fire` returns once the notifications it started were sent

    def post(self, body: dict) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.url}/hooks/generic",
            data=json.dumps(body).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def fire(self, key: str, *, group: str = "", severity: str = "page", **extra) -> dict:
        body = {
            "key": key,
            "title": extra.pop("title", f"HighErrorRate on billing-api ({key})"),
            "service": "billing-api",
            "severity": severity,
            "group_key": group,
            **extra,
        }
        status, answer = self.post(body)
        assert status == 200, answer
        if self.app is not None:
            assert self.app.after.drain()
        return answer


@pytest.fixture
def alerting(db, clock, slack) -> Workspace:
    """Teams, the payments-primary rotation (Ana on call from START), services and ALERTING."""
    return configure(db, clock, CATALOG + ALERTING, lookup=lookup(slack))


@pytest.fixture
def hooks(db, alerting, server, app) -> Hooks:
    team = find_team(db, alerting, "payments")
    _, token = add_integration(
        db, alerting, team, source="generic", now=alerting.created_at, severities="*"
    )
    db.commit()
    return Hooks(server, token, app)


def covering(db, workspace: Workspace, uid: str, around: datetime) -> None:
    """`uid` covers payments-primary from an hour before `around` to an hour after."""
    rotation = lookup_rotation(db, workspace, "payments-primary")
    add_override(
        db,
        rotation,
        find_person(db, workspace, uid),
        start=around - timedelta(hours=1),
        end=around + timedelta(hours=1),
        reason="swap",
        created_by=None,
        now=around,
    )
    db.commit()


def groups(db) -> list[AlertGroup]:
    db.expire_all()
    return list(db.scalars(select(AlertGroup).order_by(AlertGroup.id)))


def action_ids(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def shown_text(message: dict) -> str:
    """A message's blocks' text, joined."""
    out = []
    for block in message["blocks"]:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            if element.get("type") == "mrkdwn":
                out.append(element["text"])
    return "\n".join(out)
