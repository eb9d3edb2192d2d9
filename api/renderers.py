"""The browsable API's renderer, fit for the site's Content-Security-Policy."""

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's, without the inline <style> of Pygments' colours, which the policy refuses: the page colours its
    JSON with prettify.js (a static file); Pygments only served DRF's removed API docs."""

    def get_context(self, *args, **kwargs):
        context = super().get_context(*args, **kwargs)
        context["code_style"] = None
        return context
