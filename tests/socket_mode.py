"""A fake of Slack's Socket Mode side: a websocket server on 127.0.0.1 (port 0) that speaks the
protocol as Slack documents it. Each connection gets `hello`; the test sends envelopes
(`slash_commands`, `events_api`, `interactive`) and reads the app's acks (`{"envelope_id",
"payload"}`); `refresh()` sends `disconnect` with `refresh_requested`, after which the app must
ask `apps.connections.open` again and reconnect."""

from __future__ import annotations

import itertools
import json
import queue
import threading
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve


class SocketModeServer:
    def __init__(self) -> None:
        self.connections: queue.Queue[ServerConnection] = queue.Queue()
        self.acks: queue.Queue[dict[str, Any]] = queue.Queue()
        self.opened = 0
        self._ids = itertools.count(1)
        self._current: ServerConnection | None = None
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket=test"

    def __enter__(self) -> SocketModeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(5)

    def _handle(self, conn: ServerConnection) -> None:
        self.opened += 1
        conn.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-test", "approximate_connection_time": 3600},
                    "connection_info": {"app_id": "A0UPKEEP"},
                }
            )
        )
        self.connections.put(conn)
        try:
            for message in conn:
                self.acks.put(json.loads(message))
        except ConnectionClosed:
            pass

    def wait_for_connection(self, timeout: float = 30.0) -> ServerConnection:
        self._current = self.connections.get(timeout=timeout)
        return self._current

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response: bool) -> str:
        """Send an envelope on the newest connection; its id."""
        assert self._current is not None, "no connection yet"
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response,
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        self._current.send(json.dumps(envelope))
        return envelope_id

    def ack_for(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The app's ack of an envelope (other acks that arrive first are kept aside)."""
        aside = []
        try:
            while True:
                ack = self.acks.get(timeout=timeout)
                if ack.get("envelope_id") == envelope_id:
                    return ack
                aside.append(ack)
        finally:
            for ack in aside:
                self.acks.put(ack)

    def refresh(self) -> None:
        """Ask the app to reconnect, as Slack does a few times an hour."""
        assert self._current is not None
        self._current.send(
            json.dumps(
                {
                    "type": "disconnect",
                    "reason": "refresh_requested",
                    "debug_info": {"host": "applink-test"},
                }
            )
        )
