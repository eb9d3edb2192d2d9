"""`manage.py import_proposals`: everything or nothing, the bad rows named, a thousand rows in seconds."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from proposals import reminders
from proposals.imports import COLUMNS, example_row
from proposals.models import (
    Answer,
    AnswerRating,
    Assignment,
    Body,
    Deadline,
    Delegate,
    Handling,
    HandlingUnit,
    Proposal,
    Revision,
    Session,
    Transition,
)
from proposals.workflow import State, handling_state
from tests.conftest import make_user

HEADER = ["案由", "类别", "主题", "提出单位", "会议", "领衔代表", "理由", "调研情况", "具体建议", "状态", "编号",
          "提交日期", "承办单位", "答复", "答复日期", "评价"]  # fmt: skip


def write(path, rows, header=HEADER) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return str(path)


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_proposals", *args, "--no-progress", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def closed_row(world, n: int, *, submitted: dt.date | None = None) -> list:
    submitted = submitted or timezone.localdate() - dt.timedelta(days=200)
    return [
        f"关于青年就业的建议（{n}）", "建议", "就业创业", world.branch.name, world.npc_session.name, "lead",
        "返乡青年创业难。", "问卷812份。", "一、设立创业基金。", "办结", f"建议第{n:04d}号", submitted,
        "市人力资源和社会保障局", "已纳入工作计划。", submitted + dt.timedelta(days=60), "满意",
    ]  # fmt: skip


def test_one_bad_row_imports_nothing_and_names_the_row(world, tmp_path):
    rows = [closed_row(world, n) for n in range(1, 6)]
    rows[2][1] = "提案"  # row 4 of the sheet: a CPPCC proposal cannot go to the people's congress
    rows[2][14] = "2020-01-01"  # and its answer came before its submission
    path = write(tmp_path / "bad.xlsx", rows)
    with pytest.raises(CommandError) as refused:
        run(path)
    report = str(refused.value)
    assert "第4行 / row 4: 类别:" in report
    assert "第4行 / row 4: 答复日期:" in report
    assert "row 2" not in report and "row 3" not in report and "row 5" not in report and "row 6" not in report
    assert "nothing was imported" in report
    assert not Proposal.objects.exists() and not Transition.objects.exists() and not Revision.objects.exists()


def test_every_bad_row_is_reported_at_once(world, tmp_path):
    rows = [closed_row(world, n) for n in range(1, 5)]
    rows[0][3] = "不存在的团委"  # row 2: no such organisation
    rows[1][10] = rows[3][10]  # row 3 and row 5: the same reference number in the session
    rows[2][9] = "已立案"  # row 4: registered, yet answered and rated
    path = write(tmp_path / "bad.xlsx", rows)
    with pytest.raises(CommandError) as refused:
        run(path)
    lines = str(refused.value).splitlines()[1:]
    assert lines[0].startswith("第2行 / row 2: 提出单位:")
    assert any(line.startswith("第4行 / row 4: 承办单位:") for line in lines)
    assert any(line.startswith("第4行 / row 4: 评价:") for line in lines)
    assert any(line.startswith("第5行 / row 5: 编号:") and "3" in line for line in lines)
    assert not Proposal.objects.exists()


def test_a_reference_number_already_in_the_database_is_refused(world, tmp_path):
    run(write(tmp_path / "first.xlsx", [closed_row(world, 1)]))
    with pytest.raises(CommandError) as refused:
        run(write(tmp_path / "again.xlsx", [closed_row(world, 2), closed_row(world, 1)]))
    assert "第3行 / row 3: 编号:" in str(refused.value)
    assert Proposal.objects.count() == 1


def test_a_missing_column_is_named(world, tmp_path):
    path = write(tmp_path / "short.xlsx", [["关于青年就业的建议", "建议"]], header=["案由", "类别"])
    with pytest.raises(CommandError) as refused:
        run(path)
    assert "第1行 / row 1: 主题 / topic:" in str(refused.value)


def test_english_headers_and_codes_are_accepted(world, tmp_path):
    header = ["title", "kind", "topic", "organisation", "session", "state"]
    path = write(tmp_path / "en.xlsx", [["Youth jobs", "suggestion", "jobs", world.branch.name, world.npc_session.name,
                                         "draft"]], header=header)  # fmt: skip
    run(path)
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.topic, proposal.state) == ("suggestion", "jobs", "draft")


def test_a_good_file_of_a_thousand_rows_imports_all(world, tmp_path, capsys):
    today = timezone.localdate()
    states = ["办结", "已答复", "已立案", "不予立案", "已提交", "已撤回", "草拟", "调研", "协商", "定稿"]
    rows = []
    for n in range(1000):
        state = states[n % len(states)]
        tabled = state in ("办结", "已答复", "已立案", "不予立案", "已提交")
        answered = state in ("办结", "已答复")
        cppcc = n % 4 == 0
        submitted = today - dt.timedelta(days=1 + n % 700)
        rows.append([
            f"关于青年发展的建议（第{n}号）", "提案" if cppcc else "建议", list(Proposal.Topic.values)[n % 9],
            [world.branch, world.other_branch, world.county, world.city][n % 4].name,
            (world.cppcc_session if cppcc else world.npc_session).name,
            "cppcc-member" if cppcc else "lead", "理由", "调研情况", "具体建议", state,
            f"第{n:04d}号" if tabled else "", submitted if tabled else None,
            "市教育局" if answered else "", "已答复。" if answered else "", submitted if answered else None,
            "满意" if state == "办结" else "",
        ])  # fmt: skip
    path = write(tmp_path / "thousand.xlsx", rows)
    started = time.perf_counter()
    out, _err = run(path)
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n  import_proposals: 1,000 rows in {elapsed:.2f} s")
    assert Proposal.objects.count() == 1000
    assert Revision.objects.count() == 1000
    assert Transition.objects.filter(action="import").count() == 1000
    assert Assignment.objects.filter(role="lead").count() == 1000
    assert Handling.objects.filter(proposal__state=State.CLOSED, status="settled").count() == 100
    assert (
        AnswerRating.objects.filter(rating="satisfied", answer__handling__proposal__state=State.CLOSED).count() == 100
    )
    # "市教育局" is the short name of the directory's 朔州市教育局: no new unit.
    assert Answer.objects.filter(handling__unit=world.other_unit).count() == 200 and HandlingUnit.objects.count() == 2
    assert "1000" in out
    assert elapsed < 30


@pytest.mark.parametrize(("name", "content"), [("list.csv", b"a,b\n"), ("broken.xlsx", b"not a zip")])
def test_a_file_that_is_no_workbook_is_refused_plainly(world, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=r"cannot be read as an \.xlsx workbook"):
        run(str(path))
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.xlsx"))


def test_a_dry_run_imports_nothing(world, tmp_path):
    out, _err = run(write(tmp_path / "good.xlsx", [closed_row(world, 1), closed_row(world, 2)]), "--dry-run")
    assert "Dry run" in out
    assert not Proposal.objects.exists() and not Transition.objects.exists()


def test_the_template_round_trips(world, tmp_path):
    path = tmp_path / "template.xlsx"
    run(str(path), "--template")
    book = load_workbook(path)
    assert [cell.value for cell in book.worksheets[0][1]] == [column.zh for column in COLUMNS]
    # The example names the demo's organisation, last year's session and a deputy: make them exist here.
    example = example_row(timezone.localdate())
    last_year = timezone.localdate() - dt.timedelta(days=300)
    Session.objects.create(
        body=Body.NPC, level="city", region="朔州市", name=example["session"], opening_date=last_year,
        closing_date=last_year + dt.timedelta(days=5),
        submission_deadline=timezone.now() - dt.timedelta(days=305),
    )  # fmt: skip
    deputy = make_user("wanghaiyan", role="delegate", last_name="王", first_name="海燕")
    Delegate.objects.create(user=deputy, body=Body.NPC, level="city", region="朔州市", contact_email=deputy.email)
    run(str(path))
    proposal = Proposal.objects.get()
    assert proposal.title == example["title"] and proposal.state == State.CLOSED
    assert proposal.organisation == world.city and proposal.session.name == example["session"]
    assert proposal.reference_number == example["reference_number"]
    assert proposal.submitted_on == example["submitted_on"]
    lead_unit, assisting_unit = proposal.handlings_list()
    assert (lead_unit.unit.name, lead_unit.role) == (example["lead_units"], "lead")
    assert (assisting_unit.unit.name, assisting_unit.role) == (example["assisting_units"], "assisting")
    for handling in (lead_unit, assisting_unit):
        (answer,) = handling.answers_list()
        assert (answer.answered_on, answer.answer_class, answer.text) == (
            example["answered_on"],
            example["answer_class"],
            example["answer"],
        )
        assert [(r.rater, r.rating) for r in answer.ratings.all()] == [(deputy, "satisfied")]
    assert timezone.localdate(proposal.created_at) == example["drafted_on"]
    assert proposal.lead_assignment().delegate.user == deputy
    with pytest.raises(CommandError):
        run(str(path), "--template")  # an existing file is not overwritten


def test_imported_past_proposals_get_no_reminders(world, tmp_path):
    """A proposal registered through the workflow is reminded of its answer; one imported as registered is not."""
    from tests.proposals.arrange import bring_to

    submitted = timezone.localdate() - dt.timedelta(days=100)
    row = closed_row(world, 1, submitted=submitted)
    row[9], row[12], row[13], row[14], row[15] = "已立案", "", "", None, ""
    run(write(tmp_path / "registered.xlsx", [row]))
    imported = Proposal.objects.get(state=State.REGISTERED)
    assert not Deadline.objects.filter(proposal=imported).exists()
    registered = bring_to(world, State.REGISTERED)
    later = timezone.now() + dt.timedelta(days=92)  # the workflow's answer is due three months after submission
    planned = {reminder.proposal_id for reminder in reminders.plan(later, dry_run=True).planned}
    assert registered.pk in planned and imported.pk not in planned


def test_a_draft_for_a_coming_session_gets_the_due_dates_of_a_new_draft(world, tmp_path):
    row = ["关于青年就业的建议", "建议", "就业创业", world.branch.name, world.npc_session.name] + [""] * 4 + ["草拟"]
    run(write(tmp_path / "draft.xlsx", [row]))
    imported = Proposal.objects.get()
    new = world.draft()
    due = lambda proposal: sorted(  # noqa: E731
        Deadline.objects.filter(proposal=proposal).values_list("stage", "due_at", "is_current")
    )
    assert due(imported) == due(new)


def test_a_past_session_takes_no_proposal_still_in_preparation(world, tmp_path):
    Session.objects.filter(pk=world.npc_session.pk).update(submission_deadline=timezone.now() - dt.timedelta(days=1))
    row = ["关于青年就业的建议", "建议", "就业创业", world.branch.name, world.npc_session.name] + [""] * 4 + ["草拟"]
    with pytest.raises(CommandError) as refused:
        run(write(tmp_path / "draft.xlsx", [row]))
    assert "第2行 / row 2: 状态:" in str(refused.value)


def test_the_proposal_page_shows_the_import_in_its_timeline(client, world, tmp_path):
    run(write(tmp_path / "one.xlsx", [closed_row(world, 1)]))
    proposal = Proposal.objects.get()
    transition = proposal.transitions.get()
    assert (transition.action, transition.from_state, transition.to_state) == ("import", "draft", "closed")
    assert "one.xlsx" in transition.note and "2" in transition.note
    assert transition.actor == world.admin and proposal.author == world.admin
    client.force_login(world.coordinator)
    response = client.get(reverse("proposal-open", args=[proposal.pk]))
    assert response.status_code == 200
    labels = [str(label) for _transition, label in response.context["timeline"]]
    assert labels in (["导入"], ["Imported"])  # Chinese once the catalog has it


def test_a_user_outside_the_organisation_cannot_import_for_it(world, tmp_path):
    path = write(tmp_path / "other.xlsx", [closed_row(world, 1)])
    with pytest.raises(CommandError) as refused:
        call_command("import_proposals", path, "--no-progress", "--user", world.other_coordinator.username)
    assert "第2行 / row 2: 提出单位:" in str(refused.value)
    assert not Proposal.objects.exists()


UNIT_HEADER = [*HEADER[:12], "主办单位", "协办单位", "答复", "答复类别", "答复日期", "评价"]


def unit_row(world, n: int, state: str, lead_units: str, assisting_units: str = "", answer_class: str = "") -> list:
    """A row of the layout with separate lead and assisting units and the answer's class."""
    row = closed_row(world, n)
    answered = state in ("已答复", "办结")
    return [*row[:9], state, *row[10:12], lead_units, assisting_units, row[13] if answered else "", answer_class,
            row[14] if answered else None, row[15] if state == "办结" else ""]  # fmt: skip


