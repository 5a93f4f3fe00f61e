from django.apps import AppConfig


class KeyframesConfig(AppConfig):
    name = "keyframes"
    default_auto_field = "django.db.models.BigAutoField"
