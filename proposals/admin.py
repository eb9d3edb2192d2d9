"""The operators' admin. Proposals change only through the services: state, text and the log are read-only
here, and the workflow page fires actions and assigns delegates through the same services as every caller.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from proposals import outbox
from proposals.forms import AssignDelegateForm, TransitionForm
from proposals.models import (
    Assignment,
    Comment,
    Deadline,
    Delegate,
    Evidence,
    Handling,
    HandlingUnit,
    Meeting,
    MeetingNotice,
    Need,
    NeedEvent,
    NeedReply,
    Notice,
    Organisation,
    Proposal,
    Reminder,
    Revision,
    Session,
    Transition,
    User,
)
from proposals.selectors import proposal_action_options, proposals_with_workflow_data
from proposals.services.handling_units import UNIT_FIELDS, handling_unit_save
from proposals.workflow import ACTIONS, ACTIONS_BY_NAME, LOG_ONLY_LABELS, log_label


class ReadOnlyAdminMixin:
    """Rows written by the services only: the admin shows them and never adds, edits or deletes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    show_change_link = False


class TransitionActionMixin:
    """A row of the transition log names its action by its label in the reader's language; the code (what the
    API and the log store) shows on hover."""

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, obj: Transition) -> str:
        return format_html('<span title="{}">{}</span>', obj.action, log_label(obj.action))


class TransitionActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [(action.name, action.label) for action in ACTIONS] + list(LOG_ONLY_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "region", "position"]
    list_editable = ["position"]  # the official order, set where the operator sees the whole list
    list_filter = ["level", "region"]
    search_fields = ["name", "region"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "name", "role", "organisation", "email", "is_active"]
    list_filter = ["role", "is_active", "language", "organisation__level"]
    search_fields = ["username", "first_name", "last_name", "email", "organisation__name"]
    list_select_related = ["organisation"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Tracker"), {"fields": ["role", "organisation", "language", "reminder_mode", "digest_hour"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("Tracker"), {"fields": ["role", "organisation", "email", "first_name", "last_name"]}),
    ]

    @admin.display(description=_("name"), ordering="last_name")
    def name(self, obj: User) -> str:
        return obj.display_name


@admin.register(Delegate)
class DelegateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "body", "level", "region", "constituency", "contact_email"]
    list_filter = ["body", "level", "region"]
    search_fields = ["user__first_name", "user__last_name", "user__username", "constituency", "region"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["name", "body", "level", "opening_date", "submission_deadline", "closing_date"]
    list_filter = ["body", "level", "region"]
    search_fields = ["name", "region"]
    date_hierarchy = "opening_date"


@admin.register(HandlingUnit)
class HandlingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "level", "contact_person", "contact_phone", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "short_name", "contact_person"]

    def has_delete_permission(self, request, obj=None):
        return False  # deactivated instead: the proposals it handled keep it

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in UNIT_FIELDS if name in form.cleaned_data}
        saved = handling_unit_save(actor=request.user, unit_id=obj.pk if change else None, **fields)
        obj.pk = saved.pk


