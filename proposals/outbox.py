"""The delivery machinery of every outbox (reminders, transition notices, replies to needs): claim, lease, send,
retry, mark sent.

A row is recorded before anything is sent. A worker claims due pending rows (a conditional update of rows
locked with SKIP LOCKED, so two workers never take the same row), renews its lease while it sends, and marks
each mail's rows sent right after the server accepted it; a failure puts them back with a backoff that grows
with how long they have been failing, capped at REMINDER_RETRY_MAX_SECONDS, and only after
REMINDER_RETRY_FOR_HOURS of failures do they end as failed. A worker that dies leaves its rows claimed; after
the lease they go back to pending. Sweeps run one at a time (`sweep_lock`) and hand out only rows no sender
holds or was handed within the lease.

Duplicates remain possible in three cases, each about one mail: a crash between the server's acceptance of a
mail and the commit that marks it sent; a database unreachable for longer than the mark's retries (MARK_TRIES,
about 3 s); a server that accepted a mail but whose answer never arrived (a connection cut after the final dot:
sent again at once; an answer slower than EMAIL_TIMEOUT: sent again at the next retry). The mail keeps its
Message-ID, so a receiving system that deduplicates by it shows it once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import math
import random
import smtplib
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from proposals.models import Delivery, OutboxLock, OutboxRow

logger = logging.getLogger(__name__)

Outbox = type[OutboxRow]


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)  # row ids
    mails: int = 0
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)

    def merge(self, other: SendResult) -> None:
        self.sent += other.sent
        self.mails += other.mails
        self.retried += other.retried
        self.failed += other.failed
        self.cancelled += other.cancelled


# --- Claims ---------------------------------------------------------------------------------------------


def recover_stale_claims(model: Outbox, now: dt.datetime) -> int:
    """Rows claimed by a worker that died (claim older than the lease) go back to pending."""
    expired = now - dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    return model.objects.filter(status=Delivery.SENDING, claimed_at__lt=expired).update(
        status=Delivery.PENDING, claim_token=None, claimed_at=None
    )


def due_batches(model: Outbox, now: dt.datetime) -> list[list[int]]:
    """The ids of due pending rows in batches for the senders (a recipient's rows never split), noted as handed
    out now. A row handed out within the lease is not handed out again: its task may still wait in the queue
    behind a slow mail server (a sweep used to queue every pending row again, and the queue grew with each
    one); a task lost with the broker is made again after the lease, as a dead worker's claim is taken back."""
    recently = now - dt.timedelta(seconds=settings.REMINDER_CLAIM_LEASE_SECONDS)
    pending = model.objects.filter(status=Delivery.PENDING, send_after__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=recently)
    )
    batches: list[list[int]] = [[]]
    previous = None
    mail = model.outbox_mail_key
    for pk, recipient in pending.order_by(mail, "send_after", "id").values_list("pk", mail):
        if recipient != previous and len(batches[-1]) >= settings.REMINDER_BATCH_SIZE:
            batches.append([])
        batches[-1].append(pk)
        previous = recipient
    batches = [batch for batch in batches if batch]
    for batch in batches:  # a batch at a time: one statement for thousands of ids passes SQLite's variable limit
        model.objects.filter(pk__in=batch).update(queued_at=now)
    return batches


def claim(model: Outbox, now: dt.datetime, *, ids: Iterable[int] | None = None, limit: int | None = None):
    """Take due pending rows for this worker alone: (token, queryset of the claimed rows). Rows another worker
    holds are skipped, not waited for. A recipient's rows are claimed together (a recipient cut off by the limit
    is left for the next claim), so that one mail can list all of them."""
    limit = limit or settings.REMINDER_BATCH_SIZE
    token = uuid.uuid4()
    with transaction.atomic():
        rows = model.objects.select_for_update(skip_locked=True).filter(status=Delivery.PENDING, send_after__lte=now)
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        mail = model.outbox_mail_key
        picked = list(rows.order_by(mail, "send_after", "id").values_list("pk", mail)[: limit + 1])
        if len(picked) > limit:
            last = picked[-1][1]
            kept = [row for row in picked[:limit] if row[1] != last]
            picked = kept or picked[:limit]
        chosen = [pk for pk, _recipient in picked]
        model.objects.filter(pk__in=chosen, status=Delivery.PENDING).update(
            status=Delivery.SENDING, claim_token=token, claimed_at=now
        )
    return token, model.objects.filter(claim_token=token, status=Delivery.SENDING)


