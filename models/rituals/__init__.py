"""Rituals (what recurs, when) and deliveries (what was sent, once)."""
