"""What the API reads and writes. Output serializers only present; input serializers only check types and
refuse unknown fields. The rules (who may, what is valid in the domain) are in proposals.services."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from proposals import notice_rules, permissions, selectors
from proposals.diffs import GRANULARITIES
from proposals.models import (
    Assignment,
    Body,
    Comment,
    Deadline,
    Evidence,
    Handling,
    HandlingUnit,
    Meeting,
    Need,
    NeedEvent,
    NoticeKind,
    NoticeMode,
    Organisation,
    Proposal,
    Reminder,
    Revision,
    Session,
    Transition,
    User,
    person_name,
)
from proposals.notice_items import NoticeItem
from proposals.validators import storable_moment, validate_single_line
from proposals.workflow import (
    ACTIONS,
    INPUTS_BY_NAME,
    ActionInput,
    ActionOption,
    AnswerClass,
    AnswerMethod,
    HandlingStatus,
    InputKind,
    Rating,
    State,
    UnitRole,
)

# --- Input --------------------------------------------------------------------------------------------


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, and read-only ones, instead of ignoring them (no mass assignment); and a
    number where text is due (DRF's CharField would read 0 as "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            return super().to_internal_value(data)
        writable = {name for name, field in self.fields.items() if not field.read_only}
        unknown = sorted(str(name) for name in data if name not in writable)
        if unknown:
            raise serializers.ValidationError(
                {name: [_("There is no such field, or it cannot be set here.")] for name in unknown}
            )
        not_text = {
            name: [field.error_messages["invalid"]]
            for name, field in self.fields.items()
            if isinstance(field, serializers.CharField) and data.get(name) is not None
            and not isinstance(data.get(name), str)
        }  # fmt: skip
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as invalid:
            raise serializers.ValidationError({**invalid.detail, **not_text}) from None
        if not_text:
            raise serializers.ValidationError(not_text)
        return value


class StrictInputSchema(OpenApiSerializerExtension):
    """The schema says what StrictInputSerializer does: a body with any other property is refused."""

    target_class = StrictInputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        return {**schema, "additionalProperties": False}


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer and nothing else: DRF's own takes 1.5 or 1e3 with a zero fraction, "1" and true's text
    apart, and a lookup by pk would even read 1.5 as 1."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class OptionalBooleanField(serializers.BooleanField):
    """true or false; left out of a form, left out (DRF's own reads a form without the field as false, which would
    give every action posted as a form an input it does not take)."""

    default_empty_html = serializers.empty


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An object named by its id as a JSON integer: 1.5, "1", true and 1e3 are refused, not read as an id."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class MomentField(serializers.DateTimeField):
    """An ISO 8601 moment the database can store and read back (proposals.validators.storable_moment)."""

    def to_internal_value(self, value):
        try:
            return storable_moment(super().to_internal_value(value))
        except DjangoValidationError as invalid:
            raise serializers.ValidationError(invalid.messages, code="invalid") from None


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, trim_whitespace=False, **kwargs)


def _line(max_length: int, **kwargs) -> serializers.CharField:
    """A single line (a name, an address): the schema's pattern says so."""
    return _text(max_length, validators=[validate_single_line], **kwargs)


class ProposalCreateSerializer(StrictInputSerializer):
    # The caller's sessions (selectors.sessions_visible_to, which the web's draft form offers too), set below.
    session = StrictPrimaryKeyRelatedField(queryset=Session.objects.none())
    kind = serializers.ChoiceField(choices=Proposal.Kind.choices)
    topic = serializers.ChoiceField(choices=Proposal.Topic.choices)
    title = serializers.CharField(max_length=settings.PROPOSAL_TITLE_MAX_CHARS, validators=[validate_single_line])
    background = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False)
    research_findings = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False)
    recommendations = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False)
    research_due = MomentField(required=False, help_text=_("Defaults to 28 days before submission."))
    consultation_due = MomentField(required=False, help_text=_("Defaults to 7 days before submission."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["session"].queryset = selectors.sessions_visible_to(request.user)


class ProposalTextSerializer(StrictInputSerializer):
    title = serializers.CharField(
        max_length=settings.PROPOSAL_TITLE_MAX_CHARS, required=False, validators=[validate_single_line]
    )
    background = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False)
    research_findings = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False)
    recommendations = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False)