def finish(model: Outbox, ids: list[int], token: uuid.UUID, **values) -> int:
    """Update the rows of `ids` this claim still holds; how many it held."""
    return model.objects.filter(pk__in=ids, claim_token=token, status=Delivery.SENDING).update(**values)


def renew(model: Outbox, ids: list[int], token: uuid.UUID) -> set[int]:
    """Extend this worker's lease on the claimed rows `ids`; the ids it still holds (a sweep takes back rows
    whose lease ran out, and another worker sends those)."""
    renewed = finish(model, ids, token, claimed_at=timezone.now())
    if renewed == len(ids):
        return set(ids)
    logger.warning("%d %s of claim %s were taken back after the lease", len(ids) - renewed,
                   model._meta.verbose_name_plural, token)  # fmt: skip
    held = model.objects.filter(pk__in=ids, claim_token=token, status=Delivery.SENDING)
    return set(held.values_list("pk", flat=True))


# Tries of the statement that marks a mail sent, over a database connection that was lost: the mail is out, and
# a row left 'sending' would be sent again after the lease.
MARK_TRIES = 5


def mark_sent(model: Outbox, ids: list[int], token: uuid.UUID, message_id: str) -> int:
    """Mark the rows of a mail the server accepted as sent, reconnecting to the database if it went away."""
    values = {"status": Delivery.SENT, "claim_token": None, "sent_at": timezone.now(), "message_id": message_id,
              "last_error": "", "attempts": F("attempts") + 1}  # fmt: skip
    for attempt in range(1, MARK_TRIES + 1):
        try:
            marked = finish(model, ids, token, **values)
        except (OperationalError, InterfaceError) as error:
            if attempt == MARK_TRIES or connection.in_atomic_block:
                raise
            logger.warning("Marking mail %s sent failed (%s); reconnecting", message_id, error)
            connection.close()  # the next statement opens a new connection
            time.sleep(0.2 * 2 ** (attempt - 1))
            continue
        if marked < len(ids):
            logger.warning("Mail %s outlasted the claim lease: it may go out twice", message_id)
        return marked
    raise AssertionError("unreachable")


def retry_delay(failing_for: float) -> float:
    """The wait before the next try: as long as the rows have been failing (so the waits double), at least
    REMINDER_RETRY_BASE_SECONDS, at most REMINDER_RETRY_MAX_SECONDS, with jitter."""
    ceiling = min(settings.REMINDER_RETRY_MAX_SECONDS, max(settings.REMINDER_RETRY_BASE_SECONDS, failing_for))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # jitter, not security


def give_back(model: Outbox, rows: list[OutboxRow], token: uuid.UUID, error: Exception, result: SendResult,
              now: dt.datetime, *, offered: bool) -> None:  # fmt: skip
    """A failed send: back to pending after a backoff, or failed for good once the rows have been failing for
    REMINDER_RETRY_FOR_HOURS. `offered`: the server was offered the mail (an attempt is counted).

    The backoff counts from the moment of the sweep that claimed the rows, so that its own claim loop (which
    takes what is due at that moment) never takes them again at once, whatever the clock says.
    """
    message = f"{type(error).__name__}: {error}"[:2000]
    budget = dt.timedelta(hours=settings.REMINDER_RETRY_FOR_HOURS)
    since = min((row.failing_since or now for row in rows), default=now)  # one mail's rows come back together
    ids = [row.pk for row in rows]
    counted = {"attempts": F("attempts") + 1} if offered else {}
    if now - since >= budget:
        finish(model, ids, token, status=Delivery.FAILED, last_error=message, claim_token=None, **counted)
        result.failed += ids
        return
    later = now + dt.timedelta(seconds=retry_delay((now - since).total_seconds()))
    finish(model, ids, token, status=Delivery.PENDING, send_after=later, last_error=message, claim_token=None,
           claimed_at=None, failing_since=Coalesce(F("failing_since"), now), **counted)  # fmt: skip
    result.retried += ids


