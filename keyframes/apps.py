from django.apps import AppConfig


class KeyframesConfig(AppConfig):
    name = "keyframes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from keyframes import receivers  # imports models, so only once the registry is ready

        receivers.connect()
