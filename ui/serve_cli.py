"""`dialogue-assistant serve [--host HOST] [--port PORT] [--auth USER:PASS]`.

Loads the embedding model and the index once, then serves the chat UI. Loopback needs no
credentials; any other interface refuses to start without them (exit code 2).
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
import time

log = logging.getLogger(__name__)

EXIT_USAGE = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; others need --auth)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", default=None, metavar="USER:PASS",
                        help="credentials required by the UI (default: $ASSISTANT_AUTH)")


def is_loopback(host: str) -> bool:
    """True for localhost and addresses in 127.0.0.0/8 or ::1."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:pass' -> (user, pass); ValueError when either part is empty."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise ValueError("credentials must look like user:password (both non-empty)")
    return user, password


def check_bind(host: str, auth: str | None) -> tuple[str, str] | None:
    """The credentials to serve `host` with; ValueError says why serving must not start."""
    creds = parse_auth(auth)
    if creds is None and not is_loopback(host):
        raise ValueError(
            f"refusing to serve on {host} without credentials: set ASSISTANT_AUTH=user:password "
            "or pass --auth user:password (or bind 127.0.0.1)")
    return creds


def run(args: argparse.Namespace) -> int:
    from assistant.settings import Settings

    settings = Settings.from_env(os.environ)
    try:
        creds = check_bind(args.host, args.auth or settings.auth)
    except ValueError as exc:
        print(f"dialogue-assistant serve: {exc}", file=sys.stderr)
        return EXIT_USAGE

    from assistant import warm_up

    t0 = time.perf_counter()
    warm_up(settings)  # model and index load now, not on the first question
    log.info("model and index loaded in %.1f s", time.perf_counter() - t0)

    from .app import build_app, launch_app

    demo = build_app(settings=settings)
    log.info("serving on http://%s:%d%s", args.host, args.port, " (auth on)" if creds else "")
    launch_app(demo, server_name=args.host, server_port=args.port, auth=creds, settings=settings)
    return 0
