"""The forms of young people's needs (#16): the list's filters, recording one, the public page's, and the
triage actions. They parse input; proposals.services.needs decides."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from proposals import selectors, services
from proposals.forms import ServiceForm
from proposals.models import Need, Organisation, Proposal, User
from proposals.services.needs import TEXT_LIMITS
from proposals.validators import validate_single_line

DETAILS_WIDGET = forms.Textarea(attrs={"rows": 5})
# The statuses in the list's order: what waits for triage first.
STATUS_ORDER = [Need.Status.PENDING, Need.Status.ACCEPTED, Need.Status.MERGED, Need.Status.DECLINED]


def _blank(choices, label=None) -> list[tuple[str, str]]:
    return [("", label or _("All")), *choices]


def _place(county: Organisation) -> str:
    return county.region or county.name


class NeedFilterForm(forms.Form):
    """The needs list's filters, sent as GET."""

    status = forms.ChoiceField(label=_("Status"), choices=_blank(Need.Status.choices), required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=_blank(Need.Channel.choices), required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=_blank(Proposal.Topic.choices), required=False)
    county = forms.ModelChoiceField(
        label=_("County or district"), queryset=Organisation.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = selectors.need_counties()
        self.fields["county"].label_from_instance = _place  # where it was raised: the place, not its committee

    def narrow(self, needs):
        data = self.cleaned_data
        for name in ("status", "channel", "topic"):
            if data[name]:
                needs = needs.filter(**{name: data[name]})
        if data["county"]:
            needs = needs.filter(county=data["county"])
        return needs


class NeedFieldsForm(ServiceForm):
    """What a need says and about whom: the fields the public page and a secretary's record share. Lengths are
    the service's; the browser is told them too."""

    summary = forms.CharField(label=_("The need"), max_length=TEXT_LIMITS["summary"], validators=[validate_single_line],
                              help_text=_("One line: what young people ask for."))  # fmt: skip
    details = forms.CharField(label=_("Details"), max_length=TEXT_LIMITS["details"], required=False,
                              widget=DETAILS_WIDGET)  # fmt: skip
    county = forms.ModelChoiceField(label=_("County or district"), queryset=Organisation.objects.none(),
                                    required=False, empty_label=_("Not given"))  # fmt: skip
    topic = forms.ChoiceField(label=_("Topic"), choices=Proposal.Topic.choices)
    age_group = forms.ChoiceField(label=_("Age group"), choices=_blank(Need.AgeGroup.choices, _("Not given")),
                                  required=False)  # fmt: skip
    group = forms.ChoiceField(label=_("Young people concerned"), choices=_blank(Need.Group.choices, _("Not given")),
                              required=False)  # fmt: skip
    contact_name = forms.CharField(label=_("Name"), max_length=TEXT_LIMITS["contact_name"], required=False,
                                   validators=[validate_single_line])  # fmt: skip
    contact_phone = forms.CharField(label=_("Phone"), max_length=TEXT_LIMITS["contact_phone"], required=False,
                                    validators=[validate_single_line],
                                    widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))  # fmt: skip
    contact_email = forms.CharField(label=_("Email"), max_length=TEXT_LIMITS["contact_email"], required=False,
                                    widget=forms.EmailInput(attrs={"autocomplete": "email"}))  # fmt: skip
    contact_consent = forms.BooleanField(required=False)
    wants_reply = forms.BooleanField(required=False)

    def __init__(self, *args, near: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = selectors.need_counties(near)
        self.fields["county"].label_from_instance = _place  # where it was raised: the place, not its committee

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["county"] = data["county"].pk if data.get("county") else None
        return data


class NeedRecordForm(NeedFieldsForm):
    """A need a secretary or coordinator heard: for one of their organisations, with its channel and count."""

    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=Organisation.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=[c for c in Need.Channel.choices if c[0] != "online"])
    people_count = forms.IntegerField(label=_("People who raised it"), min_value=1, max_value=1_000_000, initial=1)
    language = forms.ChoiceField(label=_("Language of a reply"), choices=[])

    field_order = ["organisation", "summary", "details", "county", "topic", "age_group", "group", "channel",
                   "people_count", "contact_name", "contact_phone", "contact_email", "contact_consent",
                   "wants_reply", "language"]  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        kwargs.setdefault("initial", {"organisation": user.organisation_id, "language": translation.get_language()})
        super().__init__(*args, near=user.organisation, **kwargs)
        self.user = user
        self.fields["organisation"].queryset = selectors.in_tree_order(selectors.organisations_in_scope(user))
        self.fields["language"].choices = list(settings.LANGUAGE_LABELS.items())
        self.fields["contact_consent"].label = _("The person consents to be contacted")
        self.fields["wants_reply"].label = _("The person asks for a reply by email")

    def apply(self) -> Need | None:
        fields = self.service_fields()
        organisation = fields.pop("organisation")
        return self.run_service(
            lambda: services.need_record(actor=self.user, organisation_id=organisation.pk, **fields)
        )


