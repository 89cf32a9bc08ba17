"""Onboarding: templates, walkthroughs, buddies, shadow shifts."""
