"""The domain model of DESIGN §3.

Rows are changed only through proposals.services; the constraints below hold whatever writes them.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q, Subquery, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from proposals import tree, workflow
from proposals.validators import validate_moment, validate_single_line
from proposals.workflow import State, log_label


class Organisation(models.Model):
    """A League organisation (团组织) in a tree of any depth: province → city → county or district → branch, and
    branches below branches. `path` (proposals.tree) makes a subtree one indexed lookup and orders the tree."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province committee")
        CITY = "city", _("City committee")
        COUNTY = "county", _("County or district committee")
        BRANCH = "branch", _("Branch")

    # A committee hangs below a committee of a higher level (a county below a city or directly below the
    # province); a branch below any committee or another branch. Any committee but a branch may head a tree.
    RANK = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.BRANCH: 3}
    COMMITTEES = (Level.PROVINCE, Level.CITY, Level.COUNTY)

    name = models.CharField(_("name"), max_length=100, validators=[validate_single_line])
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    region = models.CharField(_("region"), max_length=50, help_text=_("The city, district or county it serves."))
    # The official order (朔城区, 平鲁区, 山阴县...), not the alphabet's: lists and pickers follow it.
    position = models.PositiveSmallIntegerField(
        _("official order"), default=0, validators=[MaxValueValidator(10**tree.POSITION_DIGITS - 1)],
        help_text=_("Smaller first among the organisations under one parent; equal ones in the order they were added."),
    )  # fmt: skip
    # Derived from parent and position by save() (proposals.tree); never edited by hand.
    path = models.CharField(max_length=tree.PATH_MAX_LENGTH, editable=False, default="")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                name="organisation_level_valid", condition=Q(level__in=["province", "city", "county", "branch"])
            ),
            models.CheckConstraint(
                name="organisation_parent_matches_level",
                condition=~Q(level="province", parent__isnull=False) & ~Q(level="branch", parent__isnull=True),
            ),
            models.CheckConstraint(name="organisation_not_own_parent", condition=~Q(parent=F("pk"))),
            # Two branches may both be called 团委 if they stand under different committees.
            models.UniqueConstraint(
                fields=["parent", "name"], name="organisation_name_unique_among_siblings",
                violation_error_message=_("Another organisation under the same parent has this name."),
            ),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="organisation_root_name_unique",
                violation_error_message=_("Another organisation at the top of a tree has this name."),
            ),
        ]  # fmt: skip
        indexes = [
            # varchar_pattern_ops lets PostgreSQL answer `path LIKE 'prefix%'` from the index under any collation.
            models.Index(fields=["path"], name="organisation_path", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            if self.pk is not None:  # the stored path, not a stale copy of it: a move above may have changed it
                stored = Organisation.objects.select_for_update().filter(pk=self.pk).values_list("path", flat=True)
                self.path = stored.first() or ""
            super().save(*args, **kwargs)
            self._keep_path()

    def clean(self) -> None:
        parent = self.parent if self.parent_id else None
        if parent is None:
            if self.level == self.Level.BRANCH:
                raise ValidationError({"parent": _("Choose the organisation this one belongs to.")})
            return
        if self.level == self.Level.PROVINCE:
            raise ValidationError({"parent": _("A province committee stands at the top and has no parent.")})
        if self.level != self.Level.BRANCH and self.RANK[parent.level] >= self.RANK[self.level]:
            raise ValidationError(
                {"parent": _("A %(level)s cannot belong to a %(parent)s.")
                 % {"level": self.get_level_display(), "parent": parent.get_level_display()}}
            )  # fmt: skip
        if self.pk and parent.is_within(self):
            raise ValidationError({"parent": _("An organisation cannot belong to itself or to one below it.")})

    def _keep_path(self) -> None:
        """Give this organisation the path its parent and position call for, and move its subtree with it."""
        organisations = Organisation.objects.select_for_update()
        old = self.path
        parent_path = ""
        if self.parent_id:
            parent_path = organisations.filter(pk=self.parent_id).values_list("path", flat=True).get()
        new = tree.path_of(parent_path, self.position, self.pk)
        if new == old:
            self.path = new
            return
        if old and parent_path.startswith(old):
            raise ValidationError({"parent": _("An organisation cannot belong to itself or to one below it.")})
        if tree.depth_of(new) >= tree.MAX_DEPTH:
            message = _("The tree cannot be deeper than %(depth)d levels.") % {"depth": tree.MAX_DEPTH}
            raise ValidationError({"parent": message})
        organisations.filter(pk=self.pk).update(path=new)
        if old:
            organisations.filter(path__startswith=old).exclude(pk=self.pk).update(
                path=Concat(Value(new), Substr("path", len(old) + 1), output_field=models.CharField())
            )
        self.path = new

    @property
    def depth(self) -> int:
        return tree.depth_of(self.path)

    @property
    def is_committee(self) -> bool:
        return self.level in self.COMMITTEES

    def subtree_filter(self, prefix: str = "") -> Q:
        """A filter for this organisation and everything below it, at any depth: one prefix lookup on the path.
        An unsaved stand-in (`Organisation(pk=id)`, to spare loading the row) reads the path in a subquery."""
        path = self.path or Subquery(Organisation.objects.filter(pk=self.pk).values("path")[:1])
        return Q(**{f"{prefix}path__startswith": path})

    def is_within(self, ancestor: Organisation) -> bool:
        """Whether this organisation is `ancestor` or below it: read off this one's path, so that `ancestor` may
        be a stand-in with only its key."""
        return ancestor.pk in tree.ancestor_keys(self.path)

    def ancestors(self) -> list[Organisation]:
        """From the top of the tree down to this organisation's parent, in one query."""
        keys = tree.ancestor_keys(self.path)[:-1]
        by_key = Organisation.objects.in_bulk(keys)
        return [by_key[key] for key in keys if key in by_key]


def _is_cjk(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def full_name(first_name: str, last_name: str) -> str:
    """Chinese names read family name first, with no space: 刘振华, not "振华 刘"."""
    if _is_cjk(last_name) or _is_cjk(first_name):
        return f"{last_name}{first_name}".strip()
    return f"{first_name} {last_name}".strip()


def person_name(first_name: str, last_name: str, username: str) -> str:
    """How a person is shown: their full name, or their username when they gave none."""
    return full_name(first_name, last_name) or username


class AccountManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        """`createsuperuser` makes an operator: a superuser's account is of the role admin (User.is_operator)."""
        extra_fields.setdefault("role", User.Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)

    def operators(self) -> models.QuerySet[User]:
        """The accounts of the system's operators (User.is_operator)."""
        return self.filter(is_superuser=True)


class User(AbstractUser):
    class Role(models.TextChoices):
        """The kind of account. Each but the delegate's is the workflow role of that name (workflow.Role), held
        on the proposals of the account's organisation (admin: on every proposal); a delegate's account holds
        the role of each of their assignments (Assignment.Role) on that proposal."""

        SECRETARY = workflow.Role.SECRETARY.value, _("Secretary")
        COORDINATOR = workflow.Role.COORDINATOR.value, _("Coordinator")
        DELEGATE = "delegate", _("Delegate")
        ADMIN = workflow.Role.ADMIN.value, _("Administrator")

    class ReminderMode(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("One daily digest")

    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.SECRETARY)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="members",
    )  # fmt: skip
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    reminder_mode = models.CharField(
        _("reminders"), max_length=10, choices=ReminderMode.choices, default=ReminderMode.IMMEDIATE
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("digest hour"), default=8, validators=[MaxValueValidator(23)], help_text=_("Hour of the day, 0 to 23.")
    )
    # The SHA-256 of the secret in the address of the person's deadline calendar feed
    # (proposals.documents.calendar_feed): a copy of the database opens no feed. Replaced to revoke; None until
    # the person makes an address.
    calendar_token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # How each kind of notice reaches the person (kind -> NoticeMode); a kind left out takes its default
    # (proposals.notice_rules.DEFAULT_MODES).
    notice_preferences = models.JSONField(_("notice preferences"), default=dict, blank=True)

    objects = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_role_valid", condition=Q(role__in=["secretary", "coordinator", "delegate", "admin"])
            ),
            # Secretaries and coordinators act for an organisation; they cannot exist without one.
            models.CheckConstraint(
                name="user_staff_role_has_organisation",
                condition=~Q(role__in=["secretary", "coordinator"]) | Q(organisation__isnull=False),
            ),
            models.CheckConstraint(name="user_digest_hour_range", condition=Q(digest_hour__lte=23)),
        ]

    @property
    def is_operator(self) -> bool:
        """The one rule for who runs the system (DESIGN §2 "admin"): a superuser, whose account is of the role
        admin; clean() and save() keep the two in step."""
        return self.is_superuser

    def clean(self) -> None:
        super().clean()
        self._operator_in_step()
        if (self.role == self.Role.ADMIN) != self.is_superuser:
            raise ValidationError(
                {"role": _("An operator's account has the role administrator and superuser status, both or neither.")}
            )
        if self.role in (self.Role.SECRETARY, self.Role.COORDINATOR) and not self.organisation_id:
            raise ValidationError({"organisation": _("Secretaries and coordinators act for an organisation.")})
        if self.role == self.Role.COORDINATOR and self.organisation and not self.organisation.is_committee:
            raise ValidationError({"organisation": _("Coordinators work at a committee, not at a branch.")})

    def __str__(self) -> str:
        # Wherever a person is named (the admin's lists, pickers and read-only fields): by name, not username.
        return self.display_name

    def get_full_name(self) -> str:
        return full_name(self.first_name, self.last_name)

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._password_disabled = True

    def _operator_in_step(self) -> None:
        """A new account of the role admin is an operator's: a superuser, with the admin site (is_staff)."""
        if self._state.adding and self.role == self.Role.ADMIN:
            self.is_superuser = self.is_staff = True

    def save(self, *args, **kwargs):
        self._operator_in_step()
        # Every way of changing a password (admin, password forms and reset, changepassword, a script) ends in
        # set_password() + save(), and Django keeps the new raw password in _password until that save; it clears
        # it for a mere hash upgrade at sign-in, which changes nothing. So this save sees every change and no
        # false one, where a signal on the stored hash would also fire on each upgrade.
        password_changed = not self._state.adding and (
            self._password is not None or getattr(self, "_password_disabled", False)
        )
        super().save(*args, **kwargs)
        self._password_disabled = False
        if password_changed:
            from proposals.services import user_password_changed  # services imports this module

            user_password_changed(user=self)

    @property
    def display_name(self) -> str:
        return person_name(self.first_name, self.last_name, self.username)

    @cached_property
    def delegate_profile(self) -> Delegate | None:
        try:
            return self.delegate
        except Delegate.DoesNotExist:
            return None

    @property
    def mail_address(self) -> str:
        """Where mail to this person goes: a delegate's contact address if given, else the account's; may be ""."""
        profile = self.delegate_profile
        return (profile.contact_email if profile else "") or self.email


