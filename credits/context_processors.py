from django.conf import settings

from credits.checkout import purchases_enabled
from credits.packages import credit_packages
from credits.services import balance_of


def credit_badge(request):
    """The navbar badge and purchase dialog: the balance (amber when it runs low) and what
    is for sale."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    balance = balance_of(user=user)
    return {
        "credit_balance": balance,
        "credit_balance_low": balance < settings.LOW_BALANCE_THRESHOLD,
        "credit_packages": credit_packages(),
        "purchases_enabled": purchases_enabled(),
    }
