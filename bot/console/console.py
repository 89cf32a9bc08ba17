"""`upkeep console`: a local Slack workspace in the terminal.

It is the real app: every line you type becomes a request signed exactly as Slack signs it, sent
to the same Bolt app on the same database; the bot's calls go to an in-process Slack API emulator,
and whatever the bot sent (answers, channel posts, DMs, modals, scheduled posts) is drawn as text.
"""

from __future__ import annotations

import logging
import secrets
import shlex
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.clock import ShiftedClock
from bot.console import demo
from bot.console.emulator import SlackEmulator
from bot.console.signed import Response, Signer, SlackDriver
from bot.console.textview import Button, Names, Renderer, initial_input, input_value, view_inputs
from bot.console.typed import mention_channels, mention_people
from bot.render.text import escape
from bot.settings import Settings

HELP = """\
Type what you would type in Slack:
  /upkeep help                 every command (then /oncall ..., /owner ..., /priority ...)
  @upkeep who is on call?      a mention in the current channel
  @ana, @Ana Alves             a person, in a message or a command (see :people)
  #payments-oncall             a channel, in a command (channel=#payments-oncall)
Console commands:
  :click N                     press button N
  :submit field=value ...      submit the open modal (fields as listed under it)
  :close                       close the open modal
  :as @name | :in #channel     act as someone else / in another channel
  :home                        your App Home tab
  :tick | :wait 2h             run the scheduler now / move the clock forward and run it
  :people | :help | :quit"""

QUIET = {
    "auth.test",
    "users.info",
    "users.list",
    "conversations.open",
    "chat.getPermalink",
    "files.getUploadURLExternal",
    "upload",
}
WAIT_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass
class Clickable:
    button: Button
    channel: str | None = None
    message: dict[str, Any] | None = None
    view: dict[str, Any] | None = None


