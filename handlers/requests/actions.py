"""The listeners of requests: the ask form, the message shortcut "Ask a team", the request
emoji in a team's request channel, the triage buttons and their forms, and the asker's
buttons. Every change is told in the request's thread and to the asker by DM."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from bot.deps import CommandRequest, Deps, command_request
from bot.jobs.deferred import Deferred
from bot.later import direct_message, post_message, respond_later
from bot.render import errors_under, state_value, user_text
from bot.render.text import from_slack
from bot.slack import lookup_user
from handlers.requests import blocks as ui
from handlers.requests.commands import made, teams_taking_requests, today_for
from handlers.requests.tell import announce, post_request, update_dms
from models.core.errors import UserError
from models.core.numbers import whole_number
from models.core.people import ensure_person
from models.requests import triage, urgent
from models.requests.requests import Request, request_settings, settings_by_channel


@contextmanager
def fields_to(inputs: dict[str, str]) -> Iterator[None]:
    """A mistake the model names a field of (`title`) goes under the form's input for it; one
    about the request as a whole (decided already) goes on top of the form."""
    try:
        yield
    except UserError as error:
        error.field = inputs.get(error.field or "")
        raise


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise UserError(f"`{text}` is not a date.", field="due") from None


def _request(req: CommandRequest, value: str) -> Request:
    return triage.get_request(req.db, req.workspace.id, whole_number(value) or 0)


def submit_ask(req: CommandRequest, view: dict) -> tuple[Request, bool]:
    """The ask form (from `/ask <team>` or the shortcut): a request, or errors under fields."""
    values = view["state"]["values"]
    meta = json.loads(view.get("private_metadata") or "{}")
    name = meta.get("team") or state_value(values, ui.TEAM)
    with errors_under(ui.TEAM if not meta.get("team") else None):
        settings = triage.team_taking_requests(req.db, req.workspace, name)
    key = None
    if meta.get("channel") and meta.get("ts"):
        key = f"shortcut:{settings.team.name}:{meta['channel']}:{meta['ts']}"
    with fields_to({"title": ui.WHAT, "why": ui.WHY, "due": ui.BY_WHEN}):
        return triage.make_request(
            req.db,
            settings,
            req.person,
            title=state_value(values, ui.WHAT),
            why=state_value(values, ui.WHY),
            due=_day(state_value(values, ui.BY_WHEN)),
            urgency=state_value(values, ui.URGENCY) or "normal",
            now=req.now(),
            today=today_for(req),
            source="shortcut" if key else "form",
            source_key=key,
            source_link=meta.get("link"),
        )


def triage_form(req: CommandRequest, action: str, value: str) -> dict:
    request = _request(req, value)
    if action == ui.ADD_INFO:
        triage.is_asker(request, req.person)
        return ui.text_form(action, request)
    triage.may_triage(req.db, request, req.person)
    if request.state not in ("open", "need_info"):
        raise UserError(triage.already(request))
    if action == ui.ACCEPT:
        return ui.accept_form(request, req.person.slack_user_id)
    return ui.text_form(action, request)


def submit_triage(req: CommandRequest, action: str, view: dict) -> tuple[Request, list[Deferred]]:
    """A triage (or add-info) form: the change, and the Slack work that tells of it."""
    request = _request(req, view.get("private_metadata") or "")
    values = view["state"]["values"]
    text = state_value(values, ui.TEXT)
    now, who = req.now(), req.person.mention
    told = None
    with fields_to({"due": ui.DUE, "text": ui.TEXT}):
        if action == ui.ACCEPT:
            uid = state_value(values, ui.ASSIGNEE) or req.person.slack_user_id
            assignee = ensure_person(
                req.db, req.workspace, uid, now, lambda u: lookup_user(req.client, u)
            )
            due = _day(state_value(values, ui.DUE))
            today = today_for(req)
            triage.accept(
                req.db, request, req.person, assignee=assignee, due=due, now=now, today=today
            )
            takes = f"{assignee.mention} takes it{ui.due_words(due)}"
            said = f":white_check_mark: {who} accepted {request.label}: {takes}."
        elif action == ui.NEED_INFO:
            triage.need_info(req.db, request, req.person, question=text, now=now)
            asks = f"{who} needs more on {request.label}: {user_text(text)}"
            said = f":question: {request.asker.mention}, {asks}"
            told = f":question: {asks}\nAnswer with *Add info* on my first message about it."
        elif action == ui.DECLINE:
            triage.decline(req.db, request, req.person, reason=text, now=now)
            said = f":no_entry: {who} declined {request.label}: {user_text(text)}"
        elif action == ui.DUPLICATE:
            original = triage.mark_duplicate(req.db, request, req.person, of=text, now=now)
            said = f":link: {who} closed {request.label} as a duplicate of {original.label}."
        elif action == ui.MOVE:
            old, channel, thread = request.label, request.channel_id, request.thread_ts
            triage.move(req.db, request, req.person, to=text, now=now)
            said = f":arrow_right: {who} moved {old} to {request.team.name}: now {request.label}."
            pieces = [
                post_request(request_id=request.id),
                direct_message(user=request.asker.slack_user_id, text=said),
            ]
            if thread:
                pieces.append(post_message(channel=channel, thread_ts=thread, text=said))
            return request, pieces
        else:
            triage.add_info(req.db, request, req.person, text=text)
            said = f":memo: {who} added to {request.label}: {user_text(text)}"
    return request, [announce(request_id=request.id, text=said, to_asker=told)]


def listeners(app, deps: Deps) -> None:
    @app.view(ui.ASK_FORM)
    def ask_submitted(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        request, new = submit_ask(req, body["view"])
        ack()
        if new:
            made(req, request)  # the asker's DM confirms it
        else:
            asked = f"That message is {request.label} already."
            req.later(direct_message(user=req.person.slack_user_id, text=asked))

    @app.shortcut(ui.SHORTCUT)
    def shortcut(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        message, channel = body.get("message") or {}, (body.get("channel") or {}).get("id", "")
        ts, domain = message.get("ts", ""), (body.get("team") or {}).get("domain", "")
        link = f"https://{domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        meta = {"channel": channel, "ts": ts, "link": link if domain and ts else None}
        teams = teams_taking_requests(req)
        if not teams:
            none = "No team takes requests through Upkeep yet."
            url = body.get("response_url", "")
            req.later(respond_later(response_url=url, text=none, response_type="ephemeral"))
            return
        what = from_slack(message.get("text") or "")[: ui.MAX_TITLE]
        client.views_open(
            trigger_id=body["trigger_id"], view=ui.ask_form(None, teams, what=what, metadata=meta)
        )

    for action in ui.FORM_ACTIONS:
        app.action(action)(_opener(deps, action))
        app.view(ui.form_id(action))(_submitter(deps, action))

    # One-press changes: the button, what it does, the audit action, how it is told.
    for action, change, audited, telling in (
        (ui.DONE, triage.finish, "request.done", ":tada: {who} marked {label} done."),
        (ui.WITHDRAW, triage.withdraw, "request.withdraw", ":wave: {who} withdrew {label}."),
    ):
        app.action(action)(_one_press(deps, change, audited, telling))

    @app.action(ui.UPDATE)
    def update_asked(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        request = _request(req, body["actions"][0].get("value", ""))
        triage.ask_for_update(request, req.person, now=req.now())
        settings = request_settings(req.db, request.team)
        target = request.assignee or (settings and triage.shield_now(req.db, settings, req.now()))
        ping = f"{request.asker.mention} asks for an update on {request.label}: {ui.said(request)}"
        if target is not None:
            req.later(direct_message(user=target.slack_user_id, text=ping))
        who = target.mention if target else "the team"
        req.later(
            direct_message(
                user=req.person.slack_user_id,
                text=f"I asked {who} for an update on {request.label}.",
            )
        )

    @app.event("reaction_added")
    def reacted(event: dict, context) -> None:
        on_reaction(command_request(deps, context), event, context.bot_user_id)


def _told(
    req: CommandRequest, request: Request, action: str, said: str, to_asker: str | None
) -> None:
    req.audit(action, request.label, after={"state": request.state}, team=request.team)
    req.later(announce(request_id=request.id, text=said, to_asker=to_asker))
    req.later(update_dms(request_id=request.id))


def _one_press(deps: Deps, change, audited: str, telling: str):
    def pressed(ack, body: dict, context) -> None:
        ack()
        req = command_request(deps, context)
        request = _request(req, body["actions"][0].get("value", ""))
        change(req.db, request, req.person, now=req.now())
        said = telling.format(who=req.person.mention, label=request.label)
        _told(req, request, audited, said, None)

    return pressed


def _opener(deps: Deps, action: str):
    def listener(ack, body: dict, context, client) -> None:
        ack()
        req = command_request(deps, context)
        view = triage_form(req, action, body["actions"][0].get("value", ""))
        client.views_open(trigger_id=body["trigger_id"], view=view)

    return listener


def _submitter(deps: Deps, action: str):
    def listener(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        request, pieces = submit_triage(req, action, body["view"])
        ack()
        audited = f"request.{action.removeprefix('request_')}"
        req.audit(audited, request.label, after={"state": request.state}, team=request.team)
        urgent.ack_on_first_response(req.db, request, req.person, req.now())
        for piece in [*pieces, update_dms(request_id=request.id)]:
            req.later(piece)

    return listener


def on_reaction(req: CommandRequest, event: dict, bot_user: str | None) -> None:
    """The team's request emoji on a message in its request channel makes a request of the
    message (once, however many react or however often Slack retries); a message that starts
    with the skip emoji, or one of ours, never does."""
    item = event.get("item") or {}
    channel, ts = item.get("channel", ""), item.get("ts", "")
    if item.get("type") != "message" or not channel or not ts:
        return
    settings = settings_by_channel(req.db, req.workspace.id, channel)
    if settings is None or event.get("reaction") != settings.emoji:
        return
    history = req.client.conversations_history(channel=channel, latest=ts, inclusive=True, limit=1)
    message = next((m for m in history.get("messages") or [] if m.get("ts") == ts), None)
    author = (message or {}).get("user") or event.get("item_user")
    text = from_slack((message or {}).get("text") or "")  # as typed, like a command's
    ours = author == bot_user or message.get("bot_id") if message else False
    if message is None or not author or ours or message.get("subtype"):
        return
    if text.lstrip().startswith(f":{settings.skip_emoji}:"):
        return
    asker = ensure_person(
        req.db, req.workspace, author, req.now(), lambda u: lookup_user(req.client, u)
    )
    request, new = triage.make_request(
        req.db,
        settings,
        asker,
        title=text,
        now=req.now(),
        today=today_for(req),
        source="reaction",
        source_key=f"reaction:{channel}:{ts}",
        thread_ts=message.get("thread_ts") or ts,
    )
    if new:
        made(req, request)
