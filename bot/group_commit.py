"""Group commit: requests that arrive together share one transaction, and each is answered only
after that transaction commits.

A commit costs a disk flush on PostgreSQL (and a turn at SQLite's single writer); a webhook
request writes a row or two. So a request queues its work and waits; one waiting request at a
time leads: it takes everything queued (its own work first in line), runs it as one batch and
hands the lead to the next waiting request. Alone, a request leads its own batch of one; under
load, batches grow by themselves and the flushes per alert fall. No thread of our own is needed,
and nothing is answered before it is stored.

`run_batch(items)` returns one result per item, or raises; then each item is retried alone, so a
bad item fails only its own request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
_UNSET = object()
Result = TypeVar("Result")


class _Ticket(Generic[Item, Result]):
    __slots__ = ("item", "ready", "lead", "result", "error")

    def __init__(self, item: Item):
        self.item = item
        self.ready = threading.Event()
        self.lead = False
        self.result: Result | object = _UNSET
        self.error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    def __init__(self, run_batch: Callable[[Sequence[Item]], list[Result]], limit: int = 100):
        self.run_batch = run_batch
        self.limit = limit
        self._lock = threading.Lock()
        self._queue: list[_Ticket[Item, Result]] = []
        self._leading = False
        self.batches = 0  # for tests and benchmarks: how many transactions ran

    @property
    def waiting(self) -> int:
        """Items queued for the next batch."""
        with self._lock:
            return len(self._queue)

    def submit(self, item: Item) -> Result:
        """Run `item` in the next batch; its result once the batch is stored (or its error)."""
        ticket: _Ticket[Item, Result] = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            if not self._leading:
                self._leading = ticket.lead = True
        if not ticket.lead:
            ticket.ready.wait()
        if ticket.lead:  # first in line: run the batch, then pass the lead on
            self._run_next()
        if ticket.error is not None:
            raise ticket.error
        return ticket.result  # type: ignore[return-value]

    def _run_next(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[: self.limit], self._queue[self.limit :]
        try:
            self._run(batch)
        finally:
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.ready.set()
                else:
                    self._leading = False
            for ticket in batch:
                if ticket.result is _UNSET and ticket.error is None:  # the batch was cut short
                    ticket.error = RuntimeError("the batch storing this was interrupted")
                ticket.ready.set()

    def _run(self, batch: list[_Ticket[Item, Result]]) -> None:
        self.batches += 1
        try:
            results = self.run_batch([t.item for t in batch])
        except Exception as e:
            if len(batch) == 1:
                batch[0].error = e
                return
            for ticket in batch:  # one bad item must not fail the others
                self._run([ticket])
            return
        for ticket, result in zip(batch, results, strict=True):
            ticket.result = result
