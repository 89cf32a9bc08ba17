"""`upkeep console`: the same app, driven by signed requests, answered as text."""

from __future__ import annotations

import io
import os
import re
import select as io_select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.console import demo
from bot.console.console import Console, run_console
from bot.console.textview import Names, Renderer, input_value, mrkdwn
from bot.console.typed import mention_channels, mention_people
from bot.settings import Settings
from models.core.workspace import Workspace
from models.oncall.rotations import find_rotation


@pytest.fixture
def console(db_url):
    out = io.StringIO()
    c = Console(Settings(_env_file=None, database_url=db_url), out, demo_team=True)
    yield c, out
    c.close()


def said(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def test_slash_command_answer_is_drawn(console):
    c, out = console
    c.handle("/upkeep help")
    text = said(out)
    assert "only visible to you" in text and "/upkeep status" in text


def test_mistake_shows_usage(console):
    c, out = console
    c.handle("/upkeep statsu")
    assert "Did you mean `/upkeep status`" in said(out)


def test_mention_is_answered_in_thread(console):
    c, out = console
    c.handle("@upkeep hello there")
    assert "#payments (in thread)" in said(out)


def events_seen(c: Console) -> list[dict]:
    """The events the app receives from now on, as Slack sent them (a Bolt middleware)."""
    seen: list[dict] = []

    def record(body, next):
        if "event" in body:
            seen.append(body["event"])
        next()

    c.runtime.app.use(record)
    return seen


def test_at_names_in_a_mention_become_slack_mentions(console):
    c, out = console
    events = events_seen(c)
    c.handle("@upkeep who is on call? ask @ana, or @Ben Brooks, or @CHO. Not @nobody.")
    assert [e["text"] for e in events] == [
        "<@U0UPKEEPBOT> who is on call? ask <@U0ANA>, or <@U0BEN>, or <@U0CHO>. Not @nobody."
    ]
    assert "#payments (in thread)" in said(out)


def test_at_names_in_a_command_arrive_escaped_as_slack_sends_them(console, db_url):
    c, out = console
    c.handle("/priority add Faster refunds reach=10 impact=1 confidence=50 effort=1 owner=@dev")
    assert "Added payments" in said(out)
    c.handle("/priority")
    assert "Faster refunds · score 5 · feature · proposed · @Dev Desai" in said(out)


def test_r_and_d_typed_in_a_command_arrives_escaped_and_shows_as_typed(console):
    c, out = console
    events = events_seen(c)
    c.handle("/priority add R&D <b> reach=10 impact=1 confidence=50 effort=1")
    c.handle("/priority")
    assert "R&D <b> · score 5" in said(out)
    c.handle("@upkeep what are our priorities, R&D?")
    assert events[-1]["text"].endswith("priorities, R&amp;D?")


def test_channel_names_in_a_command_arrive_escaped_as_slack_sends_them(console):
    """`channel=#general` reached the app as typed, and was refused as no channel id."""
    c, out = console
    c.handle("/oncall set payments-primary channel=#general")
    assert "Changed *payments-primary*" in said(out)
    with c.runtime.session_factory() as db:
        assert (
            find_rotation(db, db.scalars(select(Workspace)).one(), "payments-primary").channel_id
            == "C0GENERAL"
        )
    assert mention_channels("#payments-oncall #payments #nowhere a#payments", demo.CHANNELS) == (
        "<#C0PAYONCALL|payments-oncall> <#C0PAYMENTS|payments> #nowhere a#payments"
    )


def test_the_longest_name_wins_and_case_does_not_matter():
    users = {
        "U0ANA": {"id": "U0ANA", "name": "ana", "real_name": "Ana Alves"},
        "U0AN": {"id": "U0AN", "name": "an", "real_name": "An Other"},
        "U0BOT": {"id": "U0BOT", "name": "upkeep", "real_name": "Upkeep"},
    }
    text = "@ANA ALVES and @ana's and @an, @An Other, @Ana Alvesson; a@ana.io <@U0ANA> @upkeep"
    assert mention_people(text, users) == (
        "<@U0ANA> and <@U0ANA>'s and <@U0AN>, <@U0AN>, <@U0ANA> Alvesson; a@ana.io <@U0ANA> "
        "<@U0BOT>"
    )
    assert mention_people("owner=@Ana", users, escaped=True) == "owner=<@U0ANA|ana>"


def test_a_submitted_modal_keeps_the_initial_values_left_alone(console):
    """As in Slack: the form's category (feature), impact and confidence need no typing."""
    c, out = console
    c.handle("/priority add")
    assert "category: Category [static select] = feature" in said(out)
    c.handle(":submit title=Tidy reach=10 effort=1")
    assert "(modal submitted)" in said(out)
    c.handle("/priority")
    assert "*#1* Tidy · score 8 · feature · proposed" in said(out)


def test_status_sees_the_consoles_own_ticking_from_the_start(console):
    """`/upkeep status` in the console said the worker was never seen while it ran: the console
    is its own worker, and ticks as it starts."""
    c, out = console
    c.handle("/upkeep status")
    status = said(out)
    assert "Worker: last tick" in status and "never seen" not in status
    c.handle(":wait 10m")  # the clock moves on, and the console ticks as it goes
    c.handle("/upkeep status")
    assert re.search(r"Worker: last tick .* \(\d+ s ago\)", said(out))


def test_wait_moves_the_clock(console):
    c, out = console
    before = c.now
    c.handle(":wait 3h")
    assert (c.now - before).total_seconds() >= 3 * 3600
    assert "it is now" in said(out)


def test_the_demo_slo_shows_real_numbers_from_its_pushed_counts(console):
    """The demo seeds 30 days of counts for `checkout` and stores its figures, as the worker's
    refresh would: 2,928 errors in 7.2M requests leave 59.3% of a 99.9% budget, burning at 1.2x
    in the last hour (59.3% of 30 days at 1.2x: about 15 days)."""
    c, out = console
    c.handle("/slo")
    text = said(out)
    assert "SLOS OF PAYMENTS, LOWEST BUDGET FIRST" in text  # the header, as the console draws it
    assert "checkout" in text and "99.9% over 30d: SLI 99.959% · budget 59.3% left" in text
    assert "burn 1.2× 1h, 1.2× 6h" in text
    c.handle("/slo billing-api")
    assert "At this rate the budget lasts 15 more days." in said(out)


def test_home_tab_is_drawn(console):
    c, out = console
    c.handle(":home")
    assert "App Home" in said(out)


def test_console_commands_explain_their_usage(console):
    c, out = console
    c.handle(":click 7")
    c.handle(":as nobody")
    c.handle(":wait soon")
    c.handle("hello")
    text = said(out)
    assert "Usage: :click N" in text and "Usage: :as @name" in text
    assert "Usage: :wait N" in text and "Start with /" in text


def test_every_channel_of_the_demo_team_has_a_name_to_go_to(console):
    """The platform team's channel was drawn as #C0PLATFORM and `:in #platform` refused it."""
    c, out = console
    config = demo.config()
    channels = {
        e["channel"] for key in ("teams", "rotations") for e in config[key] if "channel" in e
    }
    assert channels <= set(demo.CHANNELS)
    c.handle(":in #platform")
    c.handle("/oncall")
    text = said(out)
    assert "Now in #platform." in text and "*platform-daily*" in text


def test_switching_user_changes_who_asks(console, db_url):
    c, out = console
    c.handle(":as ben")
    assert "You are now @Ben Brooks" in said(out)
    c.handle("/upkeep help")
    commands = [call for call in c.emulator.calls if call.method == "users.info"]
    assert any(call.body.get("user") == "U0BEN" for call in commands)


def test_run_console_reads_lines_until_quit(db_url):
    out = io.StringIO()
    stdin = io.StringIO("/upkeep help\n:quit\n/upkeep status\n")
    assert (
        run_console(Settings(_env_file=None, database_url=db_url), demo=True, stdin=stdin, out=out)
        == 0
    )
    text = out.getvalue()
    assert "demo team" in text and "/upkeep status" in text and "Worker heartbeat" not in text


def test_renderer_numbers_buttons_and_rewrites_mrkdwn():
    names = Names(user=lambda uid: {"U0ANA": "Ana"}.get(uid, uid))
    renderer = Renderer(names)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "Cover"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "<@U0ANA> asks: <https://x.io|runbook>"},
        },
        {
            "type": "actions",
            "block_id": "b1",
            "elements": [
                {
                    "type": "button",
                    "action_id": "cover",
                    "value": "7",
                    "text": {"type": "plain_text", "text": "I'll cover"},
                }
            ],
        },
    ]
    first = renderer.blocks(blocks)
    second = renderer.blocks(blocks)
    assert first.lines[:3] == ["COVER", "=====", "@Ana asks: runbook (https://x.io)"]
    assert "[1 I'll cover]" in first.lines[-1] and "[2 I'll cover]" in second.lines[-1]
    assert (first.buttons[0].action_id, first.buttons[0].value) == ("cover", "7")