def retry_failed(model: Outbox, ids: Iterable[int]) -> int:
    """An operator sends failed rows again (after fixing the mail server, say): a fresh retry budget."""
    return model.objects.filter(pk__in=list(ids), status=Delivery.FAILED).update(
        status=Delivery.PENDING, attempts=0, failing_since=None, send_after=timezone.now()
    )


# --- One sweep at a time ----------------------------------------------------------------------------------


@contextlib.contextmanager
def sweep_lock(name: str, seconds: float) -> Iterator[bool]:
    """Yields whether this process holds the named lock (for at most `seconds`); released on the way out."""
    now = timezone.now()
    OutboxLock.objects.get_or_create(name=name, defaults={"held_until": now - dt.timedelta(seconds=1)})
    until = now + dt.timedelta(seconds=seconds)
    held = OutboxLock.objects.filter(name=name, held_until__lt=now).update(held_until=until) == 1
    try:
        yield held
    finally:
        if held:
            OutboxLock.objects.filter(name=name, held_until=until).update(held_until=timezone.now())


# --- Sending over SMTP ------------------------------------------------------------------------------------


class Unsent(Exception):
    """A mail did not go out; `offered` says whether the server was offered it (an attempt is counted)."""

    def __init__(self, error: Exception, *, offered: bool) -> None:
        super().__init__(str(error))
        self.error = error
        self.offered = offered


def _connection_lost(error: Exception) -> bool:
    """The server closed the connection (421, a hang-up, a per-connection limit) rather than refused the mail.

    Not a timeout (smtplib reports one as a disconnection too): a server slower than EMAIL_TIMEOUT may still
    accept the mail, and sending it again at once would make a duplicate of it.
    """
    if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
        return False
    if isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError):
        return True
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code == 421 for code, _reply in error.recipients.values())
    return False


class Mailer:
    """An SMTP connection for a batch of mails that is reopened when the server closed it.

    A mail whose connection was lost before the server answered it is sent again at once on a new connection
    (not counted as an attempt); if that fails too, or the server refused the mail, the mail is Unsent.
    """

    def __init__(self) -> None:
        self.backend = get_connection()
        self.opened = False

    @classmethod
    @contextlib.contextmanager
    def reused(cls, mailer: Mailer | None) -> Iterator[Mailer]:
        """`mailer` when given (its owner closes it), else a new one closed on the way out."""
        if mailer is not None:
            yield mailer
            return
        with cls() as mailer:
            yield mailer

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self.opened:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.backend.close()
        self.opened = False

    def open(self) -> None:
        """Raises Unsent (not offered) when the server cannot be reached."""
        if self.opened and getattr(getattr(self.backend, "connection", None), "sock", True) is None:
            self.close()  # smtplib closed its socket after a 421 or a hang-up; the backend would not reopen it
        if self.opened:
            return
        try:
            self.backend.open()
        except (smtplib.SMTPException, OSError) as error:
            raise Unsent(error, offered=False) from error
        self.opened = True

    def send(self, mail: EmailMessage) -> None:
        for again in (False, True):
            self.open()
            try:
                self._send(mail)
                return
            except (smtplib.SMTPException, OSError) as error:
                lost = _connection_lost(error)
                if lost:
                    self.close()
                if not lost or again:
                    raise Unsent(error, offered=True) from error
                logger.info("The mail server closed the connection (%s); reconnecting", error)

    def _send(self, mail: EmailMessage) -> None:
        """What Django's SMTP backend does for one message, with the envelope's addresses encoded once per
        address rather than once per mail; any other backend sends it its own way."""
        if type(self.backend) is not SMTPBackend:
            self.backend.send_messages([mail])
            return
        recipients = mail.recipients()
        if not recipients:
            return
        encoding = mail.encoding or settings.DEFAULT_CHARSET
        self.backend.connection.sendmail(envelope_address(mail.from_email, encoding),
                                         [sanitize_address(address, encoding) for address in recipients],
                                         mail.message().as_bytes(linesep="\r\n"))  # fmt: skip


