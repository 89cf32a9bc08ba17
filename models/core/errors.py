"""Errors the user caused. The app's one error handler turns them into short ephemeral replies."""


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
    pass
