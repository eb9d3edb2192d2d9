"""Sending the reminder outbox, and beat's sweep of every outbox.

Sending uses the machinery every outbox shares (proposals/outbox.py: claim with SKIP LOCKED, lease, SMTP reconnect,
retries for REMINDER_RETRY_FOR_HOURS, mark sent; its docstring says where a duplicate remains possible): one mail
per recipient listing all their due reminders. Each mail is checked against its proposals as they were at most
FRESH_SECONDS before it: a reminder whose stage ended since the claim is cancelled, not sent."""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from proposals import meeting_notices, need_replies, notifications, outbox
from proposals.models import Handling, Proposal, Reminder
from proposals.outbox import SendResult
from proposals.reminders.mails import build_mail
from proposals.reminders.planning import (
    PlanResult,
    due_at_if_current,
    plan,
)
from proposals.reminders.policy import proposal_policy
from proposals.reminders.recipients import People, recipients
from proposals.selectors import proposals_with_workflow_data, with_open_delegate_requests

logger = logging.getLogger(__name__)


def retry_failed(ids: Iterable[int]) -> int:
    """An operator sends failed reminders again (after fixing the mail server, say): a fresh retry budget."""
    return outbox.retry_failed(Reminder, ids)


def claim(now: dt.datetime, *, ids: Iterable[int] | None = None, limit: int | None = None) -> tuple[uuid.UUID, list]:
    """Take due pending reminders for this worker alone, a recipient's together (proposals.outbox.claim). Only
    the recipients come with them: the sender reads each mail's proposals fresh (read_ahead)."""
    token, claimed = outbox.claim(Reminder, now, ids=ids, limit=limit)
    claimed = claimed.select_related("recipient__delegate")
    return token, list(claimed.order_by("recipient_id", "due_at", "id"))


# How old the proposals a mail is checked against may be. Read once per mail, a batch of a thousand mails spent
# more time reading than sending; a stage that ends within the second before a mail can still be reminded of.
FRESH_SECONDS = 1.0
# How many mails' proposals one fresh read takes, the coming ones. Reading all the claim's unsent rows every
# FRESH_SECONDS read each proposal again and again on a slow machine (28 reads of 200 for 1,000 mails).
READ_AHEAD_MAILS = 50


def _fresh_proposals(reminders: list[Reminder]) -> dict[int, Proposal]:
    """The reminders' proposals as they are now: state, deadlines and assignments may have changed since claim."""
    queryset = Proposal.objects.filter(pk__in={r.proposal_id for r in reminders})
    return (
        proposals_with_workflow_data(queryset)
        .prefetch_related("deadlines", "evidence", with_open_delegate_requests())
        .in_bulk()
    )


def _handling_now(reminder: Reminder, proposal: Proposal) -> Handling | None:
    """The reminder's unit handling as the fresh proposal has it (it may have answered, or its date moved)."""
    return next((h for h in proposal.handlings_list() if h.pk == reminder.handling_id), None)


def _still_wanted(reminder: Reminder, proposal: Proposal | None, directory: People) -> bool:
    """Whether the reminder still holds now: its stage is current at the same due date, and its recipient
    still has to act (a lead who endorsed, a co-signer who signed or declined, a secretary who left, is not
    reminded of what they have done or no longer do)."""
    if proposal is None:
        return False
    handling = _handling_now(reminder, proposal)
    if reminder.handling_id is not None and handling is None:
        return False
    if due_at_if_current(proposal, reminder.stage, handling) != reminder.due_at:
        return False
    policy = proposal_policy(proposal)
    people = recipients(
        proposal, reminder.stage, reminder.offset_days, policy, directory, unit_answer=handling is not None
    )
    return any(user.pk == reminder.recipient_id for user, _kind in people)


def send_claimed(token: uuid.UUID, reminders: list[Reminder], now: dt.datetime | None = None, *,
                 mailer: outbox.Mailer | None = None) -> SendResult:  # fmt: skip
    """Send the claimed reminders: one mail per recipient over one SMTP connection (`mailer`'s when given,
    reopened when the server closes it), each marked sent at once, right after the server accepted it.

    `now` is the moment of the sweep: the mails count days from it, and retries wait from it.
    """
    now = now or timezone.now()
    by_recipient: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        by_recipient[reminder.recipient_id].append(reminder)
    groups = list(by_recipient.values())
    lease = outbox.Lease(Reminder, [r.pk for r in reminders], token)
    with outbox.Mailer.reused(mailer) as mailer:
        sweep = _Sweep(token=token, now=now, lease=lease, mailer=mailer)
        for index, claimed in enumerate(groups):
            held = lease.hold(r.pk for r in claimed)
            group = [r for r in claimed if r.pk in held]
            if group and not sweep.send_group(group, groups[index : index + READ_AHEAD_MAILS]):
                break
    return sweep.result