def _input_field(action_input: ActionInput) -> serializers.Field:
    """The request body's field for an action's input. Never required: one body serves every action, and the
    service says which inputs the chosen one requires."""
    help_text = action_input.help_text
    match action_input.kind:
        case InputKind.LINE:
            return serializers.CharField(max_length=action_input.char_limit, required=False,
                                         validators=[validate_single_line], help_text=help_text)  # fmt: skip
        case InputKind.TEXT:
            return serializers.CharField(max_length=action_input.char_limit, required=False, help_text=help_text)
        case InputKind.PAST_DATE:
            return serializers.DateField(required=False, help_text=help_text)
        case InputKind.CHOICE:
            return serializers.ChoiceField(choices=action_input.choices.choices, required=False, help_text=help_text)
        case InputKind.FLAG:
            return OptionalBooleanField(required=False, help_text=help_text)
        case InputKind.UNIT | InputKind.SESSION:
            # Only the form: whether a row has this id, and whether the action may take it, is the service's.
            return StrictIntegerField(min_value=1, required=False, help_text=help_text)


class TransitionRequestSerializer(StrictInputSerializer):
    action = serializers.ChoiceField(choices=[action.name for action in ACTIONS])
    note = _text(settings.PROPOSAL_TEXT_MAX_CHARS, required=False, help_text=_("The comment, reason or decision."))

    def get_fields(self):
        # And every action's inputs, as proposals.workflow declares them.
        inputs = {name: _input_field(action_input) for name, action_input in INPUTS_BY_NAME.items()}
        return {**super().get_fields(), **inputs}


class CommentCreateSerializer(StrictInputSerializer):
    body = serializers.CharField(max_length=settings.PROPOSAL_TEXT_MAX_CHARS)


class EvidenceUploadSerializer(StrictInputSerializer):
    file = serializers.FileField(help_text=_(
        "PDF, OFD, Word, Excel, PowerPoint, WPS, JPEG, PNG, HEIC, M4A, MP3, WAV, AMR, zip, text or CSV; an answer "
        "letter: PDF, OFD, Word, WPS or a scan (JPEG, PNG, HEIC)."
    ))  # fmt: skip
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, validators=[validate_single_line]
    )
    # A form's field is text: "3" is read as 3 here, unlike in a JSON body.
    unit = serializers.IntegerField(min_value=1, required=False, help_text=_(
        "An answer letter (答复函): the id of the handling unit whose latest answer it is. After submission the "
        "only evidence a proposal takes, once that unit's answer is recorded."
    ))  # fmt: skip


class HandlingUnitInputSerializer(StrictInputSerializer):
    """A unit of the directory as coordinators and operators write it; proposals.services.handling_unit_save
    checks it (a name, not taken; a valid email)."""

    name = _line(100)
    short_name = _line(30, required=False)
    level = serializers.ChoiceField(choices=HandlingUnit.Level.choices, required=False)
    contact_person = _line(50, required=False)
    contact_phone = _line(30, required=False)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    address = _line(200, required=False, help_text=_("The address for mail."))
    is_active = OptionalBooleanField(
        required=False, help_text=_("false: kept for the proposals it handled, offered for no new assignment.")
    )


class EvidenceRemovalSerializer(StrictInputSerializer):
    reason = serializers.CharField(
        max_length=300, validators=[validate_single_line],
        help_text=_("Why it is removed (personal data, a wrong file): kept in the log."),
    )  # fmt: skip


# One optional choice per kind of notice, so that the schema names the kinds and refuses any other.
NoticePreferencesSerializer = type("NoticePreferencesSerializer", (StrictInputSerializer,), {
    "__module__": __name__,
    "__doc__": "How each kind of notice reaches me.",
    **{kind: serializers.ChoiceField(choices=NoticeMode.choices, required=False, help_text=label)
       for kind, label in NoticeKind.choices},
})  # fmt: skip


class PreferencesSerializer(StrictInputSerializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    reminder_mode = serializers.ChoiceField(choices=User.ReminderMode.choices, required=False)
    digest_hour = StrictIntegerField(min_value=0, max_value=23, required=False)
    notice_preferences = NoticePreferencesSerializer(
        required=False,
        help_text=_("For each kind of notice you name, how it reaches you: inbox only, or also a mail at once or in "
                    "the daily digest. Kinds you leave out keep their setting."),
    )  # fmt: skip


class NoticeQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text=_("Only the notices I have not read yet."))


class LoginSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, trim_whitespace=False, style={"input_type": "password"})


class RevisionDiffQuerySerializer(StrictInputSerializer):
    # "from" is a Python keyword: the field is declared under its query name below.
    # Bounded: a number beyond the database's integer would fail the query instead of finding nothing.
    to = serializers.IntegerField(min_value=1, max_value=2**31 - 1)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        return fields


