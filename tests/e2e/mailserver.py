"""A local SMTP server for the tests (aiosmtpd, in a thread) that records what it accepts and fails on demand.

Every accepted mail is recorded with the reminder ids of its `X-Tracker-Reminders` header (one mail lists all
the due reminders of one recipient), its Message-ID and its envelope recipients. The tests count delivered
reminders from these records, never from the database: delivered = ids seen in accepted mails, duplicates =
extra sightings of an id, missing = due ids never seen.
It counts the SMTP sessions clients open (`sessions`: one EHLO or HELO each), so a test can tell a batch that
reuses its connection from one that opens a connection per mail.

Faults it can play, at the test's command:
- `refuse()`: answer every RCPT with a temporary failure (451) until `accept()`;
- `stop()` / `start()`: no server at all, connections are refused, then the same port again;
- `slow_down(seconds)`: every RCPT waits that long before its answer (a tarpitting or overloaded server);
- `hold_after(n)`: once n mails were accepted, every further RCPT waits (the mail is in flight, before its
  DATA and final dot) until `release()`, so a test can act at a known point;
- `limit_per_connection(n)`: after n mails on one connection, the next MAIL is answered 421 and the server
  hangs up (a relay's per-connection limit);
- `drop_every(k)`: every k-th mail is received in full, then the connection is cut before the reply to its
  final dot, and the mail is not kept (a relay that crashes after DATA);
- `after_data(callback)`: call callback() once a mail's content arrived, before it is accepted (a test acts at
  the moment the client waits for the server's acceptance).
"""

from __future__ import annotations

import asyncio
import collections
import email
import email.policy
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from tests.e2e.processes import free_port

TEMPORARY_FAILURE = "451 4.3.0 Mail server busy, try again later"
CLOSING = "421 4.7.0 Too many messages on this connection, closing"
REMINDERS_HEADER = "X-Tracker-Reminders"
NOTICES_HEADER = "X-Tracker-Notices"

# aiosmtpd logs every command at INFO: thousands of lines per test, and nothing a failure report needs.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Accepted:
    reminder_ids: tuple[int, ...]
    notice_ids: tuple[int, ...]
    message_id: str
    recipients: tuple[str, ...]
    subject: str
    text: str  # the plain-text part
    at: float  # time.monotonic() of the acceptance


@dataclass(frozen=True)
class Tally:
    due: int
    delivered: int
    duplicates: int  # sightings of an id beyond its first
    missing: int
    unexpected: int  # ids delivered that were not due
    mails: int
    duplicated_ids: tuple[int, ...]
    missing_ids: tuple[int, ...]

    def as_dict(self) -> dict[str, int]:
        return {
            "due": self.due, "delivered": self.delivered, "duplicates": self.duplicates,
            "missing": self.missing, "mails": self.mails,
        }  # fmt: skip


def parse_ids(value: str) -> tuple[int, ...]:
    """The header is a comma-separated list; a long one may come folded over several lines."""
    return tuple(int(part) for part in "".join(value.split()).split(",") if part)


