"""A list of proposals as CSV or XLSX (DESIGN §6): one set of columns for both, and for the web and the API.

Both read the rows chunk by chunk (QuerySet.iterator), so memory stays flat however long the list: the CSV is
streamed to the client as it is written; the XLSX is written by openpyxl's write-only workbook to a temporary
file, which is then sent from the disk.

The CSV is UTF-8 with a byte order mark: without it, Excel reads UTF-8 as the local code page and Chinese turns
into mojibake. Text that a spreadsheet would take for a formula (=, +, -, @ first) is written as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import itertools
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from proposals.models import Answer, Proposal
from proposals.selectors import proposals_for_export
from proposals.workflow import Rating, UnitRole

CSV_CONTENT_TYPE = "text/csv"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Proposals read at a time, with their delegates and units prefetched per chunk: an export holds two chunks at
# its peak (the next is read while the last is still referenced). With 500 that peak was about 25 MiB, with 200
# it is 9 MiB (bench scenario 10, 10k rows), at no cost in time the benchmark could tell.
CHUNK_SIZE = 200
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def _lead_delegate(proposal: Proposal) -> str:
    lead = proposal.lead_assignment()
    return lead.delegate.user.display_name if lead is not None and lead.declined_at is None else ""


# --- The handling units' answers, as one cell each (the batch export's index shows the same) -----------------

UNIT_PARTS = {UnitRole.LEAD: pgettext_lazy("unit part", "lead"),
              UnitRole.ASSISTING: pgettext_lazy("unit part", "assisting")}  # fmt: skip


def _latest_answers(proposal: Proposal) -> list[Answer]:
    """Each unit's latest answer, in the order of the units."""
    return [answers[-1] for answers in (h.answers_list() for h in proposal.handlings_list()) if answers]


def handling_units_cell(proposal: Proposal) -> str:
    """Each unit with its part, lead units first: 朔州市人力资源和社会保障局（主办）、朔州市教育局（协办）."""
    return list_separator().join(
        f"{handling.unit.name}（{UNIT_PARTS[handling.role]}）" for handling in proposal.handlings_list()
    )


def answer_classes_cell(proposal: Proposal) -> str:
    """The class of each unit's latest answer, in the order of the units: A、C."""
    unclassified = pgettext("answer class", "unclassified")
    return list_separator().join(answer.answer_class or unclassified for answer in _latest_answers(proposal))


def latest_answered_on(proposal: Proposal) -> dt.date | None:
    return max((answer.answered_on for answer in _latest_answers(proposal)), default=None)


def ratings_cell(proposal: Proposal) -> str:
    """How the signers rated the units' latest answers: 满意 3、基本满意 1."""
    counts = Counter(rating.rating for answer in _latest_answers(proposal) for rating in answer.ratings.all())
    return list_separator().join(f"{label} {counts[value]}" for value, label in Rating.choices if counts[value])


def raised_again_from_cell(proposal: Proposal) -> str:
    """The proposal this one raises again: its reference number and session."""
    earlier = proposal.carried_from
    if earlier is None:
        return ""
    return f"{earlier.reference_number or earlier.pk}（{earlier.session.name}）"


def list_separator() -> str:
    return pgettext("list separator", ", ")


@dataclass(frozen=True)
class Column:
    header: Promise
    value: Callable[[Proposal], Any]  # str, int, an aware datetime, or None
    width: int = 14  # in characters, for the XLSX


HANDLING_COLUMNS: tuple[Column, ...] = (
    Column(_("Handling units"), handling_units_cell, 36),
    Column(_("Answer classes"), answer_classes_cell, 10),
    Column(_("Latest answered on"), latest_answered_on, 12),
    Column(_("Ratings"), ratings_cell, 20),
    Column(_("Supervised since"), lambda p: p.supervised_at, 18),
    Column(_("Raised again from"), raised_again_from_cell, 36),
)

