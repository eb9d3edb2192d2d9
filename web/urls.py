from django.urls import path

from web import dashboard_views, proposal_views, views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("statistics/", dashboard_views.statistics_page, name="statistics"),
    path("preferences/", views.preferences, name="preferences"),
    path("language/", views.set_language, name="set-language"),
    path("p/<int:pk>/", proposal_views.proposal_open, name="proposal-open"),
    path("preferences/<str:token>/", views.reminder_preferences, name="reminder-preferences"),
    path("proposals/", proposal_views.proposal_list, name="proposal-list"),
    path("proposals/new/", proposal_views.proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/edit/", proposal_views.proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/act/", proposal_views.proposal_act, name="proposal-act"),
    path("proposals/<int:pk>/compare/", proposal_views.proposal_compare, name="proposal-compare"),
    path("proposals/<int:pk>/deadline/", proposal_views.proposal_deadline, name="proposal-deadline"),
    path("proposals/<int:pk>/assign/", proposal_views.proposal_assign, name="proposal-assign"),
    path("proposals/<int:pk>/evidence/", proposal_views.evidence_upload, name="proposal-evidence-add"),
    path("evidence/<int:pk>/download/", proposal_views.evidence_download, name="evidence-download"),
]
