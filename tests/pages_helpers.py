"""Alerts in the generic webhook format, as the page tests send them."""

from __future__ import annotations


def alert(
    key: str, started: str, service: str = "billing-api", name: str = "HighErrorRate"
) -> dict:
    return {
        "key": key,
        "title": f"{name} on {service}",
        "alert": name,
        "service": service,
        "started_at": started,
    }