# --- Output -------------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DelegateRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")
    body = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    delegate = DelegateRefSerializer()

    class Meta:
        model = Assignment
        fields = ("delegate", "role", "endorsed_revision", "cosigned_at", "declined_at")


class DeadlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Deadline
        fields = ("stage", "due_at", "is_current", "reason")


STATE_LABELS = dict(State.choices)


class ProposalListSerializer(serializers.ModelSerializer):
    """A proposal in a list. The fields below are the contract (and the schema); to_representation writes them by
    hand because a page of 100 would otherwise spend more time in DRF's field-by-field walk than in the database
    (docs/performance.md). tests/api/test_list_representation.py holds it to the generic walk's output."""

    url = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display")
    organisation = NamedSerializer()
    session = NamedSerializer()
    lead_delegate = serializers.SerializerMethodField()
    current_due_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        model = Proposal
        fields = ("id", "url", "title", "kind", "topic", "state", "state_label", "organisation", "session",
                  "lead_delegate", "revision_number", "version", "current_due_at", "updated_at")  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, proposal: Proposal) -> str:
        return f"{self._proposals_url}{proposal.pk}/"

    @cached_property
    def _proposals_url(self) -> str:
        # A proposal's URL is the list's and its id (the router's pattern): reversed once per page, not per row.
        return reverse("api:proposal-list", request=self.context.get("request"))

    @extend_schema_field(DelegateRefSerializer(allow_null=True))
    def get_lead_delegate(self, proposal: Proposal):
        # From selectors.with_lead_delegate's columns: a list page builds no assignment or delegate objects.
        if proposal.lead_delegate_id is None:
            return None
        name = person_name(proposal.lead_first_name, proposal.lead_last_name, proposal.lead_username)
        return {"id": proposal.lead_delegate_id, "name": name, "body": proposal.lead_body}

    def to_representation(self, proposal: Proposal) -> dict:
        moment = self.fields["updated_at"].to_representation
        due = proposal.current_due_at
        return {
            "id": proposal.pk, "url": self.get_url(proposal), "title": proposal.title, "kind": proposal.kind,
            "topic": proposal.topic, "state": proposal.state, "state_label": str(STATE_LABELS[proposal.state]),
            "organisation": {"id": proposal.organisation.pk, "name": proposal.organisation.name},
            "session": {"id": proposal.session.pk, "name": proposal.session.name},
            "lead_delegate": self.get_lead_delegate(proposal), "revision_number": proposal.revision_number,
            "version": proposal.version, "current_due_at": moment(due) if due is not None else None,
            "updated_at": moment(proposal.updated_at),
        }  # fmt: skip


class ActionInputsField(serializers.DictField):
    """An action's inputs as name → required."""

    def to_representation(self, value):
        return super().to_representation({action_input.name: action_input.required for action_input in value})


class GuardRefusalSerializer(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField(source="message")


class GuardCheckSerializer(serializers.Serializer):
    code = serializers.CharField(source="guard.code")
    label = serializers.CharField(source="guard.label")
    met = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True, help_text=_("Why it does not hold yet; null once it does."))


class ActionOptionSerializer(serializers.Serializer):
    action = serializers.CharField(source="action.name")
    label = serializers.CharField(source="action.label")
    allowed = serializers.BooleanField()
    code = serializers.SerializerMethodField(help_text=_("The guard that refuses it now, when not allowed."))
    reason = serializers.SerializerMethodField()
    unmet = GuardRefusalSerializer(many=True, read_only=True, help_text=_("Every guard that refuses it now."))
    checklist = GuardCheckSerializer(many=True, read_only=True, help_text=_("Each guard of the action, met or not."))
    note_required = serializers.BooleanField(source="action.note_required")
    inputs = ActionInputsField(child=serializers.BooleanField(), source="action.inputs",
                               help_text=_("Further fields it takes: name → required."))  # fmt: skip
    target_state = serializers.SerializerMethodField()

    def get_code(self, option: ActionOption) -> str | None:
        return option.refused.code if option.refused else None

    def get_reason(self, option: ActionOption) -> str | None:
        return option.refused.message if option.refused else None

    @extend_schema_field(serializers.ChoiceField(choices=State.choices, allow_null=True))
    def get_target_state(self, option: ActionOption) -> str | None:
        return option.action.target.value if option.action.target else None


class OutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Proposal
        fields = ("reference_number", "submitted_on", "decision_note")


class HandlingUnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandlingUnit
        fields = ("id", "name", "short_name", "level")


class HandlingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HandlingUnit
        fields = ("id", "name", "short_name", "level", "contact_person", "contact_phone", "contact_email", "address",
                  "is_active")  # fmt: skip


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice that may be unset, shown as null: answers recorded before answers had a class or a method."""

    def __init__(self, **kwargs):
        super().__init__(allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


def _download_url(evidence: Evidence, request) -> str:
    return reverse("api:proposal-evidence-download", args=[evidence.proposal_id, evidence.pk], request=request)


class EvidenceLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    download = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, evidence: Evidence) -> str:
        return _download_url(evidence, self.context.get("request"))


class AnswerSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    answered_on = serializers.DateField()
    method = BlankAsNullChoiceField(choices=AnswerMethod.choices)
    text = serializers.CharField()
    answer_class = BlankAsNullChoiceField(choices=AnswerClass.choices)
    letters = EvidenceLinkSerializer(many=True, source="letters.all", help_text=_("The answer letters (答复函)."))


class AnswerRatingSerializer(serializers.Serializer):
    who = PersonSerializer(source="rater", allow_null=True, help_text=_("null: rated before each signer rated."))
    rating = serializers.ChoiceField(choices=Rating.choices)
    round = serializers.IntegerField(source="answer.round")
    comment = serializers.CharField()
    rated_at = serializers.DateTimeField()


class UnitAnswerSerializer(serializers.Serializer):
    """A unit's handling of a proposal: the unit, and the latest answer's class and day."""

    unit = HandlingUnitRefSerializer()
    answer_class = serializers.SerializerMethodField(help_text=_("The latest answer's class."))
    answered_on = serializers.SerializerMethodField(help_text=_("The latest answer's day."))

    @extend_schema_field(serializers.ChoiceField(choices=AnswerClass.choices, allow_null=True))
    def get_answer_class(self, handling: Handling) -> str | None:
        answers = handling.answers_list()
        return (answers[-1].answer_class or None) if answers else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_answered_on(self, handling: Handling):
        answers = handling.answers_list()
        return answers[-1].answered_on if answers else None


class HandlingSerializer(UnitAnswerSerializer):
    """One unit's handling of the proposal: its part, the current round's due date, its answers and ratings."""

    role = serializers.ChoiceField(choices=UnitRole.choices)
    assigned_on = serializers.DateField()
    due_on = serializers.DateField(help_text=_("When the current round's answer is due."))
    round = serializers.IntegerField(help_text=_("2 once an unsatisfied rating sent the unit back."))
    status = serializers.ChoiceField(choices=HandlingStatus.choices)
    extended_on = serializers.SerializerMethodField(help_text=_("The day of its one extension, if it had it."))
    extension_reason = serializers.CharField()
    answers = AnswerSerializer(many=True, source="answers_list")
    ratings = serializers.SerializerMethodField(help_text=_("Each signer's rating of each round's answer."))

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_extended_on(self, handling: Handling):
        return timezone.localdate(handling.extended_at) if handling.extended_at else None

    @extend_schema_field(AnswerRatingSerializer(many=True))
    def get_ratings(self, handling: Handling) -> list[dict]:
        ratings = [rating for answer in handling.answers_list() for rating in answer.ratings.all()]
        return AnswerRatingSerializer(ratings, many=True).data


class ProposalLinkSerializer(serializers.Serializer):
    """Another proposal this one is linked to: the one it raises again, or one raising it again (持续呼吁)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    session = NamedSerializer()


class SupervisionSerializer(serializers.Serializer):
    since = serializers.DateTimeField(source="supervised_at")
    reason = serializers.CharField(source="supervision_reason")


class CapabilitySerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    code = serializers.CharField(allow_null=True, help_text=_("Why not, as a stable code, when not allowed."))
    reason = serializers.CharField(allow_blank=True)


class CapabilitiesSerializer(serializers.Serializer):
    """permissions.Capabilities.by_name(): one object per capability."""

    def get_fields(self):
        return {name: CapabilitySerializer() for name in permissions.CAPABILITY_NAMES}


class NeedPublicSerializer(serializers.Serializer):
    """A need as a proposal's every reader sees it: never who raised it."""

    id = serializers.IntegerField()
    summary = serializers.CharField()
    people_count = serializers.IntegerField()
    theme = serializers.CharField()


