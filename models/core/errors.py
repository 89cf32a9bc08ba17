"""Errors the user caused. The app's one error handler turns them into short ephemeral replies."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.core.workspace import Team


class UserError(Exception):
    """Something the person asked for cannot be done as asked; `usage` shows how to do it right."""

    def __init__(self, message: str, usage: str | None = None, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.field = field  # a modal input's block_id, when the error belongs to one field

    def render(self) -> str:
        if self.usage:
            return f"{self.message}\nUsage: {self.usage}"
        return self.message


class NotFound(UserError):
    pass


class PermissionDenied(UserError):
    """Not this person's to do. The error handler records each refusal in the audit log, with
    `team` (when the refusal is about one) so that its leads see it."""

    def __init__(self, message: str, usage: str | None = None, *, team: Team | None = None):
        super().__init__(message, usage)
        # Plain values: the request's session is rolled back before the refusal is recorded.
        self.team_id = team.id if team is not None else None
        self.team_name = team.name if team is not None else None