@functools.lru_cache(maxsize=64)
def envelope_address(address: str, encoding: str) -> str:
    """A sender's address as the SMTP envelope and the From header carry it (Django's parsing costs 0.15 ms)."""
    return sanitize_address(address, encoding)


class Lease:
    """A claim's lease while its mails go out: renewed before a mail once a tenth of it has passed, and which
    rows the claim still holds (a sweep takes back rows whose lease ran out; another worker sends those)."""

    def __init__(self, model: Outbox, ids: list[int], token: uuid.UUID) -> None:
        self.model, self.token = model, token
        self.unsent = list(ids)
        self.held: set[int] = set()
        self.renewed_at = -math.inf

    def hold(self, ids: Iterable[int]) -> set[int]:
        """Before the mail of `ids`: those of them the claim still holds. They no longer count as unsent."""
        if time.monotonic() - self.renewed_at >= settings.REMINDER_CLAIM_LEASE_SECONDS / 10:
            self.held = renew(self.model, self.unsent, self.token)
            self.renewed_at = time.monotonic()
        ids = set(ids)
        self.unsent = [pk for pk in self.unsent if pk not in ids]
        return self.held & ids


def deliver(mailer: Mailer, mail: EmailMessage, model: Outbox, rows: list[OutboxRow], token: uuid.UUID,
            result: SendResult, now: dt.datetime, lease: Lease) -> bool:  # fmt: skip
    """Send the mail of `rows`, then mark them sent, or give them back. False when the server cannot be reached:
    the claim's unsent rows are given back too (never offered, so no attempt is counted), and the caller stops."""
    ids = [row.pk for row in rows]
    try:
        mailer.send(mail)
    except Unsent as failure:
        logger.warning("Mail to %s failed: %s", mail.to, failure.error)
        give_back(model, rows, token, failure.error, result, now, offered=failure.offered)
        if failure.offered:
            return True
        rest = list(model.objects.filter(pk__in=lease.unsent, claim_token=token, status=Delivery.SENDING))
        lease.unsent = []
        give_back(model, rest, token, failure.error, result, now, offered=False)
        return False
    mark_sent(model, ids, token, mail.extra_headers["Message-ID"])
    result.sent += ids
    result.mails += 1
    return True


def drain(model: Outbox, now: dt.datetime, *, claim, send) -> SendResult:
    """Recover dead workers' claims, then `claim(now)` and `send(token, rows, now, mailer=mailer)` until nothing
    is left due, every claim over the same SMTP connection (opened at the first mail)."""
    recover_stale_claims(model, now)
    total = SendResult()
    with Mailer() as mailer:
        while True:
            token, claimed = claim(now)
            if not claimed:
                return total
            total.merge(send(token, claimed, now, mailer=mailer))


@dataclass(frozen=True)
class ComeBack:
    """What a send task does next: run again, after `countdown` seconds, for the rows of its batch in `ids`."""

    ids: list[int]
    countdown: float


