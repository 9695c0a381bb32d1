"""`dialogue-assistant serve [--host HOST] [--port PORT] [--auth USER:PASS] [--allowed-host NAME]`.

Repairs reports a killed ingest left half-indexed, loads the embedding model and the index
once, then serves the chat UI. Loopback needs no credentials; any other interface refuses to
start without them (exit code 2). Every request's Host header must name the served address
(else 403, against DNS rebinding), repeated wrong passwords lock a client out for a while, and
questions over `max_question_chars` get a clear message (see `ui/guard.py`).
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
    parser.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="a host name the server is reached by, besides its address "
                             "(repeatable; also $ASSISTANT_ALLOWED_HOSTS, comma-separated)")


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

    repair(settings)

    import assistant

    t0 = time.perf_counter()
    assistant.warm_up(settings)  # model and index load now, not on the first question
    log.info("model and index loaded in %.1f s", time.perf_counter() - t0)

    from .app import build_app, launch_app
    from .guard import allowed_hosts, guard_kwargs, limit_questions

    stream = getattr(assistant, "answer_stream", None) if settings.llm else None
    demo = build_app(
        settings=settings,
        answer_fn=limit_questions(assistant.answer, settings),
        stream_fn=limit_questions(stream, settings, stream=True) if stream else None,
    )
    extra = [*args.allowed_host, *(settings.allowed_hosts or "").split(",")]
    hosts = allowed_hosts(args.host, args.port, extra)
    log.info("serving on http://%s:%d%s", args.host, args.port, " (auth on)" if creds else "")
    launch_app(demo, server_name=args.host, server_port=args.port, auth=creds, settings=settings,
               app_kwargs=guard_kwargs(hosts))
    return 0


def repair(settings) -> None:
    """Finish reports a killed ingest left PENDING, so the library never lists them as indexed.
    When another ingest is running, its PENDING records are its own work in progress: left be."""
    from ingest.lock import StoreBusy
    from ingest.pipeline import repair_pending

    try:
        report = repair_pending(settings, wait=False)
    except StoreBusy as exc:
        log.info("%s; it finishes its own pending reports", exc)
        return
    except Exception as exc:  # noqa: BLE001 - serve what is there; the next ingest repairs
        log.error("could not repair half-indexed reports: %s", exc)
        return
    if report is not None:
        log.info("repaired: %s", report.summary())
