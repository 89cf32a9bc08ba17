"""Upkeep's runtime: configuration, database, the Bolt app, web server, scheduler and CLI."""

__version__ = "0.1.0"