def _plain_text(message: email.message.EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_HELO(self, server, session, envelope, hostname):
        self.server._count("sessions")
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.server._count("sessions")
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        limit = self.server._per_connection
        if limit is not None and getattr(session, "mails_accepted", 0) >= limit:
            self.server._count("closed")
            asyncio.get_running_loop().call_later(0.05, server.transport.close)  # once the 421 is written
            return CLOSING
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        owner = self.server
        owner._note_attempt()
        if owner._delay:
            await asyncio.sleep(owner._delay)
        if owner._refusal is not None:
            owner._count("refused")
            return owner._refusal
        if owner._must_hold():
            owner._count("held", +1)
            owner.hold_reached.set()
            try:
                while not owner._released.is_set():
                    await asyncio.sleep(0.02)
            finally:  # also when the client went away (the session is cancelled then)
                owner._count("held", -1)
            if owner._refusal is not None:
                owner._count("refused")
                return owner._refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        owner = self.server
        if owner._after_data is not None:
            await asyncio.get_running_loop().run_in_executor(None, owner._after_data)
        if owner._drop_every and owner._next_received() % owner._drop_every == 0:
            owner._count("dropped")
            server.transport.abort()  # no reply to the final dot; the mail is not kept
            return "451 never written"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        reminders, notices = message.get(REMINDERS_HEADER), message.get(NOTICES_HEADER)
        session.mails_accepted = getattr(session, "mails_accepted", 0) + 1
        owner._record(
            Accepted(
                reminder_ids=parse_ids(str(reminders)) if reminders is not None else (),
                notice_ids=parse_ids(str(notices)) if notices is not None else (),
                message_id=str(message.get("Message-ID", "")).strip(),
                recipients=tuple(envelope.rcpt_tos),
                subject=str(message.get("Subject", "")),
                text=_plain_text(message),
                at=time.monotonic(),
            )
        )
        return "250 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1:`port` that records every mail it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._lock = threading.Lock()
        self._accepted: list[Accepted] = []
        self._counters: collections.Counter[str] = collections.Counter()
        self._first_attempt: float | None = None
        self._refusal: str | None = None
        self._delay = 0.0
        self._hold_after: int | None = None
        self._per_connection: int | None = None
        self._drop_every = 0
        self._after_data: Callable[[], None] | None = None
        self._released = threading.Event()
        self.hold_reached = threading.Event()
        self._controller: Controller | None = None

    # --- Running ------------------------------------------------------------------------------------

    def start(self) -> MailServer:
        assert self._controller is None, "the mail server runs already"
        # A fresh controller (and event loop) each time; the same port, so clients find it again.
        controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, server_hostname="mail.test")
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: clients now get 'connection refused'. Sessions still open are cut."""
        if self._controller is not None:
            self._released.set()  # nothing may stay parked in a handler of a loop that stops
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> MailServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- Faults -------------------------------------------------------------------------------------

    def refuse(self, reply: str = TEMPORARY_FAILURE) -> None:
        """Answer every RCPT with `reply` (a temporary failure by default) until accept()."""
        self._refusal = reply

    def accept(self) -> None:
        self._refusal = None

    def slow_down(self, seconds: float) -> None:
        """Answer every RCPT only after `seconds` (0: at once again)."""
        self._delay = seconds

    def hold_after(self, mails: int) -> None:
        """Once `mails` mails were accepted, every further RCPT waits until release()."""
        self._released.clear()
        self.hold_reached.clear()
        self._hold_after = mails

    def release(self) -> None:
        self._hold_after = None
        self._released.set()

    def limit_per_connection(self, mails: int | None) -> None:
        """After `mails` mails on one connection, answer the next MAIL with 421 and hang up (None: no limit)."""
        self._per_connection = mails

    def drop_every(self, k: int) -> None:
        """Cut the connection after the content of every k-th mail, before accepting it (0: never)."""
        self._drop_every = k

    def after_data(self, callback: Callable[[], None] | None) -> None:
        """Run callback() (in a thread) once each mail's content arrived, before the server accepts it."""
        self._after_data = callback

    # --- Reading ------------------------------------------------------------------------------------

    @property
    def accepted(self) -> list[Accepted]:
        with self._lock:
            return list(self._accepted)

    @property
    def sessions(self) -> int:
        """SMTP sessions clients opened (each greets with one EHLO or HELO)."""
        return self._counters["sessions"]

    @property
    def refused(self) -> int:
        return self._counters["refused"]

    @property
    def closed(self) -> int:
        """Connections closed with a 421 for the per-connection limit."""
        return self._counters["closed"]

    @property
    def dropped(self) -> int:
        """Mails whose connection was cut after their content."""
        return self._counters["dropped"]

    @property
    def held(self) -> int:
        """How many mails wait in RCPT right now."""
        return self._counters["held"]

    @property
    def first_attempt(self) -> float | None:
        """time.monotonic() of the first RCPT this server saw, accepted or not: when sending started."""
        return self._first_attempt

    def tally(self, due: Iterable[int], *, notices: bool = False) -> Tally:
        """Delivered, duplicated and missing among `due`: reminder ids, or notice ids with notices=True."""
        due = set(due)
        mails = [mail for mail in self.accepted if (mail.notice_ids if notices else mail.reminder_ids)]
        seen = collections.Counter(pk for mail in mails for pk in (mail.notice_ids if notices else mail.reminder_ids))
        duplicated = sorted(pk for pk, count in seen.items() if count > 1)
        return Tally(
            due=len(due),
            delivered=len(seen.keys() & due),
            duplicates=sum(count - 1 for count in seen.values()),
            missing=len(due - seen.keys()),
            unexpected=len(seen.keys() - due),
            mails=len(mails),
            duplicated_ids=tuple(duplicated),
            missing_ids=tuple(sorted(due - seen.keys())),
        )

    def last_delivery(self) -> float | None:
        mails = self.accepted
        return max(mail.at for mail in mails) if mails else None

    def wait_for(self, condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(interval)
        return condition()

    # --- Called from the server's thread ------------------------------------------------------------

    def _note_attempt(self) -> None:
        with self._lock:
            if self._first_attempt is None:
                self._first_attempt = time.monotonic()

    def _count(self, name: str, delta: int = 1) -> None:
        with self._lock:
            self._counters[name] += delta

    def _must_hold(self) -> bool:
        with self._lock:
            return self._hold_after is not None and len(self._accepted) >= self._hold_after

    def _next_received(self) -> int:
        with self._lock:
            self._counters["received"] += 1
            return self._counters["received"]

    def _record(self, mail: Accepted) -> None:
        with self._lock:
            self._accepted.append(mail)
