"""Priorities: the RICE backlog, the budget, suggestions, checkpoints."""
