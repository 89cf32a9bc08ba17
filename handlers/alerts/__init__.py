"""Alerts reach people: each alert group notifies whoever its escalation policy names, with
Ack, Resolve and Escalate now buttons, and escalates until someone acks."""

from bot.feature import Feature
from handlers.alerts.actions import listeners
from handlers.alerts.commands import oncall
from handlers.alerts.jobs import JOBS
from handlers.alerts.notify import notify_group

FEATURE = Feature("alerts", subcommands=[oncall, notify_group], listeners=listeners, jobs=JOBS)
