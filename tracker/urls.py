from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker import health
from tracker.errors import page_not_found, server_error
from tracker.health import healthz
from tracker.outbox_health import operations_status, outbox_health

admin.site.site_header = admin.site.site_title = "青年提案助手 Youth proposal tracker"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("healthz/outbox", outbox_health, name="healthz-outbox"),
    path("healthz/live", health.live, name="healthz-live"),
    path("healthz/ready", health.ready, name="healthz-ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/status/", operations_status, name="operations-status"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("web.urls")),
]

if settings.PROMETHEUS_METRICS:  # off (the default): no such page, 404
    from tracker.metrics import metrics

    urlpatterns.insert(0, path("metrics", metrics, name="metrics"))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = page_not_found
handler500 = server_error
