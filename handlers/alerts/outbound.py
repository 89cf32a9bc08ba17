"""The POST to a personal notification webhook, made so that it can't reach inside the network
Upkeep runs in: the address's host is resolved, every address it resolves to must be public
(not private, loopback, link-local, shared, reserved, multicast or unspecified), and the
connection goes to the address checked, with the host's name for TLS (SNI and certificate) and
in the Host header. Checked when the address is added and again on each call, so a name that
later resolves to an inside address (DNS rebinding) is refused then. `NOTIFY_WEBHOOKS_ALLOW_
PRIVATE=1` lets private addresses through (tests, closed networks). No redirect is followed."""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
from typing import Any
from urllib.parse import urlsplit

from models.alerts.notify import OK


class Refused(Exception):
    """The address may not be called (or its host can't be found): why, in a few words."""


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for `host`, in order: Refused when the host can't be found,
    or when any address it resolves to isn't public (unless `allow_private`)."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Refused(f"I can't find the host {host}") from None
    addresses = [str(info[4][0]).partition("%")[0] for info in found]
    if not addresses:
        raise Refused(f"I can't find the host {host}")
    for address in addresses:
        if not allow_private and not is_public(ipaddress.ip_address(address)):
            shown = host if host == address else f"{host} ({address})"
            raise Refused(f"{shown} isn't on the public internet")
    return list(dict.fromkeys(addresses))


def check_public(url: str, *, allow_private: bool) -> None:
    """Refused when `url`'s host isn't (only) on the public internet."""
    parts = urlsplit(url)
    checked_addresses(parts.hostname or "", parts.port or 443, allow_private=allow_private)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to the first of `addresses` that answers, speaking TLS and HTTP as
    `host`."""

    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._addresses = addresses

    def connect(self) -> None:
        sock = None
        for address in self._addresses:
            try:
                sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError:
                if address == self._addresses[-1]:
                    raise
        assert sock is not None
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(url: str, payload: dict[str, Any], *, timeout: float, allow_private: bool) -> str:
    """POST `payload` as JSON to the https `url`; OK, or what went wrong, in a few words."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    try:
        addresses = checked_addresses(host, port, allow_private=allow_private)
    except Refused as e:
        return f"refused: {e}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _PinnedHTTPS(host, port, addresses=addresses, timeout=timeout)
    try:
        connection.request(
            "POST",
            path,
            body=json.dumps(payload).encode(),
            headers={"content-type": "application/json", "user-agent": "Upkeep"},
        )
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException, ValueError) as e:
        return f"could not reach it ({str(e)[:120] or type(e).__name__})"
    finally:
        connection.close()
    return OK if 200 <= status < 300 else f"HTTP {status}"
