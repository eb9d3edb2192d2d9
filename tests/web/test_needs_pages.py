"""The pages of young people's needs (#16): the triage list, recording one, a need's page and its triage forms,
the proposal page's needs, the dashboard's count, the QR code, and the public page young people submit on
without signing in, with its protections (consent, honeypot, size, and the limit per address under a flood)."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from proposals import services
from proposals.models import Need, NeedEvent
from proposals.workflow import State
from tests.proposals.arrange import bring_to
from web import need_views

pytestmark = pytest.mark.django_db

NEED = {"summary": "希望增加暑期托管服务", "topic": "child_care", "channel": "survey", "people_count": 12,
        "details": "双职工家庭暑期无人看护孩子，希望社区开设托管班。"}  # fmt: skip
CONTACT = {"contact_name": "王女士", "contact_phone": "13800000000", "contact_consent": True}
PUBLIC = {"summary": "希望开设青年夜校", "details": "下班后想学技能。", "topic": "jobs", "age_group": "18_24",
          "group": "young_workers"}  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_limits(settings):
    # The limits count in the cache: each test starts with none used (locmem in tests, per process).
    from django.core.cache import cache

    cache.clear()


def record(world, **fields):
    return services.need_record(actor=world.secretary, organisation_id=world.branch.pk, **(NEED | CONTACT | fields))


def page_of(client, need):
    return client.get(reverse("need-open", args=[need.pk]))


# --- Who sees the pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("person", ["secretary", "coordinator", "city_coordinator"])
def test_the_organisations_secretaries_and_coordinators_see_the_need_with_its_contact(client, world, person):
    need = record(world)
    client.force_login(getattr(world, person))
    listing = client.get(reverse("need-list")).content.decode()
    assert need.summary in listing and 'id="needs-link"' in listing
    page = page_of(client, need)
    assert page.status_code == 200
    assert "13800000000" in page.content.decode() and "王女士" in page.content.decode()


@pytest.mark.parametrize("person", ["other_secretary", "other_coordinator", "lead", "outsider_delegate"])
def test_everyone_else_finds_no_such_need(client, world, person):
    need = record(world)
    client.force_login(getattr(world, person))
    assert page_of(client, need).status_code == 404
    assert (
        client.post(reverse("need-triage", args=[need.pk]), {"action": "accept", "accept-theme": "x"}).status_code
        == 404
    )
    assert need.summary not in client.get(reverse("need-list")).content.decode()


def test_delegates_get_no_needs_link_no_list_and_no_codes(client, world):
    client.force_login(world.lead)
    assert 'id="needs-link"' not in client.get(reverse("home")).content.decode()
    for name in ("need-list", "need-create", "need-codes"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("need-code", args=[world.branch.pk])).status_code == 404


def test_signed_out_people_are_asked_to_sign_in_except_on_the_public_page(client, world):
    need = record(world)
    for url in (reverse("need-list"), reverse("need-create"), reverse("need-open", args=[need.pk]),
                reverse("need-codes"), reverse("need-code", args=[world.branch.pk])):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url
    assert client.get(reverse("need-public", args=[world.branch.pk])).status_code == 200


# --- The list and recording -----------------------------------------------------------------------------------


def test_the_list_puts_what_awaits_triage_first_and_filters(client, world):
    declined = record(world, summary="已处理的诉求")
    services.need_decline(actor=world.secretary, need_id=declined.pk, reason="重复")
    pending = record(world, summary="待分拣的诉求", channel="hotline", county=world.county.pk)
    client.force_login(world.secretary)
    page = client.get(reverse("need-list")).content.decode()
    assert page.index(pending.summary) < page.index(declined.summary)
    filtered = client.get(reverse("need-list"), {"channel": "hotline", "county": world.county.pk}).content.decode()
    assert pending.summary in filtered and declined.summary not in filtered
    assert declined.summary not in client.get(reverse("need-list"), {"status": "pending"}).content.decode()
    assert client.get(reverse("need-list"), {"status": "weather"}).status_code == 400


def test_a_secretary_records_a_need_with_every_field(client, world):
    client.force_login(world.secretary)
    assert client.get(reverse("need-create")).status_code == 200
    data = {"organisation": world.branch.pk, "summary": "希望增加篮球场", "details": "周末无处运动。",
            "county": world.county.pk, "topic": "volunteering", "age_group": "14_17", "group": "students",
            "channel": "forum", "people_count": "25", "contact_name": "李同学", "contact_email": "li@example.org",
            "contact_consent": "on", "wants_reply": "on", "language": "en"}  # fmt: skip
    response = client.post(reverse("need-create"), data)
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == reverse("need-open", args=[need.pk])
    assert (need.county, need.channel, need.people_count, need.wants_reply, need.language, need.recorded_by) == (
        world.county, "forum", 25, True, "en", world.secretary)  # fmt: skip


def test_a_record_refused_keeps_what_was_typed_and_says_why_in_the_users_language(client, world):
    client.force_login(world.secretary)
    data = {"organisation": world.branch.pk, "summary": "希望增加篮球场", "details": "周末无处运动。",
            "topic": "volunteering", "channel": "forum", "people_count": "3", "contact_phone": "13900000000",
            "language": "zh-hans"}  # fmt: skip
    response = client.post(reverse("need-create"), data, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 400 and not Need.objects.exists()
    with translation.override(world.secretary.language):  # the person's language, whatever the browser says
        assert gettext("Contact details are kept only with the consent of the person who raised the need.") in page
    assert "希望增加篮球场" in page and "周末无处运动。" in page and "13900000000" in page


# --- Triage ------------------------------------------------------------------------------------------------------


def triage(client, need, action, **fields):
    data = {"action": action} | {f"{action}-{name}": value for name, value in fields.items()}
    return client.post(reverse("need-triage", args=[need.pk]), data, HTTP_ACCEPT_LANGUAGE="en")


def test_accepting_needs_a_theme_and_keeps_the_form_on_error(client, world):
    need = record(world)
    client.force_login(world.secretary)
    refused = triage(client, need, "accept", theme="一行\n两行")
    page = refused.content.decode()
    assert refused.status_code == 400 and 'id="accept-form"' in page and "has-error" in page
    with translation.override(world.secretary.language):  # the person's language, whatever the browser says
        assert gettext("Please correct the marked fields below.") in page
    assert triage(client, need, "accept", theme="暑期托管").status_code == 302
    need.refresh_from_db()
    assert (need.status, need.theme) == (Need.Status.ACCEPTED, "暑期托管")
    page = page_of(client, need).content.decode()
    assert 'id="accept-form"' not in page and 'id="link-form"' in page and "暑期托管" in page


def test_merging_offers_ones_other_open_needs_and_adds_the_count(client, world):
    need, other = record(world), record(world, summary="暑期托管班太少", people_count=5)
    foreign = services.need_record(actor=world.other_secretary, organisation_id=world.other_branch.pk, **NEED)
    client.force_login(world.secretary)
    page = page_of(client, need).content.decode()
    assert f'value="{other.pk}"' in page and f'value="{foreign.pk}"' not in page
    assert triage(client, need, "merge", into=foreign.pk).status_code == 400
    assert triage(client, need, "merge", into=other.pk).status_code == 302
    other.refresh_from_db()
    assert other.people_count == 17
    page = page_of(client, other).content.decode()
    assert 'id="merged"' in page and need.summary in page


def test_declining_needs_a_reason(client, world):
    need = record(world)
    client.force_login(world.secretary)
    assert triage(client, need, "decline", reason="").status_code == 400
    assert triage(client, need, "decline", reason="不属于共青团工作范围").status_code == 302
    need.refresh_from_db()
    assert need.status == Need.Status.DECLINED
    page = page_of(client, need).content.decode()
    assert "不属于共青团工作范围" in page and 'id="triage"' not in page


def test_forwarding_hands_the_need_to_the_committee_above(client, world):
    need = record(world)
    client.force_login(world.secretary)
    assert triage(client, need, "forward", note="涉及全县").status_code == 302
    need.refresh_from_db()
    assert need.organisation == world.county
    # The branch's secretary no longer steers it; the county's coordinator does.
    assert page_of(client, need).status_code == 404
    client.force_login(world.coordinator)
    assert "涉及全县" in page_of(client, need).content.decode()


def test_linking_and_unlinking_a_proposal_and_the_proposal_page_shows_no_contact(client, world):
    need = record(world)
    proposal = world.draft()
    client.force_login(world.secretary)
    assert triage(client, need, "link", proposal=proposal.pk).status_code == 400  # accept it first
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
    assert triage(client, need, "link", proposal=proposal.pk).status_code == 302
    page = page_of(client, need).content.decode()
    assert f'id="outcome-{proposal.pk}"' in page and world.npc_session.name in page
    client.force_login(world.coordinator)
    shown = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert 'id="carried-needs"' in shown and need.summary in shown and "暑期托管" in shown
    assert "13800000000" not in shown and "王女士" not in shown
    client.force_login(world.secretary)
    assert triage(client, need, "unlink", proposal=proposal.pk).status_code == 302
    assert not need.proposals.exists()
    assert list(NeedEvent.objects.filter(need=need).values_list("action", flat=True))[-2:] == ["linked", "unlinked"]


def test_a_delegate_reading_the_proposal_sees_the_need_but_never_its_contact(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    need = record(world, contact_email="wang@example.org", wants_reply=True)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    client.force_login(world.lead)
    page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
    assert need.summary in page and "双职工家庭暑期无人看护孩子" in page  # the quote
    for private in ("王女士", "13800000000", "wang@example.org"):
        assert private not in page
    assert page_of(client, need).status_code == 404


def test_a_secretary_records_only_for_the_organisations_she_steers(client, world):
    client.force_login(world.secretary)
    data = {"organisation": world.other_branch.pk, "summary": "希望增加篮球场", "topic": "volunteering",
            "channel": "forum", "people_count": "3", "language": "zh-hans"}  # fmt: skip
    assert client.post(reverse("need-create"), data).status_code == 400
    assert not Need.objects.exists()
    client.force_login(world.coordinator)  # a coordinator records for an organisation below hers
    assert client.post(reverse("need-create"), data | {"organisation": world.branch.pk}).status_code == 302
    assert Need.objects.get().organisation == world.branch


def test_a_city_committees_need_has_no_committee_above_to_forward_to(client, world):
    need = services.need_record(actor=world.city_coordinator, organisation_id=world.city.pk, **NEED)
    client.force_login(world.city_coordinator)
    page = page_of(client, need).content.decode()
    assert 'id="accept-form"' in page and 'id="forward-form"' not in page
    assert triage(client, need, "forward").status_code == 400
    assert Need.objects.get(pk=need.pk).organisation == world.city


def test_an_unknown_action_changes_nothing(client, world):
    need = record(world)
    client.force_login(world.secretary)
    assert client.post(reverse("need-triage", args=[need.pk]), {"action": "delete"}).status_code == 302
    assert Need.objects.filter(pk=need.pk, status=Need.Status.PENDING).exists()


# --- The dashboard and the QR code --------------------------------------------------------------------------------


def test_the_dashboard_counts_the_needs_awaiting_triage(client, world):
    record(world)
    record(world)
    client.force_login(world.secretary)
    page = client.get(reverse("home")).content.decode()
    assert 'id="worklist-needs"' in page and 'href="/needs/?status=pending"' in page
    client.force_login(world.lead)
    assert 'id="worklist-needs"' not in client.get(reverse("home")).content.decode()


def test_the_qr_code_page_and_its_download_carry_the_public_pages_absolute_address(client, world):
    client.force_login(world.secretary)
    assert str(world.branch.pk) in client.get(reverse("need-codes")).content.decode()
    page = client.get(reverse("need-code", args=[world.branch.pk])).content.decode()
    assert "<svg" in page and world.branch.name in page
    assert f"http://testserver/voice/{world.branch.pk}/" in page
    download = client.get(reverse("need-code-svg", args=[world.branch.pk]))
    assert download["Content-Type"] == "image/svg+xml" and "attachment" in download["Content-Disposition"]
    assert b"<svg" in download.content
    # Another organisation's code is not this secretary's to print.
    assert client.get(reverse("need-code", args=[world.other_branch.pk])).status_code == 404


# --- The public page -----------------------------------------------------------------------------------------------


def submit(client, organisation, data, **extra):
    return client.post(reverse("need-public", args=[organisation.pk]), data, **extra)


def test_a_young_person_submits_without_signing_in_and_is_thanked(client, world):
    response = submit(client, world.branch, PUBLIC)
    assert response.status_code == 302 and response.url == reverse("need-public-thanks", args=[world.branch.pk])
    need = Need.objects.get()
    assert (need.channel, need.recorded_by, need.status, need.language) == ("online", None, "pending", "zh-hans")
    thanks = client.get(response.url).content.decode()
    assert world.branch.name in thanks
    assert NeedEvent.objects.filter(need=need, action="received", actor=None).exists()


def test_the_public_page_speaks_english_when_asked_and_replies_in_that_language(client, world):
    url = reverse("need-public", args=[world.branch.pk])
    # ?lang=en (an English QR code) is remembered as the language switch remembers it, then dropped from the URL.
    switched = client.get(url, {"lang": "en"})
    assert switched.status_code == 302 and switched.url == url
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page and "What do you need?" in page
    data = PUBLIC | {"contact_email": "a@example.org", "contact_consent": "on", "wants_reply": "on"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Need.objects.get().language == "en"
    assert "It will be read by the secretaries of" in client.get(response.url).content.decode()
    # The header's switch takes it back to Chinese.
    client.post(reverse("set-language"), {"language": "zh-hans", "next": url})
    assert '<html lang="zh-hans">' in client.get(url).content.decode()


def test_contact_details_need_the_consent_line_and_a_reply_needs_an_email(client, world):
    response = submit(client, world.branch, PUBLIC | {"contact_phone": "13700000000"}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 400 and not Need.objects.exists()
    assert "Contact details are kept only with the consent" in page
    assert "13700000000" in page and "希望开设青年夜校" in page  # nothing lost
    response = submit(client, world.branch, PUBLIC | {"contact_consent": "on", "wants_reply": "on"},
                      HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400 and "A reply needs an email address." in response.content.decode()


def test_the_public_page_offers_no_birth_date_channel_or_count(client, world):
    page = client.get(reverse("need-public", args=[world.branch.pk])).content.decode()
    assert 'name="age_group"' in page
    for name in ("birth", "people_count", "channel"):
        assert f'name="{name}' not in page
    submit(client, world.branch, PUBLIC | {"people_count": "9999", "channel": "hotline"})
    assert Need.objects.get().people_count == 1 and Need.objects.get().channel == "online"


def test_a_filled_honeypot_is_answered_like_success_and_stored_nowhere(client, world):
    response = submit(client, world.branch, PUBLIC | {"website": "http://spam.example"})
    assert response.status_code == 302 and "thanks" in response.url
    assert not Need.objects.exists()


def test_a_body_too_large_is_refused_with_a_clear_message(client, world):
    response = submit(client, world.branch, PUBLIC | {"details": "长" * 30_000}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 413 and "too long" in response.content.decode()
    assert not Need.objects.exists()
    # Within the size, the details' own limit is the service's, said on the field.
    response = submit(client, world.branch, PUBLIC | {"details": "长" * 4001}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and not Need.objects.exists()


def test_an_unknown_organisation_has_no_public_page(client, world):
    assert client.get(reverse("need-public", args=[999_999])).status_code == 404


def test_abuse_a_thousand_submissions_from_one_address_are_cut_off_by_the_limit(world, settings):
    settings.NEED_SUBMISSIONS_PER_HOUR = 5
    flood = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = reverse("need-public", args=[world.branch.pk])
    started = time.monotonic()
    statuses = [flood.post(url, PUBLIC | {"summary": f"刷屏{n}"}).status_code for n in range(1000)]
    elapsed = time.monotonic() - started
    assert statuses[:5] == [302] * 5 and set(statuses[5:]) == {429}
    assert Need.objects.count() == 5
    refused = flood.post(url, PUBLIC)
    with translation.override("zh-hans"):
        message = gettext("Too many needs were sent from your network in the last hour. Please try again later, "
                          "or ask the organisation directly.")  # fmt: skip
    assert message in refused.content.decode() and int(refused["Retry-After"]) <= 3600
    assert '<html lang="zh-hans">' in refused.content.decode()
    # In English for who reads English; and another address still submits.
    english = Client(REMOTE_ADDR="203.0.113.9", HTTP_ACCEPT_LANGUAGE="en").post(url, PUBLIC)
    assert english.status_code == 429 and "Too many needs were sent" in english.content.decode()
    assert Client(REMOTE_ADDR="198.51.100.4").post(url, PUBLIC).status_code == 302
    assert Need.objects.count() == 6
    # Refusals are cheap: the flood takes well under a second per hundred on a shared machine.
    assert elapsed < 30, f"1,000 submissions took {elapsed:.1f} s"


def test_a_refused_input_does_not_use_up_the_limit(world, settings):
    settings.NEED_SUBMISSIONS_PER_HOUR = 2
    person = Client(REMOTE_ADDR="192.0.2.30")
    url = reverse("need-public", args=[world.branch.pk])
    for _ in range(5):  # a person correcting a mistake again and again
        assert person.post(url, PUBLIC | {"summary": ""}).status_code == 400
    assert [person.post(url, PUBLIC).status_code for _ in range(3)] == [302, 302, 429]
    # The honeypot's answers count: a bot is cut off too.
    bot = Client(REMOTE_ADDR="192.0.2.31")
    assert [bot.post(url, PUBLIC | {"website": "x"}).status_code for _ in range(3)] == [302, 302, 429]


def test_the_limit_counts_the_address_behind_a_trusted_proxy(world, settings):
    settings.NEED_SUBMISSIONS_PER_HOUR = 1
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    url = reverse("need-public", args=[world.branch.pk])
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    assert proxy.post(url, PUBLIC, HTTP_X_FORWARDED_FOR="203.0.113.20").status_code == 302
    assert proxy.post(url, PUBLIC, HTTP_X_FORWARDED_FOR="203.0.113.20").status_code == 429
    assert proxy.post(url, PUBLIC, HTTP_X_FORWARDED_FOR="203.0.113.21").status_code == 302


def test_the_rate_key_is_per_address_and_hour(rf):
    request = rf.post("/", REMOTE_ADDR="192.0.2.1")
    assert need_views._rate_key(request).startswith("need-submit:192.0.2.1:")


def test_the_needs_pages_punctuate_chinese_in_full_width(client, world):
    from tests.web.test_chinese_typography import HALF_WIDTH_AFTER_CHINESE, _text

    need = record(world, county=world.county.pk)
    services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
    proposal = world.draft()
    services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
    public = [reverse("need-public", args=[world.branch.pk]), reverse("need-public-thanks", args=[world.branch.pk])]
    for url in public:
        assert not HALF_WIDTH_AFTER_CHINESE.findall(_text(client.get(url).content.decode())), url
    refused = submit(client, world.branch, PUBLIC | {"contact_phone": "13700000000"})
    assert not HALF_WIDTH_AFTER_CHINESE.findall(_text(refused.content.decode()))
    client.force_login(world.secretary)
    for url in (reverse("need-list"), reverse("need-create"), reverse("need-open", args=[need.pk]),
                reverse("need-codes"), reverse("need-code", args=[world.branch.pk]), reverse("home"),
                reverse("proposal-open", args=[proposal.pk])):  # fmt: skip
        text = _text(client.get(url).content.decode())
        assert not HALF_WIDTH_AFTER_CHINESE.findall(text), (url, HALF_WIDTH_AFTER_CHINESE.findall(text))


def test_the_list_and_a_needs_page_need_the_same_queries_however_many_there_are(
    client, world, django_assert_max_num_queries
):
    proposal = world.draft()
    client.force_login(world.coordinator)
    for many in (2, 30):
        while Need.objects.count() < many:
            need = record(world, county=world.county.pk)
            services.need_accept(actor=world.secretary, need_id=need.pk, theme="暑期托管")
            services.need_link(actor=world.secretary, need_id=need.pk, proposal_id=proposal.pk)
        # The header's, the page's needs, their counts, the filters' counties, the coordinator's organisation.
        with django_assert_max_num_queries(10):
            assert client.get(reverse("need-list")).status_code == 200
        # The need, its log, merged needs, proposals (with sessions, units, answers), the pickers, the
        # coordinator's organisation.
        with django_assert_max_num_queries(15):
            assert page_of(client, need).status_code == 200
        # The proposal carrying them all: one query for its needs (tests/web/test_pages.py counts the rest).
        with django_assert_max_num_queries(21):
            assert client.get(reverse("proposal-open", args=[proposal.pk])).status_code == 200
