"""A proposal as a .docx in the official layout (proposals.documents.proposal_docx): every field, the Chinese
fonts, long and unusual text."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from django.utils import timezone
from docx import Document
from lxml import etree

from proposals import selectors, services
from proposals.documents import exports, proposal_docx
from proposals.models import DocumentExport, Proposal
from proposals.workflow import State
from tests.proposals.arrange import add_evidence, assign_all, bring_to, fire

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def name(user, family: str, given: str) -> None:
    user.last_name, user.first_name = family, given
    user.save(update_fields=["last_name", "first_name"])


def loaded(world, proposal: Proposal) -> Proposal:
    return selectors.proposal_for_document(world.admin, proposal.pk)


def all_text(data: bytes) -> str:
    """Every paragraph of the document, in the body and in its tables, one per line."""
    document = Document(io.BytesIO(data))
    lines = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def xml_of(data: bytes, part: str):
    return etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read(part))


def test_the_document_opens_with_python_docx_and_holds_every_field(world):
    name(world.lead, "李", "志强")
    for cosigner, (family, given) in zip(
        world.cosigners, [("刘", "振华"), ("周", "文斌"), ("吴", "春梅")], strict=True
    ):
        name(cosigner, family, given)
    proposal = bring_to(world, State.SUBMITTED)
    proposal = loaded(world, proposal)

    data = proposal_docx.proposal_docx_bytes(proposal)

    text = all_text(data)
    document = Document(io.BytesIO(data))
    assert document.paragraphs[0].text == proposal.title  # the title first, in its own style
    assert document.paragraphs[0].style.name == "Proposal Title"
    assert "类别 | 建议" in text
    assert f"会议 | {world.npc_session.name}" in text
    assert f"编号 | {proposal.reference_number}" in text
    assert "领衔人 | 李志强" in text
    assert "附议人 | 刘振华、周文斌、吴春梅" in text
    assert f"提出单位 | {world.branch.name}" in text
    assert f"案由 | {proposal.title}" in text
    assert "理由" in text and proposal.background in text
    assert "调研情况" in text and proposal.research_findings in text
    assert "具体建议" in text and proposal.recommendations in text
    submitted = proposal.submitted_on
    assert f"{submitted.year}年{submitted.month}月{submitted.day}日" in text
    assert document.core_properties.title == proposal.title
    assert document.core_properties.language == "zh-CN"


def test_the_category_follows_the_kind_and_a_motion_proposes_measures(world):
    motion = loaded(world, world.draft(kind=Proposal.Kind.MOTION, title="关于制定青年发展条例的议案"))
    cppcc = loaded(world, world.draft(kind=Proposal.Kind.CPPCC_PROPOSAL, session=world.cppcc_session,
                                      title="关于设立志愿服务激励基金的提案"))  # fmt: skip

    motion_text = all_text(proposal_docx.proposal_docx_bytes(motion))
    assert "类别 | 议案" in motion_text and "具体办法" in motion_text
    cppcc_text = all_text(proposal_docx.proposal_docx_bytes(cppcc))
    assert "类别 | 提案" in cppcc_text and f"会议 | {world.cppcc_session.name}" in cppcc_text


def test_only_cosigners_who_signed_are_listed_and_none_reads_无(world):
    proposal = world.draft()
    data = proposal_docx.proposal_docx_bytes(loaded(world, proposal))
    assert "领衔人 | 无" in all_text(data) and "附议人 | 无" in all_text(data)

    assign_all(world, proposal)  # the lead and three co-signers: one signs, one declines, one has not decided
    fire(world, proposal, "start_research", "secretary")
    services.proposal_update_text(proposal_id=proposal.pk, actor=world.secretary, research_findings="问卷2500份。")
    add_evidence(world, proposal)
    fire(world, proposal, "start_consultation", "secretary")
    fire(world, proposal, "co_sign", world.cosigners[0])
    fire(world, proposal, "decline", world.cosigners[1])

    text = all_text(proposal_docx.proposal_docx_bytes(loaded(world, proposal)))
    assert "领衔人 | lead" in text
    assert "附议人 | cosigner-0" in text
    assert "cosigner-1" not in text and "cosigner-2" not in text


def test_an_unsubmitted_proposal_is_dated_today_in_chinese(world):
    proposal = loaded(world, world.draft())
    document = Document(io.BytesIO(proposal_docx.proposal_docx_bytes(proposal, today=dt.date(2026, 11, 27))))
    assert [p.text for p in document.paragraphs[-2:]] == [world.branch.name, "2026年11月27日"]
    assert proposal_docx.chinese_date(dt.date(2027, 1, 8)) == "2027年1月8日"


def test_recommendations_keep_one_paragraph_per_line_and_empty_parts_are_left_out(world):
    proposal = loaded(world, world.draft(recommendations="一、配齐心理健康教师；\r\n\n　　二、建立家校社协同机制。\n"))
    document = Document(io.BytesIO(proposal_docx.proposal_docx_bytes(proposal)))
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("具体建议")
    assert paragraphs[start + 1 : start + 3] == ["一、配齐心理健康教师；", "二、建立家校社协同机制。"]
    assert "调研情况" not in paragraphs  # a draft has no research findings yet
    assert all(p.style.name == "Proposal Body" for p in document.paragraphs[start + 1 : start + 3])


def test_the_chinese_fonts_and_language_are_declared_for_word_and_wps(world):
    data = proposal_docx.proposal_docx_bytes(loaded(world, world.draft()))

    styles = xml_of(data, "word/styles.xml")
    default_fonts = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert default_fonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert default_fonts.get(f"{W}ascii") == "Times New Roman"
    default_lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert default_lang.get(f"{W}eastAsia") == "zh-CN" and default_lang.get(f"{W}val") == "zh-CN"
    by_id = {style.get(f"{W}styleId"): style for style in styles.iter(f"{W}style")}
    expected = {"Normal": "仿宋_GB2312", "ProposalTitle": "方正小标宋简体", "ProposalBody": "仿宋_GB2312",
                "ProposalHeading": "黑体", "ProposalTableLabel": "黑体"}  # fmt: skip
    for style_id, font in expected.items():
        fonts = by_id[style_id].find(f"{W}rPr/{W}rFonts")
        assert fonts.get(f"{W}eastAsia") == font, style_id
        # A theme font would win over the named one in Word.
        assert not any(attribute.endswith("Theme") or attribute.endswith("theme") for attribute in fonts.attrib)
    assert by_id["ProposalBody"].find(f"{W}rPr/{W}sz").get(f"{W}val") == "32"  # 三号, in half points

    body = xml_of(data, "word/document.xml")
    run_fonts = [fonts.get(f"{W}eastAsia") for fonts in body.iter(f"{W}rFonts")]
    assert run_fonts and None not in run_fonts
    assert run_fonts[0] == "方正小标宋简体"

    settings = xml_of(data, "word/settings.xml")
    assert settings.find(f"{W}themeFontLang").get(f"{W}eastAsia") == "zh-CN"
    font_table = xml_of(data, "word/fontTable.xml")
    alternatives = {font.get(f"{W}name"): font.find(f"{W}altName") for font in font_table.iter(f"{W}font")}
    assert alternatives["仿宋_GB2312"].get(f"{W}val") == "仿宋"
    assert alternatives["方正小标宋简体"].get(f"{W}val") == "宋体"


def test_20000_characters_of_chinese_with_emoji_and_control_characters_make_a_valid_document(world):
    chunk = "青年就业创业服务😀需要加强🚀，\x07" + "调研发现👩‍🎓返乡青年创业难\x1b。\n"
    long_text = (chunk * (20_000 // len(chunk) + 1))[:20_000]
    proposal = world.draft(
        title="关于😀青年发展的建议",
        background=long_text,
        research_findings="\x01\x08问卷\ufffe结果" + long_text[:5000],
        recommendations=long_text,
    )
    # Titles are one line now (proposals.validators); one saved before the rule may still hold a control.
    Proposal.objects.filter(pk=proposal.pk).update(title="关于😀青年\x0c发展的建议")
    proposal = loaded(world, proposal)
    assert len(proposal.background) == 20_000 and "\x07" in proposal.background

    data = proposal_docx.proposal_docx_bytes(proposal)

    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    text = all_text(data)
    assert "😀" in text and "🚀" in text and "👩‍🎓" in text  # emoji kept, joiners too
    assert not any(char in text for char in "\x01\x07\x08\x0c\x1b\ufffe")
    assert "关于😀青年发展的建议" in text
    assert text.count("返乡青年创业难") >= 2 * long_text.count("返乡青年创业难")
    # And it survives being written again by python-docx.
    again = io.BytesIO()
    Document(io.BytesIO(data)).save(again)
    assert zipfile.ZipFile(again).testzip() is None


def test_the_file_name_is_the_reference_or_id_and_a_shortened_title_safe_for_zips_and_headers(world):
    proposal = world.draft(title='关于/加强:青年*"心理"<健康>|服务?的建议' + "很长" * 40)
    filename = proposal_docx.document_filename(proposal)
    assert filename.startswith(f"{proposal.pk}-关于_加强_青年_心理_健康_服务_的建议")
    assert filename.endswith(".docx")
    assert not set('/\\:*?"<>|') & set(filename)
    assert len(filename) <= len(str(proposal.pk)) + 1 + proposal_docx.FILE_NAME_TITLE_CHARS + len(".docx")

    submitted = bring_to(world, State.SUBMITTED)
    assert proposal_docx.document_filename(submitted) == f"{submitted.reference_number}-{submitted.title}.docx"


# --- The answers, once recorded ------------------------------------------------------------------------


def test_a_document_printed_after_the_answers_holds_each_units_answers_and_the_signers_ratings(world):
    name(world.lead, "李", "志强")
    name(world.cosigners[0], "刘", "振华")
    unanswered = loaded(world, bring_to(world, State.REGISTERED))
    assert "办理答复情况" not in all_text(proposal_docx.proposal_docx_bytes(unanswered))
    proposal = bring_to(world, State.ANSWERED)
    fire(world, proposal, "assign_unit", "lead", inputs={"unit": world.other_unit.pk, "unit_role": "assisting"})
    fire(world, proposal, "record_answer", "lead", inputs={
        "unit": world.other_unit.pk, "answer_class": "B", "answer_method": "phone",
        "answer": "已列入明年计划。\n分步实施。",
    })  # fmt: skip
    fire(world, proposal, "rate", world.cosigners[0], inputs={"rating": "basically_satisfied"})
    fire(world, proposal, "rate", "lead", inputs={"rating": "unsatisfied"})  # the lead unit answers again
    fire(world, proposal, "record_answer", "lead", inputs={"answer_class": "A", "answer": "已全部解决。"})

    text = all_text(proposal_docx.proposal_docx_bytes(loaded(world, proposal)))

    appendix = text[text.index("附：办理答复情况") :]
    today = timezone.localdate()
    day = f"{today.year}年{today.month}月{today.day}日"
    lead_part = appendix[appendix.index(f"{world.unit.name}（主办）") : appendix.index(world.other_unit.name)]
    class_a = "A类（所提问题已经解决或基本解决）"
    assert f"第一次答复：{day}，书面答复，{class_a}。\n已纳入2027年工作计划。" in lead_part
    assert "评价：刘振华：基本满意；李志强：不满意。" in lead_part
    assert f"重新办理后的答复：{day}，书面答复，{class_a}。\n已全部解决。\n评价：尚未评价。" in lead_part
    assisting_part = appendix[appendix.index(f"{world.other_unit.name}（协办）") :]
    class_b = "B类（所提问题正在解决或列入计划逐步解决）"
    assert f"第一次答复：{day}，电话答复，{class_b}。\n已列入明年计划。\n分步实施。\n评价：尚未评价。" in assisting_part


def test_a_proposal_raised_again_carries_the_printed_proposal_with_its_answers(world):
    proposal = bring_to(world, State.ANSWERED)
    fire(world, proposal, "rate", "lead", inputs={"rating": "unsatisfied"})
    fire(world, proposal, "record_answer", "lead", inputs={"answer_class": "C", "answer": "受财力所限，暂不能解决。"})
    for signer in [*world.cosigners, world.lead]:
        fire(world, proposal, "rate", signer, inputs={"rating": "unsatisfied"})
    fire(world, proposal, "carry_forward", "secretary")

    raised = Proposal.objects.get(carried_from=proposal)
    printed = raised.evidence.get(original_name__endswith=".docx")
    with printed.file.open("rb") as handle:
        text = all_text(handle.read())
    assert proposal.title in text and "受财力所限，暂不能解决。" in text and "C类" in text


def test_the_batch_export_prints_the_answers_too(world):
    proposal = bring_to(world, State.CLOSED)
    export = DocumentExport.objects.create(requested_by=world.coordinator, session=world.npc_session,
                                           organisation=world.county)  # fmt: skip
    buffer = io.BytesIO()
    assert exports.write_export_zip(export, buffer) == 1
    archive = zipfile.ZipFile(buffer)
    text = all_text(archive.read(proposal_docx.document_filename(proposal)))
    assert "附：办理答复情况" in text and "评价：" in text and "满意" in text
