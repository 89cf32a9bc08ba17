"""A change of who is on call in a rotation, looked at before it stands: who is on call over a
window is read before and after the change, the change waits for Confirm when it raises a
concern (`models.oncall.impact.concerns`), and everyone whose on-call time it moved gets a DM
saying what changed, in their own zone (whoever made the change knows)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.deps import CommandRequest
from bot.later import post_message
from bot.render import Reply, section
from handlers.oncall.blocks import concerns_blocks, moved_text
from models.core.errors import UserError
from models.core.workspace import Person
from models.oncall.impact import OnCall, concerns, moved, on_call_over, review_window
from models.oncall.now import rotation_ref_by_id
from models.oncall.rotations import Rotation

BUTTON_VALUE_LIMIT = 2000  # Slack's


class Review:
    """`with Review(req, rotation) as review:` make the change, `review.made()`, then
    `review.confirm(...)` (guarded changes: a question, the change undone, or None to go on);
    after the block, `review.tell(...)`. An error inside the block undoes the change."""

    def __init__(
        self,
        req: CommandRequest,
        rotation: Rotation | None,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        guarded: bool = True,
    ):
        self.req = req
        self.rotation = rotation
        self.start = start or req.now()
        self.end = end
        self.version = None
        if rotation is not None:
            self.end = end or review_window(rotation, self.start)
            req.db.flush()  # the version read is the one the change starts from
            ref = rotation_ref_by_id(req.db, rotation.id)
            self.version = ref.version if ref else None
        self.before = on_call_over(req.db, rotation, self.start, self.end or self.start)
        self.after: OnCall | None = None
        self._savepoint = req.db.begin_nested() if guarded else None

    def __enter__(self) -> Review:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if error is not None and self._savepoint is not None and self._savepoint.is_active:
            self._savepoint.rollback()

    @property
    def weeks(self) -> int:
        assert self.end is not None
        return round((self.end - self.start) / timedelta(weeks=1))

    def made(self, rotation: Rotation | None = None) -> OnCall:
        """Who is on call now that the change is made (in the session, not yet kept)."""
        if self.rotation is None:  # a rotation just created: nobody was on call in it
            self.rotation = rotation
            assert rotation is not None
            self.end = self.end or review_window(rotation, self.start)
            self.before = OnCall(self.start, self.end, [], [])
        self.req.db.flush()
        self.after = on_call_over(self.req.db, self.rotation, self.start, self.end or self.start)
        return self.after

    def confirm(self, what: str, sub: str, args: list[str], confirmed: int | None) -> Reply | None:
        """None when the change may stand: it raises no concern, or it was confirmed while the
        rotation was as it is now. Else the change is undone and the answer asks."""
        assert self._savepoint is not None and self.after is not None
        found = concerns(self.before, self.after)
        if not found or (confirmed is not None and confirmed == self.version):
            self._savepoint.commit()
            return None
        self._savepoint.rollback()
        value = json.dumps({"sub": sub, "args": args, "v": self.version})
        if len(value) > BUTTON_VALUE_LIMIT:
            raise UserError(f"{what} would need a second look, and that change is too long for me.")
        changed = ""
        if confirmed is not None and self.rotation is not None:
            changed = f"*{self.rotation.name}* changed since you asked. "
        text, blocks = concerns_blocks(what, found, self.req.tz, self.weeks, value, changed=changed)
        return Reply(text=text, blocks=blocks)

    def tell(
        self, headline: Callable[[Person], str], *, open_ended: bool, shifts: bool = False
    ) -> None:
        """A DM to each person whose on-call time moved (not whoever made the change): what
        they gained and lost, or with `shifts` their shifts as they now are (a change of the
        rule moves every handoff); `open_ended` when it goes on past the window."""
        assert self.after is not None and self.rotation is not None
        for change in moved(self.before, self.after):
            person = change.person
            if person.id == self.req.person.id or person.deleted or person.is_bot:
                continue
            text = moved_text(
                headline(person),
                person.zone(self.rotation.tz),
                gained=change.gained,
                lost=change.lost,
                shifts=change.shifts if shifts else None,
                weeks=self.weeks if open_ended else None,
            )
            self.req.later(
                post_message(channel=person.slack_user_id, text=text, blocks=[section(text)])
            )
