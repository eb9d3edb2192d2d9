"""The proposal list's filters, search and ordering. Every choice offered comes from the caller's scope."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from proposals import selectors
from proposals.models import Assignment, Proposal
from proposals.workflow import State


def _organisations(request):
    return selectors.organisations_visible_to(request.user) if request else selectors.Organisation.objects.none()


def _delegates(request):
    return selectors.delegates_visible_to(request.user) if request else selectors.Delegate.objects.none()


def _sessions(request):
    return selectors.sessions_visible_to(request.user) if request else selectors.Session.objects.none()


@extend_schema_field(OpenApiTypes.INT)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A related object named by its id, chosen from the caller's scope (an id outside it is invalid)."""


class ProposalFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices, help_text=_("One or more states."))
    kind = django_filters.ChoiceFilter(choices=Proposal.Kind.choices)
    topic = django_filters.ChoiceFilter(choices=Proposal.Topic.choices)
    session = IdChoiceFilter(queryset=_sessions)
    organisation = IdChoiceFilter(
        queryset=_organisations, method="filter_organisation",
        help_text=_("An organisation and every organisation below it."),
    )  # fmt: skip
    lead_delegate = IdChoiceFilter(
        queryset=_delegates, method="filter_lead_delegate", help_text=_("The id of a delegate profile.")
    )
    assigned_to_me = django_filters.BooleanFilter(
        method="filter_assigned_to_me", help_text=_("Proposals on which I am the lead delegate or a co-signer.")
    )
    due_before = django_filters.IsoDateTimeFilter(
        field_name="current_due_at", lookup_expr="lt", help_text=_("The current stage is due before this moment.")
    )
    due_after = django_filters.IsoDateTimeFilter(
        field_name="current_due_at", lookup_expr="gte", help_text=_("The current stage is due at or after it.")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text=_("The current stage's due date passed."))
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text=_("Words or characters in the title or the text.")
    )

    class Meta:
        model = Proposal
        fields: list[str] = []

    def filter_organisation(self, queryset, name, organisation):
        return queryset.filter(organisation.subtree_filter("organisation__"))

    def filter_lead_delegate(self, queryset, name, delegate):
        lead = Assignment.objects.filter(proposal=OuterRef("pk"), delegate=delegate, role=Assignment.Role.LEAD)
        return queryset.filter(Exists(lead))

    def filter_assigned_to_me(self, queryset, name, value):
        mine = Exists(Assignment.objects.filter(proposal=OuterRef("pk"), delegate__user=self.request.user))
        return queryset.filter(mine if value else ~mine)

    def filter_overdue(self, queryset, name, value):
        now = timezone.now()
        if value:
            return queryset.filter(current_due_at__lt=now)
        return queryset.exclude(current_due_at__lt=now)

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(selectors.text_search(value)) if value else queryset


class StableOrderingFilter(OrderingFilter):
    """?ordering=title or -updated_at, with the id as the last key so that pages never overlap."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering.append("-id" if ordering and ordering[0].startswith("-") else "id")
        return tuple(ordering)
