from django import forms

from credits.packages import credit_packages


def _package_choices():
    return [(package.key, package.name) for package in credit_packages()]


class CheckoutForm(forms.Form):
    package = forms.ChoiceField(choices=_package_choices)


class AdjustCreditsForm(forms.Form):
    amount = forms.IntegerField(
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text="Positive adds credits, negative removes them.",
    )
    memo = forms.CharField(
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Why the balance changes; the creator's history shows it.",
    )
