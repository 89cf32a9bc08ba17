"""Retros: topics and action items."""
