from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from web import (
    dashboard_views,
    export_views,
    feed_views,
    handling_unit_views,
    inbox_views,
    meeting_views,
    need_views,
    proposal_views,
    spreadsheet_views,
    views,
    year_review_views,
)
from web.forms import PasswordResetRequestForm

# Django's own password views, with our pages (the admin's registration/ templates would otherwise win) and
# Django's URL names, which they redirect to. Every way a password changes revokes the person's API tokens and
# calendar address (User.save); the change keeps this browser's session, the reset signs every browser out.
password_urlpatterns = [
    path("password/change/", auth_views.PasswordChangeView.as_view(template_name="web/password_change.html"),
         name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="web/password_done.html", extra_context={"done": "changed"}), name="password_change_done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        form_class=PasswordResetRequestForm, template_name="web/password_reset.html",
        email_template_name="web/mail/password_reset.txt", subject_template_name="web/mail/password_reset_subject.txt",
    ), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="web/password_done.html", extra_context={"done": "sent"}), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="web/password_reset_confirm.html"), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(
        template_name="web/password_done.html", extra_context={"done": "reset"}), name="password_reset_complete"),
]  # fmt: skip

urlpatterns = [
    *password_urlpatterns,
    path("favicon.ico", views.favicon, name="favicon"),
    path("", dashboard_views.home, name="home"),
    path("statistics/", dashboard_views.statistics_page, name="statistics"),
    path("statistics/year/", year_review_views.year_review_page, name="year-review"),
    path("statistics/year/review.xlsx", year_review_views.year_review_xlsx, name="year-review-xlsx"),
    path("preferences/", views.preferences, name="preferences"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read-all/", inbox_views.notices_read_all, name="inbox-read-all"),
    path("inbox/<int:pk>/", inbox_views.notice_open, name="notice-open"),
    path("inbox/<int:pk>/read/", inbox_views.notice_read, name="notice-read"),
    path("preferences/calendar/regenerate/", feed_views.calendar_regenerate, name="calendar-regenerate"),
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{1,64})\.ics$", feed_views.calendar_feed, name="calendar-feed"),
    path("language/", views.set_language, name="set-language"),
    path("p/<int:pk>/", proposal_views.proposal_open, name="proposal-open"),
    path("preferences/<str:token>/", views.reminder_preferences, name="reminder-preferences"),
    path("proposals/", proposal_views.proposal_list, name="proposal-list"),
    path("proposals/export.csv", spreadsheet_views.proposal_list_csv, name="proposal-list-csv"),
    path("proposals/export.xlsx", spreadsheet_views.proposal_list_xlsx, name="proposal-list-xlsx"),
    path("proposals/new/", proposal_views.proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/edit/", proposal_views.proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/act/", proposal_views.proposal_act, name="proposal-act"),
    path("proposals/<int:pk>/compare/", proposal_views.proposal_compare, name="proposal-compare"),
    path("proposals/<int:pk>/deadline/", proposal_views.proposal_deadline, name="proposal-deadline"),
    path("proposals/<int:pk>/assign/", proposal_views.proposal_assign, name="proposal-assign"),
    path(
        "proposals/<int:pk>/unassign/<int:assignment_id>/", proposal_views.proposal_unassign, name="proposal-unassign"
    ),
    path(
        "proposals/<int:pk>/delegates/ask/",
        proposal_views.proposal_request_delegates,
        name="proposal-request-delegates",
    ),
    path("proposals/<int:pk>/evidence/", proposal_views.evidence_upload, name="proposal-evidence-add"),
    path("proposals/<int:pk>/answer-letter/", proposal_views.answer_letter_upload, name="proposal-answer-letter"),
    path("evidence/<int:pk>/download/", proposal_views.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/change/", proposal_views.evidence_change, name="evidence-change"),
    path("proposals/<int:pk>/document.docx", export_views.proposal_document, name="proposal-document"),
    path("handling-units/", handling_unit_views.handling_unit_list, name="handling-units"),
    path("handling-units/new/", handling_unit_views.handling_unit_create, name="handling-unit-create"),
    path("handling-units/<int:pk>/edit/", handling_unit_views.handling_unit_edit, name="handling-unit-edit"),
    path(
        "handling-units/<int:pk>/deactivate/",
        handling_unit_views.handling_unit_deactivate,
        name="handling-unit-deactivate",
    ),
    path("meetings/", meeting_views.meeting_list, name="meetings"),
    path("meetings/new/", meeting_views.meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", meeting_views.meeting_page, name="meeting"),
    path("meetings/<int:pk>/edit/", meeting_views.meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/files/", meeting_views.meeting_file_upload, name="meeting-file-add"),
    path("meeting-files/<int:pk>/download/", meeting_views.meeting_file_download, name="meeting-file-download"),
    path("needs/", need_views.need_list, name="need-list"),
    path("needs/new/", need_views.need_create, name="need-create"),
    path("needs/<int:pk>/", need_views.need_open, name="need-open"),
    path("needs/<int:pk>/triage/", need_views.need_triage, name="need-triage"),
    path("needs/codes/", need_views.need_codes, name="need-codes"),
    path("needs/codes/<int:organisation_id>/", need_views.need_code, name="need-code"),
    path("needs/codes/<int:organisation_id>/qr.svg", need_views.need_code_svg, name="need-code-svg"),
    # The public page young people reach from the QR code: no sign-in.
    path("voice/<int:organisation_id>/", need_views.need_public, name="need-public"),
    path("voice/<int:organisation_id>/thanks/", need_views.need_public_thanks, name="need-public-thanks"),
    path("exports/", export_views.export_list, name="exports"),
    path("exports/<int:pk>/status/", export_views.export_status_json, name="export-status"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export-download"),
]
