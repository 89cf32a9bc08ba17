"""Where SLO figures come from: the Prometheus the settings name (`PROMETHEUS_*`)."""

from __future__ import annotations

from bot.settings import Settings
from models.slos.prometheus import Prometheus


def prometheus_of(settings: Settings, sleep) -> Prometheus | None:
    """The Prometheus the settings name, or None without PROMETHEUS_URL."""
    if not settings.prometheus_url:
        return None
    return Prometheus(
        settings.prometheus_url,
        bearer_token=settings.prometheus_bearer_token,
        username=settings.prometheus_username,
        password=settings.prometheus_password,
        timeout=settings.prometheus_timeout_seconds,
        sleep=sleep,
    )
