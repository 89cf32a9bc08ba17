"""SLOs and error budgets: `/slo`, the worker's refresh of their figures from Prometheus."""

from bot.feature import Feature
from handlers.slos.commands import home_blocks, slo
from handlers.slos.jobs import JOBS

FEATURE = Feature("slos", commands=[slo], home=home_blocks, jobs=JOBS)
