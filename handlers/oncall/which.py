"""Which rotations a `/oncall` lookup or subcommand means: the ones named (a rotation, a team's,
a service's, else its owning team's), or, when none is named, this channel's team's."""

from __future__ import annotations

from bot.deps import CommandRequest
from models.catalog.services import Service, match_service
from models.core.errors import UserError
from models.core.people import find_team, relevant_teams
from models.oncall.now import RotationRef, rotation_ref
from models.oncall.rotations import Rotation, find_rotation, rotations_of

LOOKUP = "/oncall [<rotation|team|service>] [at <time|day>]"


def channel_rotations(req: CommandRequest) -> list[Rotation]:
    teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    rotations = rotations_of(req.db, req.workspace, teams)
    if rotations:
        return rotations
    known = ", ".join(f"`{r.name}`" for r in rotations_of(req.db, req.workspace)) or "none yet"
    raise UserError(
        f"This channel's team and your teams have no rotations. Ask about one by name "
        f"(rotations: {known}).",
        LOOKUP,
    )


def rotation_here(req: CommandRequest, usage: str) -> Rotation:
    """The rotation a command means when it names none: the only one of this channel's team (out
    of a team's channel, of the asker's teams). With several, or none, it asks which."""
    teams = relevant_teams(req.db, req.workspace, req.channel_id, req.person)
    found = rotations_of(req.db, req.workspace, teams)
    if len(found) == 1:
        return found[0]
    names = ", ".join(t.name for t in teams)
    if found:
        listed = ", ".join(f"`{r.name}`" for r in found)
        have = "has" if len(teams) == 1 else "have"
        raise UserError(f"Which rotation? {names} {have} {len(found)}: {listed}.", usage)
    where = f"{names} {'has' if len(teams) == 1 else 'have'} none"
    if not teams:
        where = "this channel is no team's and you are in none"
    known = ", ".join(f"`{r.name}`" for r in rotations_of(req.db, req.workspace)) or "none yet"
    raise UserError(f"Which rotation? Name one: {where} (rotations: {known}).", usage)


def resolve(req: CommandRequest, name: str) -> tuple[list[Rotation | RotationRef], str]:
    """A rotation by name, a team's rotations, or a service's rotation (else its team's, with a
    note that says so)."""
    ref = rotation_ref(req.db, req.asker.workspace, name)
    if ref is not None:
        return [ref], ""
    team = find_team(req.db, req.workspace, name)
    if team is not None:
        found = rotations_of(req.db, req.workspace, [team])
        if not found:
            raise UserError(f"Team `{team.name}` has no rotations yet.", LOOKUP)
        return found, ""
    service = match_service(req.db, req.workspace, name)
    if service is not None:
        return service_rotations(req, service)
    return [find_rotation(req.db, req.workspace, name, usage=LOOKUP)], ""


def service_rotations(req: CommandRequest, service: Service) -> tuple[list[Rotation], str]:
    """The service's rotation; with none of its own, its owning team's, said in the note."""
    if service.rotation is not None:
        return [service.rotation], ""
    team = service.team
    found = rotations_of(req.db, req.workspace, [team]) if team is not None else []
    if not found:
        raise UserError(
            f"Service `{service.name}` has no on-call rotation in the catalog "
            f"(`/owner set {service.name} rotation=<rotation>`).",
            LOOKUP,
        )
    assert team is not None
    which = "rotation" if len(found) == 1 else "rotations"
    return found, f"`{service.name}` has no rotation of its own; {team.possessive} {which}:"
