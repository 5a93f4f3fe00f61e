from django.apps import AppConfig


class KeyframesConfig(AppConfig):
    name = "keyframes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credits.ledger_checks import register_ledger_check
        from keyframes import receivers  # imports models, so only once the registry is ready
        from keyframes.ledger_check import jobs_off_their_ledger

        receivers.connect()
        register_ledger_check(jobs_off_their_ledger)
