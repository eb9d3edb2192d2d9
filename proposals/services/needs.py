"""Young people's needs (青年诉求, #16): recorded by secretaries or submitted on the public page, triaged by the
organisation's secretaries and coordinators (accepted under a theme, merged, declined, forwarded to the
committee above), linked to the proposals that carry them, answered back to who asked, and their contact
details removed a set time after the reply.

Every step is a row of the need's log (NeedEvent). Who may do what is proposals.permissions.triage_needs.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from proposals import need_replies, permissions
from proposals.models import Answer, Need, NeedEvent, NeedReply, Organisation, Proposal, User
from proposals.selectors import proposals_visible_to
from proposals.services.checks import raise_if_errors
from proposals.validators import clean_text

logger = logging.getLogger(__name__)

# What a person recording a need writes, and its limits; the public page takes PUBLIC_FIELDS of them.
TEXT_LIMITS = {"summary": 200, "details": 4000, "contact_name": 50, "contact_phone": 30, "contact_email": 254}
SINGLE_LINE = {"summary", "contact_name", "contact_phone", "contact_email"}
CHOICES = {"topic": Proposal.Topic, "age_group": Need.AgeGroup, "group": Need.Group, "channel": Need.Channel}
FLAGS = ("contact_consent", "wants_reply")
NEED_FIELDS = (*TEXT_LIMITS, *CHOICES, *FLAGS, "county", "people_count", "language")
PUBLIC_FIELDS = tuple(name for name in NEED_FIELDS if name not in {"channel", "people_count"})
MAX_PEOPLE = 1_000_000


def need_record(*, actor: User, organisation_id: int, **fields: Any) -> Need:
    """A need a secretary or coordinator heard (a survey, the hotline, a forum, a letter, a visit), recorded for
    their organisation; it waits for triage like any other."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({"organisation": [_("There is no organisation with this id.")]})
    permissions.triage_needs(actor, organisation).enforce()
    return _create(organisation, fields, NEED_FIELDS, recorded_by=actor)


