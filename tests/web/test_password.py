"""Everyone changes their own password, or resets a forgotten one by mail, on the site's own pages (Django's
views). Both revoke the person's API tokens and calendar address (README, "What a changed password revokes");
the reset tells nobody whether an address has an account, and mails an address a few times an hour at most."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.cache import cache
from django.templatetags.static import static
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from proposals import services
from proposals.models import User
from web.forms import RESET_MAILS_PER_ADDRESS_PER_HOUR

NEW = "a-new-long-passphrase-2026"
ME = "/api/v1/me/"


@pytest.fixture(autouse=True)
def _fresh_reset_counts():
    # The counts per address live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


def _token_client(user: User) -> APIClient:
    _instance, token = AuthToken.objects.create(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _reset_link(message) -> str:
    (link,) = re.findall(r"https?://\S+/password/reset/\S+/", message.body)
    return link


def _ask_for_reset(email: str) -> int:
    response = Client().post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    return len(mail.outbox)


def test_the_preferences_page_links_the_password_change_and_the_sign_in_page_the_reset(client, world):
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()
    client.force_login(world.secretary)
    assert reverse("password_change") in client.get(reverse("preferences")).content.decode()


def test_changing_the_password_on_the_web_revokes_the_tokens_and_the_calendar_but_keeps_this_session(client, world):
    user = world.lead
    tokens = [_token_client(user) for _ in range(2)]
    others = _token_client(world.secretary)
    calendar_token = services.calendar_token_regenerate(user=user)
    client.force_login(user)

    response = client.post(reverse("password_change"),
                           {"old_password": "pw-lead", "new_password1": NEW, "new_password2": NEW})  # fmt: skip

    assert response.status_code == 302 and response.url == reverse("password_change_done")
    assert [token.get(ME).status_code for token in tokens] == [401, 401]
    assert others.get(ME).status_code == 200
    assert Client().get(f"/calendar/{calendar_token}.ics").status_code == 404
    assert client.get(reverse("home")).status_code == 200  # Django updated this session's hash
    assert User.objects.get(pk=user.pk).check_password(NEW)


def test_a_wrong_old_password_changes_nothing(client, world):
    token = _token_client(world.lead)
    client.force_login(world.lead)
    response = client.post(reverse("password_change"),
                           {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})  # fmt: skip
    assert response.status_code == 200
    assert token.get(ME).status_code == 200
    assert User.objects.get(pk=world.lead.pk).check_password("pw-lead")


def test_the_password_change_needs_a_sign_in(client, world):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_reset_by_mail_sets_the_password_and_revokes_the_tokens_and_the_calendar(world, settings):
    settings.SITE_URL = "http://127.0.0.1:8042"
    user = world.lead
    tokens = [_token_client(user) for _ in range(2)]
    calendar_token = services.calendar_token_regenerate(user=user)
    signed_in = Client()
    signed_in.force_login(user)

    assert _ask_for_reset("LEAD@example.org") == 1  # the address as the person types it
    (message,) = mail.outbox
    assert message.to == [user.email]
    link = _reset_link(message)
    assert link.startswith("http://127.0.0.1:8042/password/reset/")

    browser = Client()
    form_page = browser.get(link.removeprefix(settings.SITE_URL), follow=True)
    assert form_page.context["validlink"]
    response = browser.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response.url == reverse("password_reset_complete")

    assert User.objects.get(pk=user.pk).check_password(NEW)
    assert [token.get(ME).status_code for token in tokens] == [401, 401]
    assert Client().get(f"/calendar/{calendar_token}.ics").status_code == 404
    assert signed_in.get(reverse("home")).status_code == 302  # every browser signs in again
    # The link works once.
    assert not browser.get(link.removeprefix(settings.SITE_URL), follow=True).context["validlink"]


def test_the_reset_mail_speaks_the_persons_language(world):
    services.user_update_preferences(user=world.lead, language="en")
    _ask_for_reset(world.lead.email)
    _ask_for_reset(world.secretary.email)  # zh-hans, the default
    english, chinese = mail.outbox
    assert "Choose a new password" in english.subject and "Dear" in english.body
    assert "设置新密码" in chinese.subject and "尊敬的" in chinese.body


def test_the_answer_is_the_same_for_an_unknown_address_and_an_inactive_person(world, client):
    world.other_secretary.is_active = False
    world.other_secretary.save()
    known = client.post(reverse("password_reset"), {"email": world.secretary.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    inactive = client.post(reverse("password_reset"), {"email": world.other_secretary.email}, follow=True)
    assert _main(known) == _main(unknown) == _main(inactive)
    assert [message.to for message in mail.outbox] == [[world.secretary.email]]


def _main(response) -> str:
    """The page without its header (whose form carries a fresh CSRF token each time)."""
    return response.content.decode().split('<main id="main"', 1)[1]


def test_an_address_gets_a_few_reset_mails_an_hour_at_most(world):
    for _ in range(RESET_MAILS_PER_ADDRESS_PER_HOUR + 2):
        _ask_for_reset(world.secretary.email)
    _ask_for_reset(world.lead.email)  # another address is counted apart
    assert len([m for m in mail.outbox if m.to == [world.secretary.email]]) == RESET_MAILS_PER_ADDRESS_PER_HOUR
    assert len([m for m in mail.outbox if m.to == [world.lead.email]]) == 1


def test_the_reset_link_expires(world, settings, monkeypatch):
    _ask_for_reset(world.lead.email)
    link = _reset_link(mail.outbox[0]).removeprefix(settings.SITE_URL)
    later = default_token_generator._now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    page = Client().get(link, follow=True)
    assert not page.context["validlink"]
    assert reverse("password_reset") in page.content.decode()


def test_favicon_is_linked_and_answers_at_the_root(client):
    icon = static("web/favicon.svg")
    assert icon in client.get(reverse("login")).content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response.url == icon
    assert "<svg" in Path(finders.find("web/favicon.svg")).read_text()
