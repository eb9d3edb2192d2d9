"""The web UI's forms: the proposal pages, the list's filters, statistics, the year review, exports and the
password reset. They parse input; the services and selectors decide."""

from __future__ import annotations

import hashlib
import time
from functools import cached_property, partial
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.forms.utils import flatatt
from django.utils import timezone, translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from api.throttling import Window, counts
from proposals import selectors, services, uploads
from proposals.documents import exports
from proposals.forms import ActionInputsForm, ServiceForm, delegate_label
from proposals.models import (
    Deadline,
    Delegate,
    DocumentExport,
    HandlingUnit,
    Meeting,
    Need,
    Organisation,
    Proposal,
    Revision,
    Session,
    User,
)
from proposals.selectors import Milestone, organisations_in_scope
from proposals.services.handling_units import UNIT_FIELDS
from proposals.services.meetings import LINKS
from proposals.validators import LATEST_MOMENT, PICKED_MOMENT_MESSAGE, storable_moment, validate_single_line
from proposals.workflow import State, TextConflict

TEXT_WIDGET = forms.Textarea(attrs={"rows": 8})


class LongSelect(forms.Select):
    """A select of thousands of options (every organisation of a province, every session), written as Django's
    select template writes it, byte for byte, but without a template and a context per option: those took 0.3 s
    of the year review's 0.6 (#18). A choice with a group of options goes to the templates."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = forms.Widget.get_context(self, name, value, attrs)["widget"]
        choices = list(iter(self.choices))  # not list(choices): it asks the iterator's length, a COUNT query
        if any(isinstance(label, list | tuple) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        html, chosen = [], set(widget["value"])
        for option_value, label in choices:
            # As ChoiceWidget.optgroups: the first option whose value is the field's is selected, no other.
            selected = str("" if option_value is None else option_value) in chosen
            chosen -= {str(option_value)} if selected else set()
            html.append(
                f'\n  <option value="{conditional_escape("" if option_value is None else option_value)}"'
                f"{' selected' if selected else ''}>{conditional_escape(label)}</option>\n"
            )
        return format_html(
            '<select name="{}"{}>{}\n</select>', widget["name"], flatatt(widget["attrs"]), mark_safe("".join(html))
        )


class OrganisationTreeIterator(forms.models.ModelChoiceIterator):
    """Indents each organisation by its depth below the shallowest one offered: a city coordinator's picker starts
    at the city, whatever stands above it."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        organisations = self.organisations
        top = min((organisation.depth for organisation in organisations), default=0)
        for organisation in organisations:
            value = forms.models.ModelChoiceIteratorValue(self.field.prepare_value(organisation), organisation)
            yield value, "\u3000" * (organisation.depth - top) + self.field.label_from_instance(organisation)

    @cached_property
    def organisations(self) -> list[Organisation]:
        # Read once for the form: Django iterates the choices again to ask the first whether it is empty (for the
        # required attribute), which read the whole scope a second time (5,000 organisations of a province).
        return list(self.queryset)


class OrganisationChoiceField(forms.ModelChoiceField):
    """An organisation picker as a tree, each level indented, in the official order (selectors.in_tree_order)."""

    iterator = OrganisationTreeIterator
    widget = LongSelect


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("All")), *choices]