def need_submit(*, organisation_id: int, **fields: Any) -> Need:
    """A need a young person submitted on the organisation's public page, without signing in: held for triage,
    seen by nobody else until then."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise ValidationError({"organisation": [_("There is no organisation with this id.")]})
    return _create(organisation, fields | {"channel": Need.Channel.ONLINE}, (*PUBLIC_FIELDS, "channel"))


def _create(organisation: Organisation, fields: dict[str, Any], allowed: tuple[str, ...], recorded_by=None) -> Need:
    cleaned = _cleaned(fields, allowed)
    with transaction.atomic():
        need = Need.objects.create(organisation=organisation, recorded_by=recorded_by, **cleaned)
        NeedEvent.objects.create(need=need, action=NeedEvent.Action.RECEIVED, actor=recorded_by)
    return need


def _cleaned(fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    for name in sorted(set(fields) - set(allowed)):
        errors[name] = [_("A need has no field “%(field)s”.") % {"field": name}]
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in allowed:
            continue
        if name in TEXT_LIMITS:
            cleaned[name] = clean_text(name, value, max_chars=TEXT_LIMITS[name], required=name == "summary",
                                       errors=errors, single_line=name in SINGLE_LINE)  # fmt: skip
        elif name in CHOICES:
            cleaned[name] = _choice(name, value, CHOICES[name].values, errors, blank=name in {"age_group", "group"})
        elif name in FLAGS:
            if not isinstance(value, bool):
                errors[name] = [_("Enter true or false.")]
            cleaned[name] = value is True
        elif name == "people_count":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PEOPLE:
                errors[name] = [_("Enter a whole number from 1 to %(max)d.") % {"max": MAX_PEOPLE}]
            cleaned[name] = value
        elif name == "county":
            cleaned[name] = _county(value, errors)
        elif name == "language":
            cleaned[name] = _choice(name, value, [code for code, _label in settings.LANGUAGES], errors)
    for name in ("summary", "topic", "channel"):
        if name in allowed and name not in fields:
            errors.setdefault(name, []).append(_("This field is required."))
    if cleaned.get("contact_email") and "contact_email" not in errors:
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors["contact_email"] = [_("Enter a valid email address.")]
    contact = any(cleaned.get(name) for name in ("contact_name", "contact_phone", "contact_email"))
    if contact and not cleaned.get("contact_consent"):
        errors.setdefault("contact_consent", []).append(
            _("Contact details are kept only with the consent of the person who raised the need.")
        )
    if cleaned.get("wants_reply") and not cleaned.get("contact_email"):
        errors.setdefault("contact_email", []).append(_("A reply needs an email address."))
    raise_if_errors(errors)
    return cleaned


def _choice(name: str, value: Any, values: list[str], errors: dict[str, list[str]], *, blank: bool = False) -> str:
    if blank and value in ("", None):
        return ""
    if value not in values:
        errors[name] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(values)}]
        return ""
    return value


def _county(value: Any, errors: dict[str, list[str]]) -> Organisation | None:
    if value in ("", None):
        return None
    county = (
        Organisation.objects.filter(pk=value, level=Organisation.Level.COUNTY).first()
        if isinstance(value, int) and not isinstance(value, bool)
        else None
    )
    if county is None:
        errors["county"] = [_("Choose one of the counties and districts.")]
    return county


# --- Triage ----------------------------------------------------------------------------------------------


def _lock(actor: User, need_id: int) -> Need:
    need = Need.objects.select_for_update().select_related("organisation").filter(pk=need_id).first()
    if need is None:
        raise ValidationError({"need": [_("There is no need with this id.")]})
    permissions.triage_needs(actor, need.organisation).enforce()
    return need


def _open(need: Need) -> None:
    if need.status in {Need.Status.MERGED, Need.Status.DECLINED}:
        raise ValidationError({"need": [_("This need is %(status)s already.") % {"status": need.get_status_display()}]})


def _log(need: Need, action: str, actor: User | None, note: str = "", proposal: Proposal | None = None) -> None:
    need.updated_at = timezone.now()
    need.save()
    NeedEvent.objects.create(need=need, action=action, actor=actor, note=note, proposal=proposal)


@transaction.atomic
def need_accept(*, actor: User, need_id: int, theme: Any) -> Need:
    """Accept a need under a theme (the heading it is carried under: 青年就业见习, 心理健康服务, ...)."""
    need = _lock(actor, need_id)
    _open(need)
    errors: dict[str, list[str]] = {}
    need.theme = clean_text("theme", theme, max_chars=100, required=True, errors=errors, single_line=True)
    raise_if_errors(errors)
    need.status = Need.Status.ACCEPTED
    _log(need, NeedEvent.Action.ACCEPTED, actor, need.theme)
    return need


@transaction.atomic
def need_merge(*, actor: User, need_id: int, into_id: Any) -> Need:
    """Merge a duplicate into another need: the other counts its people too, and takes what was merged into
    this one. Returns the need merged into."""
    need = _lock(actor, need_id)
    _open(need)
    target = None
    if isinstance(into_id, int) and not isinstance(into_id, bool) and into_id != need.pk:
        target = Need.objects.select_for_update().select_related("organisation").filter(pk=into_id).first()
    if target is None or not permissions.triage_needs(actor, target.organisation).allowed:
        raise ValidationError({"into": [_("Choose another need of yours to merge this one into.")]})
    if target.status in {Need.Status.MERGED, Need.Status.DECLINED}:
        raise ValidationError({"into": [_("That need is %(status)s.") % {"status": target.get_status_display()}]})
    Need.objects.filter(merged_into=need).update(merged_into=target)
    target.people_count += need.people_count
    need.status, need.merged_into = Need.Status.MERGED, target
    note = _("Merged into “%(need)s”.") % {"need": target.summary}
    _log(need, NeedEvent.Action.MERGED, actor, note)
    _log(target, NeedEvent.Action.MERGED, actor, _("“%(need)s” merged into it.") % {"need": need.summary})
    return target


@transaction.atomic
def need_decline(*, actor: User, need_id: int, reason: Any) -> Need:
    need = _lock(actor, need_id)
    _open(need)
    errors: dict[str, list[str]] = {}
    need.decline_reason = clean_text("reason", reason, max_chars=2000, required=True, errors=errors)
    raise_if_errors(errors)
    need.status = Need.Status.DECLINED
    _log(need, NeedEvent.Action.DECLINED, actor, need.decline_reason)
    return need


@transaction.atomic
def need_forward(*, actor: User, need_id: int, note: Any = "") -> Need:
    """Hand a need to the committee above (a county's to the city's): it waits for their triage there."""
    need = _lock(actor, need_id)
    _open(need)
    above = need.organisation.parent
    if above is None:
        raise ValidationError({"need": [_("%(organisation)s has no committee above it.")
                                        % {"organisation": need.organisation}]})  # fmt: skip
    errors: dict[str, list[str]] = {}
    text = clean_text("note", note, max_chars=2000, required=False, errors=errors)
    raise_if_errors(errors)
    need.organisation, need.status = above, Need.Status.PENDING
    _log(need, NeedEvent.Action.FORWARDED, actor, f"→ {above.name}" + (f"：{text}" if text else ""))
    return need


@transaction.atomic
def need_link(*, actor: User, need_id: int, proposal_id: Any, linked: bool = True) -> Need:
    """Link an accepted need to a proposal that carries it (or, `linked=False`, undo it). The proposal must be
    one the person sees."""
    need = _lock(actor, need_id)
    if linked and need.status != Need.Status.ACCEPTED:
        raise ValidationError({"need": [_("Accept the need before linking it to a proposal.")]})
    proposal = None
    if isinstance(proposal_id, int) and not isinstance(proposal_id, bool):
        proposal = proposals_visible_to(actor).filter(pk=proposal_id).first()
    if proposal is None:
        raise ValidationError({"proposal": [_("There is no proposal with this id.")]})
    if linked == need.proposals.filter(pk=proposal.pk).exists():
        return need  # nothing to do: asked twice
    if linked:
        need.proposals.add(proposal)
    else:
        need.proposals.remove(proposal)
    _log(need, NeedEvent.Action.LINKED if linked else NeedEvent.Action.UNLINKED, actor, proposal=proposal)
    return need


# --- The loop back, and the contact's removal ----------------------------------------------------------------


def need_replies_record(answer: Answer, now: dt.datetime) -> int:
    """When a unit's answer is recorded, a reply is recorded for each need the proposal carries (and those
    merged into them) whose person left an email, consented, and asked for a reply. Called in the answer's
    transaction; the outbox sends the mail. Returns how many were recorded."""
    proposal_id = answer.handling.proposal_id
    carried = Need.objects.filter(proposals=proposal_id).values("pk")
    needs = Need.objects.filter(
        Q(pk__in=carried) | Q(merged_into__in=carried), wants_reply=True, contact_consent=True,
        contact_removed_at__isnull=True,
    ).exclude(contact_email="")  # fmt: skip
    recorded = []
    for need in needs:
        reply, created = NeedReply.objects.get_or_create(
            need=need, answer=answer,
            defaults={"address": need.contact_email, "language": need.language, "send_after": now},
        )  # fmt: skip
        if created:
            recorded.append(reply.pk)
            NeedEvent.objects.create(need=need, action=NeedEvent.Action.REPLY_QUEUED, proposal_id=proposal_id)
    need_replies.queue_delivery(recorded)
    return len(recorded)


CONTACT_FIELDS = {"contact_name": "", "contact_phone": "", "contact_email": "", "contact_consent": False,
                  "wants_reply": False}  # fmt: skip


def need_contacts_remove_expired(now: dt.datetime | None = None) -> int:
    """The scheduled removal of contact details (#16 item 5): NEED_CONTACT_RETENTION_DAYS after the last reply
    was sent, or after a need was declined (no reply will come). Each removal is a row of the need's log, and
    the sent replies forget the address too. Returns how many needs lost their contact details."""
    now = now or timezone.now()
    before = now - dt.timedelta(days=settings.NEED_CONTACT_RETENTION_DAYS)
    held = Need.objects.filter(contact_consent=True, contact_removed_at__isnull=True)
    replied = held.annotate(last_reply=Max("replies__sent_at")).filter(last_reply__lt=before)
    # A reply still to go keeps the contact: its mail would otherwise be lost.
    waiting = NeedReply.objects.filter(status__in=["pending", "sending"]).values("need")
    expired = (
        Need.objects.filter(Q(pk__in=replied.values("pk")) | Q(pk__in=held.filter(
            status=Need.Status.DECLINED, updated_at__lt=before).values("pk")))
        .exclude(pk__in=waiting)
    )  # fmt: skip
    removed = 0
    for need_id in expired.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            changed = Need.objects.filter(pk=need_id, contact_removed_at__isnull=True).update(
                contact_removed_at=now, **CONTACT_FIELDS
            )
            if changed:
                NeedReply.objects.filter(need_id=need_id).exclude(status__in=["pending", "sending"]).update(address="")
                NeedEvent.objects.create(need_id=need_id, action=NeedEvent.Action.CONTACT_REMOVED,
                                         note=_("Removed %(days)d days after the reply.")
                                         % {"days": settings.NEED_CONTACT_RETENTION_DAYS})  # fmt: skip
                removed += changed
    logger.info("needs: removed the contact details of %d needs", removed)
    return removed