class ProposalDetailSerializer(ProposalListSerializer):
    author = PersonSerializer()
    assignments = AssignmentSerializer(many=True, source="assignments_list")
    deadlines = DeadlineSerializer(many=True, source="deadlines.all")
    outcome = OutcomeSerializer(source="*")
    urgent = serializers.BooleanField(help_text=_("The units answer within the session's shorter period."))
    supervision = serializers.SerializerMethodField(help_text=_("null unless a key supervised item (重点督办)."))
    carried_from = ProposalLinkSerializer(allow_null=True, help_text=_("The earlier proposal this one raises again."))
    raised_again = ProposalLinkSerializer(many=True, source="raised_again.all",
                                          help_text=_("The later proposals that raise this one again."))  # fmt: skip
    handling_units = HandlingSerializer(many=True, source="handlings_list",
                                        help_text=_("The units handling it, lead units first."))  # fmt: skip
    allowed_actions = serializers.SerializerMethodField(
        help_text=_("The actions the caller could take in this state: allowed now, or not yet with the reason.")
    )
    capabilities = serializers.SerializerMethodField(
        help_text=_("What else the caller may do with the proposal now: edit the text, add evidence, assign a "
                    "delegate, comment, move each stage's due date; each allowed, or not with the reason.")
    )  # fmt: skip
    links = serializers.SerializerMethodField()
    needs = NeedPublicSerializer(
        many=True,
        source="needs_carried",
        help_text=_(
            "The young people's needs it carries (accepted ones), with how many people raised them; never who."
        ),
    )

    class Meta(ProposalListSerializer.Meta):
        fields = (
            *ProposalListSerializer.Meta.fields, "background", "research_findings", "recommendations", "author",
            "assignments", "deadlines", "outcome", "urgent", "supervision", "carried_from", "raised_again",
            "handling_units", "allowed_actions", "capabilities", "links", "needs", "created_at",
        )  # fmt: skip

    def to_representation(self, proposal: Proposal) -> dict:
        # One proposal at a time: DRF's generic walk over the declared fields.
        return serializers.ModelSerializer.to_representation(self, proposal)

    def _capabilities(self, proposal: Proposal) -> permissions.Capabilities:
        # allowed_actions and capabilities show one answer, whose guards query once.
        answers = self.__dict__.setdefault("_capabilities_by_id", {})
        if proposal.pk not in answers:
            answers[proposal.pk] = permissions.capabilities(self.context["request"].user, proposal)
        return answers[proposal.pk]

    @extend_schema_field(SupervisionSerializer(allow_null=True))
    def get_supervision(self, proposal: Proposal):
        return SupervisionSerializer(proposal).data if proposal.supervised_at else None

    @extend_schema_field(ActionOptionSerializer(many=True))
    def get_allowed_actions(self, proposal: Proposal):
        return ActionOptionSerializer(self._capabilities(proposal).actions, many=True).data

    @extend_schema_field(CapabilitiesSerializer())
    def get_capabilities(self, proposal: Proposal) -> dict:
        return CapabilitiesSerializer(self._capabilities(proposal).by_name()).data

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "format": "uri"}})
    def get_links(self, proposal: Proposal) -> dict[str, str]:
        request = self.context.get("request")
        names = ("transitions", "comments", "revisions", "evidence", "history")
        return {name: reverse(f"api:proposal-{name}", args=[proposal.pk], request=request) for name in names}


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer()
    revision_number = serializers.IntegerField(source="revision.number")

    class Meta:
        model = Comment
        fields = ("id", "author", "kind", "body", "revision_number", "created_at")


class RevisionSerializer(serializers.ModelSerializer):
    author = PersonSerializer()

    class Meta:
        model = Revision
        fields = ("number", "author", "created_at", *Revision.TEXT_FIELDS)


class DiffSegmentSerializer(serializers.Serializer):
    text = serializers.CharField()
    changed = serializers.BooleanField()

    def to_representation(self, segment):
        return {"text": segment[0], "changed": segment[1]}


class DiffRowSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["equal", "replace", "delete", "insert"])
    old_number = serializers.IntegerField(allow_null=True)
    old = DiffSegmentSerializer(many=True, allow_null=True)
    new_number = serializers.IntegerField(allow_null=True)
    new = DiffSegmentSerializer(many=True, allow_null=True)


class FieldDiffSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    changed = serializers.BooleanField()
    granularity = serializers.ChoiceField(
        choices=GRANULARITIES,
        help_text="How finely the changed lines are marked: by character; by sentence or as whole lines where "
        "marking characters would cost too much; 'field' where even matching the lines would, or the field "
        "would need too many rows: it is then one row holding both texts whole.",
    )
    rows = DiffRowSerializer(many=True)