def test_checkboxes_are_drawn_clickable_with_what_is_ticked():
    """A checklist item's box, as the onboarding step DM has it: clicking toggles it."""
    done = {"text": {"type": "plain_text", "text": "done"}, "value": "1"}
    box = {"type": "checkboxes", "action_id": "tick", "options": [done]}
    blocks = [
        {"type": "section", "block_id": "c1", "text": {"type": "mrkdwn", "text": "SSO"}},
        {**{"type": "section", "block_id": "c1"}, "accessory": box},
        {"type": "section", "block_id": "c2", "accessory": {**box, "initial_options": [done]}},
    ]
    drawn = Renderer(Names()).blocks(blocks)
    assert drawn.lines == ["SSO", "  [1 ☐ done]", "  [2 ☑ done]"]
    assert [(b.block_id, b.ticked, b.boxes) for b in drawn.buttons] == [
        ("c1", (), [done]),
        ("c2", ("1",), [done]),
    ]


def test_mrkdwn_special_mentions_and_entities():
    assert mrkdwn("<!here> a &lt; b &amp; <#C1|ops>", Names()) == "@here a < b & #ops"


def test_input_values_match_slacks_state_shape():
    assert input_value({"type": "datepicker"}, "2026-01-02") == {
        "type": "datepicker",
        "selected_date": "2026-01-02",
    }
    assert input_value({"type": "users_select"}, "<@U0ANA>")["selected_user"] == "U0ANA"
    assert input_value({"type": "static_select"}, "bug")["selected_option"]["value"] == "bug"


