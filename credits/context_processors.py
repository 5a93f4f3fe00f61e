from django.conf import settings
from django.utils.functional import SimpleLazyObject

from credits.checkout import purchases_enabled
from credits.packages import credit_packages
from credits.services import balance_of


def credit_badge(request):
    """The navbar badge and purchase dialog: the balance (amber when it runs low) and what
    is for sale."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Read only by a template that shows it: partial responses mostly don't.
    balance = SimpleLazyObject(lambda: balance_of(user=user))
    return {
        "credit_balance": balance,
        "credit_balance_low": SimpleLazyObject(lambda: balance < settings.LOW_BALANCE_THRESHOLD),
        "credit_packages": credit_packages(),
        "purchases_enabled": purchases_enabled(),
    }
