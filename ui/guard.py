"""What the server checks before Gradio sees a request: the Host header and password guessing.

* **Host**: a web page on another site can reach a server on 127.0.0.1 through a name that
  resolves there (DNS rebinding); its requests then carry that name as `Host`. Only the
  addresses served are accepted (127.0.0.1, localhost, [::1] with the port, plus the names
  configured for a non-loopback bind); anything else gets 403.
* **Login**: every wrong password waits `FAIL_DELAY` before its answer; after `FREE_TRIES`
  wrong passwords from one client, that client is locked out (429 with `Retry-After`) for
  `LOCKOUT` seconds, doubling with every further failure up to `MAX_LOCKOUT`; a right password
  during the lockout is refused too. A success resets the count.

Both are plain ASGI middleware, passed to Gradio through `launch(app_kwargs=...)`:

    >>> kwargs = guard_kwargs(allowed_hosts("127.0.0.1", 7860))
    >>> launch_app(demo, server_name="127.0.0.1", server_port=7860, app_kwargs=kwargs)
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Iterable

log = logging.getLogger(__name__)

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
FREE_TRIES = 5  # wrong passwords per client before the lockout starts
LOCKOUT = 30.0  # seconds, after FREE_TRIES failures; doubles with each further one
MAX_LOCKOUT = 900.0
FAIL_DELAY = 0.5  # seconds every wrong password waits before its answer


def _bracket(host: str) -> str:
    host = host.strip().lower()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_hosts(bind: str, port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host header values a server bound to `bind`:`port` answers (lower case).

    Loopback names always (a browser on the machine), the bound address itself, and for a
    wildcard bind (0.0.0.0, ::) this machine's name and addresses; `extra` adds names such as
    a DNS name the server is reached by. Port 80 may be left out, as browsers do.
    """
    names = {*LOOPBACK_NAMES, _bracket(bind)}
    names.update(_bracket(x) for x in extra if x.strip())
    if bind in ("0.0.0.0", "::", ""):
        hostname = socket.gethostname()
        names.update({hostname.lower(), socket.getfqdn().lower()})
        try:
            names.update(_bracket(info[4][0]) for info in socket.getaddrinfo(hostname, None))
        except OSError:
            pass
    names.discard("0.0.0.0")
    names.discard("[::]")
    out = {f"{n}:{port}" for n in names}
    if port == 80:
        out |= names
    return frozenset(out)


async def _send_plain(send, status: int, text: str, headers: list | None = None) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class HostGuard:
    """ASGI middleware: 403 for HTTP requests (and a closed websocket) whose Host is not allowed."""

    def __init__(self, app, hosts: frozenset[str]):
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1").lower()
            if host not in self.hosts:
                log.warning("refused a request for Host %r (not this server's address)", host)
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await _send_plain(send, 403, "Forbidden: this server does not answer for that host name.\n")
                return
        await self.app(scope, receive, send)


class LoginThrottle:
    """ASGI middleware: per-client lockout on repeated wrong passwords at POST /login."""

    def __init__(self, app, free_tries: int = FREE_TRIES, lockout: float = LOCKOUT,
                 max_lockout: float = MAX_LOCKOUT, fail_delay: float = FAIL_DELAY):
        self.app = app
        self.free_tries = free_tries
        self.lockout = lockout
        self.max_lockout = max_lockout
        self.fail_delay = fail_delay
        self._lock = threading.Lock()
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def locked_for(self, client: str) -> float:
        """Seconds `client` is still locked out (0 when free)."""
        with self._lock:
            return max(0.0, self._until.get(client, 0.0) - time.monotonic())

    def record(self, client: str, ok: bool) -> None:
        """Count a login outcome for `client` (the middleware calls this per POST /login)."""
        with self._lock:
            if ok:
                self._failures.pop(client, None)
                self._until.pop(client, None)
                return
            n = self._failures[client] = self._failures.get(client, 0) + 1
            if n >= self.free_tries:
                wait = min(self.max_lockout, self.lockout * 2.0 ** (n - self.free_tries))
                self._until[client] = time.monotonic() + wait
                log.warning("%d wrong passwords from %s: locked out for %.0f s", n, client, wait)
            if len(self._failures) > 10_000:  # a flood of addresses must not grow this forever
                self._failures.clear()

    async def __call__(self, scope, receive, send):
        is_login = (scope["type"] == "http" and scope.get("method") == "POST"
                    and scope.get("path", "").rstrip("/").endswith("/login"))
        if not is_login:
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        wait = self.locked_for(client)
        if wait > 0:
            await _send_plain(send, 429, f"Too many wrong passwords; try again in {wait:.0f} s.\n",
                              [(b"retry-after", str(int(wait) + 1).encode())])
            return
        status = {}

        async def watch(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                if message["status"] >= 400:
                    self.record(client, ok=False)
                    await asyncio.sleep(self.fail_delay)  # slows a guesser, blocks nobody else
                elif message["status"] < 300:
                    self.record(client, ok=True)
            await send(message)

        await self.app(scope, receive, watch)


def guard_kwargs(hosts: frozenset[str]) -> dict:
    """Gradio `launch(app_kwargs=...)` installing both guards (Host outermost)."""
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(HostGuard, hosts=hosts), Middleware(LoginThrottle)]}


def limit_questions(fn, settings, *, stream: bool = False):
    """Wrap an `answer` (or `answer_stream`) function: a question over
    `settings.max_question_chars` gets a refusal saying so, at no analysis cost."""
    import functools

    from assistant import Answer

    def refusal(question: str, problem: str) -> Answer:
        shown = question[:200] + ("…" if len(question) > 200 else "")
        return Answer(question=shown, text=problem, answered=False, reason=problem,
                      notes=(problem,))

    if stream:
        @functools.wraps(fn)
        def streamed(question, *args, **kwargs):
            problem = settings.question_problem(question)
            if problem:
                yield refusal(question, problem)
                return
            yield from fn(question, *args, **kwargs)

        return streamed

    @functools.wraps(fn)
    def answered(question, *args, **kwargs):
        problem = settings.question_problem(question)
        return refusal(question, problem) if problem else fn(question, *args, **kwargs)

    return answered
