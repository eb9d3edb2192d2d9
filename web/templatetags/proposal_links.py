"""Links to the proposal list that show exactly what a figure counts."""

from __future__ import annotations

from django import template
from django.urls import reverse

from web.forms import ProposalFilterForm

register = template.Library()


def list_url(filters: dict) -> str:
    """The proposal list filtered by selector arguments (proposals.selectors.proposal_filter's)."""
    query = ProposalFilterForm.query_for(filters)
    return f"{reverse('proposal-list')}?{query}" if query else reverse("proposal-list")


@register.filter
def proposal_list_url(cell) -> str:
    """`{{ cell|proposal_list_url }}`: the list of the proposals a year review figure counts."""
    return list_url(cell.filters)
