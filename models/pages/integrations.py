"""Alert integrations: one sender (Alertmanager, PagerDuty, Opsgenie or the generic JSON)
feeding one team, with its own token. Only a hash of the token is kept; PagerDuty may also sign
its webhooks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, joinedload, lazyload, mapped_column, relationship

from models.core.base import Base, UTCDateTime
from models.core.errors import UserError
from models.core.workspace import Team, Workspace
from models.oncall.rotations import find_rotation
from models.pages.formats import SOURCES

DEFAULT_SEVERITIES = {
    "alertmanager": "page,critical",
    "pagerduty": "high",
    "opsgenie": "P1,P2",
    "generic": "page,critical",
}
ANY_SEVERITY = "*"
TOKEN_PREFIX = "upk_"


class Integration(Base):
    """A sender feeding one team's pages. Only a hash of the token is kept."""

    __tablename__ = "page_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(16))
    rotation: Mapped[str | None] = mapped_column(String(80))  # a rotation's name
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_prefix: Mapped[str] = mapped_column(String(12))
    severities: Mapped[str] = mapped_column(String(200))  # comma-separated; "*" for any
    signing_secret: Mapped[str | None] = mapped_column(String(200))  # PagerDuty only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    team: Mapped[Team] = relationship(lazy="joined")
    workspace: Mapped[Workspace] = relationship()

    def accepts(self, severity: str) -> bool:
        return severity_wanted(self.severities, severity)


def severity_wanted(severities: str, severity: str) -> bool:
    wanted = {s.strip().lower() for s in severities.split(",") if s.strip()}
    return ANY_SEVERITY in wanted or severity.lower() in wanted


@dataclass(frozen=True)
class CatalogRef:
    """Enough of a workspace to match service names (`models.catalog.services.name_index`)."""

    id: int
    catalog_version: int


@dataclass(frozen=True)
class Hook:
    """An integration as the webhook path keeps it between requests
    (`handlers.pages.http.TOKEN_TTL`): what ingest needs, without reading the integration again
    for every batch."""

    id: int
    workspace_id: int
    team_id: int
    source: str
    rotation: str | None
    severities: str
    signing_secret: str | None
    workspace: CatalogRef
    # The team's zone and public holidays (country, region), kept with it like the rest: ingest
    # needs them for every page's hour class.
    team_row: tuple[str, str | None, str | None] | None = None

    @classmethod
    def of(cls, integration: Integration) -> Hook:
        workspace = integration.workspace
        team = integration.team
        return cls(
            integration.id,
            integration.workspace_id,
            integration.team_id,
            integration.source,
            integration.rotation,
            integration.severities,
            integration.signing_secret,
            CatalogRef(workspace.id, workspace.catalog_version or 0),
            (team.tz or "UTC", team.holiday_country, team.holiday_region),
        )

    def accepts(self, severity: str) -> bool:
        return severity_wanted(self.severities, severity)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_source(source: str) -> str:
    source = source.strip().lower()
    if source not in SOURCES:
        raise UserError(f"`{source}` is not a source I read. Sources: {', '.join(SOURCES)}.")
    return source


def check_severities(text: str) -> str:
    values = [s.strip() for s in text.split(",") if s.strip()]
    if not values or any(len(v) > 40 for v in values):
        raise UserError("Give severities as a comma-separated list (like page,critical), or *.")
    return ",".join(values)[:200]


def add_integration(
    db: Session,
    workspace: Workspace,
    team: Team,
    *,
    source: str,
    now: datetime,
    rotation: str | None = None,
    severities: str | None = None,
    signing_secret: str | None = None,
) -> tuple[Integration, str]:
    """A new integration and its token (shown once; only its hash is stored)."""
    source = check_source(source)
    if rotation:
        rotation = rotation.strip().lower()
        rotation = find_rotation(db, workspace, rotation).name
    if signing_secret and source != "pagerduty":
        raise UserError("Only PagerDuty signs its webhooks; leave the signing secret out.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    integration = Integration(
        workspace_id=workspace.id,
        team_id=team.id,
        team=team,
        source=source,
        rotation=rotation or None,
        token_hash=hash_token(token),
        token_prefix=token[:10],
        severities=check_severities(severities or DEFAULT_SEVERITIES[source]),
        signing_secret=signing_secret or None,
        created_at=now,
    )
    db.add(integration)
    db.flush()
    return integration, token


def integrations_of(db: Session, workspace: Workspace) -> list[Integration]:
    return list(
        db.scalars(
            select(Integration)
            .where(Integration.workspace_id == workspace.id)
            .order_by(Integration.id)
        )
    )


# Built once (a webhook is answered in a few milliseconds; building the statement costs too).
_BY_TOKEN = (
    select(Integration)
    .options(lazyload(Integration.team), joinedload(Integration.workspace))
    .where(Integration.token_hash == bindparam("hash"))
)


def integration_by_token(db: Session, token: str) -> Integration | None:
    if not token:
        return None
    return db.scalar(_BY_TOKEN, {"hash": hash_token(token)})


def pagerduty_signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """`X-PagerDuty-Signature: v1=<hex>[,v1=<hex>...]` (several while a secret is rotated):
    HMAC-SHA256 of the raw body. Any one matching signature is enough."""
    if not header:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    for part in header.split(","):
        version, _, signature = part.strip().partition("=")
        if version == "v1" and hmac.compare_digest(signature.strip().lower(), expected):
            return True
    return False