class Console:
    def __init__(self, settings: Settings, out: TextIO, *, demo_team: bool = False):
        self.out = out
        self.demo_team = demo_team
        self.clock = ShiftedClock(settings.clock_start)
        self.emulator = SlackEmulator().start()
        for uid, (name, tz, extra) in demo.PEOPLE.items():
            self.emulator.add_user(uid, name, tz, **extra)
        secret = secrets.token_hex(16)
        self.settings = settings.model_copy(
            update={
                "slack_bot_token": "xoxb-console",
                "slack_signing_secret": secret,
                "slack_app_token": "",
                "slack_api_url": self.emulator.api_url,
            }
        )
        self.user = demo.YOU
        self.channel = demo.CHANNEL
        self.clickables: dict[int, Clickable] = {}
        self.renderer = Renderer(Names(self._user_name, self._channel_name))
        self.modal: dict[str, Any] | None = None
        self.seen = 0
        self.lock = threading.RLock()
        self._start()

    # -- setup -----------------------------------------------------------------------------
    def _start(self) -> None:
        from bot.db import unit_of_work, upgrade
        from bot.runtime import build_runtime
        from bot.slack import lookup_user
        from bot.worker import Worker
        from models.core.people import ensure_workspace

        upgrade(self.settings.database_url)
        self.runtime = build_runtime(self.settings, self.clock)
        self.worker = Worker(self.runtime.deps)
        self.driver = SlackDriver(
            self.runtime.app,
            Signer(self.settings.slack_signing_secret),
            response_url=self.emulator.response_url,
        )
        if self.demo_team:
            client = self.runtime.deps.client
            with unit_of_work(self.runtime.session_factory) as db:
                workspace = ensure_workspace(db, self.emulator.m_auth_test({})["team_id"], self.now)
                demo.seed(db, workspace, self.now, lambda uid: lookup_user(client, uid))
        self.seen = len(self.emulator.calls)
        self.worker.tick()  # the console is its own worker: `/upkeep status` sees it at once

    @property
    def now(self):
        return self.clock.now()

    def close(self) -> None:
        self.runtime.app.after.close()
        self.emulator.stop()
        self.runtime.engine.dispose()

    # -- the loop --------------------------------------------------------------------------
    def banner(self) -> None:
        team = "with the demo team (#payments)" if self.demo_team else "(empty workspace)"
        self.say(
            f"Upkeep console {team}. You are @{self._user_name(self.user)} in #"
            f"{self._channel_name(self.channel)}. Type :help for help, :quit to leave."
        )

    def run(self, lines: Iterable[str], *, prompt: bool = False) -> int:
        self.banner()
        self._prompt(prompt)
        for line in lines:
            if not self.handle(line.strip()):
                break
            self._prompt(prompt)
        return 0

    def _prompt(self, show: bool) -> None:
        if show:
            self.out.write(f"{self._channel_name(self.channel)}> ")
            self.out.flush()

    def handle(self, line: str) -> bool:
        """One line of input; False when the user asked to quit."""
        if not line:
            return True
        with self.lock:
            if line.startswith(":"):
                return self._console_command(line)
            if line.startswith("/"):
                command, _, text = line.partition(" ")
                # As Slack sends it: &, < and > escaped, then @names and #channels referenced.
                text = mention_people(escape(text), self.emulator.users, escaped=True)
                text = mention_channels(text, demo.CHANNELS)
                self._answer(
                    self.driver.command(command, text, user=self.user, channel=self.channel)
                )
            elif line.lower().startswith("@upkeep"):
                said = escape(line[len("@upkeep") :].strip())
                text = mention_people(said, self.emulator.users)
                self._answer(self.driver.mention(text, user=self.user, channel=self.channel))
            else:
                self.say(
                    "Start with / for a command, @upkeep for a mention, : for the console (:help)."
                )
            self.flush()
        return True

    def _console_command(self, line: str) -> bool:
        try:
            name, *args = shlex.split(line[1:])
        except ValueError as e:
            self.say(f"Couldn't read that: {e}.")
            return True
        match name:
            case "quit" | "q" | "exit":
                return False
            case "help":
                self.say(HELP)
            case "click":
                self._click(args)
            case "submit":
                self._submit(args)
            case "close":
                self.modal = None
                self.say("(modal closed)")
            case "as":
                self._switch_user(args)
            case "in":
                self._switch_channel(args)
            case "home":
                self._home()
            case "tick":
                self.tick()
            case "wait":
                self._wait(args)
            case "people":
                for uid, (real, tz, _) in demo.PEOPLE.items():
                    self.say(f"  @{real} ({uid}), {tz}")
            case _:
                self.say(f"No console command :{name}. Type :help.")
        self.flush()
        return True

    # -- console commands ------------------------------------------------------------------
    def _click(self, args: list[str]) -> None:
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) not in self.clickables:
            shown = ", ".join(str(n) for n in sorted(self.clickables)[-8:]) or "none yet"
            self.say(f"Usage: :click N, with N a button number shown in brackets ({shown}).")
            return
        target = self.clickables[int(args[0])]
        b = target.button
        if b.url:
            self.say(f"(opens {b.url})")
            return
        checked = None  # a checkbox is toggled, its element's others kept as they were
        if b.boxes is not None:
            checked = [o for o in b.boxes if o.get("value") in set(b.ticked) ^ {b.value}]
        response = self.driver.action(
            b.action_id,
            b.value,
            user=self.user,
            channel=target.channel,
            message=target.message,
            view=target.view,
            block_id=b.block_id,
            checked=checked,
        )
        self._answer(response)

    def _submit(self, args: list[str]) -> None:
        if self.modal is None:
            self.say("No modal is open.")
            return
        inputs = view_inputs(self.modal)
        given = dict(a.split("=", 1) for a in args if "=" in a)
        unknown = sorted(set(given) - set(inputs))
        if unknown or len(given) != len(args):
            self.say(f"Usage: :submit field=value ... with fields {', '.join(inputs) or 'none'}.")
            return
        for block, element in inputs.items():  # what was left alone keeps its initial value
            initial = initial_input(element)
            if block not in given and initial is not None:
                given[block] = initial
        values = {
            block: {element.get("action_id", block): input_value(element, given[block])}
            for block, element in inputs.items()
            if block in given
        }
        modal = self.modal
        response = self.driver.view_submission(
            modal.get("callback_id", ""),
            values,
            user=self.user,
            private_metadata=modal.get("private_metadata", ""),
            view_id=modal.get("id", "V0"),
            view=modal,
        )
        body = response.json if response.body.startswith("{") else {}
        action = body.get("response_action")
        if action == "errors":
            for field_name, message in body.get("errors", {}).items():
                self.say(f"  ! {field_name}: {message}")
        elif action in ("update", "push"):
            self._show_view({**body["view"], "id": modal.get("id")}, "modal")
        else:
            self.modal = None
            self.say("(modal submitted)")

    def _switch_user(self, args: list[str]) -> None:
        wanted = (args[0] if args else "").lstrip("@").lower()
        for uid, (real, _, _) in demo.PEOPLE.items():
            if wanted and wanted in (uid.lower(), real.lower(), real.split()[0].lower()):
                self.user = uid
                self.say(f"You are now @{real}.")
                return
        self.say("Usage: :as @name (see :people).")

    def _switch_channel(self, args: list[str]) -> None:
        wanted = (args[0] if args else "").lstrip("#")
        for cid, name in demo.CHANNELS.items():
            if wanted in (cid, name):
                self.channel = cid
                self.say(f"Now in #{name}.")
                return
        if wanted.startswith("C") and wanted.isalnum() and wanted.isupper():
            self.channel = wanted
            self.say(f"Now in #{wanted}.")
            return
        self.say(f"Usage: :in #channel ({', '.join('#' + n for n in demo.CHANNELS.values())}).")

    def _home(self) -> None:
        self.driver.event(
            {
                "type": "app_home_opened",
                "user": self.user,
                "tab": "home",
                "channel": "D" + self.user[1:],
            }
        )
        self.flush()
        home = self.emulator.home.get(self.user)
        if home is None:
            self.say("(no App Home yet)")

    def tick(self) -> None:
        with self.lock:
            self.worker.tick()
            self.flush()

    def _wait(self, args: list[str]) -> None:
        spec = args[0] if args else ""
        unit = WAIT_UNITS.get(spec[-1:])
        if not unit or not spec[:-1].isdigit():
            self.say("Usage: :wait N followed by m, h, d or w (:wait 90m, :wait 1d).")
            return
        total = timedelta(**{unit: int(spec[:-1])})
        step = timedelta(minutes=1) if total <= timedelta(hours=2) else timedelta(minutes=15)
        moved = timedelta()
        while moved < total:
            delta = min(step, total - moved)
            self.clock.advance(delta)
            moved += delta
            self.worker.tick()
        self.say(f"(it is now {self.now:%a %Y-%m-%d %H:%M} UTC)")

    # -- drawing ---------------------------------------------------------------------------
    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _answer(self, response: Response) -> None:
        if response.status >= 400:
            self.say(f"(Slack would show an error: HTTP {response.status})")
            return
        if not response.body or not response.body.startswith("{"):
            return
        body = response.json
        if "text" in body or "blocks" in body:
            public = body.get("response_type") == "in_channel"
            where = f"#{self._channel_name(self.channel)}" if public else "only visible to you"
            self._draw(where, body.get("text", ""), body.get("blocks"), channel=self.channel)

    def flush(self) -> None:
        """Draw every call the bot made since the last flush."""
        with self.lock:
            calls = self.emulator.calls[self.seen :]
            self.seen += len(calls)
            for call in calls:
                if call.method not in QUIET:
                    self._draw_call(call.method, call.body)

    def _draw_call(self, method: str, body: dict[str, Any]) -> None:
        channel = str(body.get("channel", ""))
        if method == "chat.postMessage":
            thread = " (in thread)" if body.get("thread_ts") else ""
            message = self._find_message(channel, body)
            self._draw(
                self._where(channel) + thread,
                body.get("text", ""),
                body.get("blocks"),
                channel=channel,
                message=message,
            )
        elif method == "chat.postEphemeral":
            who = "you" if body.get("user") == self.user else "@" + self._user_name(body["user"])
            self._draw(
                f"{self._where(channel)}, only visible to {who}",
                body.get("text", ""),
                body.get("blocks"),
                channel=channel,
            )
        elif method == "chat.update":
            message = {"ts": body.get("ts"), "text": body.get("text"), "blocks": body.get("blocks")}
            self._draw(
                f"{self._where(channel)}, message updated",
                body.get("text", ""),
                body.get("blocks"),
                channel=channel,
                message=message,
            )
        elif method == "response_url":
            public = body.get("response_type") == "in_channel"
            verb = "replaced" if body.get("replace_original") else "reply"
            if body.get("delete_original"):
                self.say("(message deleted)")
                return
            where = f"#{self._channel_name(self.channel)}" if public else "only visible to you"
            self._draw(
                f"{where} ({verb})", body.get("text", ""), body.get("blocks"), channel=self.channel
            )
        elif method in ("views.open", "views.push", "views.update"):
            view = self.emulator.views.get(body.get("view_id") or self.emulator.last_view_id or "")
            if view is not None:
                self._show_view(view, "modal")
        elif method == "views.publish":
            if body.get("user_id") == self.user:
                self._show_view(self.emulator.home[self.user], "App Home")
        elif method == "files.completeUploadExternal":
            self.say(f"(file uploaded to {self._where(str(body.get('channel_id', '')))})")
        else:
            self.say(f"(the bot called {method})")

    def _show_view(self, view: dict[str, Any], kind: str) -> None:
        title = (view.get("title") or {}).get("text", "")
        rendered = self.renderer.blocks(view.get("blocks", []))
        self._remember(rendered.buttons, view=view)
        self.say(f"┌ {kind}: {title}")
        for line in rendered.lines:
            self.say("│ " + line)
        if kind == "modal":
            self.modal = view
            fields = ", ".join(view_inputs(view)) or "no fields"
            self.say(f"└ :submit field=value ... ({fields}) or :close")
        else:
            self.say("└")

    def _draw(
        self,
        where: str,
        text: str,
        blocks,
        *,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
    ) -> None:
        rendered = self.renderer.message(text, blocks)
        if message is None and channel:
            message = {"ts": "1700000000.000100", "text": text, "blocks": blocks or []}
        self._remember(rendered.buttons, channel=channel, message=message)
        self.say(f"┌ Upkeep · {where}")
        for line in rendered.lines:
            self.say("│ " + line)
        self.say("└")

    def _remember(self, buttons: list[Button], **where) -> None:
        for button in buttons:
            self.clickables[button.number] = Clickable(button, **where)

    def _find_message(self, channel: str, body: dict[str, Any]) -> dict[str, Any] | None:
        """The emulator's copy of a posted message (it has the `ts` buttons need)."""
        for message in reversed(self.emulator.messages.get(channel) or []):
            if message["text"] == body.get("text", "") and message["blocks"] == (
                body.get("blocks") or []
            ):
                return message
        return None

    def _where(self, channel: str) -> str:
        if channel[:1] in ("D", "U", "W"):  # a DM, or a user id Slack opens a DM with
            uid = "U" + channel[1:] if channel.startswith("D") else channel
            return "DM to you" if uid == self.user else f"DM to @{self._user_name(uid)}"
        return "#" + self._channel_name(channel)

    def _user_name(self, uid: str) -> str:
        found = self.emulator.users.get(uid)
        return found["real_name"] if found else uid

    def _channel_name(self, cid: str) -> str:
        return demo.CHANNELS.get(cid, cid)