COLUMNS: tuple[Column, ...] = (
    Column(_("ID"), lambda p: p.pk, 8),
    Column(_("Title"), lambda p: p.title, 48),
    Column(_("Kind"), lambda p: p.get_kind_display(), 16),
    Column(_("Topic"), lambda p: p.get_topic_display(), 16),
    Column(_("State"), lambda p: p.get_state_display(), 10),
    Column(_("Organisation"), lambda p: p.organisation.name, 24),
    Column(_("Session"), lambda p: p.session.name, 36),
    Column(_("Lead delegate"), _lead_delegate, 12),
    Column(_("Current stage due"), lambda p: p.current_due_at, 18),
    Column(_("Reference number"), lambda p: p.reference_number, 14),
    *HANDLING_COLUMNS,
    Column(_("Updated"), lambda p: p.updated_at, 18),
)


def headers() -> list[str]:
    return [capfirst(str(column.header)) for column in COLUMNS]


def rows(proposals: QuerySet[Proposal]) -> Iterator[list[Any]]:
    """The values of each proposal, in COLUMNS order, read CHUNK_SIZE rows at a time.

    The query runs here, before the first row is handed out: a query the database refuses fails the call, not
    a response already under way (a client would take a CSV cut after its header for a complete, empty list).
    """
    proposals = proposals_for_export(proposals).iterator(chunk_size=CHUNK_SIZE)
    first = next(proposals, None)
    return _values(first, proposals)


def _values(first: Proposal | None, rest: Iterator[Proposal]) -> Iterator[list[Any]]:
    if first is None:
        return
    for count, proposal in enumerate(itertools.chain([first], rest)):
        if count and count % CHUNK_SIZE == 0:
            # The iterator has just read the next chunk: the last one is garbage, but its proposals are reference
            # cycles (each prefetched assignment and handling points back to its proposal) that only the cyclic
            # collector frees, and left to itself it lets several chunks pile up (documents.exports collects
            # once a chunk for the same reason). Milliseconds a chunk.
            gc.collect()
        yield [column.value(proposal) for column in COLUMNS]


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_value(value: Any) -> Any:
    """A value as the CSV writes it (and the batch export's index): local time, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime(DATETIME_FORMAT)
    return _safe_text(value) if isinstance(value, str) else value


class _Line:
    """A file-like object for csv.writer that hands back each line instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(proposals: QuerySet[Proposal]) -> Iterator[bytes]:
    """The CSV, line by line, UTF-8 with a byte order mark; dates in the project's time zone. The query runs
    in this call (see rows), the lines are made as they are read."""
    return _csv_lines(rows(proposals))


def _csv_lines(values_of_rows: Iterator[list[Any]]) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield (BOM + writer.writerow(headers())).encode()
    for values in values_of_rows:
        yield writer.writerow([csv_value(value) for value in values]).encode()


def write_xlsx(proposals: QuerySet[Proposal], file) -> None:
    """The XLSX, written to `file` without holding the rows in memory; dates in the project's time zone."""
    values_of_rows = rows(proposals)  # the query first: a refused one leaves no half-made workbook behind
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Proposals"))[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    sheet.append([_xlsx_cell(sheet, header, font=bold) for header in headers()])
    for values in values_of_rows:
        sheet.append([_xlsx_cell(sheet, value) for value in values])
    workbook.save(file)


def _xlsx_cell(sheet, value: Any, font: Font | None = None) -> WriteOnlyCell:
    if isinstance(value, dt.datetime):  # Excel has no time zones: the local time, shown as such
        cell = WriteOnlyCell(sheet, value=timezone.localtime(value).replace(tzinfo=None, microsecond=0))
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # never a formula, whatever the text starts with
    else:
        cell = WriteOnlyCell(sheet, value=value)
    if font is not None:
        cell.font = font
    return cell


# --- Downloads, the same for the web and the API -------------------------------------------------------


def _filename(extension: str) -> str:
    return f"proposals-{timezone.localtime():%Y%m%d-%H%M}.{extension}"


def _in_language(language: str, lines: Iterator[bytes]) -> Iterator[bytes]:
    """The lines are made while the response streams, after the view returned: in the request's language."""
    with translation.override(language):
        yield from lines


def csv_response(proposals: QuerySet[Proposal]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _in_language(translation.get_language(), csv_lines(proposals)),
        content_type=f"{CSV_CONTENT_TYPE}; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def xlsx_response(proposals: QuerySet[Proposal]) -> FileResponse:
    # Deleted when the response closes it, after the last byte went out.
    file = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115
    try:
        write_xlsx(proposals, file)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
