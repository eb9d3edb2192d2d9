"""The pages the reminder mails link to: preferences by a signed link, and the proposal by its stable address."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from proposals import reminders, services
from proposals.models import Reminder, Stage, User
from tests.reminders.conftest import SHANGHAI, day_at, in_days, set_due
from web.views import PREFERENCES_LINK_MAX_AGE


def preferences_path(user: User) -> str:
    return reminders.preferences_url(user).removeprefix(settings.SITE_URL)


@pytest.fixture
def pending(world):
    """A pending reminder of the secretary, due at 08:00 today."""
    proposal = world.draft()
    due = in_days(1)
    set_due(world, proposal, Stage.RESEARCH, due)
    reminders.plan(day_at(timezone.localdate(), 0, 1))
    return list(Reminder.objects.filter(recipient=world.secretary))


def test_the_signed_link_opens_the_page_without_login(client, world):
    response = client.get(preferences_path(world.secretary))
    assert response.status_code == 200
    page = response.content.decode()
    assert "提醒设置" in page
    initial = response.context["form"].initial
    assert initial.items() >= {"reminder_mode": "immediate", "digest_hour": 8, "language": "zh-hans"}.items()
    assert initial["notice_comment"] == "immediate"  # and each kind of notice, as the person chose or by default
    assert response.context["person"] == world.secretary
    assert "_auth_user_id" not in client.session  # the link shows the page; it does not log anyone in


def test_a_tampered_token_answers_404(client, world):
    path = preferences_path(world.secretary)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(reverse("reminder-preferences", args=[tampered])).status_code == 404
    # A token signed for another purpose, or for another user's id, does not open the page either.
    other_salt = signing.dumps(world.secretary.pk, salt="something-else")
    assert client.get(reverse("reminder-preferences", args=[other_salt])).status_code == 404
    _payload, timestamp, signature = token.split(":")
    someone_else = signing.b64_encode(str(world.admin.pk).encode()).decode()
    forged = f"{someone_else}:{timestamp}:{signature}"
    assert client.get(reverse("reminder-preferences", args=[forged])).status_code == 404


def test_an_expired_link_answers_404(client, world):
    signed_long_ago = time.time() - PREFERENCES_LINK_MAX_AGE - 60
    with mock.patch("django.core.signing.time.time", return_value=signed_long_ago):
        path = preferences_path(world.secretary)
    assert client.get(path).status_code == 404
    with mock.patch("django.core.signing.time.time", return_value=signed_long_ago + 120):
        path = preferences_path(world.secretary)
    assert client.get(path).status_code == 200


def test_the_link_of_a_deactivated_user_answers_404(client, world):
    path = preferences_path(world.secretary)
    world.secretary.is_active = False
    world.secretary.save(update_fields=["is_active"])
    assert client.get(path).status_code == 404


def test_saving_a_digest_hour_reschedules_the_pending_reminders_to_that_hour(client, world, pending):
    assert pending and all(timezone.localtime(r.send_after).hour == 8 for r in pending)
    before = timezone.now()
    response = client.post(
        preferences_path(world.secretary), {"reminder_mode": "digest", "digest_hour": "20", "language": "en"}
    )
    assert response.status_code == 200
    assert response.context["saved"] is True
    # Saved: the page answers in the language just chosen.
    assert "Saved. Your next reminders follow these settings." in response.content.decode()
    user = User.objects.get(pk=world.secretary.pk)
    assert (user.reminder_mode, user.digest_hour, user.language) == ("digest", 20, "en")
    for row in Reminder.objects.filter(pk__in=[r.pk for r in pending]):
        when = row.send_after.astimezone(SHANGHAI)
        assert (when.hour, when.minute) == (20, 0)
        assert before <= row.send_after <= before + dt.timedelta(days=1)


def test_saving_immediate_mails_brings_digest_reminders_back_to_the_morning(client, world, pending):
    for mode, hour in [("digest", "20"), ("immediate", "20")]:
        client.post(
            preferences_path(world.secretary), {"reminder_mode": mode, "digest_hour": hour, "language": "zh-hans"}
        )
    for row in Reminder.objects.filter(pk__in=[r.pk for r in pending]):
        assert row.send_after == day_at(reminders.reminder_day(row.due_at, row.offset_days), 8)


@pytest.mark.parametrize(
    ("accept_language", "lang", "errors"),
    [
        ("", "zh-hans", ["选择一个有效的选项。 weekly 不在可用的选项中。",
                         "选择一个有效的选项。 25 不在可用的选项中。"]),
        ("en", "en", ["Select a valid choice. weekly is not one of the available choices.",
                      "Select a valid choice. 25 is not one of the available choices."]),
    ],
)  # fmt: skip
def test_bad_input_shows_errors_in_the_pages_language_and_saves_nothing(
    client, world, pending, accept_language, lang, errors
):
    sends = {r.pk: r.send_after for r in pending}
    response = client.post(
        preferences_path(world.secretary),
        {"reminder_mode": "weekly", "digest_hour": "25", "language": "en"},
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )
    assert response.status_code == 200
    assert response.context["saved"] is False
    page = response.content.decode()
    assert f'<html lang="{lang}">' in page
    for error in errors:
        assert error in page
    user = User.objects.get(pk=world.secretary.pk)
    assert (user.reminder_mode, user.digest_hour, user.language) == ("immediate", 8, "zh-hans")
    assert {r.pk: r.send_after for r in Reminder.objects.filter(pk__in=sends)} == sends


def test_a_missing_field_is_an_error_too(client, world):
    response = client.post(preferences_path(world.secretary), {"reminder_mode": "digest"})
    assert response.context["saved"] is False
    assert set(response.context["form"].errors) == {"digest_hour", "language"}
    assert User.objects.get(pk=world.secretary.pk).reminder_mode == "immediate"


# --- /p/<id>/: the stable address in every mail ---------------------------------------------------------


def test_the_proposal_link_asks_for_a_login_first(client, world):
    proposal = world.draft()
    response = client.get(f"/p/{proposal.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert f"next=/p/{proposal.pk}/" in response["Location"]


def test_the_proposal_link_opens_the_proposal_for_someone_who_may_see_it(client, world):
    proposal = world.draft()
    for user in (world.secretary, world.coordinator, world.city_coordinator, world.admin):
        client.force_login(user)
        response = client.get(f"/p/{proposal.pk}/")
        assert response.status_code == 200, user
        assert proposal.title in response.content.decode()


def test_the_proposal_link_answers_404_to_someone_who_may_not_see_it(client, world):
    proposal = world.draft()
    for user in (world.other_secretary, world.other_coordinator, world.outsider_delegate):
        client.force_login(user)
        assert client.get(f"/p/{proposal.pk}/").status_code == 404, user
    client.force_login(world.admin)
    assert client.get("/p/999999/").status_code == 404


def test_the_preferences_service_changes_only_what_it_is_given(world):
    user = world.lead
    before = (user.reminder_mode, user.digest_hour)
    services.user_update_preferences(user=user, language="en")

    user.refresh_from_db()
    assert (user.reminder_mode, user.digest_hour, user.language) == (*before, "en")
