"""The language switch: Chinese by default, English on request, remembered by the browser and by the profile."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from proposals.models import User


def switch(client, language: str, next_url: str = "/"):
    return client.post(reverse("set-language"), {"language": language, "next": next_url})


def page_language(response) -> str:
    return response.content.decode().split('<html lang="')[1].split('"')[0]


def test_chinese_is_the_default(client, world):
    client.force_login(world.secretary)
    response = client.get(reverse("home"))
    assert page_language(response) == "zh-hans"
    assert 'value="zh-hans" lang="zh-Hans" aria-pressed="true"' in response.content.decode()


def test_switching_to_english_changes_the_page_and_sticks_across_requests(client, world):
    client.force_login(world.secretary)
    response = switch(client, "en", reverse("preferences"))
    assert response.status_code == 302 and response.url == reverse("preferences")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    for url in (reverse("home"), reverse("preferences"), reverse("home")):
        response = client.get(url)
        assert page_language(response) == "en"
        assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert 'value="en" lang="en" aria-pressed="true"' in page and "Dashboard" in page


def test_the_choice_is_saved_on_the_profile_keeping_the_reminder_settings(client, world):
    User.objects.filter(pk=world.secretary.pk).update(reminder_mode="digest", digest_hour=18)
    client.force_login(world.secretary)
    switch(client, "en")
    user = User.objects.get(pk=world.secretary.pk)
    assert (user.language, user.reminder_mode, user.digest_hour) == ("en", "digest", 18)


def test_another_browser_signing_in_as_the_same_person_gets_english_without_the_cookie(client, world):
    client.force_login(world.secretary)
    switch(client, "en")
    elsewhere = Client()
    response = elsewhere.post(reverse("login"), {"username": "secretary", "password": "pw-secretary"}, follow=True)
    assert settings.LANGUAGE_COOKIE_NAME not in elsewhere.cookies
    assert page_language(response) == "en"
    # Accept-Language does not override the profile either.
    assert page_language(elsewhere.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN")) == "en"


def test_the_cookie_wins_in_the_browser_that_set_it(client, world):
    User.objects.filter(pk=world.secretary.pk).update(language="en")
    client.force_login(world.secretary)
    assert page_language(client.get(reverse("home"))) == "en"
    switch(client, "zh-hans")
    assert page_language(client.get(reverse("home"))) == "zh-hans"
    assert User.objects.get(pk=world.secretary.pk).language == "zh-hans"


def test_a_visitor_who_is_not_signed_in_can_switch_too(client, db):
    response = switch(client, "en", reverse("login"))
    assert response.url == reverse("login")
    assert page_language(client.get(reverse("login"))) == "en"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "http://evil.example/home", "javascript:alert(1)"]
)
def test_next_cannot_lead_to_another_host(client, world, next_url):
    client.force_login(world.secretary)
    response = switch(client, "en", next_url)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_an_unknown_language_changes_nothing(client, world):
    client.force_login(world.secretary)
    response = switch(client, "fr", reverse("home"))
    assert response.status_code == 302 and settings.LANGUAGE_COOKIE_NAME not in response.cookies
    assert User.objects.get(pk=world.secretary.pk).language == "zh-hans"


def test_the_switch_takes_only_post(client, world):
    assert client.get(reverse("set-language")).status_code == 405


def test_the_header_offers_the_switch_with_the_current_path(client, world):
    client.force_login(world.secretary)
    page = client.get(reverse("preferences")).content.decode()
    assert '<form class="language-switch" method="post" action="/language/"' in page
    assert f'name="next" value="{reverse("preferences")}"' in page
    assert 'href="#main"' in page and '<main id="main"' in page


def test_signed_in_preferences_use_the_same_form_and_service(client, world):
    client.force_login(world.secretary)
    assert client.get(reverse("preferences")).status_code == 200
    response = client.post(reverse("preferences"), {"reminder_mode": "digest", "digest_hour": "7", "language": "en"})
    assert response.status_code == 200 and response.context["saved"]
    user = User.objects.get(pk=world.secretary.pk)
    assert (user.reminder_mode, user.digest_hour, user.language) == ("digest", 7, "en")
    assert page_language(response) == "en"
    assert page_language(client.get(reverse("home"))) == "en"


def test_preferences_ask_for_a_sign_in(client, db):
    response = client.get(reverse("preferences"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
