"""The deadline calendar feed at its secret address, made and replaced on the preferences page. Only the
secret's hash is stored, so the address is shown once, on the answer that makes it."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit

import icalendar
from django.urls import reverse

from proposals.models import User
from proposals.reminders import preferences_url

ADDRESS = re.compile(r'id="calendar-url" value="http://testserver(/calendar/[A-Za-z0-9_-]+\.ics)"')


def make_address(client) -> str:
    """Makes the signed-in person's address on the preferences page and reads it from the answer."""
    response = client.post(reverse("calendar-regenerate"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return ADDRESS.search(response.content.decode()).group(1)


def test_the_preferences_page_offers_to_make_the_address_and_shows_it_once(client, world):
    client.force_login(world.secretary)
    page = client.get(reverse("preferences")).content.decode()
    assert reverse("calendar-regenerate") in page and 'id="calendar-url"' not in page
    assert "生成我的日历地址" in page

    address = make_address(client)

    page = client.get(reverse("preferences")).content.decode()
    assert address not in page and 'id="calendar-made"' in page  # made, and not shown again
    assert client.get(address).status_code == 200


def test_only_the_hash_of_the_secret_is_stored(client, world):
    client.force_login(world.secretary)
    address = make_address(client)
    secret = address.removeprefix("/calendar/").removesuffix(".ics")
    stored = User.objects.values_list("calendar_token_hash", flat=True).get(pk=world.secretary.pk)
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    assert not User.objects.filter(calendar_token_hash=secret).exists()


def test_the_feed_answers_without_login_as_text_calendar(client, world):
    proposal = world.draft()
    client.force_login(world.secretary)
    address = make_address(client)
    client.logout()

    response = client.get(address)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.events
    assert str(event["SUMMARY"]).endswith(proposal.title)


def test_the_first_address_is_made_and_a_second_replaces_it_saying_so(client, world):
    client.force_login(world.lead)
    first = client.post(reverse("calendar-regenerate")).content.decode()
    again = client.post(reverse("calendar-regenerate")).content.decode()
    assert "日历地址已生成" in first and "旧地址已失效" not in first
    assert "旧地址已失效" in again


def test_regenerating_retires_the_old_address(client, world):
    client.force_login(world.lead)
    old = make_address(client)

    new = make_address(client)

    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_regenerating_needs_a_post_and_a_login(client, world):
    client.force_login(world.lead)
    before = make_address(client)

    assert client.get(reverse("calendar-regenerate")).status_code == 405
    client.logout()
    assert client.post(reverse("calendar-regenerate")).status_code == 302  # to the sign-in
    assert client.get(before).status_code == 200


def test_unknown_and_inactive_addresses_are_not_found(client, world):
    client.force_login(world.secretary)
    path = make_address(client)

    assert client.get(reverse("calendar-feed", args=["no-such-token"])).status_code == 404
    User.objects.filter(pk=world.secretary.pk).update(is_active=False)
    assert client.get(path).status_code == 404


def test_the_mail_linked_preferences_page_offers_no_calendar(client, world):
    client.force_login(world.secretary)
    make_address(client)
    client.logout()

    response = client.get(urlsplit(preferences_url(world.secretary)).path)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="calendar"' not in page and reverse("calendar-regenerate") not in page


def test_the_migration_hashes_stored_secrets_in_place_so_subscribed_addresses_keep_working(transactional_db):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from proposals.documents.calendar_feed import user_by_calendar_token

    before, after = [("proposals", "0007_input_validators")], [("proposals", "0008_calendar_token_hash")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_user = executor.loader.project_state(before).apps.get_model("proposals", "User")
    secret = "Zq3" * 14  # as services made them: token_urlsafe(32), stored as it was
    old_user.objects.create(username="subscribed", role="delegate", calendar_token=secret)
    old_user.objects.create(username="never-subscribed", role="delegate")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    executor = MigrationExecutor(connection)  # on to the latest migrations, which the models below read
    executor.migrate(executor.loader.graph.leaf_nodes())

    user = user_by_calendar_token(secret)
    assert user is not None and user.username == "subscribed"
    assert User.objects.get(username="subscribed").calendar_token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert User.objects.get(username="never-subscribed").calendar_token_hash is None
