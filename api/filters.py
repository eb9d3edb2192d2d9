"""The proposal list's filters, search and ordering. Every choice offered comes from the caller's scope."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from proposals import selectors
from proposals.models import HandlingUnit, Meeting, Need, Proposal
from proposals.validators import MOMENT_MESSAGE, storable_moment
from proposals.workflow import State


def _caller(request):
    # Without a request (the schema's generation) nobody is asking: each selector offers nothing then.
    return request.user if request else AnonymousUser()


def _organisations(request):
    return selectors.organisations_visible_to(_caller(request))


def _delegates(request):
    return selectors.delegates_visible_to(_caller(request))


def _sessions(request):
    return selectors.sessions_visible_to(_caller(request))


class MomentField(IsoDateTimeField):
    """A moment in ISO 8601 with any UTC offset Python reads, handed to the database in UTC; one it cannot
    store or read back (offsets of a day or more, years beyond 1 to 9999 once in UTC) is invalid."""

    default_error_messages = {"invalid": MOMENT_MESSAGE}

    def to_python(self, value):
        moment = super().to_python(value)
        return storable_moment(moment) if moment is not None else None


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class StrictBooleanField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        choices = [("", "---------"), ("true", "true"), ("false", "false")]  # the browsable API's form offers them
        super().__init__(choices=choices, coerce=lambda value: value == "true", empty_value=None, **kwargs)


class StrictBooleanFilter(django_filters.BooleanFilter):
    """true or false, and nothing else: django-filter's own reads any other value (?overdue=null, ?overdue=yes)
    as no filter at all, and lists everything. Left out or empty, it is no filter."""

    field_class = StrictBooleanField


@extend_schema_field(OpenApiTypes.INT)
class IdChoiceFilter(django_filters.ModelChoiceFilter):
    """A related object named by its id, chosen from the caller's scope (an id outside it is invalid)."""


class OrganisationAndBelowFilter(IdChoiceFilter):
    """An organisation of the caller's scope, and every organisation below it: the proposals', needs' and
    meetings' filter alike."""

    def __init__(self, **kwargs):
        super().__init__(queryset=_organisations, help_text=_("An organisation and every organisation below it."),
                         **kwargs)  # fmt: skip

    def filter(self, queryset, organisation):
        if organisation in EMPTY_VALUES:
            return queryset
        return queryset.filter(selectors.organisation_filter(organisation.pk, include_below=True))


class ProposalFilter(django_filters.FilterSet):
    # distinct=False: a filter on the proposal's own column cannot repeat a row, and DISTINCT over every column
    # of the page (texts included) costs more than the rest of the query.
    state = django_filters.MultipleChoiceFilter(
        choices=State.choices, distinct=False, help_text=_("One or more states.")
    )
    kind = django_filters.ChoiceFilter(choices=Proposal.Kind.choices)
    topic = django_filters.ChoiceFilter(choices=Proposal.Topic.choices)
    session = IdChoiceFilter(queryset=_sessions)
    organisation = OrganisationAndBelowFilter()
    lead_delegate = IdChoiceFilter(
        queryset=_delegates, method="filter_lead_delegate", help_text=_("The id of a delegate profile.")
    )
    assigned_to_me = StrictBooleanFilter(
        method="filter_assigned_to_me", help_text=_("Proposals on which I am the lead delegate or a co-signer.")
    )
    due_before = MomentFilter(
        field_name="current_due_at", lookup_expr="lt", help_text=_("The current stage is due before this moment.")
    )
    due_after = MomentFilter(
        field_name="current_due_at", lookup_expr="gte", help_text=_("The current stage is due at or after it.")
    )
    overdue = StrictBooleanFilter(method="filter_overdue", help_text=_("The current stage's due date passed."))
    supervised = StrictBooleanFilter(
        field_name="supervised_at", lookup_expr="isnull", exclude=True,
        help_text=_("Key supervised items (重点督办), or with false the others."),
    )  # fmt: skip
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text=_("Words or characters in the title or the text.")
    )

    class Meta:
        model = Proposal
        fields: list[str] = []

    def filter_lead_delegate(self, queryset, name, delegate):
        return queryset.filter(selectors.led_by(delegate))

    def filter_assigned_to_me(self, queryset, name, value):
        mine = selectors.assigned_to(self.request.user)
        return queryset.filter(mine if value else ~mine)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(selectors.overdue_filter(timezone.now(), overdue=value))

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(selectors.text_search(value)) if value else queryset


class HandlingUnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=HandlingUnit.Level.choices)
    active = StrictBooleanFilter(field_name="is_active", help_text=_("Units still offered, or with false the others."))
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text=_("Characters of the name or the short name.")
    )

    class Meta:
        model = HandlingUnit
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(selectors.unit_name_search(value)) if value else queryset


def _counties(request):
    return selectors.need_counties()


class NeedFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Need.Status.choices, distinct=False, help_text=_("One or more statuses.")
    )
    channel = django_filters.ChoiceFilter(choices=Need.Channel.choices)
    topic = django_filters.ChoiceFilter(choices=Proposal.Topic.choices)
    county = IdChoiceFilter(queryset=_counties, help_text=_("The county or district where it was raised."))
    organisation = OrganisationAndBelowFilter()
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text=_("Words or characters of the need's summary.")
    )

    class Meta:
        model = Need
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(summary__icontains=value) if value else queryset


class MeetingFilter(django_filters.FilterSet):
    organisation = OrganisationAndBelowFilter()
    starts_after = MomentFilter(field_name="starts_at", lookup_expr="gte", help_text=_("At or after this moment."))
    starts_before = MomentFilter(field_name="starts_at", lookup_expr="lt", help_text=_("Before this moment."))
    search = django_filters.CharFilter(
        method="filter_search", max_length=100, help_text=_("Words or characters of the theme or the place.")
    )

    class Meta:
        model = Meeting
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(theme__icontains=value) | Q(place__icontains=value)) if value else queryset


class ProposalFilterBackend(DjangoFilterBackend):
    """Validates only the filters a request names. Each id filter offers the caller's scope as its choices, a
    query to build for every request; a list that names none would spend more on them than on its page. The
    browsable API's form (to_html) still shows them all."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        filterset.filters = {name: f for name, f in filterset.filters.items() if name in request.query_params}
        if not filterset.is_valid() and self.raise_exception:
            raise translate_validation(filterset.errors)
        return filterset.qs


class StableOrderingFilter(OrderingFilter):
    """?ordering=title or -updated_at, with the id as the last key so that pages never overlap."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if not any(field.lstrip("-") == "id" for field in ordering):
            ordering.append("-id" if ordering and ordering[0].startswith("-") else "id")
        return tuple(ordering)
