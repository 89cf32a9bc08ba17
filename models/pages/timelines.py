"""Who is on call, as page ingest keeps it between requests: each rotation's timeline as last
read, used again while the rotation's `schedule_version` stays the same."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.oncall.schedule import Timeline


@dataclass(frozen=True)
class KeptTimeline:
    """A rotation's timeline over [start, end), as it was at `version`."""

    version: int
    start: datetime
    end: datetime
    timeline: Timeline

    def serves(self, version: int, first: datetime, last: datetime) -> bool:
        return self.version == version and self.start <= first <= last < self.end


class KeptTimelines:
    """Rotation id -> its timeline as last read, for one database (the webhook app keeps one).
    Alerts mostly started minutes ago: a week back and a day ahead of a batch's alerts covers
    the next batches too."""

    BEFORE, AFTER = timedelta(days=7), timedelta(days=1)

    def __init__(self) -> None:
        self._kept: dict[int, KeptTimeline] = {}
        self._lock = threading.Lock()

    def get(self, rotation_id: int, version: int, *, first: datetime, last: datetime):
        with self._lock:
            kept = self._kept.get(rotation_id)
        return kept.timeline if kept is not None and kept.serves(version, first, last) else None

    def put(self, rotation_id: int, kept: KeptTimeline) -> None:
        with self._lock:
            self._kept[rotation_id] = kept

    def batch(self) -> KeptInBatch:
        return KeptInBatch(self)


class KeptInBatch:
    """What one transaction read: kept for the next ones only once it committed (a rollback
    expires the objects it loaded, and what it read may not have been so)."""

    def __init__(self, kept: KeptTimelines):
        self.kept = kept
        self.fresh: dict[int, KeptTimeline] = {}

    def get(self, rotation_id: int, version: int, *, first: datetime, last: datetime):
        mine = self.fresh.get(rotation_id)
        if mine is not None and mine.serves(version, first, last):
            return mine.timeline
        return self.kept.get(rotation_id, version, first=first, last=last)

    def put(self, rotation_id: int, kept: KeptTimeline) -> None:
        self.fresh[rotation_id] = kept

    def committed(self) -> None:
        for rotation_id, kept in self.fresh.items():
            self.kept.put(rotation_id, kept)
