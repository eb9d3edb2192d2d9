"""Deadline reminders (DESIGN §5): what is due for whom, the outbox, and sending it.

Planning is a pure function of a due date, the moment and the policy (`reminder_offset`, `reminder_day`,
`send_after`), applied by `plan` to the stages that are current now. Every reminder is recorded in the
outbox (`Reminder`) before anything is sent; `plan` inserts rows under a unique key, so planning twice, or
in two processes at once, records each reminder once.

Sending follows the outbox with the machinery every outbox shares (proposals/outbox.py: claim with SKIP
LOCKED, lease, SMTP reconnect, retries for REMINDER_RETRY_FOR_HOURS, mark sent; its docstring says where a
duplicate remains possible): one mail per recipient listing all their due reminders. Each mail is checked
against its proposals as they were at most FRESH_SECONDS before it: a reminder whose stage ended since the claim
is cancelled, not sent. The mail carries a stable Message-ID, so a receiving system that deduplicates by it
shows a resent one once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from proposals import notifications, outbox
from proposals.models import Assignment, Deadline, Organisation, Proposal, Reminder, Session, Stage, User
from proposals.outbox import SendResult
from proposals.selectors import current_due_dates_before, proposals_with_workflow_data
from proposals.validators import one_line
from proposals.workflow import STAGE_STATES, current_stage

logger = logging.getLogger(__name__)

PREFERENCES_SALT = "proposals.reminder-preferences"


# --- Policy and the pure planning functions -----------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    offsets_days: tuple[int, ...]  # days before the due date, largest first
    escalate_after_days: int
    overdue_for_days: int  # daily overdue reminders stop after this many days; the escalation has happened


def policy_for(session: Session) -> Policy:
    default = settings.REMINDER_POLICY
    offsets = session.reminder_offsets if session.reminder_offsets is not None else default["offsets_days"]
    escalate = session.escalation_after_days or default["escalate_after_days"]
    return Policy(tuple(sorted({int(days) for days in offsets}, reverse=True)), escalate, default["overdue_for_days"])


def reminder_offset(
    due_at: dt.datetime, now: dt.datetime, offsets_days: Iterable[int], overdue_for_days: int | None = None
) -> int | None:
    """The reminder that is current at `now`: days before the due date, or negative days overdue.

    Days are calendar days in the project's time zone (Asia/Shanghai): a deadline at 00:30 on 1 December is
    "one day before" all of 30 November. Before the due day, the current reminder is the nearest offset not
    yet passed; a sweep that comes late sends that one, not every one it missed. From the day after the due
    day on, one reminder a day: -1, -2, ... for `overdue_for_days` days (None: for as long as it lasts).
    """
    days_left = (timezone.localdate(due_at) - timezone.localdate(now)).days
    if days_left < 0:
        return days_left if overdue_for_days is None or -days_left <= overdue_for_days else None
    reached = [days for days in offsets_days if days >= days_left]
    return min(reached) if reached else None


def reminder_day(due_at: dt.datetime, offset_days: int) -> dt.date:
    """The local day on which the reminder with this offset is due."""
    return timezone.localdate(due_at) - dt.timedelta(days=offset_days)


def _at_local_hour(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def send_after(user: User, day: dt.date, now: dt.datetime) -> dt.datetime:
    """When a reminder of `day` may go out to this user: at the morning hour, or at their digest hour.

    A digest goes out once a day at the user's hour; a reminder planned after that hour waits for tomorrow's,
    so a digest user never gets a second mail on the same day.
    """
    if user.reminder_mode == User.ReminderMode.DIGEST:
        earliest = max(now, timezone.make_aware(dt.datetime.combine(day, dt.time.min)))
        moment = _at_local_hour(timezone.localdate(earliest), user.digest_hour)
        return moment if moment >= earliest else moment + dt.timedelta(days=1)
    return _at_local_hour(day, settings.REMINDER_SEND_HOUR)


# --- Who must act -------------------------------------------------------------------------------------


def _coordinators_of(organisation: Organisation | None) -> list[User]:
    if organisation is None:
        return []
    return list(User.objects.filter(role=User.Role.COORDINATOR, organisation=organisation, is_active=True))


class People:
    """Who acts for an organisation, each read once: asking about many proposals touches the same few."""

    def __init__(self) -> None:
        self._secretaries: dict[int, list[User]] = {}
        self._coordinators: dict[int | None, list[User]] = {}

    def secretaries(self, organisation_id: int) -> list[User]:
        if organisation_id not in self._secretaries:
            self._secretaries[organisation_id] = list(
                User.objects.filter(role=User.Role.SECRETARY, organisation_id=organisation_id, is_active=True)
            )
        return self._secretaries[organisation_id]

    def coordinators(self, organisation: Organisation | None) -> list[User]:
        key = organisation.pk if organisation is not None else None
        if key not in self._coordinators:
            self._coordinators[key] = _coordinators_of(organisation)
        return self._coordinators[key]


def _committee_of(organisation: Organisation) -> Organisation:
    """The committee that steers a branch's work: its county committee; committees steer themselves."""
    return organisation.parent if organisation.level == Organisation.Level.BRANCH else organisation