class Body(models.TextChoices):
    NPC = "npc", _("People's congress (NPC)")
    CPPCC = "cppcc", _("Political consultative conference (CPPCC)")


class SessionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    DISTRICT = "district", _("District")


class Delegate(models.Model):
    """A people's congress deputy (人大代表) or a CPPCC member (政协委员)."""

    user = models.OneToOneField(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="delegate")
    body = models.CharField(_("body"), max_length=5, choices=Body.choices)
    level = models.CharField(_("level"), max_length=8, choices=SessionLevel.choices)
    region = models.CharField(_("region"), max_length=50)
    constituency = models.CharField(_("constituency or sector"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact email"))

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["body", "level", "user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(name="delegate_body_valid", condition=Q(body__in=["npc", "cppcc"])),
            models.CheckConstraint(name="delegate_level_valid", condition=Q(level__in=SessionLevel.values)),
        ]
        indexes = [models.Index(fields=["body", "level"], name="delegate_body_level")]

    def __str__(self) -> str:
        return f"{self.user.display_name}（{self.get_body_display()}）"

    @property
    def picker_label(self) -> str:
        """How pickers and lists name a delegate: with the constituency or sector (选区/界别) people know them by."""
        return f"{self.user.display_name}（{self.constituency or self.region}）"


class Session(models.Model):
    """An annual session (会议) of a people's congress or a CPPCC at province, city, county or district level."""

    body = models.CharField(_("body"), max_length=5, choices=Body.choices)
    level = models.CharField(_("level"), max_length=8, choices=SessionLevel.choices)
    region = models.CharField(_("region"), max_length=50)
    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_single_line])
    opening_date = models.DateField(_("opening date"))
    closing_date = models.DateField(_("closing date"))
    submission_deadline = models.DateTimeField(_("submission deadline"), validators=[validate_moment])
    required_motion_cosigners = models.PositiveSmallIntegerField(
        _("co-signers a motion needs"), default=10, help_text=_("Deputies who must co-sign a motion (议案).")
    )
    # The reminder policy of this session, where it differs from settings.REMINDER_POLICY.
    reminder_offsets = models.JSONField(
        _("reminder days before a due date"), null=True, blank=True,
        help_text=_("For example [7, 3, 1, 0]. Empty: the default policy."),
    )  # fmt: skip
    escalation_after_days = models.PositiveSmallIntegerField(
        _("escalate after days overdue"), null=True, blank=True, help_text=_("Empty: the default policy.")
    )
    # How long the handling units have to answer (DESIGN §4, after registration), from the day a unit is assigned.
    answer_months = models.PositiveSmallIntegerField(
        _("months to answer"), default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    urgent_answer_months = models.PositiveSmallIntegerField(
        _("months to answer an urgent proposal"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    second_round_months = models.PositiveSmallIntegerField(
        _("months to answer again after an unsatisfied rating"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )  # fmt: skip

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-opening_date", "body"]
        constraints = [
            models.CheckConstraint(name="session_body_valid", condition=Q(body__in=["npc", "cppcc"])),
            models.CheckConstraint(name="session_level_valid", condition=Q(level__in=SessionLevel.values)),
            models.CheckConstraint(
                name="session_opens_before_closing", condition=Q(opening_date__lte=F("closing_date"))
            ),
        ]
        indexes = [models.Index(fields=["submission_deadline"], name="session_deadline")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.submission_deadline
            and self.closing_date
            and timezone.localdate(self.submission_deadline) > self.closing_date
        ):
            raise ValidationError(
                {"submission_deadline": _("The submission deadline must be before the session closes.")}
            )
        if self.opening_date and self.closing_date and self.opening_date > self.closing_date:
            raise ValidationError({"closing_date": _("A session cannot close before it opens.")})


# Services set this while they change a proposal's state; Proposal.save refuses a state change without it.
_state_writer: contextvars.ContextVar[bool] = contextvars.ContextVar("proposal_state_writer", default=False)


@contextmanager
def state_change_allowed():
    token = _state_writer.set(True)
    try:
        yield
    finally:
        _state_writer.reset(token)


class StateChangeForbidden(RuntimeError):
    pass


class Proposal(models.Model):
    class Kind(models.TextChoices):
        MOTION = "motion", _("Motion (议案)")
        SUGGESTION = "suggestion", _("Suggestion (建议)")
        CPPCC_PROPOSAL = "cppcc_proposal", _("CPPCC proposal (提案)")

    # Which kinds each body takes (DESIGN §3).
    KINDS_BY_BODY = {Body.NPC: {Kind.MOTION, Kind.SUGGESTION}, Body.CPPCC: {Kind.CPPCC_PROPOSAL}}
    # What a new draft for a session of each body is, unless its author says otherwise: a motion needs co-signers.
    DEFAULT_KIND_BY_BODY = {Body.NPC: Kind.SUGGESTION, Body.CPPCC: Kind.CPPCC_PROPOSAL}

    class Topic(models.TextChoices):
        JOBS = "jobs", _("Jobs and entrepreneurship")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        MARRIAGE = "marriage", _("Dating and marriage")
        DRUG_PREVENTION = "drug_prevention", _("Drug prevention")
        CHILD_CARE = "child_care", _("Children's care")
        VOLUNTEERING = "volunteering", _("Volunteering")
        SUMMER_PRACTICE = "summer_practice", _("Students' summer practice")
        YOUTH_FRIENDLY_CITY = "youth_friendly_city", _("Youth-friendly city")
        OTHER = "other", _("Other")

    # The text (revisioned: every saved change is a Revision).
    title = models.CharField(
        _("title"), max_length=settings.PROPOSAL_TITLE_MAX_CHARS, validators=[validate_single_line]
    )
    background = models.TextField(_("background"), blank=True)
    research_findings = models.TextField(_("research findings"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    revision_number = models.PositiveIntegerField(_("revision"), default=1, editable=False)

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="proposals",
        db_index=False,  # proposal_by_organisation leads with it
    )  # fmt: skip
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="proposals")
    state = models.CharField(_("state"), max_length=15, choices=State.choices, default=State.DRAFT, editable=False)
    # Bumped by every service write; the API's ETag and callers' expected_version compare against it.
    version = models.PositiveIntegerField(default=1, editable=False)

    # Outcome (DESIGN §3), filled in after submission by the actions that record it.
    reference_number = models.CharField(
        _("reference number"), max_length=50, blank=True, editable=False, validators=[validate_single_line]
    )
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True, editable=False)
    decision_note = models.TextField(_("decision note"), blank=True, editable=False)
    # The units answer within the session's shorter period (Session.urgent_answer_months).
    urgent = models.BooleanField(_("urgent"), default=False, editable=False)
    # A key supervised item (重点督办): shown first to coordinators, reminded more often, counted apart.
    supervised_at = models.DateTimeField(_("supervised since"), null=True, blank=True, editable=False)
    supervision_reason = models.TextField(_("reason for supervision"), blank=True, editable=False)
    # The earlier proposal this one raises again (持续呼吁).
    carried_from = models.ForeignKey(
        "self", verbose_name=_("raises again"), on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="raised_again",
    )  # fmt: skip

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(name="proposal_state_valid", condition=Q(state__in=State.values)),
            models.CheckConstraint(
                name="proposal_kind_valid", condition=Q(kind__in=["motion", "suggestion", "cppcc_proposal"])
            ),
            models.CheckConstraint(name="proposal_title_not_blank", condition=~Q(title="")),
            models.CheckConstraint(name="proposal_revision_positive", condition=Q(revision_number__gte=1)),
            # A reference number is given once, by the session's office, and only at submission.
            models.UniqueConstraint(
                fields=["session", "reference_number"], condition=~Q(reference_number=""),
                name="proposal_reference_unique_per_session",
            ),
            models.CheckConstraint(
                name="proposal_submitted_has_reference",
                condition=Q(state__in=["draft", "research", "consultation", "ready", "withdrawn"])
                | (~Q(reference_number="") & Q(submitted_on__isnull=False)),
            ),
        ]  # fmt: skip
        indexes = [
            # An organisation's proposals newest first, read backwards from a cursor: a secretary's list, and
            # each organisation's share of a coordinator's (#18).
            models.Index(fields=["organisation", "id"], name="proposal_by_organisation"),
            models.Index(fields=["organisation", "state"], name="proposal_org_state"),
            models.Index(fields=["state", "session"], name="proposal_state_session"),
            models.Index(fields=["-updated_at", "-id"], name="proposal_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded_state", None)
        if loaded is not None and loaded != self.state and not _state_writer.get():
            raise StateChangeForbidden("A proposal's state changes only through proposals.services.transition_apply.")
        if self._state.adding and self.state != State.DRAFT and not _state_writer.get():
            raise StateChangeForbidden("A new proposal starts as a draft.")
        super().save(*args, **kwargs)
        self._loaded_state = self.state

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_state = instance.__dict__.get("state")
        return instance

    # Reads the workflow guards use. They go through the prefetch cache when a caller prefetched.

    def assignments_list(self) -> list[Assignment]:
        return list(self.assignments.all())

    def assignments_lead_first(self) -> list[Assignment]:
        """The delegates as every list shows them: the lead first, then the co-signers in the order assigned."""
        return sorted(self.assignments_list(), key=lambda a: (a.role != Assignment.Role.LEAD, a.assigned_at, a.pk))

    def lead_assignment(self) -> Assignment | None:
        return next((a for a in self.assignments_list() if a.role == Assignment.Role.LEAD), None)

    def assignment_of(self, user: User) -> Assignment | None:
        return next((a for a in self.assignments_list() if a.delegate.user_id == user.pk), None)

    def cosigned_assignments(self) -> list[Assignment]:
        """The co-signers who signed and did not decline, in the order they were assigned. Whom a motion may count
        is settled when they are assigned: a delegate must sit in the session's body."""
        return [
            a
            for a in self.assignments_list()
            if a.role == Assignment.Role.COSIGNER and a.cosigned_at is not None and a.declined_at is None
        ]

    def cosigned_count(self) -> int:
        return len(self.cosigned_assignments())

    def late_submission_allowed(self) -> bool:
        return self.transitions.filter(action="allow_late_submission").exists()

    def signer_assignments(self) -> list[Assignment]:
        """Who signed the proposal, and so rates its answers: the lead (unless they declined) and the co-signers
        who signed."""
        lead = self.lead_assignment()
        return ([lead] if lead is not None and lead.declined_at is None else []) + self.cosigned_assignments()

    def signer_assignment(self, user: User) -> Assignment | None:
        return next((a for a in self.signer_assignments() if a.delegate.user_id == user.pk), None)

    def handlings_list(self) -> list[Handling]:
        """The units handling the proposal: lead units first, then in the order assigned."""
        return sorted(self.handlings.all(), key=lambda h: (h.role != workflow.UnitRole.LEAD, h.assigned_on, h.pk))

    def handlings_to_rate(self, user: User) -> list[Handling]:
        """The units whose current answer waits for this person's rating (a signer's)."""
        if self.signer_assignment(user) is None:
            return []
        return [
            h for h in self.handlings_list() if h.status == workflow.HandlingStatus.ANSWERED and not h.rated_by(user)
        ]

    def unresolved_handlings(self) -> list[Handling]:
        """The units whose handling left the problem open: an answer of class C, or a second round rated
        unsatisfied. Such a proposal may be raised again."""
        return [h for h in self.handlings_list() if h.unresolved]


class Assignment(models.Model):
    """A delegate assigned to a proposal: its lead (领衔) or a co-signer (联名)."""

    class Role(models.TextChoices):
        """Which of the delegates' workflow roles (workflow.Role) the assignment gives: workflow_role."""

        LEAD = "lead", _("Lead delegate")
        COSIGNER = "cosigner", _("Co-signer")

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="assignments"
    )
    delegate = models.ForeignKey(
        Delegate, verbose_name=_("delegate"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    # The revision number the lead delegate endorsed; consultation ends only when it is the latest.
    endorsed_revision = models.PositiveIntegerField(_("endorsed revision"), null=True, blank=True)
    cosigned_at = models.DateTimeField(_("co-signed"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["role", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "delegate"], name="assignment_once_per_delegate"),
            models.UniqueConstraint(fields=["proposal"], condition=Q(role="lead"), name="assignment_one_lead"),
            models.CheckConstraint(name="assignment_role_valid", condition=Q(role__in=["lead", "cosigner"])),
            models.CheckConstraint(
                name="assignment_only_lead_endorses", condition=Q(role="lead") | Q(endorsed_revision__isnull=True)
            ),
            models.CheckConstraint(
                name="assignment_only_cosigner_signs", condition=Q(role="cosigner") | Q(cosigned_at__isnull=True)
            ),
        ]
        # The delegate's own list ("assigned to me") is read by delegate first.
        indexes = [models.Index(fields=["delegate", "proposal"], name="assignment_by_delegate")]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.delegate}"

    @property
    def workflow_role(self) -> workflow.Role:
        """What the assignment makes its delegate on the proposal, in the workflow's vocabulary."""
        return workflow.Role.LEAD_DELEGATE if self.role == self.Role.LEAD else workflow.Role.COSIGNER


class DelegateRequest(models.Model):
    """A secretary's request that the coordinators assign delegates to a proposal, optionally naming the deputies
    or members she has in mind. Open until a lead delegate is assigned (or it is withdrawn with the proposal)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="delegate_requests"
    )
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    wanted = models.ManyToManyField(Delegate, verbose_name=_("delegates in mind"), blank=True, related_name="+")
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegate request")
        verbose_name_plural = _("delegate requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"], condition=Q(answered_at__isnull=True), name="delegate_request_one_open"
            )
        ]
        indexes = [models.Index(fields=["answered_at", "created_at"], name="delegate_request_open")]

    def __str__(self) -> str:
        return f"{self.proposal} ← {self.requested_by}"


class Revision(models.Model):
    """A saved version of a proposal's text. Revisions are never edited; a new save makes a new one."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(
        _("title"), max_length=settings.PROPOSAL_TITLE_MAX_CHARS, validators=[validate_single_line]
    )
    background = models.TextField(_("background"), blank=True)
    research_findings = models.TextField(_("research findings"), blank=True)
    recommendations = models.TextField(_("recommendations"), blank=True)
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    TEXT_FIELDS = ("title", "background", "research_findings", "recommendations")

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="revision_number_unique"),
            models.CheckConstraint(name="revision_number_positive", condition=Q(number__gte=1)),
        ]

    def __str__(self) -> str:
        return _("Revision %(number)d") % {"number": self.number}


