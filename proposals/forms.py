"""Forms that put a user's input in front of the services; the admin and the web UI share them."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from proposals import notice_rules, selectors, services
from proposals.models import (
    Assignment,
    Delegate,
    HandlingUnit,
    NoticeKind,
    NoticeMode,
    Proposal,
    Session,
    Transition,
    User,
)
from proposals.validators import validate_single_line
from proposals.workflow import INPUTS_BY_NAME, ActionInput, ActionOption, InputKind, TransitionRefused, get_action


class ServiceForm(forms.Form):
    """A form whose input goes to a service: refusals and validation errors land on the form."""

    def run_service(self, call):
        try:
            return call()
        except TransitionRefused as refused:
            self.add_error(None, refused.message)
        except PermissionDenied as denied:
            self.add_error(None, str(denied))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return None


def input_field(action_input: ActionInput, choices: QuerySet | None = None) -> forms.Field:
    """The form field of an action's input. Never required: a form carries the inputs of several actions, and the
    service says which the chosen one requires. A unit or a session is one of `choices`
    (selectors.action_input_choices); without them, none is offered."""
    label = action_input.label
    match action_input.kind:
        case InputKind.LINE:
            return forms.CharField(
                label=label, max_length=action_input.char_limit, required=False, validators=[validate_single_line]
            )
        case InputKind.TEXT:
            # No max_length: the service counts once line breaks are plain, where a browser sends two characters.
            return forms.CharField(label=label, widget=forms.Textarea(attrs={"rows": 3}), required=False)
        case InputKind.PAST_DATE:
            widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            return forms.DateField(label=label, required=False, widget=widget)
        case InputKind.CHOICE:
            choices = [("", "---------"), *action_input.choices.choices]
            return forms.ChoiceField(label=label, choices=choices, required=False)
        case InputKind.FLAG:
            return forms.BooleanField(label=label, required=False)
        case InputKind.UNIT:
            return forms.ModelChoiceField(
                label=label, queryset=HandlingUnit.objects.none() if choices is None else choices, required=False
            )
        case InputKind.SESSION:
            return forms.ModelChoiceField(
                label=label, queryset=Session.objects.none() if choices is None else choices, required=False
            )


class ActionInputsForm(ServiceForm):
    """The note and the inputs workflow actions take (every action's, unless `inputs` names some), and firing one
    through the service."""

    note = forms.CharField(label=_("Note, comment or reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, inputs: Iterable[ActionInput] = INPUTS_BY_NAME.values(),
                 choices: dict[str, QuerySet] | None = None, **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        for action_input in inputs:
            self.fields[action_input.name] = input_field(action_input, (choices or {}).get(action_input.name))

    def fire(self, *, proposal: Proposal, user: User, action: str, expected_version: int | None) -> Transition | None:
        """Fire the action through the service; on refusal or bad input, the errors land on the form."""
        spec = get_action(action)
        inputs = {action_input.name: self.cleaned_data.get(action_input.name) for action_input in spec.inputs}
        inputs = {name: value for name, value in inputs.items() if value not in (None, "")}
        return self.run_service(
            lambda: services.transition_apply(
                proposal_id=proposal.pk, actor=user, action=spec.name, note=self.cleaned_data["note"],
                inputs=inputs, expected_version=expected_version,
            )
        )  # fmt: skip


class TransitionForm(ActionInputsForm):
    """The admin's form: a choice of the actions the user may fire now."""

    action = forms.ChoiceField(label=_("Action"))

    field_order = ["action"]

    def __init__(self, *args, proposal: Proposal, user: User, options: list[ActionOption], **kwargs):
        allowed = [option.action for option in options if option.allowed]
        # Offer only the inputs that some action possible now takes (an input several take, once), and the rows
        # any of them may name.
        wanted = list({spec.name: spec for action in allowed for spec in action.inputs}.values())
        choices: dict[str, QuerySet] = {}
        for action in allowed if proposal is not None else ():
            for name, rows in selectors.action_input_choices(user=user, proposal=proposal, action=action.name).items():
                choices[name] = rows if name not in choices else _either(choices[name], rows)
        super().__init__(*args, inputs=wanted, choices=choices, **kwargs)
        self.proposal, self.user = proposal, user
        self.fields["action"].choices = [(action.name, action.label) for action in allowed]

    def apply(self) -> Transition | None:
        return self.fire(
            proposal=self.proposal, user=self.user, action=self.cleaned_data["action"],
            expected_version=self.proposal.version,
        )  # fmt: skip


def _either(rows: QuerySet, more: QuerySet) -> QuerySet:
    """The rows of either query, of one model."""
    return rows.model.objects.filter(Q(pk__in=rows.values("pk")) | Q(pk__in=more.values("pk")))


def delegate_label(delegate: Delegate) -> str:
    """Every delegate picker names the constituency or sector (选区/界别)."""
    return delegate.picker_label


class AssignDelegateForm(ServiceForm):
    delegate = forms.ModelChoiceField(label=_("Delegate"), queryset=Delegate.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Assignment.Role.choices)

    def __init__(self, *args, proposal: Proposal, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposal, self.user = proposal, user
        self.fields["delegate"].queryset = selectors.delegates_assignable_to(proposal)
        self.fields["delegate"].label_from_instance = delegate_label

    def apply(self) -> Assignment | None:
        return self.run_service(
            lambda: services.delegate_assign(
                proposal_id=self.proposal.pk, actor=self.user, delegate=self.cleaned_data["delegate"],
                role=self.cleaned_data["role"],
            )
        )  # fmt: skip


class PreferencesForm(ServiceForm):
    reminder_mode = forms.ChoiceField(label=_("Reminders"), choices=User.ReminderMode.choices, widget=forms.RadioSelect)
    digest_hour = forms.TypedChoiceField(
        label=_("Hour of the daily digest"), coerce=int, choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text=_("Used when you choose one daily digest. Times are Beijing time."),
    )  # fmt: skip
    language = forms.ChoiceField(label=_("Language of the mails"), choices=settings.LANGUAGES)

    def __init__(self, *args, user: User, **kwargs):
        initial = {"reminder_mode": user.reminder_mode, "digest_hour": user.digest_hour, "language": user.language}
        initial |= {self.notice_field(kind): notice_rules.mode_for(user, kind) for kind in NoticeKind.values}
        super().__init__(*args, initial=initial, **kwargs)
        # One choice per kind of notice; one left out of the data keeps its setting.
        for kind, label in NoticeKind.choices:
            self.fields[self.notice_field(kind)] = forms.ChoiceField(label=label, choices=NoticeMode.choices,
                                                                     required=False)  # fmt: skip

    @staticmethod
    def notice_field(kind: str) -> str:
        return f"notice_{kind}"

    def notice_fields(self) -> list[forms.BoundField]:
        return [self[self.notice_field(kind)] for kind in NoticeKind.values]

    def clean(self) -> dict:
        cleaned = super().clean()
        chosen = {kind: cleaned.pop(self.notice_field(kind), "") for kind in NoticeKind.values}
        cleaned["notice_preferences"] = {kind: mode for kind, mode in chosen.items() if mode} or None
        return cleaned
