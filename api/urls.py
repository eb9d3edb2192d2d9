from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from api import spreadsheet_views, views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("organisations", views.OrganisationViewSet, basename="organisation")

# The schema and its docs are public: they hold no data, and a client's author reads them before having a token.
public = {"permission_classes": [AllowAny], "authentication_classes": []}

urlpatterns = [
    path("auth/token/", views.TokenLoginView.as_view(), name="token"),
    path("auth/logout/", views.TokenLogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.TokenLogoutAllView.as_view(), name="logout-all"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/reminders/", views.MyRemindersView.as_view(), name="me-reminders"),
    path("me/calendar/regenerate/", views.MyCalendarRegenerateView.as_view(), name="me-calendar-regenerate"),
    path("proposals/export.csv", spreadsheet_views.ProposalCsvExportView.as_view(), name="proposals-export-csv"),
    path("proposals/export.xlsx", spreadsheet_views.ProposalXlsxExportView.as_view(), name="proposals-export-xlsx"),
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **public), name="docs"),
    path(
        "redoc/",
        # Its own template: drf-spectacular's loads fonts from Google, and the docs must work offline.
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html", **public),
        name="redoc",
    ),
    path("", include(router.urls)),
]