class RevisionDiffSerializer(serializers.Serializer):
    from_number = serializers.IntegerField()
    to_number = serializers.IntegerField()
    fields = FieldDiffSerializer(many=True)


class AnswerRefSerializer(serializers.Serializer):
    unit = HandlingUnitRefSerializer(source="handling.unit")
    round = serializers.IntegerField()


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = PersonSerializer()
    download = serializers.SerializerMethodField()
    answer = AnswerRefSerializer(allow_null=True, help_text=_("For an answer letter: the answer it belongs to."))

    class Meta:
        model = Evidence
        fields = ("id", "original_name", "content_type", "size", "sha256", "description", "uploaded_by",
                  "uploaded_at", "download", "answer")  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_download(self, evidence: Evidence) -> str:
        return _download_url(evidence, self.context.get("request"))


class TransitionSerializer(serializers.ModelSerializer):
    actor = PersonSerializer()

    class Meta:
        model = Transition
        fields = ("id", "action", "from_state", "to_state", "actor", "note", "revision_number", "created_at")


class SessionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Session
        fields = ("id", "name", "body", "level", "region", "opening_date", "closing_date", "submission_deadline",
                  "required_motion_cosigners")  # fmt: skip


class OrganisationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ("id", "name", "level", "parent", "region")


class DelegateProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    level = serializers.CharField()
    region = serializers.CharField()
    constituency = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name")
    organisation = NamedSerializer(allow_null=True)
    delegate = DelegateProfileSerializer(source="delegate_profile", allow_null=True)
    links = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()
    calendar_made = serializers.SerializerMethodField(help_text=_("Whether I have a calendar feed address."))

    class Meta:
        model = User
        fields = ("id", "username", "name", "email", "role", "organisation", "delegate", "language",
                  "reminder_mode", "digest_hour", "notice_preferences", "unread_notifications", "calendar_url",
                  "calendar_made", "links")  # fmt: skip

    notice_preferences = serializers.SerializerMethodField()
    unread_notifications = serializers.SerializerMethodField(help_text=_("How many of my notices are unread."))

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "enum": NoticeMode.values},
                          "description": "How each kind of notice reaches me."})  # fmt: skip
    def get_notice_preferences(self, user: User) -> dict[str, str]:
        return {kind: notice_rules.mode_for(user, kind) for kind in NoticeKind.values}

    def get_unread_notifications(self, user: User) -> int:
        return selectors.unread_notice_count(user)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "format": "uri"}})
    def get_links(self, user: User) -> dict[str, str]:
        request = self.context.get("request")
        return {"reminders": reverse("api:me-reminders", request=request),
                "notifications": reverse("api:me-notifications", request=request)}  # fmt: skip

    @extend_schema_field({
        "type": "string", "format": "uri", "nullable": True,
        "description": "The iCalendar feed of the deadlines you must act on, for your calendar app to subscribe "
        "to. Secret: anyone with it reads the feed. Only in the answer of POST me/calendar/regenerate/, which "
        "makes it (the old one stops working); null elsewhere, since only its hash is kept.",
    })  # fmt: skip
    def get_calendar_url(self, user: User) -> str | None:
        token = self.context.get("calendar_token")
        if token is None:
            return None
        return reverse("calendar-feed", args=[token], request=self.context.get("request"))

    def get_calendar_made(self, user: User) -> bool:
        return bool(user.calendar_token_hash)


class ProposalRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ReminderSerializer(serializers.ModelSerializer):
    proposal = ProposalRefSerializer()

    class Meta:
        model = Reminder
        fields = ("id", "proposal", "stage", "due_at", "offset_days", "kind", "send_after", "status", "sent_at")


class NoticeSerializer(serializers.Serializer):
    """A notice of my inbox, in my language: what happened to which proposal, who did it, whether I read it."""

    id = serializers.IntegerField(source="notice.pk")
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    proposal = ProposalRefSerializer()
    action = serializers.CharField(source="notice.transition.action", help_text=_("The row of the log it tells of."))
    actor = PersonSerializer(source="notice.transition.actor")
    headline = serializers.CharField(help_text=_("What happened, as one sentence."))
    quote = serializers.CharField(help_text=_("The comment, note or reason written with it; may be empty."))
    todo = serializers.CharField(help_text=_("What it asks of me; may be empty."))
    link = serializers.URLField(help_text=_("The proposal's page."))
    created_at = serializers.DateTimeField(source="notice.created_at")
    read_at = serializers.DateTimeField(source="notice.read_at", allow_null=True)

    def to_representation(self, instance):
        return super().to_representation(NoticeItem(instance))


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send it as `Authorization: Token <token>`. It is shown only once."))
    expiry = serializers.DateTimeField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details: the shape of every error."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField(help_text=_("Stable, for programs: a workflow guard's code, validation_error, ..."))
    action = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