def come_back(model: Outbox, ids: list[int], now: dt.datetime) -> ComeBack | None:
    """The rows of a sent batch still pending (retried, or not yet due), for when the earliest is due: a sweep
    hands a row out again only after the lease. None when the batch is done."""
    pending = model.objects.filter(pk__in=ids, status=Delivery.PENDING)
    rows = list(pending.order_by("send_after").values_list("pk", "send_after"))
    if not rows:
        return None
    countdown = min(max(1.0, (rows[0][1] - now).total_seconds()), settings.REMINDER_RETRY_MAX_SECONDS)
    return ComeBack([pk for pk, _at in rows], countdown)


@dataclass(frozen=True)
class OneMailPerRow:
    """An outbox whose every row is one mail of its own (the replies to needs, the meetings' invitations and
    reminders): claimed, each row's mail built and sent over one connection, marked sent at once; a row no
    longer wanted when it is claimed (read after the lock) is cancelled, not sent."""

    model: Outbox
    related: tuple[str, ...]  # what build_mail and still_wanted read, loaded with the claim
    build_mail: Callable[[OutboxRow], EmailMessage]
    still_wanted: Callable[[OutboxRow, dt.datetime], bool]  # the row, and the moment it is sent

    def claim(self, now: dt.datetime, *, ids: Iterable[int] | None = None) -> tuple[uuid.UUID, list[OutboxRow]]:
        token, claimed = claim(self.model, now, ids=ids)
        return token, list(claimed.select_related(*self.related).order_by("id"))

    def send_claimed(self, token: uuid.UUID, rows: list[OutboxRow], now: dt.datetime, *,
                     mailer: Mailer | None = None) -> SendResult:  # fmt: skip
        result = SendResult()
        lease = Lease(self.model, [row.pk for row in rows], token)
        with Mailer.reused(mailer) as mailer:
            for row in rows:
                if row.pk not in lease.hold([row.pk]):
                    continue
                if not self.still_wanted(row, now):
                    finish(self.model, [row.pk], token, status=Delivery.CANCELLED, claim_token=None)
                    result.cancelled.append(row.pk)
                    continue
                if not deliver(mailer, self.build_mail(row), self.model, [row], token, result, now, lease):
                    break
        return result

    def send_due(self, now: dt.datetime | None = None, *, ids: Iterable[int] | None = None) -> SendResult:
        """Recover dead workers' claims, then claim and send due rows batch by batch until none is left."""
        return drain(self.model, now or timezone.now(), claim=lambda now: self.claim(now, ids=ids),
                     send=self.send_claimed)  # fmt: skip

    def send_batch(self, ids: list[int]) -> ComeBack | None:
        """A send task's batch: send what is due of it, and say when to come back for the rest."""
        self.send_due(ids=ids)
        return come_back(self.model, ids, timezone.now())

    def sweep(self, now: dt.datetime | None = None) -> list[list[int]]:
        """The periodic job's part: recover dead workers' claims, batch what is ready to send."""
        now = now or timezone.now()
        recover_stale_claims(self.model, now)
        return due_batches(self.model, now)


def mail_domain() -> str:
    """The host of SITE_URL, for Message-IDs."""
    return settings.SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0]


# --- Health ----------------------------------------------------------------------------------------------


def health(model: Outbox, now: dt.datetime | None = None) -> dict:
    """What an operator needs to see of an outbox: pending (of which retrying), sending, failed, and how long the
    oldest due pending row has waited."""
    now = now or timezone.now()
    counts = dict(model.objects.values_list("status").annotate(n=Count("pk")).order_by())
    due = model.objects.filter(status=Delivery.PENDING, send_after__lte=now)
    oldest = due.aggregate(oldest=Min("send_after"))["oldest"]
    return {
        "pending": counts.get(Delivery.PENDING, 0),
        "retrying": model.objects.filter(status=Delivery.PENDING, failing_since__isnull=False).count(),
        "sending": counts.get(Delivery.SENDING, 0),
        "failed": counts.get(Delivery.FAILED, 0),
        "oldest_pending_seconds": round((now - oldest).total_seconds()) if oldest else 0,
    }
