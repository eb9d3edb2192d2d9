"""Word documents: one proposal as a .docx, and batch exports of a session's proposals with their progress.

Views parse input, call a service or a selector, and answer. What goes in a document and in an export, and who
may ask for one, is decided in proposals.documents (proposal_docx, exports) and proposals.selectors.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from proposals import selectors
from proposals.documents import exports, proposal_docx
from proposals.models import DocumentExport
from tracker.media import download_response
from web.forms import ExportForm

RECENT_EXPORTS = 20
UNFINISHED = (DocumentExport.Status.PENDING, DocumentExport.Status.RUNNING)


@login_required
@require_GET
def proposal_document(request, pk: int):
    """The proposal as a .docx in the official layout; it does not exist for whoever may not see the proposal."""
    proposal = selectors.proposal_for_document(request.user, pk)
    if proposal is None:
        raise Http404
    return FileResponse(
        io.BytesIO(proposal_docx.proposal_docx_bytes(proposal)), as_attachment=True,
        filename=proposal_docx.document_filename(proposal), content_type=proposal_docx.DOCX_CONTENT_TYPE,
    )  # fmt: skip


def export_status(export: DocumentExport) -> dict:
    """What the page shows of an export, and what its script polls."""
    finished = export.status not in UNFINISHED
    downloadable = export.status == DocumentExport.Status.DONE and bool(export.file)
    return {
        "id": export.pk,
        "status": export.status,
        "status_label": str(export.get_status_display()),
        "done": export.done,
        "total": export.total,
        "count_label": _("%(done)d of %(total)d proposals") % {"done": export.done, "total": export.total},
        "finished": finished,
        # For <progress>: no value while the count is unknown (an indeterminate bar); full once finished.
        "progress_max": export.total or 1,
        "progress_value": (export.done if export.total else 1) if finished or export.total else None,
        "download_url": reverse("export-download", args=[export.pk]) if downloadable else None,
        "error": _("The export failed. Please try again, or tell the administrator.")
        if export.status == DocumentExport.Status.FAILED
        else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def export_list(request):
    """Ask for an export, and follow the ones asked for: progress while they run, the download when done."""
    if not selectors.steers_organisations(request.user):
        raise Http404
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        export = form.apply()
        if export is not None:
            messages.success(request, _("The export is on its way; this page shows its progress."))
            return redirect("exports")
    exports_list = list(selectors.document_exports_of(request.user)[:RECENT_EXPORTS])
    context = {
        "form": form,
        "exports": [(export, export_status(export)) for export in exports_list],
    }
    return render(request, "web/exports.html", context, status=400 if form.is_bound and form.errors else 200)


@login_required
@require_GET
def export_status_json(request, pk: int):
    export = get_object_or_404(selectors.document_exports_of(request.user), pk=pk)
    response = JsonResponse(export_status(export))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_download(request, pk: int):
    """The zip, for the person who asked for it only."""
    export = get_object_or_404(selectors.document_exports_of(request.user), pk=pk, status=DocumentExport.Status.DONE)
    return download_response(export.file, filename=exports.export_filename(export), content_type="application/zip")