class ProposalFilterForm(forms.Form):
    """The list page's filters, sent as GET. The organisation choices are the user's scope only."""

    q = forms.CharField(label=_("Search title and text"), required=False, max_length=200)
    state = forms.ChoiceField(label=_("State"), choices=_blank(State.choices), required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(Proposal.Kind.choices), required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=_blank(Proposal.Topic.choices), required=False)
    session = forms.ModelChoiceField(
        label=_("Session"), queryset=Session.objects.none(), required=False, empty_label=_("All")
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False, empty_label=_("All")
    )
    below = forms.BooleanField(label=_("With the organisations below it"), required=False)
    # The year review's figures link here with a year and a milestone (proposals.selectors.milestone_filter).
    # The year's end must be a moment too (selectors.year_bounds).
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=LATEST_MOMENT.year - 1)
    milestone = forms.ChoiceField(
        label=_("Reached in the year"), choices=_blank(Milestone.choices), required=False,
        help_text=_("Drafted, submitted, registered, answered or rated satisfied in the year chosen."),
    )  # fmt: skip

    # The selector's argument for each field: selector_arguments reads the form, query_for writes a link.
    SELECTOR_NAMES = {
        "q": "search", "state": "state", "kind": "kind", "topic": "topic", "session": "session_id",
        "organisation": "organisation_id", "below": "include_below", "year": "year", "milestone": "milestone",
    }  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = selectors.sessions_visible_to(user)
        self.fields["organisation"].queryset = selectors.in_tree_order(selectors.organisations_in_scope(user))

    def clean(self):
        data = super().clean()
        if bool(data.get("milestone")) != (data.get("year") is not None):
            raise forms.ValidationError(_("Choose both a year and what was reached in it, or neither."))
        return data

    def selector_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "state": data["state"],
            "kind": data["kind"],
            "topic": data["topic"],
            "session_id": data["session"].pk if data["session"] else None,
            "organisation_id": data["organisation"].pk if data["organisation"] else None,
            "include_below": data["below"],
            "year": data["year"],
            "milestone": data["milestone"],
            "search": data["q"],
        }

    @classmethod
    def query_for(cls, arguments: dict) -> str:
        """The list's query string for selector arguments: the link that lists what they select."""
        fields = {selector: name for name, selector in cls.SELECTOR_NAMES.items()}
        query = {}
        for selector, value in arguments.items():
            if value in (None, "", False):
                continue
            query[fields[selector]] = "1" if value is True else value
        return urlencode(query)


class SessionSelect(forms.Select):
    """Each session's body and default kind on its option, for draft_form.js to offer the kinds that fit."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        session = getattr(value, "instance", None)
        if session is not None:
            option["attrs"] |= {
                "data-body": session.body,
                "data-default-kind": Proposal.DEFAULT_KIND_BY_BODY[session.body],
            }
        return option


class KindSelect(forms.Select):
    """Each kind's body on its option (DESIGN §3: a motion or a suggestion to the congress, a proposal to the CPPCC)."""

    BODY_OF_KIND = {kind: body for body, kinds in Proposal.KINDS_BY_BODY.items() for kind in kinds}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"]["data-body"] = self.BODY_OF_KIND[value]
        return option


class ProposalCreateForm(ServiceForm):
    """A new draft, for a session not yet closed, blank or from an earlier proposal's text. Lengths and the kind's
    match with the session are checked by services.proposal_create; the kind offered first fits the first session."""

    title = forms.CharField(label=_("Title"), strip=False, validators=[validate_single_line])
    kind = forms.ChoiceField(label=_("Kind"), choices=Proposal.Kind.choices, widget=KindSelect)
    topic = forms.ChoiceField(label=_("Topic"), choices=Proposal.Topic.choices)
    # The user's sessions still open (selectors.sessions_open_for_drafting), and organisations, set below.
    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none(), widget=SessionSelect)
    organisation = OrganisationChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    background = forms.CharField(label=_("Background"), widget=TEXT_WIDGET, required=False, strip=False)
    research_findings = forms.CharField(label=_("Research findings"), widget=TEXT_WIDGET, required=False, strip=False)
    recommendations = forms.CharField(label=_("Recommendations"), widget=TEXT_WIDGET, required=False, strip=False)

    def __init__(self, *args, user: User, source: Proposal | None = None, **kwargs):
        sessions = selectors.sessions_open_for_drafting(user)
        first = sessions.first()
        initial = {"organisation": user.organisation_id}
        if first is not None:
            initial |= {"session": first.pk, "kind": Proposal.DEFAULT_KIND_BY_BODY[first.body]}
        if source is not None:  # a new draft from an earlier one's text (a withdrawn proposal, say)
            initial |= {name: getattr(source, name) for name in (*Revision.TEXT_FIELDS, "topic", "organisation")}
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["session"].queryset = sessions
        self.fields["session"].empty_label = None
        self.fields["organisation"].queryset = selectors.in_tree_order(selectors.organisations_in_scope(user))

    def apply(self) -> Proposal | None:
        return self.run_service(lambda: services.proposal_create(author=self.user, **self.cleaned_data))


