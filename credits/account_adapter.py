from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from credits.services import grant_signup_credits


class CreditGrantingAccountAdapter(DefaultAccountAdapter):
    """Gives every new creator the sign-up grant, so a real model can be tried at once."""

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                grant_signup_credits(user=user)
        return user
