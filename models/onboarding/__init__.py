"""Onboarding: templates, walkthroughs, buddies, shadow shifts."""

from models.onboarding import shadows  # noqa: F401 - registers the listener for shadow writes
