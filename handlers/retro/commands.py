"""`/retro`: anonymous topics, and action items with owners and due dates."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from bot.commands import Command, no_extra_words, parse_user, split_options, usage_on_errors
from bot.deps import CommandRequest
from bot.render import Reply, section, user_text
from bot.slack import lookup_user
from handlers.retro.blocks import action_lines, action_list
from models.core.errors import UserError
from models.core.people import ensure_person, get_team, relevant_teams, require_member
from models.core.when import parse_date
from models.core.workspace import Team
from models.retro import retros as model

retro = Command("/retro", "retro topics and action items")
TOPIC_USAGE = "/retro topic <text> [team=<team>]"
ACTION_USAGE = "/retro action <text> <@owner> [due <date>] [team=<team>]"


def today_in(req: CommandRequest, tz: str | None = None) -> date:
    """Today in `tz` (a team's zone, for its due dates), else in the asker's."""
    return req.now().astimezone(ZoneInfo(tz or req.tz)).date()


def pick_team(req: CommandRequest, options: dict[str, str], usage: str) -> Team:
    if "team" in options:
        return get_team(req.db, req.workspace, options["team"], usage)
    teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError("You're not in a team, and this channel isn't a team's.", usage)
    names = ", ".join(t.name for t in teams)
    raise UserError(f"Which team? Add `team=<team>` (one of {names}).", usage)


@retro.sub("topic", TOPIC_USAGE, "suggest a topic for the next retro (shown without your name)")
def topic(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, TOPIC_USAGE)
    team = pick_team(req, options, TOPIC_USAGE)
    require_member(req.db, team, req.person, "add retro topics")
    with usage_on_errors(TOPIC_USAGE):
        model.add_topic(req.db, team, " ".join(words), now=req.now())
    return Reply(text=f"Added to {team.possessive} next retro. It will be shown without your name.")


@retro.sub("action", ACTION_USAGE, "record an action item with an owner and a due date")
def action(req: CommandRequest, args: list[str]) -> Reply:
    words, options = split_options(args, ACTION_USAGE)
    team = pick_team(req, options, ACTION_USAGE)
    require_member(req.db, team, req.person, "add retro action items")
    owners = [i for i, w in enumerate(words) if parse_user(w)]
    if not owners:
        raise UserError("Name the owner with an @mention.", ACTION_USAGE)
    at = owners[-1]
    tail = words[at + 1 :]
    due = None
    if tail:
        if len(tail) < 2 or tail[0].lower() != "due":
            raise UserError("After the owner, only `due <date>` may follow.", ACTION_USAGE)
        due = parse_date(tail[1:], today_in(req), ACTION_USAGE)
    uid = parse_user(words[at])
    assert uid is not None
    owner = ensure_person(
        req.db, req.workspace, uid, req.now(), lambda u: lookup_user(req.client, u)
    )
    with usage_on_errors(ACTION_USAGE):
        item = model.add_action(
            req.db,
            team,
            " ".join(words[:at]),
            owner=owner,
            due=due,
            creator=req.person,
            now=req.now(),
            today=today_in(req, team.tz),
        )
    req.db.flush()
    req.audit(
        "retro.action",
        f"#{item.id}",
        after={"text": item.text, "owner": uid, "due": due.isoformat() if due else None},
        team=team,
    )
    when = f", due {due:%a %d %b}" if due else ""
    said = user_text(item.text)
    return Reply(text=f"Action item #{item.id} for {owner.mention}{when}: {said}", public=True)


@retro.sub("actions", "/retro actions [team]", "open action items, overdue ones marked")
def list_actions(req: CommandRequest, args: list[str]) -> Reply:
    usage = retro.usage("actions")
    words, options = split_options(args, usage)
    if words:
        options["team"] = words[0]
    no_extra_words(words[1:], usage)
    team = pick_team(req, options, usage)
    text, blocks = action_list(team.name, model.open_actions(req.db, team), today_in(req, team.tz))
    return Reply(text=text, blocks=blocks)


def home_blocks(req: CommandRequest) -> list[dict]:
    """App Home: the asker's open retro action items, overdue ones marked."""
    mine = model.open_actions_of(req.db, req.person)
    if not mine:
        return []
    lines = action_lines(mine[:10], today_in(req))
    more = f"\n…and {len(mine) - 10} more: `/retro actions`" if len(mine) > 10 else ""
    return [section("*Your retro action items*\n" + "\n".join(lines) + more)]
