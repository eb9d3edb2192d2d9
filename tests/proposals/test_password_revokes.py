"""A changed password revokes what whoever knew the old one could have taken: every API token and the calendar
address. Each way a password changes is tried; a hash upgrade at sign-in, which changes nothing, revokes nothing.
The signed preference links in mails stay valid (README, "What a changed password revokes")."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AdminPasswordChangeForm, PasswordChangeForm, SetPasswordForm
from django.core.management import call_command
from django.test import Client, RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from proposals import reminders, services
from proposals.models import User

NEW = "a-new-long-passphrase-2026"
ME = "/api/v1/me/"


def _token_client(user: User) -> APIClient:
    _instance, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _set_with_a_script(user: User) -> None:
    user.set_password(NEW)
    user.save()


def _set_with_update_fields(user: User) -> None:
    user.set_password(NEW)
    user.save(update_fields=["password"])


def _change_with_the_password_form(user: User) -> None:
    form = PasswordChangeForm(user, {"old_password": "pw-" + user.username, "new_password1": NEW,
                                     "new_password2": NEW})  # fmt: skip
    assert form.is_valid(), form.errors
    form.save()


def _reset(user: User) -> None:
    # The form Django's password reset confirmation saves.
    form = SetPasswordForm(user, {"new_password1": NEW, "new_password2": NEW})
    assert form.is_valid(), form.errors
    form.save()


def _change_in_the_admin(user: User) -> None:
    form = AdminPasswordChangeForm(user, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert form.is_valid(), form.errors
    form.save()


def _disable_in_the_admin(user: User) -> None:
    form = AdminPasswordChangeForm(user, {"usable_password": "false"})
    assert form.is_valid(), form.errors
    form.save()


def _changepassword_command(user: User, monkeypatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", user.username, stdout=io.StringIO())


PATHS = {
    "set_password and save": _set_with_a_script,
    "set_password and save(update_fields)": _set_with_update_fields,
    "the password change form": _change_with_the_password_form,
    "the password reset form": _reset,
    "the admin's password form": _change_in_the_admin,
    "the admin disabling the password": _disable_in_the_admin,
}


@pytest.mark.parametrize("change", [*PATHS.values(), _changepassword_command], ids=[*PATHS, "manage.py changepassword"])
def test_every_way_of_changing_a_password_revokes_the_tokens_and_the_calendar_address(world, change, monkeypatch):
    user = world.lead
    clients = [_token_client(user) for _ in range(3)]
    others_client = _token_client(world.secretary)
    calendar_token = services.calendar_token_regenerate(user=user)
    assert all(client.get(ME).status_code == 200 for client in clients)

    user = User.objects.get(pk=user.pk)  # as each path finds the person: fresh from the database
    if change is _changepassword_command:
        change(user, monkeypatch)
    else:
        change(user)

    assert [client.get(ME).status_code for client in clients] == [401, 401, 401]
    assert not AuthToken.objects.filter(user=user).exists()
    assert Client().get(f"/calendar/{calendar_token}.ics").status_code == 404
    assert User.objects.get(pk=user.pk).calendar_token_hash is None  # a new address when the person makes one
    assert others_client.get(ME).status_code == 200


def test_a_new_web_session_still_works_and_the_old_one_ends(world):
    user = world.lead
    old_session = Client()
    old_session.force_login(user)
    assert old_session.get("/").status_code == 200
    _set_with_a_script(User.objects.get(pk=user.pk))
    assert old_session.get("/").status_code == 302  # Django's session hash check: back to the sign-in page
    new_session = Client()
    new_session.post("/login/", {"username": user.username, "password": NEW})
    assert new_session.get("/").status_code == 200


def test_a_hash_upgrade_at_sign_in_revokes_nothing(world, settings):
    user = world.lead
    client = _token_client(user)
    calendar_token = services.calendar_token_regenerate(user=user)
    # The tests hash with MD5; a stronger preferred hasher makes Django re-hash the password at the next sign-in.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert authenticate(RequestFactory().post("/login/"), username=user.username, password="pw-lead") is not None
    assert User.objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert client.get(ME).status_code == 200
    assert Client().get(f"/calendar/{calendar_token}.ics").status_code == 200


def test_saving_other_fields_revokes_nothing(world):
    user = world.lead
    client = _token_client(user)
    services.user_update_preferences(user=user, reminder_mode="digest", digest_hour=9, language="en")
    user.first_name = "新"
    user.save()
    assert client.get(ME).status_code == 200


def test_the_preference_links_in_mails_outlive_a_password_change(world):
    user = world.lead
    link = reminders.preferences_url(user).split("://", 1)[1].split("/", 1)[1]
    _set_with_a_script(User.objects.get(pk=user.pk))
    assert Client().get("/" + link).status_code == 200