def test_units_are_records_of_the_directory_and_the_state_agrees_with_them(world, tmp_path):
    """Lead and assisting units by full or short name (a new one joins the directory); the answer is each unit's
    first, rated by the lead delegate; handling, answered and closed as the units' handling says."""
    rows = [
        unit_row(world, 1, "办结", "市人社局、朔州市新设青年发展服务中心", "朔州市教育局", "A类"),
        unit_row(world, 2, "已答复", "市人社局", answer_class="C"),
        unit_row(world, 3, "办理中", "朔州市新设青年发展服务中心", "市人社局"),
    ]
    run(write(tmp_path / "units.xlsx", rows, header=UNIT_HEADER))
    added = HandlingUnit.objects.exclude(pk__in=[world.unit.pk, world.other_unit.pk]).get()
    assert (added.name, added.level) == ("朔州市新设青年发展服务中心", world.npc_session.level)
    closed, answered, handling = (Proposal.objects.get(reference_number=f"建议第{n:04d}号") for n in (1, 2, 3))
    assert [(h.unit.name, h.role, h.round) for h in closed.handlings_list()] == [
        ("朔州市人力资源和社会保障局", "lead", 1), ("朔州市新设青年发展服务中心", "lead", 1),
        ("朔州市教育局", "assisting", 1)]  # fmt: skip
    for proposal, state, status in ((closed, State.CLOSED, "settled"), (answered, State.ANSWERED, "answered"),
                                    (handling, State.HANDLING, "open")):  # fmt: skip
        assert proposal.state == state == handling_state(proposal)
        assert {h.status for h in proposal.handlings_list()} == {status}
        for h in proposal.handlings_list():
            assert h.assigned_on == proposal.submitted_on and h.due_on > h.assigned_on
    lead_user = world.lead
    for h in closed.handlings_list():
        (answer,) = h.answers_list()
        assert (answer.round, answer.answer_class, answer.text) == (1, "A", "已纳入工作计划。")
        assert [(r.rater, r.rating) for r in answer.ratings.all()] == [(lead_user, "satisfied")]
    (answer,) = answered.handlings_list()[0].answers_list()
    assert answer.answer_class == "C" and not answer.ratings.exists()
    assert not Answer.objects.filter(handling__proposal=handling).exists()


