"""A catalog for tests: the payments and search teams, a rotation, and services, loaded through
the config import as `upkeep import` would."""

from __future__ import annotations

import pytest

from tests import rituals_setup

CATALOG = """
rotations:
  - name: payments-primary
    team: payments
    handoff: monday 10:00
    every: 1w
    start: 2026-03-02
    members: [U0ANA, U0BEN]
services:
  - name: billing-api
    title: Billing API
    team: payments
    dri: U0BEN
    rotation: payments-primary
    tier: 1
    runbook: https://runbooks.example.com/billing-api
    repo: https://github.com/example/billing-api
    depends_on: [ledger]
  - name: ledger
    team: payments
    dri: U0ANA
    tier: 2
    rotation: payments-primary
    runbook: https://runbooks.example.com/ledger
  - name: billing-worker
    team: payments
    tier: 3
  - name: search-indexer
    team: search
    dri: U0GONE
    tier: 1
"""


@pytest.fixture
def catalog(db, clock, slack):
    return rituals_setup.configure(db, clock, CATALOG, lookup=rituals_setup.lookup(slack))