class HandlingInline(ReadOnlyInline):
    model = Handling
    fields = ["unit", "role", "assigned_on", "due_on", "round", "status", "extended_at", "extension_reason"]
    readonly_fields = fields


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ["delegate", "role", "endorsed_revision", "cosigned_at", "declined_at", "assigned_by", "assigned_at"]
    readonly_fields = fields


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = ["stage", "due_at", "sequence", "set_by", "reason"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["original_name", "description", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields


class CommentInline(ReadOnlyInline):
    model = Comment
    fields = ["created_at", "author", "kind", "revision", "body"]
    readonly_fields = fields


class TransitionInline(TransitionActionMixin, ReadOnlyInline):
    model = Transition
    fields = ["created_at", "actor", "action_label", "from_state", "to_state", "revision_number", "note"]
    readonly_fields = fields
    verbose_name_plural = _("transition log")


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["title", "state", "kind", "topic", "organisation", "session", "updated_at"]
    list_filter = ["state", "kind", "topic", "session", "organisation__parent", "organisation"]
    search_fields = ["title", "background", "recommendations", "reference_number", "organisation__name"]
    list_select_related = ["organisation", "session"]
    date_hierarchy = "updated_at"
    readonly_fields = [
        "workflow_link", "title", "kind", "topic", "state", "organisation", "author", "session", "revision_number",
        "background", "research_findings", "recommendations", "reference_number", "submitted_on", "decision_note",
        "urgent", "supervised_at", "supervision_reason", "carried_from", "created_at", "updated_at",
    ]  # fmt: skip
    fields = readonly_fields
    inlines = [AssignmentInline, HandlingInline, DeadlineInline, EvidenceInline, CommentInline, TransitionInline]

    class Media:
        css = {"all": ["proposals/admin.css"]}

    @admin.display(description=_("Workflow"))
    def workflow_link(self, obj: Proposal) -> str:
        url = reverse("admin:proposals_proposal_workflow", args=[obj.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Fire an action or assign a delegate"))

    def get_urls(self):
        workflow = self.admin_site.admin_view(self.workflow_view)
        return [path("<int:pk>/workflow/", workflow, name="proposals_proposal_workflow"), *super().get_urls()]

    def workflow_view(self, request, pk: int):
        if not request.user.is_operator:
            # Only operators act through the admin; everyone else acts through the web UI and the API.
            return redirect("admin:proposals_proposal_change", pk)
        proposal = get_object_or_404(proposals_with_workflow_data(Proposal.objects.all()), pk=pk)
        options = proposal_action_options(user=request.user, proposal=proposal)
        transition_form = TransitionForm(proposal=proposal, user=request.user, options=options, prefix="t")
        assign_form = AssignDelegateForm(proposal=proposal, user=request.user, prefix="a")
        if request.method == "POST":
            if "fire" in request.POST:
                transition_form = TransitionForm(
                    request.POST, proposal=proposal, user=request.user, options=options, prefix="t"
                )
                done = transition_form.is_valid() and transition_form.apply()
                if done:
                    done_message = _("Done: %(action)s → %(state)s") % {
                        "action": ACTIONS_BY_NAME[done.action].label,
                        "state": done.get_to_state_display(),
                    }
                    self.message_user(request, done_message, messages.SUCCESS)
                    return redirect("admin:proposals_proposal_workflow", pk)
            elif "assign" in request.POST:
                assign_form = AssignDelegateForm(request.POST, proposal=proposal, user=request.user, prefix="a")
                if assign_form.is_valid() and assign_form.apply():
                    self.message_user(request, _("Delegate assigned."), messages.SUCCESS)
                    return redirect("admin:proposals_proposal_workflow", pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": proposal,
            "title": _("Workflow of “%(title)s”") % {"title": proposal.title},
            "options": options,
            "transition_form": transition_form,
            "assign_form": assign_form,
        }
        return TemplateResponse(request, "admin/proposals/proposal/workflow.html", context)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "delegate", "role", "endorsed_revision", "cosigned_at", "declined_at", "assigned_at"]
    list_filter = ["role", "delegate__body"]
    search_fields = ["proposal__title", "delegate__user__last_name", "delegate__user__first_name"]
    list_select_related = ["proposal", "delegate__user"]


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "number", "title", "author", "created_at"]
    search_fields = ["proposal__title", "title", "background", "recommendations"]
    list_select_related = ["proposal", "author"]
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "author", "kind", "revision", "created_at"]
    list_filter = ["kind"]
    search_fields = ["body", "proposal__title"]
    list_select_related = ["proposal", "author", "revision"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "proposal", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
    search_fields = ["original_name", "description", "proposal__title"]
    list_select_related = ["proposal", "uploaded_by"]


@admin.register(Transition)
class TransitionAdmin(TransitionActionMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "proposal", "action_label", "from_state", "to_state", "actor"]
    list_filter = [TransitionActionFilter, "to_state", "from_state"]
    search_fields = ["proposal__title", "note", "actor__username", "actor__last_name", "actor__first_name"]
    fields = ["proposal", "created_at", "actor", "action_label", "from_state", "to_state", "revision_number", "note"]
    readonly_fields = fields
    list_select_related = ["proposal", "actor"]
    date_hierarchy = "created_at"


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["proposal", "stage", "due_at", "sequence", "set_by"]
    list_filter = ["stage"]
    search_fields = ["proposal__title"]
    list_select_related = ["proposal", "set_by"]
    date_hierarchy = "due_at"


class OutboxAdminMixin(ReadOnlyAdminMixin):
    """An outbox's list shows its health above the rows, and sends failed rows again."""

    change_list_template = "admin/proposals/outbox_change_list.html"
    actions = ["retry_failed"]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "outbox_health": outbox.health(self.model)}
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Send the selected failed mails again"))
    def retry_failed(self, request, queryset):
        count = outbox.retry_failed(self.model, queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(count)d mail(s) will be sent again.") % {"count": count})


@admin.register(Reminder)
class ReminderAdmin(OutboxAdminMixin, admin.ModelAdmin):
    list_display = [
        "proposal",
        "stage",
        "handling",
        "offset_days",
        "kind",
        "recipient",
        "status",
        "attempts",
        "send_after",
        "sent_at",
    ]
    list_filter = ["status", "stage", "kind"]
    search_fields = ["proposal__title", "recipient__username", "recipient__last_name", "last_error"]
    list_select_related = ["proposal", "recipient", "handling__unit"]
    date_hierarchy = "send_after"


@admin.register(Notice)
class NoticeAdmin(OutboxAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "proposal", "kind", "recipient", "status", "digest", "read_at", "send_after",
                    "sent_at"]  # fmt: skip
    list_filter = ["status", "kind", "digest"]
    search_fields = ["proposal__title", "recipient__username", "recipient__last_name", "last_error"]
    list_select_related = ["proposal", "transition", "recipient"]
    date_hierarchy = "created_at"


class NeedEventInline(ReadOnlyInline):
    model = NeedEvent
    fields = ["created_at", "action", "actor", "proposal", "note"]
    readonly_fields = fields


@admin.register(Need)
class NeedAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Young people's needs with their contact details: operators see them here, as the organisation's secretaries
    and coordinators do in the product. Triage goes through the services (the web pages, the API)."""

    list_display = ["created_at", "summary", "organisation", "county", "channel", "status", "people_count",
                    "has_contact"]  # fmt: skip
    list_filter = ["status", "channel", "topic", "group"]
    search_fields = ["summary", "details", "theme", "organisation__name"]
    list_select_related = ["organisation", "county"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["organisation", "summary", "details", "county", "topic", "age_group", "group", "channel",
                           "people_count", "status", "theme", "merged_into", "decline_reason", "proposals",
                           "recorded_by", "created_at", "updated_at"]}),
        (_("Contact details"), {"fields": ["contact_name", "contact_phone", "contact_email", "contact_consent",
                                   "wants_reply", "language", "contact_removed_at"]}),
    ]  # fmt: skip
    inlines = [NeedEventInline]

    @admin.display(boolean=True, description=_("contact details"))
    def has_contact(self, obj: Need) -> bool:
        return obj.has_contact


@admin.register(NeedReply)
class NeedReplyAdmin(OutboxAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "need", "address", "language", "status", "attempts", "send_after", "sent_at"]
    list_filter = ["status", "language"]
    search_fields = ["need__summary", "address", "last_error"]
    list_select_related = ["need", "answer__handling__unit"]
    date_hierarchy = "created_at"


@admin.register(MeetingNotice)
class MeetingNoticeAdmin(OutboxAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "meeting", "kind", "recipient", "status", "attempts", "send_after", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["meeting__theme", "recipient__username", "last_error"]
    list_select_related = ["meeting", "recipient"]
    date_hierarchy = "created_at"


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["starts_at", "theme", "organisation", "place", "young_people", "minutes_recorded_at"]
    list_filter = ["organisation"]
    search_fields = ["theme", "place", "minutes"]
    list_select_related = ["organisation"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["delegates", "needs", "proposals"]
    readonly_fields = ["created_by", "created_at", "updated_at", "minutes_recorded_at", "sequence"]
