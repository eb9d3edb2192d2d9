"""Chinese pages punctuate in full width: no ASCII colon, comma or bracket right after a Chinese character in the
text a person reads (#14 item 12)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from proposals.workflow import State
from tests.proposals.arrange import bring_to, fire

pytestmark = pytest.mark.django_db

HALF_WIDTH_AFTER_CHINESE = re.compile(r"[\u4e00-\u9fff][:,;()]|[:,;(][\u4e00-\u9fff]")


class _Text(HTMLParser):
    """The text of a page as read: no scripts, styles or attribute values."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def _pages(world):
    proposal = bring_to(world, State.CONSULTATION)
    fire(world, proposal, "comment", "lead", note="第三条建议可以更具体")
    handled = bring_to(world, State.ANSWERED)  # the handling section, with an answer to rate
    fire(world, handled, "supervise", "coordinator", note="列为重点督办")
    return {
        "secretary": ["/", reverse("proposal-list"), reverse("proposal-create"), f"/p/{proposal.pk}/",
                      reverse("proposal-edit", args=[proposal.pk]), reverse("preferences"),
                      reverse("password_change")],
        "coordinator": ["/", reverse("statistics"), reverse("year-review"), f"/p/{proposal.pk}/",
                        f"/p/{handled.pk}/", reverse("handling-units"),
                        reverse("handling-unit-edit", args=[world.unit.pk])],
        "lead": ["/", f"/p/{proposal.pk}/", f"/p/{handled.pk}/"],
    }  # fmt: skip


def test_the_signed_in_pages_punctuate_in_full_width(client, world):
    for who, urls in _pages(world).items():
        client.force_login(getattr(world, who))
        for url in urls:
            response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
            assert response.status_code == 200, url
            text = _text(response.content.decode())
            found = sorted({text[max(m.start() - 8, 0) : m.end() + 8] for m in HALF_WIDTH_AFTER_CHINESE.finditer(text)})
            assert not found, f"{who} {url}: {found}"


def test_the_sign_in_and_reset_pages_punctuate_in_full_width(client):
    for url in (reverse("login"), reverse("password_reset")):
        text = _text(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
        assert not HALF_WIDTH_AFTER_CHINESE.findall(text), url