def test_unit_errors_are_named_by_row_and_column(world, tmp_path):
    HandlingUnit.objects.create(name="朔城区教育局", short_name="教育局")
    HandlingUnit.objects.create(name="平鲁区教育局", short_name="教育局")
    rows = [
        unit_row(world, 1, "办结", "", answer_class="A"),  # row 2: no lead unit
        unit_row(world, 2, "办结", "朔城区教育局", "朔城区教育局"),  # row 3: lead and assisting at once
        unit_row(world, 3, "办结", "教育局", answer_class="D"),  # row 4: which 教育局? and no class D
        unit_row(world, 4, "已立案", "朔城区教育局"),  # row 5: registered, not yet assigned
    ]
    with pytest.raises(CommandError) as refused:
        run(write(tmp_path / "bad.xlsx", rows, header=UNIT_HEADER))
    lines = str(refused.value).splitlines()[1:]
    assert any(line.startswith("第2行 / row 2: 主办单位:") for line in lines)
    assert any(line.startswith("第3行 / row 3: 协办单位:") and "朔城区教育局" in line for line in lines)
    assert any(line.startswith("第4行 / row 4: 主办单位:") and "教育局" in line for line in lines)
    assert any(line.startswith("第4行 / row 4: 答复类别:") and "A、B、C" in line for line in lines)
    assert any(line.startswith("第5行 / row 5: 主办单位:") for line in lines)
    assert not Proposal.objects.exists() and HandlingUnit.objects.count() == 4
