from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web interface")

    def ready(self):
        # The project's own system checks (tracker/ is not an app): PostgreSQL 14 or newer, on `migrate`.
        from tracker import postgres_version  # noqa: F401
