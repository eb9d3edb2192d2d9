"""The deadline calendar feed at its secret address, shown and replaced on the preferences page."""

from __future__ import annotations

from urllib.parse import urlsplit

import icalendar
from django.urls import reverse

from proposals.models import User
from proposals.reminders import preferences_url


def feed_path(user: User) -> str:
    user.refresh_from_db()
    return reverse("calendar-feed", args=[user.calendar_token])


def test_the_preferences_page_shows_the_feed_address(client, world):
    client.force_login(world.secretary)

    page = client.get(reverse("preferences")).content.decode()

    address = feed_path(world.secretary)
    assert f'value="http://testserver{address}"' in page
    assert reverse("calendar-regenerate") in page
    # Made once: showing the page again shows the same address.
    client.get(reverse("preferences"))
    assert feed_path(world.secretary) == address


def test_the_feed_answers_without_login_as_text_calendar(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    client.get(reverse("preferences"))
    client.logout()

    response = client.get(feed_path(world.secretary))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.events
    assert str(event["SUMMARY"]).endswith(proposal.title)


def test_regenerating_retires_the_old_address(client, world):
    client.force_login(world.lead)
    client.get(reverse("preferences"))
    old = feed_path(world.lead)

    response = client.post(reverse("calendar-regenerate"))

    assert response.status_code == 302
    new = feed_path(world.lead)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert new in client.get(reverse("preferences")).content.decode()


def test_regenerating_needs_a_post_and_a_login(client, world):
    client.force_login(world.lead)
    client.get(reverse("preferences"))
    before = feed_path(world.lead)

    assert client.get(reverse("calendar-regenerate")).status_code == 405
    client.logout()
    assert client.post(reverse("calendar-regenerate")).status_code == 302  # to the sign-in
    assert feed_path(world.lead) == before


def test_unknown_and_inactive_addresses_are_not_found(client, world):
    client.force_login(world.secretary)
    client.get(reverse("preferences"))
    path = feed_path(world.secretary)

    assert client.get(reverse("calendar-feed", args=["no-such-token"])).status_code == 404
    User.objects.filter(pk=world.secretary.pk).update(is_active=False)
    assert client.get(path).status_code == 404


def test_the_mail_linked_preferences_page_does_not_show_the_address(client, world):
    client.force_login(world.secretary)
    client.get(reverse("preferences"))
    client.logout()

    response = client.get(urlsplit(preferences_url(world.secretary)).path)

    assert response.status_code == 200
    page = response.content.decode()

    assert feed_path(world.secretary) not in page