class NeedPublicForm(NeedFieldsForm):
    """The public page's form: no channel or count (one person, the page), the reply in the page's language, and
    a honeypot field people never see."""

    # Hidden by CSS (.hp), not by type=hidden: a bot filling every input fills it; a person never sees it.
    website = forms.CharField(label=_("Leave this empty"), required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))  # fmt: skip

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, near=organisation, **kwargs)
        self.organisation = organisation
        self.fields["summary"].help_text = _("One line: what you would like changed or done.")
        self.fields["details"].help_text = _("What happens now, who it concerns, what would help.")
        self.fields["age_group"].help_text = _("Your age group only: we never ask for a birth date.")
        self.fields["contact_consent"].label = _(
            "I agree that the organisation’s secretaries may contact me about this need. My contact details are "
            "seen only by them and removed after the reply."
        )
        self.fields["wants_reply"].label = _("I want a reply by email when there is an answer")

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def apply(self) -> Need | None:
        fields = self.service_fields()
        fields.pop("website", None)
        fields["language"] = translation.get_language()
        return self.run_service(lambda: services.need_submit(organisation_id=self.organisation.pk, **fields))


# --- Triage ------------------------------------------------------------------------------------------------


class AcceptForm(ServiceForm):
    theme = forms.CharField(label=_("Theme"), max_length=100, validators=[validate_single_line],
                            help_text=_("The heading it is carried under, such as 青年就业见习."))  # fmt: skip

    def apply(self, need: Need, user: User):
        return self.run_service(lambda: services.need_accept(actor=user, need_id=need.pk, **self.cleaned_data))


class MergeForm(ServiceForm):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Need.objects.none(),
                                  help_text=_("The other need counts this one’s people too."))  # fmt: skip

    def __init__(self, *args, need: Need, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            selectors.needs_visible_to(user)
            .filter(status__in=[Need.Status.PENDING, Need.Status.ACCEPTED])
            .exclude(pk=need.pk)
        )
        self.fields["into"].label_from_instance = lambda other: f"#{other.pk} {other.summary}"

    def apply(self, need: Need, user: User):
        into = self.cleaned_data["into"].pk
        return self.run_service(lambda: services.need_merge(actor=user, need_id=need.pk, into_id=into))


class DeclineForm(ServiceForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def apply(self, need: Need, user: User):
        return self.run_service(lambda: services.need_decline(actor=user, need_id=need.pk, **self.cleaned_data))


class ForwardForm(ServiceForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def apply(self, need: Need, user: User):
        return self.run_service(lambda: services.need_forward(actor=user, need_id=need.pk, **self.cleaned_data))


class LinkForm(ServiceForm):
    proposal = forms.ModelChoiceField(label=_("Proposal"), queryset=Proposal.objects.none())

    def __init__(self, *args, need: Need, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].queryset = (
            selectors.proposals_visible_to(user).exclude(pk__in=need.proposals.values("pk")).order_by("-created_at")
        )
        self.fields["proposal"].label_from_instance = lambda proposal: proposal.title

    def apply(self, need: Need, user: User):
        proposal = self.cleaned_data["proposal"].pk
        return self.run_service(lambda: services.need_link(actor=user, need_id=need.pk, proposal_id=proposal))


class UnlinkForm(ServiceForm):
    proposal = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def apply(self, need: Need, user: User):
        proposal = self.cleaned_data["proposal"]
        return self.run_service(
            lambda: services.need_link(actor=user, need_id=need.pk, proposal_id=proposal, linked=False)
        )


TRIAGE_FORMS = {"accept": AcceptForm, "merge": MergeForm, "decline": DeclineForm, "forward": ForwardForm,
                "link": LinkForm, "unlink": UnlinkForm}  # fmt: skip
NEEDS_CONTEXT = {MergeForm, LinkForm}
