from django.apps import AppConfig
from django.conf import settings


class CreditsConfig(AppConfig):
    name = "credits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import stripe
        from django.apps import apps

        if apps.is_installed("djstripe"):
            from credits import webhooks  # noqa: F401  (connects the dj-stripe receivers)

        if settings.STRIPE_API_BASE:
            # dj-stripe calls Stripe through the module-level client.
            stripe.api_base = settings.STRIPE_API_BASE
