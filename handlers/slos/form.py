"""The SLO form: `/slo set` (a new SLO) or `/slo set <name>` (change one) opens it; saving uses
the `slos:` section's rules, audited as the person's, with a wrong value shown under its input.
The owning team's leads and admins may save."""

from __future__ import annotations

import json

from bot.commands import no_extra_words
from bot.deps import CommandRequest
from bot.render import Reply, modal, option, select_input, state_value, text_input
from models.catalog.services import lookup_service, may_edit_service
from models.core.config import ConfigError, ImportContext
from models.core.errors import NotFound, PermissionDenied, UserError
from models.slos.config import SlosSection, describe_slo
from models.slos.slos import SLO_NAME, WINDOWS, Slo, find_slo

SLO_VIEW = "slo_form_view"
SET = "/slo set [<slo>]"
KINDS = {
    "errors": "Prometheus: errors ÷ total",
    "good": "Prometheus: good ÷ total",
    "sloth": "Sloth's recording rules",
    "pushed": "Pushed counts (POST /hooks/sli)",
}
# Where a `slos:` field's error is shown in the form.
FIELD_BLOCKS = {"errors": "query", "good": "query", "total": "total", "sloth": "sloth"}


def slo_view(slo: Slo | None) -> dict:
    now = describe_slo(slo) if slo is not None else {}
    indicator = now.get("indicator", "pushed")
    kind, query, total, sloth = "pushed", None, None, None
    if isinstance(indicator, dict) and "sloth" in indicator:
        kind, sloth = "sloth", f"{indicator['sloth']['service']}/{indicator['sloth']['slo']}"
    elif isinstance(indicator, dict):
        kind = "errors" if "errors" in indicator else "good"
        query, total = indicator[kind], indicator["total"]
    objective = f"{now['objective']:g}" if "objective" in now else None
    blocks = [
        text_input("name", "Name (a slug)", slo.name if slo else None, max_length=80),
        text_input("service", "Service", now.get("service")),
        text_input("objective", "Objective (%)", objective, hint="like 99.9"),
        select_input("window", "Window", [option(w) for w in WINDOWS], now.get("window", "30d")),
        select_input(
            "indicator", "Measured by", [option(k, label) for k, label in KINDS.items()], kind
        ),
        text_input(
            "query",
            "Errors or good query",
            query,
            optional=True,
            multiline=True,
            hint="a rate, with {{.window}} where the range goes",
        ),
        text_input("total", "Total query", total, optional=True, multiline=True),
        text_input("sloth", "Sloth service/slo", sloth, optional=True, hint="like ledger/latency"),
        text_input(
            "min_events",
            "Fewest events to judge",
            str(now["min_events"]) if "min_events" in now else None,
            optional=True,
        ),
    ]
    title = "Change an SLO" if slo else "Add an SLO"
    return modal(SLO_VIEW, title, blocks, metadata={"slo": slo.name if slo else None})


def open_form(req: CommandRequest, args: list[str]) -> Reply:
    no_extra_words(args[1:], SET)
    slo = None
    if args:
        slo = find_slo(req.db, req.workspace.id, args[0].lower())
        if slo is None:
            raise NotFound(f"There is no SLO called `{args[0][:40]}`.", SET)
        require_owner(req, slo.service)
    req.client.views_open(trigger_id=req.trigger_id, view=slo_view(slo))
    return Reply(text="Opening the form…")


def require_owner(req: CommandRequest, service) -> None:
    if may_edit_service(service, req.person):
        return
    team = service.team
    whose = f"{team.possessive} leads" if team is not None else "an admin"
    raise PermissionDenied(
        f"Only {whose} or an admin can set the SLOs of `{service.name}`.", team=team
    )


def entry_of(values: dict) -> dict:
    """The form as a `slos:` entry."""
    kind = state_value(values, "indicator") or "pushed"
    entry: dict = {
        "service": state_value(values, "service").strip(),
        "objective": state_value(values, "objective").strip(),
        "window": state_value(values, "window"),
    }
    if kind in ("errors", "good"):
        query, total = state_value(values, "query").strip(), state_value(values, "total").strip()
        entry["indicator"] = {kind: query, "total": total}
    elif kind == "sloth":
        service, _, name = state_value(values, "sloth").strip().partition("/")
        entry["indicator"] = {"sloth": {"service": service, "slo": name}}
    else:
        entry["indicator"] = "pushed"
    events = state_value(values, "min_events").strip()
    if events:
        if not (events.isascii() and events.isdigit()) or len(events) > 9:
            raise UserError("Give a whole number of events.", field="min_events")
        entry["min_events"] = int(events)
    return entry


def save_form(req: CommandRequest, editing: str | None, values: dict) -> Slo:
    name = state_value(values, "name").strip().lower()
    if not SLO_NAME.match(name):
        raise UserError("A slug: lowercase letters, digits, - and _.", field="name")
    existing = find_slo(req.db, req.workspace.id, name)
    if existing is not None and editing != name:
        raise UserError(f"There is already an SLO called {name}.", field="name")
    edited = find_slo(req.db, req.workspace.id, editing) if editing else None
    if edited is not None:
        require_owner(req, edited.service)
    entry = entry_of(values)
    if edited is not None:
        entry["description"] = edited.description  # not in the form: kept as it is
    service = lookup_service(req.db, req.workspace, entry["service"])
    if service is None:
        raise UserError(f"There is no service called `{entry['service'][:40]}`.", field="service")
    require_owner(req, service)
    ctx = ImportContext(req.db, req.workspace, req.now(), None, actor=req.person)
    try:
        with req.db.begin_nested():
            if edited is not None and edited.name != name:
                edited.name = name  # renamed: the same SLO, with its counts and figures
                req.db.flush()
            slo = SlosSection().load_one(ctx, 0, entry, name=name, label=f"slo {name}")
            req.db.flush()
    except ConfigError as error:
        raise UserError(error.problem_sentence, field=block_of(error, values)) from None
    return slo


def block_of(error: ConfigError, values: dict) -> str:
    """The form's input for a `slos:` error (`slo x.indicator.sloth.slo` -> `sloth`)."""
    for part in reversed(error.where.split(".")[1:]):
        if part in FIELD_BLOCKS:
            return FIELD_BLOCKS[part]
        if part in values:
            return part
    return "indicator"


def editing_of(view: dict) -> str | None:
    return json.loads(view.get("private_metadata") or "{}").get("slo")