def _delegates_to_act(proposal: Proposal, stage: str) -> list[User]:
    """Assigned delegates who still have to act: in consultation, who has not endorsed or co-signed yet."""
    people = []
    for assignment in proposal.assignments_list():
        if assignment.declined_at is not None:
            continue
        is_lead = assignment.role == Assignment.Role.LEAD
        if stage == Stage.CONSULTATION:
            done = assignment.endorsed_revision == proposal.revision_number if is_lead else assignment.cosigned_at
            if not done:
                people.append(assignment.delegate.user)
        elif is_lead:
            people.append(assignment.delegate.user)
    return people


def recipients(
    proposal: Proposal, stage: str, offset_days: int, policy: Policy, directory: People | None = None
) -> list[tuple[User, str]]:
    """Who is reminded of this stage's due date, and as what (DESIGN §5). The calendar feed asks the same.

    `directory` lets a caller that asks about many proposals read each organisation's people once.
    """
    directory = directory or People()
    overdue = offset_days < 0
    kind = Reminder.Kind.OVERDUE if overdue else Reminder.Kind.BEFORE
    if stage == Stage.RESEARCH:
        people = directory.secretaries(proposal.organisation_id)
    elif stage == Stage.ANSWER and overdue:
        people = directory.coordinators(_committee_of(proposal.organisation))
    else:
        people = _delegates_to_act(proposal, stage)
    chosen = {user.pk: (user, kind) for user in people}
    if overdue and -offset_days >= policy.escalate_after_days:
        # The parent organisation's coordinators; if they are reminded already (a branch's overdue answer goes
        # to its county committee), the level above them.
        above = proposal.organisation.parent
        escalated = directory.coordinators(above)
        while above is not None and above.parent is not None and any(user.pk in chosen for user in escalated):
            above = above.parent
            escalated = directory.coordinators(above)
        for user in escalated:
            chosen.setdefault(user.pk, (user, Reminder.Kind.ESCALATION))
    return list(chosen.values())


# --- Planning into the outbox -------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    proposal: Proposal
    stage: str
    due_at: dt.datetime


def _horizon(now: dt.datetime) -> dt.datetime:
    """The last moment whose due dates can have a reminder today, under any session's policy."""
    overrides = Session.objects.exclude(reminder_offsets=None).values_list("reminder_offsets", flat=True)
    largest = max([*settings.REMINDER_POLICY["offsets_days"], *(d for offsets in overrides for d in offsets)])
    return timezone.make_aware(
        dt.datetime.combine(timezone.localdate(now) + dt.timedelta(days=largest + 1), dt.time.min)
    )


# Proposals read at a time by the planning. Django prefetches a foreign key of many rows as one OR of
# equalities, which SQLite refuses beyond 1,000 terms ("Expression tree is too large"): a sweep with a thousand
# due stages failed on the embedded database until it read them in chunks.
PLAN_CHUNK = 500


def due_items(now: dt.datetime) -> list[DueItem]:
    """The current stages whose due date is near or past, with what the planning reads of their proposals."""
    dates = current_due_dates_before(_horizon(now))
    ids = sorted({proposal.pk for proposal, _stage, _due in dates})
    proposals: dict[int, Proposal] = {}
    for start in range(0, len(ids), PLAN_CHUNK):
        chunk = Proposal.objects.filter(pk__in=ids[start : start + PLAN_CHUNK])
        proposals |= proposals_with_workflow_data(chunk).in_bulk()
    return [DueItem(proposals[proposal.pk], stage, due_at) for proposal, stage, due_at in dates]


