"""A proposal as a Word document, in the layout offices use for 议案, 建议 and 提案 (DESIGN §6).

The layout follows the national standard for official documents (GB/T 9704): A4 with its margins, the title in
方正小标宋简体 二号 centred, the body in 仿宋_GB2312 三号 at a fixed line pitch, 黑体 for the headings and the
form's labels, page numbers "— 1 —". The document is Chinese whatever the reader's language: it is what the
session's office receives.

Word takes a run's Chinese characters from its East Asian font (w:rFonts w:eastAsia), and a theme font named on
a style wins over an explicit one; so every style and run names its fonts explicitly and no theme font is left.
A machine without the official fonts (most machines outside government offices) substitutes the font table's
w:altName: 宋体, 仿宋 and 黑体 are on every Windows and in WPS.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Iterable
from typing import BinaryIO

from django.utils import timezone
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from proposals.models import Assignment, Handling, Proposal
from proposals.workflow import AnswerClass, AnswerMethod, Rating, UnitRole

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# The official fonts, and what Word and WPS use where one is missing (the font table's altName).
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
FONT_TABLE = {
    # name: (altName, panose of the substitute, family, pitch)
    TITLE_FONT: ("宋体", "02010600030101010101", "auto", "variable"),
    BODY_FONT: ("仿宋", "02010609060101010101", "modern", "fixed"),
    HEADING_FONT: ("SimHei", "02010609060101010101", "modern", "fixed"),
    PAGE_NUMBER_FONT: ("SimSun", "02010600030101010101", "auto", "variable"),
}

# The layout's paragraph styles, by id (what paragraphs name) and by name (what Word's style list shows).
TITLE_STYLE, BODY_STYLE, HEADING_STYLE = "ProposalTitle", "ProposalBody", "ProposalHeading"
TABLE_STYLE, TABLE_LABEL_STYLE, SIGNATURE_STYLE = "ProposalTable", "ProposalTableLabel", "ProposalSignature"
STYLE_NAMES = {
    TITLE_STYLE: "Proposal Title", BODY_STYLE: "Proposal Body", HEADING_STYLE: "Proposal Heading",
    TABLE_STYLE: "Proposal Table", TABLE_LABEL_STYLE: "Proposal Table Label", SIGNATURE_STYLE: "Proposal Signature",
}  # fmt: skip

TITLE_SIZE = Pt(22)  # 二号
BODY_SIZE = Pt(16)  # 三号
TABLE_SIZE = Pt(14)  # 四号
LINE_PITCH = Pt(28)  # 固定值28磅: 22 lines a page

# The category printed on the document, by kind: the offices' own words, not the interface's labels.
CATEGORY = {
    Proposal.Kind.MOTION: "议案",
    Proposal.Kind.SUGGESTION: "建议",
    Proposal.Kind.CPPCC_PROPOSAL: "提案",
}
# A motion (议案) proposes a solution (办法); suggestions and CPPCC proposals make recommendations (建议).
RECOMMENDATIONS_HEADING = {Proposal.Kind.MOTION: "具体办法"}
# The handling units' answers, in the offices' words.
UNIT_ROLE = {UnitRole.LEAD: "主办", UnitRole.ASSISTING: "协办"}
ANSWER_METHOD = {AnswerMethod.IN_PERSON: "当面答复", AnswerMethod.PHONE: "电话答复", AnswerMethod.WRITING: "书面答复"}
ANSWER_CLASS = {
    AnswerClass.A: "A类（所提问题已经解决或基本解决）",
    AnswerClass.B: "B类（所提问题正在解决或列入计划逐步解决）",
    AnswerClass.C: "C类（所提问题因条件限制暂时不能解决，留作参考）",
}
RATING = {Rating.SATISFIED: "满意", Rating.BASICALLY_SATISFIED: "基本满意", Rating.UNSATISFIED: "不满意"}
ROUND = {1: "第一次答复", 2: "重新办理后的答复"}

# Characters XML 1.0 forbids (C0 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF), and the C1
# controls, which XML allows but Word does not show and no one types on purpose. Emoji are kept.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# What a file name must not hold in a zip or on Windows, and runs of white space.
_NOT_IN_FILE_NAME = re.compile(r'[\\/:*?"<>|\s]+')
FILE_NAME_TITLE_CHARS = 40


def xml_safe(text: str) -> str:
    """The text without the characters an XML 1.0 document (and so a .docx) cannot hold."""
    return _NOT_IN_XML.sub("", text or "")


def chinese_date(day: dt.date) -> str:
    """2026年11月27日, the way official documents write a date."""
    return f"{day.year}年{day.month}月{day.day}日"


def file_name_part(text: str, *, separator: str = "_") -> str:
    """The text as part of a file name, safe in a zip and in a Content-Disposition header: what XML, a zip or
    Windows cannot hold is dropped or, with runs of white space, becomes the separator."""
    return _NOT_IN_FILE_NAME.sub(separator, xml_safe(text))


def document_filename(proposal: Proposal) -> str:
    """`<reference number or id>-<title, shortened>.docx`."""
    prefix = file_name_part(proposal.reference_number, separator="") or str(proposal.pk)
    title = file_name_part(proposal.title).strip("._")[:FILE_NAME_TITLE_CHARS].rstrip("._")
    return f"{prefix}-{title}.docx" if title else f"{prefix}.docx"


def _lines(text: str) -> list[str]:
    """The text's paragraphs: one per line, without blank lines and without indents typed by hand."""
    return [line for line in (raw.strip(" \t\u3000") for raw in xml_safe(text).splitlines()) if line]


