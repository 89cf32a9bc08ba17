"""On call: rotations, their rules over time, overrides and cover requests.

Importing any of it registers the listener that keeps `Rotation.schedule_version` honest
(`models.oncall.versions`), whichever module a process starts from."""

from models.oncall import versions  # noqa: F401
