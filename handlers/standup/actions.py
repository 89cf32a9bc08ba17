"""The standup's "Answer" button and the answer form it opens."""

from __future__ import annotations

import json
from datetime import date

from bot.deps import Deps
from bot.jobs import SendContext
from bot.jobs.deferred import deferrable
from bot.jobs.engine import DeliveryEngine
from bot.render import errors_under
from handlers.standup.blocks import ANSWER_ACTION, ANSWER_FIELD, ANSWER_VIEW, standup_modal
from handlers.standup.jobs import show_answer
from models.core.errors import PermissionDenied
from models.core.people import is_member
from models.core.time import local_instant
from models.core.workspace import Person, Team
from models.standup import standups as model


def _team_and_day(db, person: Person, team_id: int, day: str) -> tuple[Team, date]:
    team = db.get(Team, team_id)
    if team is None or team.workspace_id != person.workspace_id:
        raise PermissionDenied("That standup isn't one of your teams'.")
    if not is_member(team, person):
        raise PermissionDenied("That standup isn't one of your teams'.", team=team)
    return team, date.fromisoformat(day)


@deferrable
def bring_answer(ctx: SendContext, *, team_id: int, day: date) -> None:
    show_answer(DeliveryEngine.from_context(ctx), ctx.db, ctx.db.get_one(Team, team_id), day)


def listeners(app, deps: Deps) -> None:
    @app.action(ANSWER_ACTION)
    def open_answer(ack, body: dict, context, client) -> None:
        ack()
        db, person = context["db"], context["person"]
        team_id, day_text = body["actions"][0]["value"].split(":", 1)
        team, day = _team_and_day(db, person, int(team_id), day_text)
        ritual = model.standup_ritual(db, team)
        at = local_instant(day, ritual.at, model.member_zone(person, team))
        oncall = person.id in model.on_call(db, team, at)
        meta = {"team": team.id, "day": day.isoformat(), "oncall": oncall}
        asked = model.questions_on(db, ritual, person, day, oncall)
        view = standup_modal(team.name, day, asked, meta)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(ANSWER_VIEW)
    def submit_answer(ack, body: dict, context) -> None:
        db, person = context["db"], context["person"]
        meta = json.loads(body["view"]["private_metadata"])
        team, day = _team_and_day(db, person, int(meta["team"]), meta["day"])
        ritual = model.standup_ritual(db, team)
        values = body["view"]["state"]["values"]
        pairs = [
            {"q": q, "a": ((values.get(f"q{i}") or {}).get(ANSWER_FIELD) or {}).get("value") or ""}
            for i, q in enumerate(
                model.questions_on(db, ritual, person, day, bool(meta.get("oncall")))
            )
        ]
        with errors_under("q0"):  # nothing answered: said under the first question
            model.record_answer(
                db,
                team,
                person,
                day=day,
                pairs=pairs,
                oncall=bool(meta.get("oncall")),
                now=deps.clock.now(),
            )
        ack()
        # Once the answer is committed: the summary (posted in its own transaction) sees it, and
        # a summary that fails doesn't lose it.
        context["later"](bring_answer(team_id=team.id, day=day))