# --- Fonts, languages and styles ---------------------------------------------------------------------


def _set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a style's or a run's properties, and drop any theme font, which would win."""
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def _child(parent, tag: str):
    """The element's child `tag`, appended when missing."""
    child = parent.find(qn(tag))
    if child is None:
        child = OxmlElement(tag)
        parent.append(child)
    return child


def _set_language(rpr) -> None:
    lang = _child(rpr, "w:lang")
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")


def _set_first_line_indent(paragraph_format, characters: int) -> None:
    """Indent by characters (firstLineChars), so the indent follows the font size, with twips for old readers."""
    paragraph_format.first_line_indent = Pt(16 * characters)
    ind = paragraph_format._element.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(100 * characters))


def _declare_fonts(document) -> None:
    """Add the official fonts to the font table, each with the font Word and WPS substitute where it is missing."""
    font_table = next(
        (part for part in document.part.package.iter_parts() if part.partname == "/word/fontTable.xml"), None
    )
    if font_table is None:  # pragma: no cover (the default template has one)
        return
    root = parse_xml(font_table.blob)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for name, (alt, panose, family, pitch) in FONT_TABLE.items():
        if name in known:
            continue
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alt), ("w:panose1", panose), ("w:charset", "86"), ("w:family", family),
                           ("w:pitch", pitch)):  # fmt: skip
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        root.append(font)
    # A plain package part: python-docx keeps its bytes and writes them back as they are.
    font_table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


def _drop_template_leftovers(document) -> None:
    """The default template's Word 2010 copy of its styles (Japanese theme fonts) and its thumbnail: a reader
    that looks at either would show something other than this document."""
    for rels, reltype in ((document.part.rels, STYLES_WITH_EFFECTS), (document.part.package.rels, THUMBNAIL)):
        for r_id in [r_id for r_id, rel in rels.items() if rel.reltype == reltype]:
            del rels[r_id]


