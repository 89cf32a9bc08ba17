"""The SLO form's submission (`form.py` opens it): saved, then the person gets the SLO's line."""

from __future__ import annotations

from bot.deps import Deps, command_request
from bot.later import direct_message
from bot.render import section
from handlers.slos.form import SLO_VIEW, editing_of, save_form


def listeners(app, deps: Deps) -> None:
    @app.view(SLO_VIEW)
    def save_slo_form(ack, body: dict, context) -> None:
        req = command_request(deps, context)
        view = body["view"]
        slo = save_form(req, editing_of(view), view["state"]["values"])
        ack()
        text = (
            f"Saved the SLO *{slo.name}* of `{slo.service.name}`: {slo.objective:g}% over "
            f"{slo.window}. Its figures come with the worker's next refresh (`/slo "
            f"{slo.service.name}`)."
        )
        req.later(direct_message(user=req.person.slack_user_id, text=text, blocks=[section(text)]))
