from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class ChatsiteConfig(AppConfig):
    """The project's own wiring: metrics and log receivers (it has no models)."""

    name = "chatsite"
    verbose_name = "chatsite"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from chatsite import metrics
        from chatsite.logs import request_id_clear

        metrics.connect_signals()
        request_finished.connect(request_id_clear, dispatch_uid="chatsite.logs.request_id_clear")


class ChatsiteAdminConfig(AdminConfig):
    """Django's admin, with the project's own site (chatsite/admin.py) as the default one (`admin.site`)."""

    default_site = "chatsite.admin.ChatsiteAdminSite"