def _paragraph_style(document, style_id: str, *, font: str, size, align=None, indent_chars: int = 0, line=LINE_PITCH):
    style = document.styles.add_style(STYLE_NAMES[style_id], WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    _set_fonts(style.element.get_or_add_rPr(), font)
    style.font.size = size
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if align is not None:
        fmt.alignment = align
    if indent_chars:
        _set_first_line_indent(fmt, indent_chars)
    return style


def _prepare(document) -> None:
    """Page, languages, fonts and the styles of the official layout."""
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(20)

    styles = document.styles
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    _set_language(rpr)
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    if spacing is not None:
        ppr.remove(spacing)
    # Theme fonts resolve through this language: Chinese, not the template's Japanese.
    settings = document.settings.element
    theme_language = _child(settings, "w:themeFontLang")
    theme_language.set(qn("w:val"), "zh-CN")
    theme_language.set(qn("w:eastAsia"), "zh-CN")

    normal = styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    _set_language(normal.element.get_or_add_rPr())
    normal.font.size = BODY_SIZE
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE_PITCH
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = True

    _paragraph_style(document, TITLE_STYLE, font=TITLE_FONT, size=TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
                     line=Pt(36))  # fmt: skip
    _paragraph_style(document, BODY_STYLE, font=BODY_FONT, size=BODY_SIZE, align=WD_ALIGN_PARAGRAPH.JUSTIFY,
                     indent_chars=2)  # fmt: skip
    title = document.styles[STYLE_NAMES[TITLE_STYLE]]
    title.paragraph_format.space_after = LINE_PITCH
    # Unnumbered: the texts number their own points 一、二、三, and two series of 一、 would read as one.
    heading = _paragraph_style(document, HEADING_STYLE, font=HEADING_FONT, size=BODY_SIZE)
    heading.paragraph_format.space_before = LINE_PITCH  # a blank line, which Word drops at the top of a page
    heading.paragraph_format.keep_with_next = True
    _paragraph_style(document, TABLE_STYLE, font=BODY_FONT, size=TABLE_SIZE, line=Pt(24))
    _paragraph_style(document, TABLE_LABEL_STYLE, font=HEADING_FONT, size=TABLE_SIZE, line=Pt(24),
                     align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip
    signature = _paragraph_style(document, SIGNATURE_STYLE, font=BODY_FONT, size=BODY_SIZE,
                                 align=WD_ALIGN_PARAGRAPH.RIGHT)  # fmt: skip
    signature.paragraph_format.right_indent = Pt(64)
    signature.paragraph_format.keep_with_next = True
    _declare_fonts(document)
    _drop_template_leftovers(document)


def _set_style(paragraph, style_id: str) -> None:
    """Name the paragraph's style by its id: python-docx's lookup by name reads every style of the template, for
    every paragraph, and was most of the time a document took."""
    paragraph._p.get_or_add_pPr().style = style_id


# --- Content --------------------------------------------------------------------------------------------


def _paragraph(container, text: str, style_id: str, font: str = BODY_FONT):
    paragraph = container.add_paragraph()
    _set_style(paragraph, style_id)
    if text:
        run = paragraph.add_run(text)
        _set_fonts(run._r.get_or_add_rPr(), font)
    return paragraph


def _page_number_footer(section) -> None:
    """— 1 —, centred, in 宋体 四号, as official documents number their pages."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str = ""):
        r = paragraph.add_run(text)
        _set_fonts(r._r.get_or_add_rPr(), PAGE_NUMBER_FONT)
        r.font.size = Pt(14)
        return r

    run("— ")
    for kind, instruction in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        r = run()
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif instruction == "1":
            element = OxmlElement("w:t")
            element.text = "1"
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = instruction
        r._r.append(element)
    run(" —")


def _person(assignment: Assignment) -> str:
    delegate = assignment.delegate
    name = xml_safe(delegate.user.display_name)
    constituency = xml_safe(delegate.constituency).strip()
    return f"{name}（{constituency}）" if constituency else name


def header_rows(proposal: Proposal) -> list[tuple[str, str]]:
    """The form at the top of the document: category, session, number, proposers, organisation and subject."""
    lead = proposal.lead_assignment()
    cosigners = proposal.cosigned_assignments()
    rows = [("类别", CATEGORY.get(proposal.kind, "")), ("会议", xml_safe(proposal.session.name))]
    if proposal.reference_number:
        rows.append(("编号", xml_safe(proposal.reference_number)))
    rows += [
        ("领衔人", _person(lead) if lead is not None else "无"),
        ("附议人", "、".join(_person(a) for a in cosigners) if cosigners else "无"),
        ("提出单位", xml_safe(proposal.organisation.name)),
        ("案由", xml_safe(proposal.title)),
    ]
    return rows


def sections_of(proposal: Proposal) -> list[tuple[str, list[str]]]:
    """The body: reasons (background), research findings, and the recommendations, each as its paragraphs.

    Empty parts are left out.
    """
    parts = [
        ("理由", _lines(proposal.background)),
        ("调研情况", _lines(proposal.research_findings)),
        (RECOMMENDATIONS_HEADING.get(proposal.kind, "具体建议"), _lines(proposal.recommendations)),
    ]
    return [(heading, lines) for heading, lines in parts if lines]


def _rater(rating) -> str:
    return xml_safe(rating.rater.display_name) if rating.rater is not None else "领衔人"


def answer_sections(proposal: Proposal) -> list[tuple[str, list[str]]]:
    """The handling units' answers, one part per unit that answered: for each of its answers the date, how it
    was communicated, its class, its text, and the signers' ratings. Empty before any answer was recorded.

    Reads the proposal's handlings with their units, answers, ratings and raters: prefetch them
    (proposals.selectors.HANDLING_PREFETCH)."""
    parts = []
    for handling in proposal.handlings_list():
        lines = []
        for answer in handling.answers_list():
            facts = [f"{ROUND.get(answer.round, '')}：{chinese_date(answer.answered_on)}"]
            if answer.method:
                facts.append(ANSWER_METHOD[answer.method])
            facts.append(ANSWER_CLASS.get(answer.answer_class, "未分类"))
            lines.append("，".join(facts) + "。")
            lines += _lines(answer.text)
            ratings = "；".join(f"{_rater(r)}：{RATING[r.rating]}" for r in answer.ratings.all())
            lines.append(f"评价：{ratings}。" if ratings else "评价：尚未评价。")
        if lines:
            parts.append((_unit_heading(handling), lines))
    return parts


def _unit_heading(handling: Handling) -> str:
    return f"{xml_safe(handling.unit.name)}（{UNIT_ROLE.get(handling.role, '')}）"


def document_date(proposal: Proposal, today: dt.date | None = None) -> dt.date:
    return proposal.submitted_on or today or timezone.localdate()


def _header_table(document, rows: Iterable[tuple[str, str]]) -> None:
    table = document.add_table(rows=0, cols=2)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = (Mm(30), Mm(126))
    for label, value in rows:
        cells = table.add_row().cells
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _set_style(cells[0].paragraphs[0], TABLE_LABEL_STYLE)
        run = cells[0].paragraphs[0].add_run(label)
        _set_fonts(run._r.get_or_add_rPr(), HEADING_FONT)
        _set_style(cells[1].paragraphs[0], TABLE_STYLE)
        run = cells[1].paragraphs[0].add_run(value)
        _set_fonts(run._r.get_or_add_rPr(), BODY_FONT)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width


@functools.cache
def _blank() -> bytes:
    """The empty document with the page, fonts, styles and footer of the layout, prepared once per process."""
    document = Document()
    _prepare(document)
    _page_number_footer(document.sections[0])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_document(proposal: Proposal, *, today: dt.date | None = None):
    """The python-docx Document of a proposal, and after it the units' answers once any was recorded. Reads the
    proposal's session, organisation, assignments (with their delegates' users) and handlings
    (answer_sections): prefetch them when building many."""
    document = Document(io.BytesIO(_blank()))
    title = xml_safe(proposal.title)
    properties = document.core_properties
    properties.title = title[:255]
    properties.subject = CATEGORY.get(proposal.kind, "")
    properties.author = xml_safe(proposal.organisation.name)[:255]
    properties.last_modified_by = properties.author
    properties.language = "zh-CN"
    properties.keywords = xml_safe(proposal.session.name)[:255]
    properties.comments = ""
    properties.revision = proposal.revision_number
    properties.created = properties.modified = timezone.now()

    _paragraph(document, title, TITLE_STYLE, TITLE_FONT)
    _header_table(document, header_rows(proposal))
    for heading, lines in sections_of(proposal):
        _paragraph(document, heading, HEADING_STYLE, HEADING_FONT)
        for line in lines:
            _paragraph(document, line, BODY_STYLE)
    signature = _paragraph(document, xml_safe(proposal.organisation.name), SIGNATURE_STYLE)
    signature.paragraph_format.space_before = LINE_PITCH * 2
    _paragraph(document, chinese_date(document_date(proposal, today)), SIGNATURE_STYLE)
    answers = answer_sections(proposal)
    if answers:
        appendix = _paragraph(document, "附：办理答复情况", HEADING_STYLE, HEADING_FONT)
        appendix.paragraph_format.space_before = LINE_PITCH * 2
        for heading, lines in answers:
            _paragraph(document, heading, HEADING_STYLE, HEADING_FONT)
            for line in lines:
                _paragraph(document, line, BODY_STYLE)
    return document


def write_proposal_docx(proposal: Proposal, out: BinaryIO, *, today: dt.date | None = None) -> None:
    """Write the proposal as a .docx into a binary file object."""
    build_document(proposal, today=today).save(out)


def proposal_docx_bytes(proposal: Proposal, *, today: dt.date | None = None) -> bytes:
    """The .docx of one proposal, with its answers once they were recorded."""
    buffer = io.BytesIO()
    write_proposal_docx(proposal, buffer, today=today)
    return buffer.getvalue()
