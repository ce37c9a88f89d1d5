from django.apps import AppConfig


class ChatConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chat.api import schema  # noqa: F401  registers the OpenAPI authentication extensions
        from chat.events import bus

        bus.connect_signals()