class ProposalTextForm(ServiceForm):
    """The text of a proposal and the revision the editor started from, against which the service merges what
    others saved since. After a conflict, each conflicting field comes with a choice: keep mine or take theirs."""

    title = forms.CharField(label=_("Title"), strip=False, validators=[validate_single_line])
    background = forms.CharField(label=_("Background"), widget=TEXT_WIDGET, required=False, strip=False)
    research_findings = forms.CharField(label=_("Research findings"), widget=TEXT_WIDGET, required=False, strip=False)
    recommendations = forms.CharField(label=_("Recommendations"), widget=TEXT_WIDGET, required=False, strip=False)
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    KEEP_MINE, TAKE_THEIRS = "mine", "theirs"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict: TextConflict | None = None
        for field in Revision.TEXT_FIELDS:
            self.fields[f"resolve_{field}"] = forms.ChoiceField(
                choices=[(self.KEEP_MINE, _("Keep my text")), (self.TAKE_THEIRS, _("Take the saved text"))],
                required=False, widget=forms.RadioSelect(attrs={"form": "proposal-form"}),
            )  # fmt: skip

    def run_service(self, call):
        def guarded():
            try:
                return call()
            except TextConflict as conflict:
                self.conflict = conflict
                return None

        return super().run_service(guarded)

    def apply(self, proposal: Proposal, user: User) -> Proposal | None:
        data = self.cleaned_data
        text = {
            name: getattr(proposal, name) if data[f"resolve_{name}"] == self.TAKE_THEIRS else data[name]
            for name in Revision.TEXT_FIELDS
        }
        return self.run_service(
            lambda: services.proposal_update_text(
                proposal_id=proposal.pk, actor=user, base_revision=data["base_revision"], **text
            )
        )

    def after_conflict(self) -> ProposalTextForm:
        """The form to show after a conflict: every field merged but the conflicting ones, which keep the editor's
        text beside the saved one, and the current revision as the new base."""
        conflict = self.conflict
        data = self.data.copy()
        data.update({name: value for name, value in conflict.merged.items() if name not in conflict.fields})
        data["base_revision"] = str(conflict.revision)
        for name in Revision.TEXT_FIELDS:
            data[f"resolve_{name}"] = self.KEEP_MINE
        form = ProposalTextForm(data)
        form.is_valid()
        form.conflict = conflict
        return form


class DelegateRequestForm(ServiceForm):
    """A secretary asks her coordinators for delegates, naming those she has in mind if she likes."""

    delegates = forms.ModelMultipleChoiceField(
        label=_("Deputies or members you have in mind"), queryset=Delegate.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    note = forms.CharField(label=_("Note to the coordinators"), widget=forms.Textarea(attrs={"rows": 3}),
                           required=False, strip=False)  # fmt: skip

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.fields["delegates"].queryset = selectors.delegates_assignable_to(proposal)
        self.fields["delegates"].label_from_instance = delegate_label

    def apply(self, proposal: Proposal, user: User) -> object | None:
        data = self.cleaned_data
        return self.run_service(
            lambda: services.delegates_request(
                proposal_id=proposal.pk, actor=user, delegates=list(data["delegates"]), note=data["note"]
            )
        )


class ActionForm(ActionInputsForm):
    """One workflow action fired from the proposal page; the service checks the role, the guards and the inputs."""

    action = forms.CharField(widget=forms.HiddenInput, max_length=40)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, proposal: Proposal | None = None, user: User | None = None, action: str = "", **kwargs):
        """With a proposal, the units and sessions offered are those `action` may name on it now; the only one,
        chosen already."""
        choices = selectors.action_input_choices(user=user, proposal=proposal, action=action) if proposal else {}
        super().__init__(*args, choices=choices, **kwargs)
        for name, rows in choices.items() if not self.is_bound else ():
            first_two = list(rows[:2])
            if len(first_two) == 1:
                self.fields[name].initial = first_two[0].pk

    def apply(self, proposal: Proposal, user: User) -> object | None:
        data = self.cleaned_data
        return self.fire(proposal=proposal, user=user, action=data["action"], expected_version=data["expected_version"])


class HandlingUnitFilterForm(forms.Form):
    """The directory's filters, sent as GET."""

    ACTIVE_CHOICES = [("", _("All")), ("yes", _("Active")), ("no", _("No longer active"))]

    q = forms.CharField(label=_("Search name or contact"), required=False, max_length=100)
    level = forms.ChoiceField(label=_("Level"), choices=_blank(HandlingUnit.Level.choices), required=False)
    active = forms.ChoiceField(label=_("Active"), choices=ACTIVE_CHOICES, required=False)

    def selector_arguments(self) -> dict:
        """The selector's arguments: the whole directory while no filter is valid."""
        data = self.cleaned_data if self.is_valid() else {}
        active = {"yes": True, "no": False}.get(data.get("active", ""))
        return {"search": data.get("q", ""), "level": data.get("level", ""), "active": active}


