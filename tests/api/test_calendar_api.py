"""The calendar feed's address in /api/v1/me/, and POST /api/v1/me/calendar/regenerate/ replacing it."""

from __future__ import annotations

from urllib.parse import urlsplit

import icalendar
from django.test import Client

from tests.api.conftest import client_for


def test_me_shows_the_feed_address_and_keeps_it(world):
    client = client_for(world.lead)

    first = client.get("/api/v1/me/").json()["calendar_url"]
    again = client.get("/api/v1/me/").json()["calendar_url"]

    assert first == again
    assert first.startswith("http://testserver/calendar/") and first.endswith(".ics")
    response = Client().get(urlsplit(first).path)
    assert response.status_code == 200
    assert icalendar.Calendar.from_ical(response.content)["VERSION"] == "2.0"


def test_regenerating_answers_the_new_address_and_retires_the_old(world):
    client = client_for(world.lead)
    old = client.get("/api/v1/me/").json()["calendar_url"]

    response = client.post("/api/v1/me/calendar/regenerate/")

    assert response.status_code == 200
    new = response.json()["calendar_url"]
    assert new != old
    assert client.get("/api/v1/me/").json()["calendar_url"] == new
    assert Client().get(urlsplit(old).path).status_code == 404
    assert Client().get(urlsplit(new).path).status_code == 200


def test_regenerating_needs_a_token(world):
    response = client_for(None).post("/api/v1/me/calendar/regenerate/")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