def due_at_if_current(proposal: Proposal, stage: str) -> dt.datetime | None:
    """The proposal's current due date if the stage is the one it is in now, else None: whether a reminder
    planned for that stage and date still holds."""
    if current_stage(proposal.state) != stage:
        return None
    if stage == Stage.SUBMISSION:
        return proposal.session.submission_deadline
    deadline = next((d for d in proposal.deadlines.all() if d.stage == stage), None)
    return deadline.due_at if deadline else None


@dataclass
class PlanResult:
    planned: list[Reminder] = field(default_factory=list)
    cancelled: int = 0


def plan(now: dt.datetime | None = None, *, dry_run: bool = False) -> PlanResult:
    """Record in the outbox every reminder that is due now and not recorded yet; cancel those gone stale."""
    now = now or timezone.now()
    result = PlanResult()
    candidates = []
    for item in due_items(now):
        policy = policy_for(item.proposal.session)
        offset = reminder_offset(item.due_at, now, policy.offsets_days, policy.overdue_for_days)
        if offset is None:
            continue
        day = reminder_day(item.due_at, offset)
        for user, kind in recipients(item.proposal, item.stage, offset, policy):
            candidates.append(
                Reminder(proposal=item.proposal, stage=item.stage, due_at=item.due_at, offset_days=offset,
                         recipient=user, kind=kind, send_after=send_after(user, day, now), created_at=now)
            )  # fmt: skip
    existing = _existing_keys(candidates)
    new = [r for r in candidates if _key(r) not in existing]
    # A reminder cancelled because its stage ended (or its date moved) is due again when the proposal is back
    # in that stage at that date: the row under its key is revived rather than left cancelled for good.
    revive = [r for r in candidates if existing.get(_key(r), (None, None))[1] == Reminder.Status.CANCELLED]
    if dry_run:
        result.planned = new + revive
        return result
    # ignore_conflicts: a second sweep racing this one may insert the same rows first; the key keeps one.
    Reminder.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    result.planned = new
    for reminder in revive:
        revived = Reminder.objects.filter(pk=existing[_key(reminder)][0], status=Reminder.Status.CANCELLED).update(
            status=Reminder.Status.PENDING, kind=reminder.kind, send_after=reminder.send_after, attempts=0,
            last_error="", claim_token=None, claimed_at=None, created_at=now,
        )  # fmt: skip
        if revived:
            result.planned.append(reminder)
    result.cancelled = cancel_stale(now)
    return result


def _key(reminder: Reminder) -> tuple:
    return (reminder.proposal_id, reminder.stage, reminder.due_at, reminder.offset_days, reminder.recipient_id)


def _existing_keys(candidates: list[Reminder]) -> dict[tuple, tuple[int, str]]:
    """The rows already recorded under the candidates' keys: key -> (id, status)."""
    if not candidates:
        return {}
    proposals = {r.proposal_id for r in candidates}
    rows = Reminder.objects.filter(proposal_id__in=proposals, offset_days__in={r.offset_days for r in candidates})
    fields = ("proposal_id", "stage", "due_at", "offset_days", "recipient_id", "pk", "status")
    return {tuple(row[:5]): (row[5], row[6]) for row in rows.values_list(*fields)}


def cancel_stale(now: dt.datetime) -> int:
    """Cancel pending reminders whose stage has ended or whose due date has moved since they were planned."""
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING).select_related("proposal__session")
    pending = pending.prefetch_related("proposal__deadlines")
    stale = [r.pk for r in pending if due_at_if_current(r.proposal, r.stage) != r.due_at]
    if not stale:
        return 0
    return Reminder.objects.filter(pk__in=stale, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, last_error=""
    )


def follow_state(proposal: Proposal, now: dt.datetime) -> None:
    """After a state change: mark which deadline is current, and cancel the reminders of the stage that ended."""
    for stage, states in STAGE_STATES.items():
        current = proposal.state in states
        Deadline.objects.filter(proposal=proposal, stage=stage).exclude(is_current=current).update(is_current=current)
        if not current:
            Reminder.objects.filter(proposal=proposal, stage=stage, status=Reminder.Status.PENDING).update(
                status=Reminder.Status.CANCELLED
            )


def cancel_moved(proposal: Proposal, stage: str, due_at: dt.datetime) -> None:
    """A due date moved: reminders planned for the old date are cancelled; the next sweep plans new ones."""
    Reminder.objects.filter(proposal=proposal, stage=stage, status=Reminder.Status.PENDING).exclude(
        due_at=due_at
    ).update(status=Reminder.Status.CANCELLED)


