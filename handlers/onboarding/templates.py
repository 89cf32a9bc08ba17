"""`/onboard templates`: the onboarding templates, and for a team's leads (and admins) New from
built-in, Edit and Remove; the template form (its steps, each with Edit, Up, Down, Remove, and
Add a step) and the step form. Each change is saved as it is made, as the `onboarding:` section
would write it, and audited."""

from __future__ import annotations

import json

from bot.commands import no_extra_words
from bot.deps import CommandRequest, Deps, command_request
from bot.later import replace_message, update_view
from bot.render import Reply, state_value
from handlers.onboarding.commands import onboard
from handlers.onboarding.template_blocks import (
    ADD_STEP,
    EDIT_STEP,
    EDIT_TEMPLATE,
    NEW_TEMPLATE,
    NEW_TEMPLATE_VIEW,
    REMOVE_STEP,
    REMOVE_TEMPLATE,
    STEP_DOWN,
    STEP_UP,
    STEP_VIEW,
    new_template_view,
    step_view,
    template_view,
    templates_message,
)
from models.core.config import ConfigError
from models.core.errors import NotFound, PermissionDenied, UserError
from models.core.numbers import whole_number
from models.core.people import get_team, is_lead, teams_led_by
from models.onboarding.edits import (
    move_step,
    remove_step,
    save_step,
    step_problem,
    template_from_built_in,
    template_snapshot,
)
from models.onboarding.templates import OnboardingTemplate, stored_templates

TEMPLATES = "/onboard templates"
FIELDS = {"day": "day", "at": "time", "title": "title", "body": "body"}  # step key -> input


def may_change_template(req: CommandRequest, row: OnboardingTemplate) -> bool:
    """An admin, or a lead of the template's team (one for any team is an admin's)."""
    return req.person.is_admin or (row.team is not None and is_lead(row.team, req.person))


def templates_reply(req: CommandRequest) -> Reply:
    rows = stored_templates(req.db, req.workspace)
    changeable = {r.id for r in rows if may_change_template(req, r)}
    text, blocks = templates_message(
        rows, changeable, may_create=bool(teams_led_by(req.db, req.workspace, req.person))
    )
    return Reply(text=text, blocks=blocks)


@onboard.sub(
    "templates",
    TEMPLATES,
    "the onboarding templates; a team's leads make one from the built-in and change its steps",
)
def templates_command(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args, TEMPLATES)
    return templates_reply(req)


def chosen_template(req: CommandRequest, value: str | None) -> OnboardingTemplate:
    """The template a button or form names, if the asker may change it."""
    number = whole_number(str(value or "").partition(":")[0], 1)
    row = req.db.get(OnboardingTemplate, number) if number is not None else None
    if row is None or row.workspace_id != req.workspace.id:
        raise NotFound("That onboarding template is gone.")
    if not may_change_template(req, row):
        who = f"{row.team.possessive} leads" if row.team else "workspace admins"
        raise PermissionDenied(f"Only {who} can change `{row.name}`.", team=row.team)
    return row


def chosen_step(value: str) -> int:
    number = whole_number(value.partition(":")[2])
    if number is None:
        raise NotFound("That step is gone.")
    return number


def audit_template(req: CommandRequest, action: str, row: OnboardingTemplate, before) -> None:
    after = template_snapshot(row) if action.endswith("set") else None
    req.audit(action, row.name, before=before, after=after, team=row.team)


def create_template(req: CommandRequest, values: dict) -> OnboardingTemplate:
    """The New from built-in form: a wrong name or a team the asker doesn't lead is an error on
    its input."""
    team_name = state_value(values, "team")
    team = get_team(req.db, req.workspace, team_name) if team_name else None
    if team is None and not req.person.is_admin:
        raise UserError("Choose one of the teams you lead.", field="team")
    if team is not None and not (req.person.is_admin or is_lead(team, req.person)):
        raise PermissionDenied(
            f"Only {team.possessive} leads or an admin can make its templates.",
            team=team,
            field="team",
        )
    name = state_value(values, "name")
    row = template_from_built_in(req.db, req.workspace, name=name, team=team, now=req.now())
    audit_template(req, "onboarding.template.set", row, None)
    return row


