"""Keeping people current: Slack's `user_change` refreshes what we know of a person; someone who
leaves the workspace while in a rotation is reported to its team's leads."""

from __future__ import annotations

from datetime import timedelta

from bot.deps import Deps
from bot.later import post_message
from bot.render import local_time, section
from models.core.people import apply_profile, ensure_person
from models.core.workspace import Person
from models.oncall.rotations import member_rotations
from models.oncall.shifts import person_shifts

AHEAD = timedelta(weeks=8)  # how far to look for the next shift of someone who left


def register(app, deps: Deps) -> None:
    @app.event("user_change")
    def on_user_change(event: dict, context) -> None:
        user = event.get("user") or {}
        if not user.get("id"):
            return
        now = deps.clock.now()
        person = ensure_person(context["db"], context["workspace"], user["id"], now)
        was_gone = person.deleted
        apply_profile(person, user, now)
        if person.deleted and not was_gone:
            tell_leads_of_leaving(context, person, now)

    @app.event("team_join")
    def on_team_join(event: dict, context) -> None:
        on_user_change(event, context)


def tell_leads_of_leaving(context, person: Person, now) -> None:
    """Each rotation the person is still in: its team's leads hear of it, with their next shift
    (in the lead's zone) and the command that takes them out."""
    db = context["db"]
    upcoming = person_shifts(db, person, now, end=now + AHEAD)
    for rotation in member_rotations(db, person):
        shift = next((s for r, s in upcoming if r.id == rotation.id), None)
        for lead in rotation.team.leads:
            if lead.id == person.id or lead.deleted:
                continue
            tz = lead.zone(rotation.tz)
            when = (
                f"on call next from {local_time(shift.start, tz)} to {local_time(shift.end, tz)}"
                if shift is not None
                else f"with no shift in the next {AHEAD.days // 7} weeks"
            )
            text = (
                f":warning: {person.mention} has left the workspace and is still in "
                f"*{rotation.name}*, {when}. `/oncall out {rotation.name} {person.mention}` takes "
                "them out."
            )
            context["later"](
                post_message(channel=lead.slack_user_id, text=text, blocks=[section(text)])
            )