# --- Young people's needs (#16) -----------------------------------------------------------------------

TRIAGE_INPUTS = {"accept": ("theme",), "merge": ("into",), "decline": ("reason",), "forward": ("note",),
                 "link": ("proposal",), "unlink": ("proposal",)}  # fmt: skip


class NeedCreateSerializer(StrictInputSerializer):
    """A need a secretary or coordinator heard, recorded for an organisation they steer. The form only; what is
    valid (a county, the consent to keep a contact, an address for a reply) is services.need_record's."""

    organisation = StrictIntegerField(min_value=1, help_text=_("The organisation whose need it is."))
    summary = serializers.CharField(max_length=200, validators=[validate_single_line])
    details = _text(4000, required=False)
    county = StrictIntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text=_("The county or district where it was raised (an organisation's id)."),
    )
    topic = serializers.ChoiceField(choices=Proposal.Topic.choices)
    age_group = serializers.ChoiceField(choices=Need.AgeGroup.choices, required=False, allow_blank=True)
    group = serializers.ChoiceField(choices=Need.Group.choices, required=False, allow_blank=True)
    channel = serializers.ChoiceField(choices=Need.Channel.choices)
    people_count = StrictIntegerField(min_value=1, max_value=1_000_000, required=False)
    contact_name = _line(50, required=False)
    contact_phone = _line(30, required=False)
    contact_email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    contact_consent = OptionalBooleanField(required=False, help_text=_("Required for any contact detail."))
    wants_reply = OptionalBooleanField(required=False, help_text=_("A mail when a proposal it fed is answered."))
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False,
                                       help_text=_("The language of the reply."))  # fmt: skip


class NeedTriageSerializer(StrictInputSerializer):
    action = serializers.ChoiceField(choices=list(TRIAGE_INPUTS))
    theme = serializers.CharField(max_length=100, required=False, validators=[validate_single_line],
                                  help_text=_("accept: the theme it is carried under."))  # fmt: skip
    into = StrictIntegerField(min_value=1, required=False, help_text=_("merge: the need it duplicates."))
    reason = serializers.CharField(max_length=2000, required=False, help_text=_("decline: why."))
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                 help_text=_("forward: a word to the committee above."))  # fmt: skip
    proposal = StrictIntegerField(min_value=1, required=False, help_text=_("link, unlink: the proposal."))

    def validate(self, data):
        # One body serves every action: a field the chosen action does not take is refused, not ignored.
        taken = TRIAGE_INPUTS[data["action"]]
        other = sorted(name for name in data if name != "action" and name not in taken)
        if other:
            message = _("The action “%(action)s” does not take this field.") % {"action": data["action"]}
            raise serializers.ValidationError({name: [message] for name in other})
        return data


class NeedListSerializer(serializers.ModelSerializer):
    """A need as the organisation's secretaries and coordinators see it, contact details and all: nobody else
    sees a need at all (selectors.needs_visible_to)."""

    url = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    organisation = NamedSerializer()
    county = NamedSerializer(allow_null=True)
    age_group = BlankAsNullChoiceField(choices=Need.AgeGroup.choices)
    group = BlankAsNullChoiceField(choices=Need.Group.choices)

    class Meta:
        model = Need
        fields = ("id", "url", "summary", "organisation", "county", "topic", "age_group", "group", "channel",
                  "people_count", "status", "status_label", "theme", "contact_name", "contact_phone",
                  "contact_email", "contact_consent", "wants_reply", "created_at", "updated_at")  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, need: Need) -> str:
        return reverse("api:need-detail", args=[need.pk], request=self.context.get("request"))


class NeedEventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(allow_null=True, help_text=_("null: the public page or a scheduled job."))
    proposal = serializers.IntegerField(source="proposal_id", allow_null=True)

    class Meta:
        model = NeedEvent
        fields = ("action", "actor", "note", "proposal", "created_at")


