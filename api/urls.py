from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from api import spreadsheet_views, views
from api.docs import RedocView
from tracker.content_security import csp_hash

app_name = "api"

# The one <style> of fixed text that the Redoc bundle of drf-spectacular-sidecar adds (a browser test shows that
# the docs run without a CSP violation, and fails when a new bundle brings other text).
REDOC_STYLE_HASH = "'sha256-QMIg+bpjm3JdElJ388KYke01izlUW0UoNOeKjpMxdgc='"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("proposals", views.ProposalViewSet, basename="proposal")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("handling-units", views.HandlingUnitViewSet, basename="handling-unit")
router.register("needs", views.NeedViewSet, basename="need")
router.register("meetings", views.MeetingViewSet, basename="meeting")

# The schema and its docs are public: they hold no data, and a client's author reads them before having a token.
public = {"permission_classes": [AllowAny], "authentication_classes": []}

urlpatterns = [
    path("auth/token/", views.TokenLoginView.as_view(), name="token"),
    path("auth/logout/", views.TokenLogoutView.as_view(), name="logout"),
    path("auth/logout-all/", views.TokenLogoutAllView.as_view(), name="logout-all"),
    path("me/", views.MeView.as_view(), name="me"),
    path("me/reminders/", views.MyRemindersView.as_view(), name="me-reminders"),
    path("me/notifications/", views.MyNotificationsView.as_view(), name="me-notifications"),
    path("me/notifications/read-all/", views.MyNotificationsReadAllView.as_view(), name="me-notifications-read-all"),
    re_path(
        rf"^me/notifications/(?P<notice_id>{views.ID})/read/$",
        views.MyNotificationReadView.as_view(),
        name="me-notification-read",
    ),
    path("me/calendar/regenerate/", views.MyCalendarRegenerateView.as_view(), name="me-calendar-regenerate"),
    path("proposals/export.csv", spreadsheet_views.ProposalCsvExportView.as_view(), name="proposals-export-csv"),
    path("proposals/export.xlsx", spreadsheet_views.ProposalXlsxExportView.as_view(), name="proposals-export-xlsx"),
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path(
        "docs/",
        # The split view serves the page's start-up script from its own URL: the CSP allows no inline script.
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html", **public),
        name="docs",
    ),
    path(
        "redoc/",
        # Its own template: drf-spectacular's loads fonts from Google, and the docs must work offline. Redoc adds
        # <style> elements as it renders (styled-components): empty ones it fills through the CSSOM, and one of
        # fixed text; the policy admits exactly these by hash, on this page only, and its search's worker. Its
        # bundle comes from its own URL, without the logo it would load from outside (api/docs.py).
        csp_update({"style-src": [csp_hash(""), REDOC_STYLE_HASH], "worker-src": ["'self'", "blob:"]})(
            RedocView.as_view(url_name="api:schema", template_name="api/redoc.html", **public)
        ),
        name="redoc",
    ),
    path("", include(router.urls)),
]
