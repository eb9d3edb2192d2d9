from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import DefaultRouter

from api import views

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
    path("schema/", SpectacularAPIView.as_view(**public), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema", **public), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema", **public), name="redoc"),
    path("", include(router.urls)),
]