class NeedOutcomeSerializer(serializers.Serializer):
    """A proposal the need led to: its session, its state and each unit's answer."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    session = NamedSerializer()
    answers = UnitAnswerSerializer(many=True, source="handlings_list")


class NeedDetailSerializer(NeedListSerializer):
    recorded_by = PersonSerializer(allow_null=True, help_text=_("null: submitted on the public page."))
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    merged = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text=_("The duplicates merged into it; its count includes their people.")
    )
    events = NeedEventSerializer(many=True, source="events.all", help_text=_("The need's log, oldest first."))
    proposals = serializers.SerializerMethodField(help_text=_("The proposals it led to, and what came of them."))

    class Meta(NeedListSerializer.Meta):
        fields = (*NeedListSerializer.Meta.fields, "details", "language", "merged_into", "merged", "decline_reason",
                  "recorded_by", "contact_removed_at", "events", "proposals")  # fmt: skip

    @extend_schema_field(NeedOutcomeSerializer(many=True))
    def get_proposals(self, need: Need) -> list[dict]:
        return NeedOutcomeSerializer(selectors.need_outcomes(need), many=True).data


# --- Face-to-face meetings (#16) ------------------------------------------------------------------------


class MeetingDelegateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.display_name")
    body = serializers.ChoiceField(choices=Body.choices)


class MeetingListSerializer(serializers.ModelSerializer):
    """A face-to-face meeting as its organisers and the delegates attending see it."""

    url = serializers.SerializerMethodField()
    organisation = NamedSerializer()
    delegates = MeetingDelegateSerializer(many=True, source="delegates.all",
                                          help_text=_("The deputies and members attending."))  # fmt: skip

    class Meta:
        model = Meeting
        fields = ("id", "url", "theme", "starts_at", "place", "organisation", "delegates", "young_people",
                  "minutes_recorded_at", "updated_at")  # fmt: skip

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, meeting: Meeting) -> str:
        return reverse("api:meeting-detail", args=[meeting.pk], request=self.context.get("request"))


class MeetingNeedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    summary = serializers.CharField()
    people_count = serializers.IntegerField()


class MeetingProposalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    session = NamedSerializer()


class MeetingDetailSerializer(MeetingListSerializer):
    needs = serializers.SerializerMethodField(
        help_text=_("The needs discussed that the caller sees (their organisers): none for a delegate.")
    )
    proposals = serializers.SerializerMethodField(
        help_text=_("The proposals produced or advanced that the caller sees.")
    )

    class Meta(MeetingListSerializer.Meta):
        fields = (*MeetingListSerializer.Meta.fields, "other_attendees", "agenda", "minutes", "needs", "proposals")

    @extend_schema_field(MeetingNeedSerializer(many=True))
    def get_needs(self, meeting: Meeting) -> list[dict]:
        needs = selectors.needs_visible_to(self.context["request"].user).filter(meetings=meeting)
        return MeetingNeedSerializer(needs, many=True).data

    @extend_schema_field(MeetingProposalSerializer(many=True))
    def get_proposals(self, meeting: Meeting) -> list[dict]:
        proposals = selectors.proposals_visible_to(self.context["request"].user).filter(meetings=meeting)
        return MeetingProposalSerializer(proposals.select_related("session"), many=True).data


class MeetingInputSerializer(StrictInputSerializer):
    """A meeting as its organisers write it; services.meeting_save checks what only the data decides (the
    organisation is one they steer; the delegates, needs and proposals are ones they see)."""

    organisation = StrictIntegerField(min_value=1, help_text=_("The organising organisation (on creation only)."))
    theme = serializers.CharField(max_length=200, validators=[validate_single_line])
    starts_at = MomentField()
    place = serializers.CharField(max_length=200, validators=[validate_single_line])
    delegates = serializers.ListField(child=StrictIntegerField(min_value=1), required=False, max_length=500)
    other_attendees = _text(4000, required=False)
    young_people = StrictIntegerField(min_value=0, max_value=100_000, required=False)
    agenda = _text(8000, required=False)
    needs = serializers.ListField(child=StrictIntegerField(min_value=1), required=False, max_length=500)
    proposals = serializers.ListField(child=StrictIntegerField(min_value=1), required=False, max_length=500)


class MeetingChangeSerializer(MeetingInputSerializer):
    """The fields of a meeting its organisers change: all but the organising organisation, which stays."""

    organisation = None


class MeetingMinutesSerializer(StrictInputSerializer):
    minutes = serializers.CharField(max_length=20000, help_text=_("What was said and agreed, and who follows up."))
