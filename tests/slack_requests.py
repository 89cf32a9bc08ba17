"""The tests' name for the signed-request driver, which lives in `bot.signed` (the console and the
benchmarks use it too)."""

from bot.console.signed import BOT_USER_ID, TEAM_ID, Response, Signer, SlackDriver, typed_value

__all__ = ["BOT_USER_ID", "TEAM_ID", "Response", "Signer", "SlackDriver", "typed_value"]
