from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The Shuozhou demo data and `manage.py seed_demo`. No models: production may leave it out (TRACKER_DEMO)."""

    name = "demo"
    verbose_name = _("Demo data")