@dataclass
class _Sweep:
    """One call of send_claimed: what every recipient's mail needs, and the last fresh read of the unsent rows."""

    token: uuid.UUID
    now: dt.datetime
    lease: outbox.Lease
    mailer: outbox.Mailer
    result: SendResult = field(default_factory=SendResult)
    proposals: dict[int, Proposal] = field(default_factory=dict)
    directory: People = field(default_factory=People)
    proposals_read_at: float = -math.inf
    directory_read_at: float = -math.inf

    def send_group(self, group: list[Reminder], coming: list[list[Reminder]]) -> bool:
        """One recipient's held reminders: cancel those no longer wanted, then mail the rest. `coming`: this
        group and the next ones, whose proposals a fresh read takes. False when the server cannot be reached and
        the sweep stops."""
        self.read_ahead(group, coming)
        wanted = self.cancel_stale(group)
        if not wanted:
            return True
        if not wanted[0].recipient.mail_address:  # nowhere to send it: an operator sees it failed, with why
            ids = [r.pk for r in wanted]
            outbox.finish(Reminder, ids, self.token, status=Reminder.Status.FAILED, claim_token=None,
                          last_error="The recipient has no email address.")  # fmt: skip
            self.result.failed += ids
            return True
        for reminder in wanted:  # the mail shows the proposal as it is now (its latest revision, say)
            reminder.proposal = self.proposals[reminder.proposal_id]
            if reminder.handling_id is not None:
                reminder.handling = _handling_now(reminder, reminder.proposal)
        mail = build_mail(wanted[0].recipient, wanted, self.now)
        return outbox.deliver(self.mailer, mail, Reminder, wanted, self.token, self.result, self.now, self.lease)

    def read_ahead(self, group: list[Reminder], coming: list[list[Reminder]]) -> None:
        """The proposals of the coming mails as they are now (a stage may have ended since the claim), read when
        the last read is older than FRESH_SECONDS or did not reach this group. Who acts for an organisation
        (the directory) is read again only with age."""
        read = time.monotonic() - self.proposals_read_at >= FRESH_SECONDS or any(
            r.proposal_id not in self.proposals for r in group
        )
        if read:
            self.proposals = _fresh_proposals([r for rows in coming for r in rows])
            self.proposals_read_at = time.monotonic()
        if time.monotonic() - self.directory_read_at >= FRESH_SECONDS:
            self.directory = People()
            self.directory_read_at = time.monotonic()
            read = True
        if read:  # the secretaries of every organisation of the read, in one query
            self.directory.read_secretaries(proposal.organisation_id for proposal in self.proposals.values())

    def cancel_stale(self, group: list[Reminder]) -> list[Reminder]:
        """Cancel the reminders whose stage ended, date moved or recipient acted since planning; the others."""
        stale = [r.pk for r in group if not _still_wanted(r, self.proposals.get(r.proposal_id), self.directory)]
        if stale:
            outbox.finish(Reminder, stale, self.token, status=Reminder.Status.CANCELLED, claim_token=None)
            self.result.cancelled += stale
        return [r for r in group if r.pk not in stale]


def send_due(now: dt.datetime | None = None, *, ids: Iterable[int] | None = None) -> SendResult:
    """Recover dead workers' claims, then claim and send due reminders batch by batch until none is left."""
    return outbox.drain(Reminder, now or timezone.now(), claim=lambda now: claim(now, ids=ids), send=send_claimed)


def send_batch(ids: list[int]) -> outbox.ComeBack | None:
    """A send task's batch: send what is due of it, and say when to come back for the rest."""
    send_due(ids=ids)
    return outbox.come_back(Reminder, ids, timezone.now())


def sweep(now: dt.datetime | None = None) -> tuple[PlanResult, list[list[int]]]:
    """The periodic job: plan what is due, recover dead workers' claims, and batch what is ready to send."""
    now = now or timezone.now()
    planned = plan(now)
    outbox.recover_stale_claims(Reminder, now)
    return planned, outbox.due_batches(Reminder, now)


@dataclass(frozen=True)
class SweepBatches:
    """What a sweep hands to the senders: batches of ids of reminders, notices, replies to needs and meeting
    notices."""

    reminders: list[list[int]]
    notices: list[list[int]]
    need_replies: list[list[int]]
    meeting_notices: list[list[int]]


def sweep_outboxes() -> SweepBatches:
    """Beat's job: plan what is due into the reminder outbox, then batch the reminders, notices and replies to
    needs that are ready to send. One sweep at a time; one that finds another running hands out nothing."""
    with outbox.sweep_lock("sweep", settings.REMINDER_SWEEP_SECONDS) as held:
        if not held:
            logger.info("Outbox sweep skipped: another sweep is running")
            return SweepBatches([], [], [], [])
        planned, batches = sweep()
        notice_batches = notifications.sweep()
        reply_batches = need_replies.sweep()
        meeting_batches = meeting_notices.sweep()
    logger.info("Outbox sweep: %d planned, %d cancelled, %d reminder, %d notice, %d need reply and %d meeting "
                "notice batches to send", len(planned.planned), planned.cancelled, len(batches), len(notice_batches),
                len(reply_batches), len(meeting_batches))  # fmt: skip
    return SweepBatches(batches, notice_batches, reply_batches, meeting_batches)