class Comment(models.Model):
    """The consultation thread: each comment discusses one revision."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        CHANGE_REQUEST = "change_request", _("Change request")

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="comments"
    )
    revision = models.ForeignKey(
        Revision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="comment_kind_valid", condition=Q(kind__in=["comment", "change_request"])),
            models.CheckConstraint(name="comment_not_blank", condition=~Q(body="")),
        ]
        indexes = [models.Index(fields=["proposal", "created_at"], name="comment_thread")]

    def __str__(self) -> str:
        return self.body[:60]


class HandlingUnit(models.Model):
    """A handling unit (承办单位): a department or body the session's office assigns proposals to. The directory
    is kept by coordinators and operators."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County or district")

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[validate_single_line])
    short_name = models.CharField(_("short name"), max_length=30, blank=True, validators=[validate_single_line])
    level = models.CharField(_("level"), max_length=8, choices=Level.choices, default=Level.CITY)
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True, validators=[validate_single_line])
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True, validators=[validate_single_line])
    contact_email = models.EmailField(_("contact email"), blank=True)
    address = models.CharField(_("address for mail"), max_length=200, blank=True, validators=[validate_single_line])
    # A unit merged or renamed is kept for the proposals it answered, and offered no more.
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["level", "name"]
        constraints = [
            models.CheckConstraint(
                name="handling_unit_level_valid", condition=Q(level__in=["province", "city", "county"])
            ),
            models.CheckConstraint(name="handling_unit_name_not_blank", condition=~Q(name="")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name


class Handling(models.Model):
    """One unit's handling of a proposal, from the day it was assigned (交办) to its settlement: its part, its
    answer's due date, and its answers, one per round (a second round follows an unsatisfied rating)."""

    Role = workflow.UnitRole
    Status = workflow.HandlingStatus

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="handlings"
    )
    unit = models.ForeignKey(
        HandlingUnit, verbose_name=_("handling unit"), on_delete=models.PROTECT, related_name="handlings"
    )
    role = models.CharField(_("part"), max_length=10, choices=Role.choices)
    assigned_on = models.DateField(_("assigned on"))
    assigned_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The current round's due date: the first's runs from assigned_on, the second's from the unsatisfied rating.
    due_on = models.DateField(_("answer due"))
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # The one extension a coordinator may grant (up to three months, with a reason).
    extended_at = models.DateTimeField(_("extended"), null=True, blank=True)
    extended_by = models.ForeignKey(
        User, verbose_name=_("extended by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    extension_reason = models.TextField(_("reason for the extension"), blank=True)

    class Meta:
        verbose_name = _("handling")
        verbose_name_plural = _("handlings")
        ordering = ["proposal", "assigned_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "unit"], name="handling_once_per_unit"),
            models.CheckConstraint(name="handling_role_valid", condition=Q(role__in=["lead", "assisting"])),
            models.CheckConstraint(name="handling_round_valid", condition=Q(round__in=[1, 2])),
            models.CheckConstraint(
                name="handling_status_valid", condition=Q(status__in=["open", "answered", "settled"])
            ),
        ]
        indexes = [
            # What the reminder sweep and the overdue lists read: the answers still awaited, by due date.
            models.Index(fields=["due_on"], condition=Q(status="open"), name="handling_open_due"),
        ]

    def __str__(self) -> str:
        return f"{self.unit}（{self.get_role_display()}）"

    @property
    def due_at(self):
        """The moment the current round's answer is due: the end of the working day, as every due date."""
        return timezone.make_aware(dt.datetime.combine(self.due_on, dt.time(18)))

    def answers_list(self) -> list[Answer]:
        return sorted(self.answers.all(), key=lambda answer: answer.round)

    def current_answer(self) -> Answer | None:
        return next((a for a in self.answers_list() if a.round == self.round), None)

    def rated_by(self, user: User) -> bool:
        answer = self.current_answer()
        return answer is not None and any(r.rater_id == user.pk for r in answer.ratings.all())

    @property
    def unresolved(self) -> bool:
        """Answered with class C, or settled after a second round some signer rated unsatisfied."""
        answers = self.answers_list()
        if any(answer.answer_class == workflow.AnswerClass.C for answer in answers):
            return True
        last = answers[-1] if answers else None
        return (
            self.status == workflow.HandlingStatus.SETTLED and self.round == 2 and last is not None
            and any(r.rating == workflow.Rating.UNSATISFIED for r in last.ratings.all())
        )  # fmt: skip


class Answer(models.Model):
    """A unit's answer (答复) in one round: when and how it came, what it says, and its class."""

    Method = workflow.AnswerMethod
    Class = workflow.AnswerClass

    handling = models.ForeignKey(Handling, verbose_name=_("handling"), on_delete=models.CASCADE, related_name="answers")
    round = models.PositiveSmallIntegerField(_("round"))
    answered_on = models.DateField(_("answered on"))
    method = models.CharField(_("communicated"), max_length=10, choices=Method.choices, blank=True)
    text = models.TextField(_("answer"))
    # Blank only for answers recorded before answers had a class.
    answer_class = models.CharField(_("class"), max_length=1, choices=Class.choices, blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["handling", "round"]
        constraints = [
            models.UniqueConstraint(fields=["handling", "round"], name="answer_once_per_round"),
            models.CheckConstraint(name="answer_round_valid", condition=Q(round__in=[1, 2])),
            models.CheckConstraint(name="answer_class_valid", condition=Q(answer_class__in=["", "A", "B", "C"])),
            models.CheckConstraint(
                name="answer_method_valid", condition=Q(method__in=["", "in_person", "phone", "writing"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.handling.unit} {self.round}: {self.answered_on}"


class AnswerRating(models.Model):
    """A signer's rating of one unit's answer in one round (满意度测评)."""

    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="ratings")
    # None only for a rating recorded before each signer rated apart (then the lead's, for the proposal).
    rater = models.ForeignKey(
        User, verbose_name=_("rated by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rating = models.CharField(_("rating"), max_length=20, choices=workflow.Rating.choices)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated"), default=timezone.now)

    class Meta:
        verbose_name = _("rating of an answer")
        verbose_name_plural = _("ratings of answers")
        ordering = ["answer", "rated_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "rater"], name="rating_once_per_signer"),
            models.CheckConstraint(
                name="answer_rating_valid", condition=Q(rating__in=["satisfied", "basically_satisfied", "unsatisfied"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.answer}: {self.get_rating_display()}"


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # Stored under a generated name: the original name is kept in the row, never trusted as a path.
    return f"evidence/{instance.proposal_id}/{instance.sha256[:16]}{instance.extension}"


class Evidence(models.Model):
    """Research evidence: survey results, interview notes, photos, spreadsheets."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True, validators=[validate_single_line])
    uploaded_by = models.ForeignKey(User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # An answer letter (答复函) belongs to a unit's answer; the only evidence added after submission.
    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(name="evidence_not_empty", condition=Q(size__gt=0))]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        name = self.original_name.lower()
        return name[name.rfind(".") :] if "." in name else ""


class Transition(models.Model):
    """The append-only log: who fired which action, from which state to which, when, with which note."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="transitions"
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=15, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=15, choices=State.choices)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("note"), blank=True)
    revision_number = models.PositiveIntegerField(_("revision"))
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    # What a log-only row is about, for the notices it causes: the delegate of an assignment
    # ({"delegate_user": id, "role": ...}), the stage and dates of a moved deadline ({"stage", "from", "to",
    # "reason"}). The note says the same for people.
    details = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("transition")
        verbose_name_plural = _("transition log")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(name="transition_from_state_valid", condition=Q(from_state__in=State.values)),
            models.CheckConstraint(name="transition_to_state_valid", condition=Q(to_state__in=State.values)),
        ]
        indexes = [models.Index(fields=["proposal", "created_at"], name="transition_timeline")]

    def __str__(self) -> str:
        return f"{log_label(self.action)}: {self.get_from_state_display()} → {self.get_to_state_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise StateChangeForbidden("The transition log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise StateChangeForbidden("The transition log is append-only.")


class Stage(models.TextChoices):
    """The stages that have a due date (DESIGN §5)."""

    RESEARCH = "research", _("Research")
    CONSULTATION = "consultation", _("Consultation")
    SUBMISSION = "submission", _("Submission")
    ANSWER = "answer", _("Answer")


class Deadline(models.Model):
    """A per-proposal due date for a stage. The submission deadline is the session's (Session.submission_deadline)."""

    Stage = Stage

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="deadlines"
    )
    stage = models.CharField(_("stage"), max_length=15, choices=Stage.choices)
    due_at = models.DateTimeField(_("due"))
    # Whether the proposal is in this stage now. Kept by the transition service; the reminder sweep reads only
    # current deadlines, through a partial index, so its cost follows the open stages, not the whole history.
    is_current = models.BooleanField(_("current stage"), default=False, editable=False)
    # Counts the moves of this due date, so calendars that subscribed see an update (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    set_by = models.ForeignKey(
        User, verbose_name=_("set by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True, validators=[validate_single_line])

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "stage"], name="deadline_once_per_stage"),
            models.CheckConstraint(
                name="deadline_stage_valid", condition=Q(stage__in=["research", "consultation", "answer"])
            ),
        ]
        indexes = [
            models.Index(fields=["due_at", "stage"], name="deadline_due"),
            models.Index(fields=["due_at"], condition=Q(is_current=True), name="deadline_current_due"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.due_at:%Y-%m-%d}"


class Delivery(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    # A notice its recipient wants in the in-app inbox only: recorded, never mailed.
    INBOX = "inbox", _("Inbox only")


class OutboxRow(models.Model):
    """A mail recorded before it is sent, and sent from here by proposals.outbox (reminders and notices alike).

    A row goes pending → sending (claimed by one worker) → sent, or back to pending with a later send_after on
    a failure, or failed once it has failed for settings.REMINDER_RETRY_FOR_HOURS, or cancelled when what it
    tells of no longer holds.
    """

    Status = Delivery
    # The column whose rows one mail may list together (a recipient's reminders, a digest's notices): a batch
    # or a claim never splits them (proposals.outbox).
    outbox_mail_key = "recipient_id"

    send_after = models.DateTimeField(_("send after"))
    status = models.CharField(_("status"), max_length=10, choices=Delivery.choices, default=Delivery.PENDING)
    # Times the mail was offered to a mail server; a mail never offered (no connection) is not counted.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the failures began: the retry budget is a duration from here (REMINDER_RETRY_FOR_HOURS).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    # When a sweep last handed the row to a sender task: a later sweep does not hand it out again meanwhile.
    queued_at = models.DateTimeField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("message ID"), max_length=200, blank=True)

    class Meta:
        abstract = True
        # What every outbox holds and what its sender reads; each outbox lists these among its own, and
        # %(class)s names them after it (reminder_pending, notice_pending).
        constraints = [
            models.CheckConstraint(
                name="%(class)s_status_valid",
                condition=Q(status__in=["pending", "sending", "sent", "failed", "cancelled", "inbox"]),
            ),
            models.CheckConstraint(
                name="%(class)s_claimed_when_sending", condition=~Q(status="sending") | Q(claim_token__isnull=False)
            ),
        ]
        indexes = [
            # What the sender claims, and what the recovery of dead workers' claims reads.
            models.Index(fields=["send_after"], condition=Q(status="pending"), name="%(class)s_pending"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="%(class)s_sending"),
        ]


class Reminder(OutboxRow):
    """The reminder outbox: every reminder is recorded here before it is sent, and sent from here.

    One row per (proposal, stage, due date, offset, recipient): planning twice inserts nothing new. A reminder
    is cancelled when its stage ended or its due date moved before it went out.
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("Before the due date")
        OVERDUE = "overdue", _("Overdue")
        ESCALATION = "escalation", _("Escalation")

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="reminders"
    )
    stage = models.CharField(_("stage"), max_length=15, choices=Stage.choices)
    due_at = models.DateTimeField(_("due"))
    # Days before the due date (7, 3, 1, 0), or negative: days overdue (-1, -2, ...).
    offset_days = models.SmallIntegerField(_("offset in days"))
    recipient = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The unit whose answer is due, for a reminder of the answer stage while units handle the proposal.
    handling = models.ForeignKey(
        Handling, verbose_name=_("handling unit"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="reminders",
    )  # fmt: skip
    created_at = models.DateTimeField(_("planned"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-send_after", "-id"]
        constraints = [
            *OutboxRow.Meta.constraints,
            models.UniqueConstraint(
                fields=["proposal", "stage", "due_at", "offset_days", "recipient"],
                condition=Q(handling__isnull=True),
                name="reminder_once",
            ),
            models.UniqueConstraint(
                fields=["handling", "due_at", "offset_days", "recipient"],
                condition=Q(handling__isnull=False),
                name="reminder_once_per_unit",
            ),
            models.CheckConstraint(
                name="reminder_stage_valid",
                condition=Q(stage__in=["research", "consultation", "submission", "answer"]),
            ),
            models.CheckConstraint(
                name="reminder_kind_valid", condition=Q(kind__in=["before", "overdue", "escalation"])
            ),
        ]
        indexes = [
            *OutboxRow.Meta.indexes,
            models.Index(fields=["recipient", "status"], name="reminder_by_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.offset_days:+d} → {self.recipient}"


class NoticeKind(models.TextChoices):
    """What a notice tells; people choose per kind how it reaches them (proposals.notice_rules says who hears
    which)."""

    STATE_CHANGED = "state_changed", _("A proposal moved to another state")
    ASSIGNMENT = "assignment", _("A delegate was assigned or unassigned")
    COMMENT = "comment", _("A comment was posted")
    DEADLINE_MOVED = "deadline_moved", _("A due date moved")
    CHANGES_REQUESTED = "changes_requested", _("A delegate requested changes")
    COSIGN_ASKED = "cosign_asked", _("Your co-signature is asked for")
    LATE_SUBMISSION_ALLOWED = "late_submission", _("A late submission was allowed")
    DELEGATES_REQUESTED = "delegates_requested", _("A secretary asks for delegates")
    HANDLING = "handling", _("The handling of an answer moved on: a unit assigned, an answer, a rating, supervision")


class NoticeMode(models.TextChoices):
    INBOX = "inbox", _("Inbox only")
    IMMEDIATE = "immediate", _("Inbox and a mail at once")
    DIGEST = "digest", _("Inbox and the daily digest")


class Notice(OutboxRow):
    """A notice of something that happened to a proposal (a row of its transition log), one row per person told:
    their in-app inbox entry and the outbox of its mail. Written in the transition's own transaction, so that a
    notice exists exactly when its transition does. One its recipient wants in the inbox only is recorded with
    status "inbox" and never mailed; one for the daily digest waits for the recipient's digest hour."""

    transition = models.ForeignKey(
        Transition, verbose_name=_("transition"), on_delete=models.PROTECT, related_name="notices"
    )
    proposal = models.ForeignKey(Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(_("kind"), max_length=20, choices=NoticeKind.choices, default=NoticeKind.STATE_CHANGED)
    # Mailed in the recipient's daily digest (one mail listing all of them) rather than on its own.
    digest = models.BooleanField(_("in the daily digest"), default=False)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            *OutboxRow.Meta.constraints,
            models.UniqueConstraint(fields=["transition", "recipient"], name="notice_once"),
            models.CheckConstraint(name="notice_kind_valid", condition=Q(kind__in=[
                "state_changed", "assignment", "comment", "deadline_moved", "changes_requested", "cosign_asked",
                "late_submission", "delegates_requested", "handling"])),
        ]  # fmt: skip
        indexes = [
            *OutboxRow.Meta.indexes,
            models.Index(fields=["recipient", "status"], name="notice_by_recipient"),
            # The inbox, newest first, and the header's unread count.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notice_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.transition} → {self.recipient}"


class OutboxLock(models.Model):
    """A named lock with an expiry, taken by one conditional UPDATE (PostgreSQL and SQLite alike): one sweep at
    a time, and a sweeper that died frees it when its time is up."""

    name = models.CharField(max_length=50, primary_key=True)
    held_until = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


def export_upload_to(instance: DocumentExport, filename: str) -> str:
    return f"exports/{instance.requested_by_id}/{filename}"


class DocumentExport(models.Model):
    """A batch of proposals as one .zip of .docx files, built in the background; the page shows its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", pgettext_lazy("document export", "Failed")  # not 发送失败 (a mail that failed)

    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("proposals"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    file = models.FileField(_("file"), upload_to=export_upload_to, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("document export")
        verbose_name_plural = _("document exports")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.session} / {self.organisation} ({self.get_status_display()})"


# --- Young people's needs (青年诉求, #16) -----------------------------------------------------------------


class Need(models.Model):
    """A need young people raised (青年诉求), recorded by a secretary or submitted on the public page, triaged by
    the organisation's secretaries and coordinators, and carried into proposals. Its contact details are seen
    by those people only, and removed NEED_CONTACT_RETENTION_DAYS after the reply (proposals.services.needs)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting triage")
        ACCEPTED = "accepted", _("Accepted")
        MERGED = "merged", _("Merged into another")
        DECLINED = "declined", _("Declined")

    class Channel(models.TextChoices):
        SURVEY = "survey", _("Survey")
        HOTLINE = "hotline", _("Hotline (12355)")
        FORUM = "forum", _("Forum or discussion")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Visit")
        ONLINE = "online", _("The public page")
        MEETING = "meeting", _("Face-to-face meeting")

    class AgeGroup(models.TextChoices):
        # Age groups only, never birth dates: minors among them.
        UNDER_14 = "under_14", _("Under 14")
        AGE_14_17 = "14_17", _("14 to 17")
        AGE_18_24 = "18_24", _("18 to 24")
        AGE_25_35 = "25_35", _("25 to 35")
        MIXED = "mixed", _("Several ages")

    class Group(models.TextChoices):
        STUDENTS = "students", _("Students")
        YOUNG_WORKERS = "young_workers", _("Young workers")
        DELIVERY_RIDERS = "delivery_riders", _("Delivery riders and new forms of work")
        RURAL_YOUTH = "rural_youth", _("Rural youth")
        ENTREPRENEURS = "entrepreneurs", _("Young entrepreneurs")
        JOB_SEEKERS = "job_seekers", _("Graduates seeking work")
        OTHER = "other", _("Other")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="needs"
    )
    summary = models.CharField(_("the need"), max_length=200, validators=[validate_single_line])
    details = models.TextField(_("details"), blank=True)
    # The county or district where it was raised: what the coverage figures count by.
    county = models.ForeignKey(
        Organisation, verbose_name=_("county or district"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", limit_choices_to={"level": "county"},
    )  # fmt: skip
    topic = models.CharField(_("topic"), max_length=20, choices=Proposal.Topic.choices)
    age_group = models.CharField(_("age group"), max_length=10, choices=AgeGroup.choices, blank=True)
    group = models.CharField(_("young people concerned"), max_length=20, choices=Group.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    people_count = models.PositiveIntegerField(
        _("people who raised it"), default=1, validators=[MinValueValidator(1), MaxValueValidator(1_000_000)]
    )
    # Contact of the person who raised it, only with their consent; removed after the reply.
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True, validators=[validate_single_line])
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True, validators=[validate_single_line])
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_consent = models.BooleanField(_("consents to be contacted"), default=False)
    wants_reply = models.BooleanField(_("asks for a reply"), default=False)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    contact_removed_at = models.DateTimeField(_("contact removed"), null=True, blank=True, editable=False)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING,
                              editable=False)  # fmt: skip
    theme = models.CharField(_("theme"), max_length=100, blank=True, editable=False, validators=[validate_single_line])
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True, blank=True, editable=False,
        related_name="merged",
    )  # fmt: skip
    decline_reason = models.TextField(_("reason declined"), blank=True, editable=False)
    proposals = models.ManyToManyField(Proposal, verbose_name=_("proposals"), blank=True, related_name="needs")

    recorded_by = models.ForeignKey(
        User, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Empty: submitted on the public page."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("received"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="need_status_valid", condition=Q(status__in=["pending", "accepted", "merged", "declined"])
            ),
            models.CheckConstraint(name="need_summary_not_blank", condition=~Q(summary="")),
            models.CheckConstraint(name="need_people_positive", condition=Q(people_count__gte=1)),
            models.CheckConstraint(
                name="need_merged_has_target",
                condition=Q(status="merged", merged_into__isnull=False) | (~Q(status="merged") & Q(merged_into=None)),
            ),
            models.CheckConstraint(name="need_not_merged_into_itself", condition=~Q(merged_into=F("pk"))),
            # No contact without consent.
            models.CheckConstraint(
                name="need_contact_consented",
                condition=Q(contact_consent=True) | Q(contact_name="", contact_phone="", contact_email=""),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"], name="need_triage"),
            # What the retention job reads: contact details still held.
            models.Index(fields=["contact_consent"], condition=Q(contact_consent=True), name="need_with_contact"),
        ]

    def __str__(self) -> str:
        return self.summary

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_phone or self.contact_email)


class NeedEvent(models.Model):
    """The log of a need: received, accepted, merged, declined, forwarded, linked, replied to, contact removed.
    Append-only, as the proposals' transition log."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Received")
        ACCEPTED = "accepted", _("Accepted")
        MERGED = "merged", _("Merged")
        DECLINED = "declined", _("Declined")
        FORWARDED = "forwarded", _("Forwarded to the committee above")
        LINKED = "linked", _("Linked to a proposal")
        UNLINKED = "unlinked", _("Unlinked from a proposal")
        REPLY_QUEUED = "reply_queued", _("Reply queued")
        CONTACT_REMOVED = "contact_removed", _("Contact details removed")

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Empty: the public page or a scheduled job."),
    )  # fmt: skip
    note = models.TextField(_("note"), blank=True)
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("need's log entry")
        verbose_name_plural = _("needs' log")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.need}: {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise StateChangeForbidden("The needs' log is append-only.")
        super().save(*args, **kwargs)


class NeedReply(OutboxRow):
    """The short mail that tells a person who raised a need what the proposal it fed asked for and what a unit
    answered: one row per (need, answer), recorded when the answer is, sent by the outbox (proposals.outbox).
    The address is kept here until sent, so that removing the need's contact later does not lose the mail."""

    outbox_mail_key = "id"  # one mail for each row

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="replies")
    answer = models.ForeignKey(Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="+")
    address = models.EmailField(_("address"), blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("reply to a need")
        verbose_name_plural = _("replies to needs")
        ordering = ["-created_at", "-id"]
        constraints = [
            *OutboxRow.Meta.constraints,
            models.UniqueConstraint(fields=["need", "answer"], name="need_reply_once"),
        ]
        indexes = [*OutboxRow.Meta.indexes]

    def __str__(self) -> str:
        return f"{self.need} → {self.answer}"


# --- Face-to-face meetings (共青团与人大代表、政协委员面对面, #16) ------------------------------------------


class Meeting(models.Model):
    """A face-to-face meeting of a League organisation with deputies and members: who came, what was on the
    agenda, the minutes, and the needs it discussed and the proposals it produced or advanced."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="meetings"
    )
    theme = models.CharField(_("theme"), max_length=200, validators=[validate_single_line])
    starts_at = models.DateTimeField(_("date and time"), validators=[validate_moment])
    place = models.CharField(_("place"), max_length=200, validators=[validate_single_line])
    delegates = models.ManyToManyField(
        Delegate, verbose_name=_("deputies and members attending"), blank=True, related_name="meetings"
    )
    other_attendees = models.TextField(_("others attending"), blank=True)
    young_people = models.PositiveIntegerField(_("young people attending"), default=0)
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_recorded_at = models.DateTimeField(_("minutes recorded"), null=True, blank=True, editable=False)
    # Counts the moves of its time or place: the SEQUENCE of its calendar event, which calendars move by.
    sequence = models.PositiveIntegerField(default=0, editable=False)
    needs = models.ManyToManyField(Need, verbose_name=_("needs discussed"), blank=True, related_name="meetings")
    proposals = models.ManyToManyField(
        Proposal, verbose_name=_("proposals produced or advanced"), blank=True, related_name="meetings"
    )
    created_by = models.ForeignKey(User, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("face-to-face meeting")
        verbose_name_plural = _("face-to-face meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(name="meeting_theme_not_blank", condition=~Q(theme="")),
            models.CheckConstraint(name="meeting_place_not_blank", condition=~Q(place="")),
        ]
        indexes = [models.Index(fields=["organisation", "starts_at"], name="meeting_by_organiser")]

    def __str__(self) -> str:
        return f"{timezone.localdate(self.starts_at)} {self.theme}"


class MeetingNotice(OutboxRow):
    """A mail about a face-to-face meeting (#16 item 7), recorded when the meeting is saved and sent by the
    outbox: the invitation to each delegate attending (again, as a change, when its time or place moves), their
    reminder the day before, and the organiser's reminder to record the minutes a week after. One row per
    (meeting, recipient, kind, the meeting's sequence); a row the meeting no longer wants is cancelled."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", _("Invitation")
        DAY_BEFORE = "day_before", _("Reminder the day before")
        MINUTES_DUE = "minutes_due", _("Minutes due")

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(User, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    sequence = models.PositiveIntegerField(default=0)  # the meeting's, when planned
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("meeting notice")
        verbose_name_plural = _("meeting notices")
        ordering = ["-send_after", "-id"]
        constraints = [
            *OutboxRow.Meta.constraints,
            models.UniqueConstraint(fields=["meeting", "recipient", "kind", "sequence"], name="meeting_notice_once"),
            models.CheckConstraint(
                name="meeting_notice_kind_valid", condition=Q(kind__in=["invitation", "day_before", "minutes_due"])
            ),
        ]
        indexes = [*OutboxRow.Meta.indexes]

    def __str__(self) -> str:
        return f"{self.meeting}: {self.get_kind_display()} → {self.recipient}"


def meeting_file_upload_to(instance: MeetingFile, filename: str) -> str:
    # Under a generated name, as evidence: the original name is kept in the row, never trusted as a path.
    return f"meetings/{instance.meeting_id}/{instance.sha256[:16]}{instance.extension}"


class MeetingFile(models.Model):
    """A file of a meeting's minutes: the signed minutes as a scan, photos, the sign-in sheet."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=meeting_file_upload_to)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("file of the minutes")
        verbose_name_plural = _("files of the minutes")
        ordering = ["uploaded_at", "id"]
        constraints = [models.CheckConstraint(name="meeting_file_not_empty", condition=Q(size__gt=0))]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        name = self.original_name.lower()
        return name[name.rfind(".") :] if "." in name else ""