def step_entry(values: dict) -> dict:
    """The step form as a config file's step; a wrong value is an error on its input."""
    raw_day = state_value(values, "day").strip()
    day = whole_number(raw_day)
    if day is None:
        raise UserError(f"`{raw_day}` is not a workday number: 0, 1, 2 …", field="day")
    entry: dict = {
        "day": day,
        "at": state_value(values, "time"),
        "title": state_value(values, "title").strip(),
        "body": state_value(values, "body").strip() or state_value(values, "title").strip(),
    }
    ticks = [x.strip() for x in state_value(values, "checklist").splitlines() if x.strip()]
    if ticks:
        entry["checklist"] = ticks
    links = []
    for line in state_value(values, "links").splitlines():
        label, _, url = line.strip().rpartition(" ")
        if not line.strip():
            continue
        if not label.strip():
            raise UserError(
                f"`{url}`: write a label before the address, like Handbook {url}", field="links"
            )
        links.append({"label": label.strip(), "url": url})
    if links:
        entry["links"] = links
    return entry


def save_step_form(req: CommandRequest, meta: dict, values: dict) -> OnboardingTemplate:
    row = chosen_template(req, str(meta.get("template") or ""))
    before = template_snapshot(row)
    entry = step_entry(values)
    try:
        save_step(row, meta.get("step"), entry, req.now())
    except ConfigError as error:
        key, problem = step_problem(error)
        field = FIELDS.get(key, key if key in ("checklist", "links") else "title")
        raise UserError(f"{problem[:1].upper()}{problem[1:]}.", field=field) from None
    audit_template(req, "onboarding.template.set", row, before)
    return row


def template_listeners(app, deps: Deps) -> None:
    def value_of(body: dict) -> str:
        return body["actions"][0].get("value", "")

    @app.action(NEW_TEMPLATE)
    def new_template(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        teams = teams_led_by(req.db, req.workspace, req.person)
        if not teams:
            raise PermissionDenied("Only a team's leads or an admin can make onboarding templates.")
        view = new_template_view(teams, any_team=req.person.is_admin)
        req.client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(NEW_TEMPLATE_VIEW)
    def new_template_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        row = create_template(req, body["view"]["state"]["values"])
        ack(response_action="update", view=template_view(row))

    @app.action(EDIT_TEMPLATE)
    def edit_template(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        row = chosen_template(req, value_of(body))
        req.client.views_open(trigger_id=body["trigger_id"], view=template_view(row))

    @app.action(REMOVE_TEMPLATE)
    def remove_template(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        row = chosen_template(req, value_of(body))
        req.audit(
            "onboarding.template.remove", row.name, before=template_snapshot(row), team=row.team
        )
        req.db.delete(row)
        req.db.flush()
        req.later(replace_message(body, templates_reply(req)))

    def open_step(body: dict, context, index: int | None) -> None:
        req = command_request(deps, context)
        row = chosen_template(req, value_of(body))
        view = step_view(row, index, body["view"]["id"])
        req.client.views_push(trigger_id=body["trigger_id"], view=view)

    @app.action(ADD_STEP)
    def add_step(ack, body: dict, context) -> None:
        ack()
        open_step(body, context, None)

    @app.action(EDIT_STEP)
    def edit_step(ack, body: dict, context) -> None:
        ack()
        open_step(body, context, chosen_step(value_of(body)))

    def change_step(action: str):
        def listener(ack, body: dict, context) -> None:
            ack()
            req = command_request(deps, context)
            row = chosen_template(req, value_of(body))
            index = chosen_step(value_of(body))
            before = template_snapshot(row)
            if action == REMOVE_STEP:
                remove_step(row, index, req.now())
            else:
                move_step(row, index, -1 if action == STEP_UP else 1, req.now())
            audit_template(req, "onboarding.template.set", row, before)
            req.later(update_view(view_id=body["view"]["id"], view=template_view(row)))

        listener.__name__ = action
        return listener

    for action in (STEP_UP, STEP_DOWN, REMOVE_STEP):
        app.action(action)(change_step(action))

    @app.view(STEP_VIEW)
    def step_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        meta = json.loads(body["view"].get("private_metadata") or "{}")
        row = save_step_form(req, meta, body["view"]["state"]["values"])
        ack()  # the step form closes; the template form under it shows the change
        req.later(update_view(view_id=str(meta.get("editor") or ""), view=template_view(row)))