def reschedule_for(user: User, now: dt.datetime) -> None:
    """The user changed their preferences: pending reminders follow the new mode and hour."""
    for reminder in Reminder.objects.filter(recipient=user, status=Reminder.Status.PENDING):
        reminder.send_after = send_after(user, reminder_day(reminder.due_at, reminder.offset_days), now)
        reminder.save(update_fields=["send_after"])


# --- Sending ------------------------------------------------------------------------------------------


def retry_failed(ids: Iterable[int]) -> int:
    """An operator sends failed reminders again (after fixing the mail server, say): a fresh retry budget."""
    return outbox.retry_failed(Reminder, ids)


def claim(now: dt.datetime, *, ids: Iterable[int] | None = None, limit: int | None = None) -> tuple[uuid.UUID, list]:
    """Take due pending reminders for this worker alone, a recipient's together (proposals.outbox.claim)."""
    token, claimed = outbox.claim(Reminder, now, ids=ids, limit=limit)
    claimed = claimed.select_related("recipient__delegate", "proposal__session", "proposal__organisation")
    return token, list(claimed.prefetch_related("proposal__deadlines").order_by("recipient_id", "due_at", "id"))


def preferences_url(user: User) -> str:
    token = signing.dumps(user.pk, salt=PREFERENCES_SALT)
    return settings.SITE_URL + reverse("reminder-preferences", args=[token])


def message_id(reminders: list[Reminder]) -> str:
    """The same reminders make the same Message-ID, so a resent mail can be recognised as the same one."""
    digest = hashlib.sha256(",".join(str(r.pk) for r in sorted(reminders, key=lambda r: r.pk)).encode()).hexdigest()
    return f"<reminders-{digest[:32]}@{outbox.mail_domain()}>"


def build_mail(recipient: User, reminders: list[Reminder], now: dt.datetime) -> EmailMultiAlternatives:
    """One mail listing every reminder of this recipient, in their language, with HTML and plain text."""
    with translation.override(recipient.language):
        items = [ReminderItem(reminder, recipient, now) for reminder in reminders]
        context = {
            "recipient": recipient, "items": items, "preferences_url": preferences_url(recipient),
            "overdue": sum(1 for item in items if item.overdue),
        }  # fmt: skip
        subject = one_line(render_to_string("proposals/mail/reminder_subject.txt", context))
        mail = EmailMultiAlternatives(
            subject,
            render_to_string("proposals/mail/reminder.txt", context),
            to=[recipient.mail_address],
            headers={
                "Message-ID": message_id(reminders),
                "X-Tracker-Reminders": ",".join(str(r.pk) for r in reminders),
                "List-Unsubscribe": f"<{context['preferences_url']}>",
            },
        )
        mail.attach_alternative(render_to_string("proposals/mail/reminder.html", context), "text/html")
    return mail


class ReminderItem:
    """A reminder as a mail shows it: the proposal, its stage and due date, and what to do."""

    def __init__(self, reminder: Reminder, recipient: User, now: dt.datetime):
        self.reminder = reminder
        self.proposal = reminder.proposal
        self.stage = reminder.get_stage_display()
        self.due_at = timezone.localtime(reminder.due_at)
        self.days_left = (timezone.localdate(reminder.due_at) - timezone.localdate(now)).days
        self.overdue = self.days_left < 0
        self.days_overdue = -self.days_left
        self.todo = todo(reminder, recipient)
        self.link = settings.SITE_URL + reverse("proposal-open", args=[reminder.proposal_id])


def todo(reminder: Reminder, recipient: User) -> str:
    from django.utils.translation import gettext as _

    proposal = reminder.proposal
    if reminder.kind == Reminder.Kind.ESCALATION:
        return _("The organisation is late with this stage: please follow it up.")
    if reminder.stage == Stage.RESEARCH:
        return _("Finish the research: write the research summary, attach evidence, then start the consultation.")
    if reminder.stage == Stage.CONSULTATION:
        lead = proposal.lead_assignment()
        if lead is not None and lead.delegate.user_id == recipient.pk:
            return _("Review revision %(revision)d and endorse it, or request changes.") % {
                "revision": proposal.revision_number
            }
        return _("Review the proposal and co-sign it, or decline.")
    if reminder.stage == Stage.SUBMISSION:
        return _("Table the proposal at the session and record its reference number.")
    if reminder.kind == Reminder.Kind.OVERDUE:
        return _("The handling unit's answer is overdue: please follow it up with the handling unit.")
    return _("Record the handling unit's answer when it arrives.")


