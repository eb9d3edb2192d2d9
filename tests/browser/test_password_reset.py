"""A secretary who forgot her password gets a new one by mail, in Chromium: from the sign-in page's link to the
mailed link, the new password, and a sign-in with it. The site's icon loads on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache

from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW = "a-new-long-passphrase-2026"


def test_a_forgotten_password_is_reset_by_mail(open_page, committed_world: World, server_url, settings, shoot):
    cache.clear()  # the reset counts per address live in the cache
    settings.SITE_URL = server_url
    page = open_page()
    icons = []
    page.on("response", lambda response: response.url.endswith("favicon.svg") and icons.append(response.status))

    page.goto(f"{server_url}/login/")
    page.get_by_role("link", name="忘记密码？").click()
    page.get_by_label("电子邮件").fill(committed_world.secretary.email)
    page.get_by_role("button", name="发送链接").click()
    page.get_by_role("heading", name="请查收邮件").wait_for()
    shoot(page, "sent")

    (message,) = mail.outbox
    (link,) = re.findall(r"http://\S+/password/reset/\S+/", message.body)
    page.goto(link)
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    page.get_by_role("button", name="保存新密码").click()
    page.get_by_role("heading", name="重设密码").wait_for()

    page.get_by_role("link", name="登录").last.click()
    page.locator("#id_username").fill(committed_world.secretary.username)
    page.locator("#id_password").fill(NEW)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server_url}/")
    assert icons and set(icons) <= {200, 304}
