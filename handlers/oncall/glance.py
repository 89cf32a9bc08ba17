"""`@upkeep who is on call ...?` and the on-call part of App Home: who is on call for the
asker's teams and their next shifts, answered with `/oncall`'s lookups."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.deps import CommandRequest
from bot.feature import Intent
from bot.render import Reply, actions, button, section
from handlers.oncall.blocks import ADD_ROTATION, shift_line
from handlers.oncall.commands import answer_for, who_lines, who_reply
from handlers.oncall.which import channel_rotations
from models.catalog.services import match_service
from models.core.people import find_team, is_lead
from models.core.people import teams_of_person as person_teams
from models.core.when import find_at
from models.oncall.rotations import lookup_rotation, rotations_of
from models.oncall.shifts import person_shifts

# Words after "on call for" that name no rotation: "for the weekend", "for us", "for tonight".
NOT_NAMES = frozenset(
    "a an the this that next us me you them it our my your here now today tonight tomorrow "  # noqa: SIM905
    "weekend week night".split()
)


def answer_mention(req: CommandRequest, match: re.Match[str]) -> Reply:
    """`who is on call [for <rotation|team|service>] [<time or day>]?`: the time words are the
    command's (`tomorrow`, `next week`, `friday at 3pm`), and are no name."""
    words = match.string.split()
    at: datetime | date = req.now()
    found = find_at(words, req.now(), req.tz)
    if found is not None:
        at, start, used = found
        words = words[:start] + words[start + used :]
    text = " ".join(words)
    for word in re.findall(r"[a-z0-9][a-z0-9_-]*", text):
        if (
            lookup_rotation(req.db, req.workspace, word)
            or find_team(req.db, req.workspace, word)
            or match_service(req.db, req.workspace, word)
        ):
            return answer_for(req, word, at)
    named = re.search(r"\bfor\s+([a-z0-9][a-z0-9_-]*)", text)
    if named and named.group(1) not in NOT_NAMES:  # a name that is no rotation, team or service
        return answer_for(req, named.group(1), at)
    return who_reply(req, channel_rotations(req), at)


MENTIONS = [Intent(re.compile(r"\bon[- ]?call\b"), "who is on call tomorrow?", answer_mention)]


def home_blocks(req: CommandRequest) -> list[dict]:
    teams = person_teams(req.db, req.person)
    rotations = rotations_of(req.db, req.workspace, teams)[:10]
    now = req.now()
    mine = person_shifts(req.db, req.person, now, end=now + timedelta(weeks=4))[:5]
    led = [t for t in teams if is_lead(t, req.person)][:5]
    if not rotations and not mine and not led:
        return []
    on_now = "\n".join(who_lines(req, rotations, now)) or "Your teams have no rotations yet."
    next_shifts = (
        "\n".join(shift_line(s, req.tz, r) for r, s in mine) or "None in the next 4 weeks."
    )
    blocks = [
        section(f"*On call now*\n{on_now}"),
        section(f"*Your next shifts*\n{next_shifts}"),
    ]
    if led:  # leads add rotations to their teams
        label = "Add a rotation" if len(led) == 1 else "Add a rotation to {}"
        blocks.append(actions(*[button(label.format(t.name), ADD_ROTATION, t.name) for t in led]))
    return blocks