class HandlingUnitForm(ServiceForm):
    """A unit of the directory, added or changed through services.handling_unit_save."""

    def __init__(self, *args, unit: HandlingUnit | None = None, **kwargs):
        if unit is not None:
            kwargs.setdefault("initial", {name: getattr(unit, name) for name in UNIT_FIELDS})
        super().__init__(*args, **kwargs)
        self.unit = unit
        # The model's labels and limits; uniqueness and the rest are the service's to check.
        self.fields.update(forms.fields_for_model(HandlingUnit, fields=UNIT_FIELDS))
        if unit is None:
            del self.fields["is_active"]  # a new unit is active

    def apply(self, user: User) -> HandlingUnit | None:
        unit_id = self.unit.pk if self.unit else None
        return self.run_service(lambda: services.handling_unit_save(actor=user, unit_id=unit_id, **self.cleaned_data))


class OfficeDateTimeField(forms.DateTimeField):
    """A datetime-local input, read and shown in the project's time zone (Beijing time), whatever the
    browser's zone, which the request may have activated."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value):
        with timezone.override(timezone.get_default_timezone()):
            moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return storable_moment(moment)
        except forms.ValidationError:
            raise forms.ValidationError(PICKED_MOMENT_MESSAGE, code="invalid_moment") from None

    def prepare_value(self, value):
        with timezone.override(timezone.get_default_timezone()):
            return super().prepare_value(value)


class DeadlineForm(ServiceForm):
    stage = forms.ChoiceField(
        label=_("Stage"), choices=[(stage.value, stage.label) for stage in services.PROPOSAL_STAGES]
    )
    due_at = OfficeDateTimeField(label=_("New due date and time (Beijing time)"))
    reason = forms.CharField(
        label=_("Reason"), max_length=300, required=False, validators=[validate_single_line],
        help_text=_("Needed for a coordinator's override: the answer's due date, any due date once submitted, "
                    "or research and consultation past the submission deadline."),
    )  # fmt: skip

    @classmethod
    def starting_from(cls, proposal: Proposal) -> DeadlineForm:
        """An empty form showing the current stage's due date: moving a deadline is mostly nudging it."""
        deadlines = list(proposal.deadlines.all())
        current = next((d for d in deadlines if d.is_current), None) or next(iter(deadlines), None)
        initial = {"stage": current.stage, "due_at": current.due_at} if current else {}
        return cls(prefix="deadline", initial=initial)

    def apply(self, proposal: Proposal, user: User) -> Deadline | None:
        return self.run_service(
            lambda: services.deadline_set(
                proposal_id=proposal.pk, actor=user, stage=self.cleaned_data["stage"],
                due_at=self.cleaned_data["due_at"], reason=self.cleaned_data["reason"],
            )
        )  # fmt: skip


