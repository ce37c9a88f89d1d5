"""The Content-Security-Policy of every answer (settings.CONTENT_SECURITY_POLICY) and its one loosening."""

from csp.constants import UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.renderers import BrowsableAPIRenderer

# DRF's own templates (the browsable API and its log-in page) carry a <style> block and style="" attributes.
# Inline styles run no script, and no other page of ours needs them; scripts stay external there too.
DRF_TEMPLATE_POLICY = {"style-src": [UNSAFE_INLINE]}


def _drf_template(request: HttpRequest, response: HttpResponseBase) -> bool:
    if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.namespace == "rest_framework"


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, letting DRF's HTML pages keep their inline styles."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if parts.config is None and parts.update is None and _drf_template(request, response):
            parts.update = DRF_TEMPLATE_POLICY
        return parts
