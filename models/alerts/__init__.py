"""Alerting: escalation policies and routes, alert groups, heartbeats."""
