"""One vocabulary of roles (workflow.Role) and one rule for who is an operator (User.is_operator)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from proposals.models import Assignment, User
from proposals.workflow import Role
from tests.conftest import make_user


def test_an_account_kind_that_names_a_workflow_role_is_that_role():
    assert {User.Role.SECRETARY, User.Role.COORDINATOR, User.Role.ADMIN} <= set(Role)
    assert User.Role.DELEGATE not in set(Role)  # a delegate's role comes from each assignment


def test_an_assignment_gives_its_delegate_the_workflow_role_of_the_same_name():
    assert Assignment(role=Assignment.Role.LEAD).workflow_role == Role.LEAD_DELEGATE
    assert Assignment(role=Assignment.Role.COSIGNER).workflow_role == Role.COSIGNER


def test_a_new_account_of_the_role_admin_is_an_operator(db):
    operator = make_user("operator", role=User.Role.ADMIN)
    operator.refresh_from_db()
    assert operator.is_operator and operator.is_superuser and operator.is_staff
    assert list(User.objects.operators()) == [operator]


def test_createsuperuser_makes_an_operator(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-operator-password")
    call_command("createsuperuser", "--noinput", username="ops", email="ops@example.org", verbosity=0)
    ops = User.objects.get(username="ops")
    assert ops.role == User.Role.ADMIN and ops.is_operator


@pytest.mark.parametrize(("role", "superuser"), [(User.Role.ADMIN, False), (User.Role.COORDINATOR, True)])
def test_the_role_admin_and_superuser_status_go_together(world, role, superuser):
    user = world.coordinator
    user.role, user.is_superuser = role, superuser
    with pytest.raises(ValidationError) as refused:
        user.full_clean()
    assert "role" in refused.value.message_dict
