from django.conf import settings

from credits.services import balance_of


def credit_badge(request):
    """The navbar badge: the signed-in creator's balance, amber when it runs low."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    balance = balance_of(user=user)
    return {
        "credit_balance": balance,
        "credit_balance_low": balance < settings.LOW_BALANCE_THRESHOLD,
    }
