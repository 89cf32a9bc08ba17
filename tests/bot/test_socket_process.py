"""`upkeep socket` as the operator runs it, against a local server speaking Slack's Socket Mode
protocol: hello, a command acked with its answer, a mention answered through the Web API, a
refresh (disconnect and reconnect), and SIGTERM."""

from __future__ import annotations

import signal

from bot.console.signed import command_form, event_body, mention_event
from tests.processes import process_env, upkeep
from tests.socket_mode import SocketModeServer


def test_upkeep_socket_answers_over_socket_mode_and_reconnects_on_refresh(slack, db_url, tmp_path):
    with SocketModeServer() as server:
        slack.socket_mode_url = server.url
        env = process_env(slack, db_url, SLACK_APP_TOKEN="xapp-1-test")
        del env["SLACK_SIGNING_SECRET"]  # Socket Mode needs none
        with upkeep(["socket"], env, tmp_path) as proc:
            server.wait_for_connection()
            proc.wait_for_output("connected to Slack in Socket Mode")
            form = command_form("/upkeep", "help", "U0ANA", "C0PAYMENTS", slack.response_url())
            ack = server.ack_for(server.send("slash_commands", form, accepts_response=True))
            assert "/upkeep status" in ack["payload"]["text"]

            mention = event_body(mention_event("who is on call?"))
            ack = server.ack_for(server.send("events_api", mention, accepts_response=False))
            assert ack.get("payload") in (None, {})
            assert slack.wait_for(lambda: bool(slack.posted("C0PAYMENTS")), 10), proc.output
            assert slack.posted("C0PAYMENTS")[0]["thread_ts"] == mention["event"]["ts"]

            server.refresh()
            server.wait_for_connection()  # a new connection, from a new apps.connections.open
            assert len(slack.calls_to("apps.connections.open")) == 2
            form = command_form("/upkeep", "status", "U0ANA", "C0PAYMENTS", slack.response_url())
            ack = server.ack_for(server.send("slash_commands", form, accepts_response=True))
            assert "Worker:" in ack["payload"]["text"]

            proc.signal(signal.SIGTERM)
            assert proc.wait() == 0, proc.output
    assert "stopped" in proc.output
    assert all(
        c.headers.get("Authorization") == "Bearer xapp-1-test"
        for c in slack.calls_to("apps.connections.open")
    )
