"""The face-to-face meetings' pages (#16 items 6 and 8): recorded by the organisers, their minutes, read by the
delegates attending, unknown to everyone else."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from proposals import services
from proposals.models import Meeting
from proposals.workflow import State
from tests.proposals.arrange import bring_to
from tests.web.test_chinese_typography import HALF_WIDTH_AFTER_CHINESE, _text

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world):
    return services.meeting_save(
        actor=world.secretary, organisation_id=world.branch.pk, theme="青年就业创业面对面", place="朔城区青年之家",
        starts_at=timezone.now() - dt.timedelta(days=1), young_people=25, delegates=[world.lead.delegate.pk],
        proposals=[world.draft().pk], agenda="一、通报青年就业情况；二、代表交流。",
    )  # fmt: skip


def test_a_secretary_records_a_meeting_and_its_minutes_on_the_web(client, world):
    client.force_login(world.secretary)
    assert client.get(reverse("meeting-create")).status_code == 200
    when = timezone.localtime(timezone.now() - dt.timedelta(hours=3), timezone.get_default_timezone())
    body = {"organisation": world.branch.pk, "theme": "青年婚恋交友面对面", "place": "应县团委会议室",
            "starts_at": when.strftime("%Y-%m-%dT%H:%M"), "young_people": "40",
            "delegates": [world.lead.delegate.pk, world.cosigners[0].delegate.pk],
            "agenda": "听取青年意见"}  # fmt: skip
    response = client.post(reverse("meeting-create"), body)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == reverse("meeting", args=[meeting.pk])
    assert meeting.delegates.count() == 2 and meeting.young_people == 40
    response = client.post(reverse("meeting", args=[meeting.pk]), {"minutes": "代表建议举办青年联谊活动。"})
    assert response.status_code == 302
    page = client.get(reverse("meeting", args=[meeting.pk])).content.decode()
    assert "代表建议举办青年联谊活动。" in page


def test_bad_input_keeps_what_was_typed(client, world):
    client.force_login(world.secretary)
    body = {"organisation": world.branch.pk, "theme": "", "place": "会议室", "starts_at": "明天", "agenda": "议程草稿"}
    response = client.post(reverse("meeting-create"), body)
    page = response.content.decode()
    assert response.status_code == 400 and "议程草稿" in page and "会议室" in page
    assert not Meeting.objects.exists()


def test_the_delegate_attending_reads_it_and_others_do_not_know_it(client, world, held):
    client.force_login(world.lead)
    page = client.get(reverse("meeting", args=[held.pk])).content.decode()
    assert "青年就业创业面对面" in page and 'id="minutes-form"' not in page and 'id="edit-meeting"' not in page
    assert client.post(reverse("meeting", args=[held.pk]), {"minutes": "改"}).status_code == 404
    assert client.get(reverse("meeting-edit", args=[held.pk])).status_code == 404
    assert held.theme in client.get(reverse("meetings")).content.decode()
    for person in ("outsider_delegate", "other_secretary", "other_coordinator"):
        client.force_login(getattr(world, person))
        assert client.get(reverse("meeting", args=[held.pk])).status_code == 404
        assert held.theme not in client.get(reverse("meetings")).content.decode()
    client.force_login(world.outsider_delegate)
    assert client.get(reverse("meeting-create")).status_code == 404
    client.logout()
    assert client.get(reverse("meetings")).status_code == 302


def test_the_meeting_pages_punctuate_in_full_width(client, world, held):
    client.force_login(world.coordinator)
    for url in (reverse("meetings"), reverse("meeting", args=[held.pk]), reverse("meeting-create"),
                reverse("meeting-edit", args=[held.pk])):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200
        assert not HALF_WIDTH_AFTER_CHINESE.findall(_text(response.content.decode())), url


def test_the_delegates_inbox_shows_the_meetings_to_come(client, world, held):
    coming = services.meeting_save(actor=world.secretary, organisation_id=world.branch.pk, theme="青年婚恋交友面对面",
                                   place="应县青年之家", starts_at=timezone.now() + dt.timedelta(days=3),
                                   delegates=[world.lead.delegate.pk])  # fmt: skip
    client.force_login(world.lead)
    page = client.get(reverse("inbox")).content.decode()
    invitations = page.split('id="invitations"')[1].split("</section>")[0]
    assert coming.theme in invitations and held.theme not in invitations  # the one held yesterday is past
    client.force_login(world.outsider_delegate)
    assert 'id="invitations"' not in client.get(reverse("inbox")).content.decode()


def test_the_proposal_page_lists_the_meetings_that_discussed_it(client, world):
    proposal = bring_to(world, State.CONSULTATION)
    meeting = services.meeting_save(actor=world.secretary, organisation_id=world.branch.pk, theme="青年就业创业面对面",
                                    place="朔城区青年之家", starts_at=timezone.now() - dt.timedelta(days=1),
                                    delegates=[world.lead.delegate.pk], proposals=[proposal.pk])  # fmt: skip
    link = f'href="{reverse("meeting", args=[meeting.pk])}"'
    for person, linked in (("secretary", True), ("lead", True), ("cosigners", False)):
        client.force_login(world.cosigners[0] if person == "cosigners" else getattr(world, person))
        page = client.get(reverse("proposal-open", args=[proposal.pk])).content.decode()
        section = page.split('id="proposal-meetings"')[1].split("</ul>")[0]
        assert "青年就业创业面对面" in section and (link in section) == linked, person


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_files_of_the_minutes_are_checked_attached_and_read_by_who_sees_the_meeting(client, world, held, settings,
                                                                                    tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    url = reverse("meeting-file-add", args=[held.pk])
    client.force_login(world.secretary)
    refused = client.post(url, {"file": SimpleUploadedFile("纪要.pdf", b"not a pdf")})
    assert refused.status_code == 400 and held.files.count() == 0
    response = client.post(url, {"file": SimpleUploadedFile("纪要.pdf", PDF)})
    assert response.status_code == 302
    stored = held.files.get()
    download = reverse("meeting-file-download", args=[stored.pk])
    assert download in client.get(reverse("meeting", args=[held.pk])).content.decode()
    client.force_login(world.lead)  # attended: reads it, may not add one
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert client.post(url, {"file": SimpleUploadedFile("b.pdf", PDF)}).status_code == 404
    client.force_login(world.other_secretary)
    assert client.get(download).status_code == 404
