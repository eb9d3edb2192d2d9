"""The calendar feed's address through the API: POST /api/v1/me/calendar/regenerate/ makes it and answers it
once (only its hash is kept); /api/v1/me/ says whether there is one, never the address."""

from __future__ import annotations

from urllib.parse import urlsplit

import icalendar
from django.test import Client

from tests.api.conftest import client_for


def test_making_the_address_answers_it_once(world):
    client = client_for(world.lead)
    me = client.get("/api/v1/me/").json()
    assert me["calendar_url"] is None and me["calendar_made"] is False

    response = client.post("/api/v1/me/calendar/regenerate/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    address = response.json()["calendar_url"]
    assert address.startswith("http://testserver/calendar/") and address.endswith(".ics")
    feed = Client().get(urlsplit(address).path)
    assert feed.status_code == 200
    assert icalendar.Calendar.from_ical(feed.content)["VERSION"] == "2.0"
    me = client.get("/api/v1/me/").json()
    assert me["calendar_url"] is None and me["calendar_made"] is True
    assert client.patch("/api/v1/me/", {"digest_hour": 9}, format="json").json()["calendar_url"] is None


def test_regenerating_answers_the_new_address_and_retires_the_old(world):
    client = client_for(world.lead)
    old = client.post("/api/v1/me/calendar/regenerate/").json()["calendar_url"]

    new = client.post("/api/v1/me/calendar/regenerate/").json()["calendar_url"]

    assert new != old
    assert Client().get(urlsplit(old).path).status_code == 404
    assert Client().get(urlsplit(new).path).status_code == 200


def test_regenerating_needs_a_token(world):
    response = client_for(None).post("/api/v1/me/calendar/regenerate/")

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