class EvidenceChangeForm(ServiceForm):
    """Remove a piece of evidence, or replace its file, with a reason: the button pressed says which."""

    REMOVE, REPLACE = "remove", "replace"

    reason = forms.CharField(label=_("Reason"), max_length=300, validators=[validate_single_line])
    file = forms.FileField(label=_("New file"), required=False)
    change = forms.ChoiceField(choices=[(REMOVE, REMOVE), (REPLACE, REPLACE)], widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("change") == self.REPLACE and not data.get("file"):
            self.add_error("file", _("Choose the file that replaces this one."))
        return data

    def apply(self, evidence, user: User):
        data = self.cleaned_data
        if data["change"] == self.REPLACE:
            call = partial(services.evidence_replace, upload=data["file"])
        else:
            call = services.evidence_remove
        return self.run_service(lambda: call(evidence_id=evidence.pk, actor=user, reason=data["reason"]) or evidence)


class UploadForm(ServiceForm):
    """A form with a file, which the upload handler may have stopped reading at the size limit."""

    file = forms.FileField(label=_("File"))

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the upload was stopped at the size limit (proposals.uploads)
        if too_large:
            self.fields["file"].required = False

    def clean_file(self):
        if self.too_large:
            raise forms.ValidationError(uploads.too_large_message())
        return self.cleaned_data["file"]


class EvidenceForm(UploadForm):
    # The description comes first in the page, so in the request body: kept when the file is refused for its size.
    description = forms.CharField(
        label=_("Description"), max_length=200, required=False, validators=[validate_single_line]
    )
    field_order = ["description", "file"]

    def apply(self, proposal: Proposal, user: User):
        return self.run_service(
            lambda: services.evidence_add(
                proposal_id=proposal.pk, actor=user, upload=self.cleaned_data["file"],
                description=self.cleaned_data["description"],
            )
        )  # fmt: skip


class AnswerLetterForm(EvidenceForm):
    """A unit's answer letter (答复函), attached to its latest answer."""

    field_order = ["unit", "description", "file"]

    def __init__(self, *args, proposal: Proposal, **kwargs):
        super().__init__(*args, **kwargs)
        answered = [handling for handling in proposal.handlings_list() if handling.answers_list()]
        self.fields["unit"] = forms.ModelChoiceField(label=_("Handling unit"), queryset=selectors.units_of(answered))
        self.order_fields(self.field_order)

    def apply(self, proposal: Proposal, user: User):
        return self.run_service(
            lambda: services.evidence_add(
                proposal_id=proposal.pk, actor=user, upload=self.cleaned_data["file"],
                description=self.cleaned_data["description"], unit_id=self.cleaned_data["unit"].pk,
            )
        )  # fmt: skip


class CompareForm(forms.Form):
    a = forms.TypedChoiceField(label=_("Earlier revision"), coerce=int)
    b = forms.TypedChoiceField(label=_("Later revision"), coerce=int)

    def __init__(self, *args, numbers: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(number, _("Revision %(number)d") % {"number": number}) for number in numbers]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices


class StatisticsFilterForm(forms.Form):
    # The user's sessions (selectors.sessions_visible_to), set for each user below.
    session = forms.ModelChoiceField(
        label=_("Session"), queryset=Session.objects.none(), required=False, empty_label=_("All sessions"),
        widget=LongSelect,
    )  # fmt: skip
    # A session's year (selectors.session_year_filter): a proposal's own year is the year of a milestone.
    year = forms.TypedChoiceField(label=_("Session year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        sessions = selectors.sessions_visible_to(user)
        self.fields["session"].queryset = sessions
        years = selectors.session_years(sessions)
        self.fields["year"].choices = [("", _("All years")), *((year, str(year)) for year in years)]


class YearReviewForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    # Counted with the organisations below it.
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), empty_label=None
    )

    def __init__(self, query, *, user: User, years: list[int]):
        scope = selectors.in_tree_order(organisations_in_scope(user))
        defaults = {"year": str(timezone.localdate().year), "organisation": _default_organisation(user, scope)}
        data = {name: query.get(name) or default for name, default in defaults.items()}
        super().__init__(data)
        self.fields["year"].choices = [(year, str(year)) for year in years]
        self.fields["organisation"].queryset = scope


def _default_organisation(user: User, scope) -> str:
    """The user's own committee; for an administrator, the top of the first tree."""
    if user.organisation_id is not None:
        return str(user.organisation_id)
    first = scope.filter(parent__isnull=True).order_by("path").values_list("pk", flat=True).first()
    return str(first) if first is not None else ""


class ExportForm(ServiceForm):
    session = forms.ModelChoiceField(label=_("Session"), queryset=Session.objects.none())
    organisation = OrganisationChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(),
        help_text=_("Its proposals and those of the organisations below it."),
    )  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["session"].queryset = selectors.sessions_visible_to(user)
        self.fields["organisation"].queryset = selectors.in_tree_order(selectors.organisations_in_scope(user))
        if not self.is_bound:
            # The latest session and the user's own organisation: what is asked for nearly every time.
            latest = self.fields["session"].queryset.order_by("-opening_date", "pk").first()
            self.fields["session"].initial = latest.pk if latest else None
            self.fields["organisation"].initial = user.organisation_id

    def apply(self) -> DocumentExport | None:
        data = self.cleaned_data
        return self.run_service(
            lambda: exports.document_export_request(
                actor=self.user, session=data["session"], organisation=data["organisation"]
            )
        )


