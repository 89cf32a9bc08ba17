"""Requests from outside a team: one way in, a shield who triages, a first-response SLA."""