def test_quick_start_run_without_credentials_opens_the_console(tmp_path):
    """`upkeep run` with no Slack settings: the console with the demo team, and it says so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'quick.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        input="/upkeep help\n:quit\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "No Slack credentials" in done.stdout + done.stderr
    assert "/upkeep status" in done.stdout


def test_the_example_config_imports_and_round_trips(db, clock, slack):
    """`bot/demo.yaml` is the README's example: every section imports, and exporting it and
    importing the export again changes nothing."""
    from bot.console import demo
    from models.config import export_config, import_config
    from models.core.people import ensure_workspace

    for uid, (name, tz, extra) in demo.PEOPLE.items():
        slack.add_user(uid, name, tz, **extra)
    workspace = ensure_workspace(db, "T0001EXAMPLE", clock.now())
    first = demo.seed(db, workspace, clock.now(), lambda uid: slack.users.get(uid))
    sections = {"teams", "rotations", "services", "rituals", "priorities", "requests", "slos"}
    assert set(demo.config()) == sections
    assert len(first.created) == 2 + 2 + 4 + 3 + 1 + 1 + 1 and not first.changed
    again = import_config(db, workspace, export_config(db, workspace), clock.now())
    assert not again.created and not again.changed


def test_the_console_in_a_terminal_shows_scheduled_posts_as_they_fall_due(tmp_path):
    """`upkeep console --demo` at a terminal ticks on its own: the demo standup falls due a few
    seconds after it starts (Monday 09:30 London) and its DM is drawn with nobody typing."""
    import pty

    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        "CLOCK_START": "2026-03-02T09:29:57+00:00",
        "WORKER_TICK_SECONDS": "0.25",
    }
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "console", "--demo"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        cwd=tmp_path,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    screen = Terminal(leader)
    try:
        screen.read_until("Standup for *payments*")
        os.write(leader, b"/upkeep status\n")
        screen.read_until("Worker: last tick")
        os.write(leader, b":quit\n")
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(leader)


class Terminal:
    """What a program wrote to the terminal (the leader side of a pty), read as it comes."""

    def __init__(self, fd: int):
        self.fd = fd
        self.seen = ""

    def read_until(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.seen and time.monotonic() < deadline:
            ready, _, _ = io_select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.seen += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:  # the program exited
                    break
        assert text in self.seen, self.seen