# Reset mails one address may receive an hour, whoever asks: enough for a lost mail or two, too few to flood a
# mailbox (or the office's mail server) by asking again and again.
RESET_MAILS_PER_ADDRESS_PER_HOUR = 3


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset request (its link, token and expiry: PASSWORD_RESET_TIMEOUT), with the mail in the person's
    language, its link to SITE_URL as every other mail's, and a limit per address. The page answers the same
    whether the address exists, is inactive or was limited: Django's form mails only active people with a
    password, and says nothing either way."""

    def get_users(self, email):
        if not _reset_mail_allowed(email):
            return iter(())
        return super().get_users(email)

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        context = {**context, "site_url": settings.SITE_URL, "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
        with translation.override(context["user"].language):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


def _reset_mail_allowed(email: str) -> bool:
    """Counts a request for this address; False once the hour's mails are used up. Counted as the API's
    throttles count (a sliding hour): on Redis, or in this process's memory while Redis is down."""
    key = "password-reset:" + hashlib.sha256(email.casefold().encode()).hexdigest()
    allowed, _this_hour, _last_hour = counts.take(key, Window.at(time.time(), 3600), RESET_MAILS_PER_ADDRESS_PER_HOUR,
                                                  3600)  # fmt: skip
    return allowed


class MeetingForm(ServiceForm):
    """A face-to-face meeting, recorded or changed through services.meeting_save; the choices are what the
    person sees (the service checks them again)."""

    def __init__(self, *args, user: User, meeting=None, **kwargs):
        if meeting is not None:
            kwargs.setdefault("initial", {
                **{name: getattr(meeting, name) for name in ("theme", "starts_at", "place", "other_attendees",
                                                             "young_people", "agenda")},
                **{name: list(getattr(meeting, name).values_list("pk", flat=True)) for name in LINKS},
            })  # fmt: skip
        super().__init__(*args, **kwargs)
        self.user, self.meeting = user, meeting
        if meeting is None:
            self.fields["organisation"] = forms.ModelChoiceField(
                label=_("Organised by"), queryset=selectors.in_tree_order(organisations_in_scope(user)),
                initial=user.organisation_id,
            )  # fmt: skip
        self.fields.update(forms.fields_for_model(Meeting, fields=("theme", "place")))
        self.fields["starts_at"] = OfficeDateTimeField(label=_("Date and time (Beijing time)"))
        self.fields["young_people"] = forms.IntegerField(label=_("Young people attending"), min_value=0, initial=0)
        self.fields["delegates"] = forms.ModelMultipleChoiceField(
            label=_("Deputies and members attending"), required=False, widget=forms.CheckboxSelectMultiple,
            queryset=selectors.delegates_visible_to(user).select_related("user"),
        )  # fmt: skip
        self.fields["delegates"].label_from_instance = delegate_label
        self.fields["other_attendees"] = forms.CharField(
            label=_("Others attending"), required=False, widget=forms.Textarea(attrs={"rows": 2})
        )
        self.fields["agenda"] = forms.CharField(
            label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4})
        )
        self.fields["needs"] = forms.ModelMultipleChoiceField(
            label=_("Needs discussed"), required=False, widget=forms.CheckboxSelectMultiple,
            queryset=selectors.needs_visible_to(user).exclude(status=Need.Status.MERGED),
        )  # fmt: skip
        self.fields["proposals"] = forms.ModelMultipleChoiceField(
            label=_("Proposals produced or advanced"), required=False, widget=forms.CheckboxSelectMultiple,
            queryset=selectors.proposals_visible_to(user).order_by("-id"),
        )  # fmt: skip

    def apply(self) -> Meeting | None:
        data = dict(self.cleaned_data)
        for name in LINKS:
            data[name] = [item.pk for item in data[name]]
        if self.meeting is None:
            organisation = data.pop("organisation")
            return self.run_service(lambda: services.meeting_save(actor=self.user, organisation_id=organisation.pk,
                                                                  **data))  # fmt: skip
        return self.run_service(lambda: services.meeting_save(actor=self.user, meeting_id=self.meeting.pk, **data))


class MinutesForm(ServiceForm):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 8}))

    def apply(self, user: User, meeting) -> Meeting | None:
        return self.run_service(
            lambda: services.meeting_minutes_record(
                actor=user, meeting_id=meeting.pk, minutes=self.cleaned_data["minutes"]
            )
        )


class MeetingFileForm(UploadForm):
    file = forms.FileField(label=_("File of the minutes (PDF, OFD, Word, WPS, a scan or a photo)"))

    def apply(self, user: User, meeting):
        upload = self.cleaned_data["file"]
        return self.run_service(lambda: services.meeting_file_add(actor=user, meeting_id=meeting.pk, upload=upload))
