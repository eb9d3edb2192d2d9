"""What a notice says, in the language active when it is read: the same words in its mail, the inbox and the API.

Call it with the notice's transition, proposal and actor loaded (proposals.selectors.notices_of does).
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from proposals.models import Assignment, Notice, NoticeKind, Stage
from proposals.workflow import UNASSIGN_ACTION, Rating, State, UnitRole, log_label


def _moment(value: str | None) -> str:
    moment = parse_datetime(value) if value else None
    return "—" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


class NoticeItem:
    """A notice as people read it: a headline, what the person who acted wrote (a comment, a reason), what to
    do about it, and where the proposal is."""

    def __init__(self, notice: Notice):
        transition = notice.transition
        self.notice = notice
        self.proposal = transition.proposal
        self.kind = notice.kind
        self.created_at = timezone.localtime(notice.created_at)
        self.unread = notice.read_at is None
        self.link = settings.SITE_URL + reverse("proposal-open", args=[transition.proposal_id])
        self.quote = self._quote()
        self.headline = self._headline()
        self.todo = self._todo()

    @property
    def subject(self) -> str:
        """The mail's subject of this notice alone."""
        transition = self.notice.transition
        if self.kind == NoticeKind.STATE_CHANGED:
            return _("[Youth proposals] “%(title)s” is now: %(state)s") % {
                "title": self.proposal.title, "state": transition.get_to_state_display(),
            }  # fmt: skip
        what = self.notice.get_kind_display() if self.kind == NoticeKind.COSIGN_ASKED else log_label(transition.action)
        return _("[Youth proposals] %(what)s: “%(title)s”") % {"what": what, "title": self.proposal.title}

    def _quote(self) -> str:
        """What the person who acted wrote: the reason of a moved due date, the note of anything else but an
        assignment (whose note only repeats the headline)."""
        transition = self.notice.transition
        if self.kind == NoticeKind.DEADLINE_MOVED:
            return (transition.details or {}).get("reason", "")
        return "" if self.kind == NoticeKind.ASSIGNMENT else transition.note

    def _headline(self) -> str:
        transition = self.notice.transition
        details = transition.details or {}
        values = {"actor": transition.actor.display_name, "title": self.proposal.title}
        match self.kind:
            case NoticeKind.ASSIGNMENT:
                values["role"] = Assignment.Role(details.get("role", Assignment.Role.COSIGNER)).label
                values["delegate"] = details.get("delegate_name", "")
                about_me = details.get("delegate_user") == self.notice.recipient_id
                if transition.action == UNASSIGN_ACTION:
                    if about_me:
                        return _("%(actor)s removed you (%(role)s) from “%(title)s”.") % values
                    return _("%(actor)s removed %(delegate)s (%(role)s) from “%(title)s”.") % values
                if about_me:
                    return _("%(actor)s assigned you to “%(title)s” (%(role)s).") % values
                return _("%(actor)s assigned %(delegate)s to “%(title)s” (%(role)s).") % values
            case NoticeKind.COMMENT:
                values["revision"] = transition.revision_number
                return _("%(actor)s commented on “%(title)s” (revision %(revision)d).") % values
            case NoticeKind.DEADLINE_MOVED:
                values |= {"stage": Stage(details.get("stage", Stage.RESEARCH)).label,
                           "old": _moment(details.get("from")), "new": _moment(details.get("to"))}  # fmt: skip
                if details.get("from") is None:
                    return _("%(actor)s set the due date of “%(title)s” for %(stage)s to %(new)s.") % values
                return _("%(actor)s moved the due date of “%(title)s” for %(stage)s from %(old)s to %(new)s.") % values
            case NoticeKind.CHANGES_REQUESTED:
                return _("%(actor)s asks for changes to “%(title)s”:") % values
            case NoticeKind.COSIGN_ASKED:
                return _("%(actor)s asks for your co-signature on “%(title)s”.") % values
            case NoticeKind.LATE_SUBMISSION_ALLOWED:
                return _("%(actor)s allowed a late submission of “%(title)s”.") % values
            case NoticeKind.DELEGATES_REQUESTED:
                return _("%(actor)s asks for delegates for “%(title)s”.") % values
            case NoticeKind.HANDLING:
                headline = self._handling_headline(transition.action, details, values)
                if transition.to_state != transition.from_state:
                    headline += " " + _("The proposal is now: %(state)s.") % {
                        "state": transition.get_to_state_display()
                    }
                return headline
        values |= {"from": transition.get_from_state_display(), "to": transition.get_to_state_display()}
        return _("%(actor)s moved “%(title)s” from “%(from)s” to “%(to)s”.") % values

    @staticmethod
    def _handling_headline(action: str, details: dict, values: dict) -> str:
        values = values | {"unit": details.get("unit_name", ""), "due": details.get("due_on", ""),
                           "session": details.get("session_name", "")}  # fmt: skip
        match action:
            case "assign_unit":
                values["role"] = UnitRole(details.get("role", UnitRole.LEAD)).label
                return _("%(actor)s recorded that %(unit)s handles “%(title)s” (%(role)s); its answer is due on "
                         "%(due)s.") % values  # fmt: skip
            case "record_answer":
                values["class"] = details.get("answer_class", "")
                return _("%(actor)s recorded the answer of %(unit)s to “%(title)s” (class %(class)s).") % values
            case "rate" if details.get("sent_back"):
                return _("%(actor)s rated the answer of %(unit)s to “%(title)s” unsatisfied: the unit handles it "
                         "again, due on %(due)s.") % values  # fmt: skip
            case "rate":
                values["rating"] = Rating(details.get("rating", Rating.SATISFIED)).label
                return _("%(actor)s rated the answer of %(unit)s to “%(title)s”: %(rating)s.") % values
            case "extend_answer":
                values |= {"old": details.get("from", ""), "new": details.get("to", "")}
                return _("%(actor)s gave %(unit)s more time to answer “%(title)s”: due on %(new)s instead of "
                         "%(old)s.") % values  # fmt: skip
            case "supervise":
                return _("%(actor)s made “%(title)s” a key supervised item.") % values
            case "end_supervision":
                return _("%(actor)s ended the supervision of “%(title)s”.") % values
            case "carry_forward":
                return _("%(actor)s raised “%(title)s” again, at %(session)s.") % values
        return log_label(action)

    def _todo(self) -> str:
        """What the notice asks of its recipient, if anything."""
        transition = self.notice.transition
        details = transition.details or {}
        match self.kind:
            case NoticeKind.CHANGES_REQUESTED:
                return _("The proposal is back in research: revise it, then start the consultation again.")
            case NoticeKind.COSIGN_ASKED:
                return _("Review the proposal and co-sign it, or decline.")
            case NoticeKind.DELEGATES_REQUESTED:
                return _("Assign a lead delegate (and co-signers) on the proposal's page.")
            case NoticeKind.HANDLING if transition.action == "record_answer" and self._signed_by_recipient():
                return _("Rate the answer on the proposal's page: satisfied, basically satisfied or unsatisfied.")
            case NoticeKind.ASSIGNMENT if (
                details.get("delegate_user") == self.notice.recipient_id
                and transition.action != UNASSIGN_ACTION
                and transition.to_state in (State.CONSULTATION, State.READY)
            ):
                if details.get("role") == Assignment.Role.LEAD:
                    return _("Review revision %(revision)d and endorse it, or request changes.") % {
                        "revision": transition.revision_number
                    }
                return _("Review the proposal and co-sign it, or decline.")
        return ""

    def _signed_by_recipient(self) -> bool:
        return any(a.delegate.user_id == self.notice.recipient_id for a in self.proposal.signer_assignments())