@contextmanager
def own_database(keep: str | None) -> Iterator[str]:
    """The console's database: never `DATABASE_URL` (what `serve`, `worker` and `import` use),
    so nothing of the demo reaches real data, nor real data the console's fake Slack. Fresh each
    run, in a temporary directory; `keep` names a SQLite file kept between runs instead."""
    if keep:
        yield f"sqlite:///{Path(keep).resolve()}"
        return
    with tempfile.TemporaryDirectory(prefix="upkeep-console-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'console.db'}"


def run_console(
    settings: Settings,
    *,
    demo: bool,
    keep: str | None = None,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    with own_database(keep) as url:
        own = settings.model_copy(update={"database_url": url})
        return _run_console(own, demo=demo, stdin=stdin, out=out)


def _run_console(
    settings: Settings, *, demo: bool, stdin: TextIO | None, out: TextIO | None
) -> int:
    stdin = stdin or sys.stdin
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migrations run quietly here
    out = out or sys.stdout
    console = Console(settings, out, demo_team=demo)
    interactive = stdin.isatty()
    scheduler = None
    if interactive:
        # Scheduled posts appear as they fall due, like in Slack.
        from apscheduler.schedulers.background import BackgroundScheduler
        from apscheduler.triggers.interval import IntervalTrigger

        scheduler = BackgroundScheduler(timezone="UTC")
        every = IntervalTrigger(seconds=settings.worker_tick_seconds)
        scheduler.add_job(console.tick, every, next_run_time=datetime.now(UTC))
        scheduler.start()
    try:
        return console.run(stdin, prompt=interactive)
    except KeyboardInterrupt:
        return 0
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        console.close()