# How old the proposals a mail is checked against may be. Read once per mail, a batch of a thousand mails spent
# more time reading than sending; a stage that ends within the second before a mail can still be reminded of.
FRESH_SECONDS = 1.0


def _fresh_proposals(reminders: list[Reminder]) -> dict[int, Proposal]:
    """The reminders' proposals as they are now: state, deadlines and assignments may have changed since claim."""
    queryset = Proposal.objects.filter(pk__in={r.proposal_id for r in reminders})
    return proposals_with_workflow_data(queryset).prefetch_related("deadlines").in_bulk()


def _still_wanted(reminder: Reminder, proposal: Proposal | None, directory: People) -> bool:
    """Whether the reminder still holds now: its stage is current at the same due date, and its recipient
    still has to act (a lead who endorsed, a co-signer who signed or declined, a secretary who left, is not
    reminded of what they have done or no longer do)."""
    if proposal is None or due_at_if_current(proposal, reminder.stage) != reminder.due_at:
        return False
    policy = policy_for(proposal.session)
    people = recipients(proposal, reminder.stage, reminder.offset_days, policy, directory)
    return any(user.pk == reminder.recipient_id for user, _kind in people)


def send_claimed(token: uuid.UUID, reminders: list[Reminder], now: dt.datetime | None = None) -> SendResult:
    """Send the claimed reminders: one mail per recipient over one SMTP connection (reopened when the server
    closes it), each marked sent at once.

    `now` is the moment of the sweep: the mails count days from it, and retries wait from it.
    """
    now = now or timezone.now()
    by_recipient: dict[int, list[Reminder]] = defaultdict(list)
    for reminder in reminders:
        by_recipient[reminder.recipient_id].append(reminder)
    lease = outbox.Lease(Reminder, [r.pk for r in reminders], token)
    with outbox.Mailer() as mailer:
        sweep = _Sweep(token=token, now=now, claimed=reminders, lease=lease, mailer=mailer)
        for claimed in by_recipient.values():
            waiting = set(lease.unsent)
            held = lease.hold(r.pk for r in claimed)
            group = [r for r in claimed if r.pk in held]
            if group and not sweep.send_group(group, waiting):
                break
    return sweep.result


@dataclass
class _Sweep:
    """One call of send_claimed: what every recipient's mail needs, and the last fresh read of the unsent rows."""

    token: uuid.UUID
    now: dt.datetime
    claimed: list[Reminder]
    lease: outbox.Lease
    mailer: outbox.Mailer
    result: SendResult = field(default_factory=SendResult)
    proposals: dict[int, Proposal] = field(default_factory=dict)
    directory: People = field(default_factory=People)
    read_at: float = -math.inf

    def send_group(self, group: list[Reminder], waiting: set[int]) -> bool:
        """One recipient's held reminders: cancel those no longer wanted, then mail the rest. False when the
        server cannot be reached and the sweep stops."""
        self.read_if_old(waiting)
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
        mail = build_mail(wanted[0].recipient, wanted, self.now)
        return outbox.deliver(self.mailer, mail, Reminder, wanted, self.token, self.result, self.now, self.lease)

    def read_if_old(self, waiting: set[int]) -> None:
        """The unsent rows' proposals as they are now (a stage may have ended since the claim), once the last
        read is older than FRESH_SECONDS."""
        if time.monotonic() - self.read_at >= FRESH_SECONDS:
            self.proposals, self.directory = _fresh_proposals([r for r in self.claimed if r.pk in waiting]), People()
            self.read_at = time.monotonic()

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
    """What a sweep hands to the senders: batches of reminder ids and of notice ids."""

    reminders: list[list[int]]
    notices: list[list[int]]


def sweep_outboxes() -> SweepBatches:
    """Beat's job: plan what is due into the reminder outbox, then batch the reminders and notices that are ready
    to send. One sweep at a time; one that finds another running hands out nothing."""
    with outbox.sweep_lock("sweep", settings.REMINDER_SWEEP_SECONDS) as held:
        if not held:
            logger.info("Outbox sweep skipped: another sweep is running")
            return SweepBatches([], [])
        planned, batches = sweep()
        notice_batches = notifications.sweep()
    logger.info("Outbox sweep: %d planned, %d cancelled, %d reminder batches and %d notice batches to send",
                len(planned.planned), planned.cancelled, len(batches), len(notice_batches))  # fmt: skip
    return SweepBatches(batches, notice_batches)
