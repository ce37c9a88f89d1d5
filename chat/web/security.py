"""The Content-Security-Policy of every answer (settings.CONTENT_SECURITY_POLICY) and its one loosening."""

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY, UNSAFE_INLINE
from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from rest_framework.renderers import BrowsableAPIRenderer

# DRF's own templates (the browsable API and its log-in page) carry a <style> block and style="" attributes.
# Inline styles run no script, and no other page of ours needs them; scripts stay external there too.
DRF_TEMPLATE_POLICY = {"style-src": [UNSAFE_INLINE]}

# The policy every plain answer carries (no decorator, no nonce), by report-only: built once per process from
# the settings. django-csp builds it anew for each answer, which cost about 50 µs of every request.
_standing: dict[bool, str] = {}


@receiver(setting_changed)
def _forget_standing_policy(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _standing.clear()


def _policy(parts: PolicyParts, *, report_only: bool) -> str:
    if parts.config is None and parts.update is None and parts.replace is None and parts.nonce is None:
        if report_only not in _standing:
            _standing[report_only] = build_policy(report_only=report_only)
        return _standing[report_only]
    return build_policy(parts.config, parts.update, parts.replace, parts.nonce, report_only=report_only)


def _drf_template(request: HttpRequest, response: HttpResponseBase) -> bool:
    if isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer):
        return True
    match = getattr(request, "resolver_match", None)
    return match is not None and match.namespace == "rest_framework"


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, letting DRF's HTML pages keep their inline styles, and building the standing
    policy once (its `process_response`, otherwise as django-csp's own)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if parts.config is None and parts.update is None and _drf_template(request, response):
            parts.update = DRF_TEMPLATE_POLICY
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if response.status_code in (500, 404) and settings.DEBUG:
            return response  # Django's debug pages, as django-csp leaves them
        for report_only, header, exempt, setting in (
            (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            value = _policy(self.get_policy_parts(request, response, report_only), report_only=report_only)
            if not value or header in response or getattr(response, exempt, False) is not False:
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = value
        if getattr(request, "_csp_nonce", None) is None:
            # As django-csp: a nonce asked for after the header was written is an error, not a silent no-op.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
