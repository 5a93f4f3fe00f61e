"""Credit packages for sale, defined in settings.CREDIT_PACKAGES."""

from dataclasses import dataclass

from django.conf import settings

_CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


@dataclass(frozen=True)
class CreditPackage:
    key: str
    name: str
    credits: int
    price_cents: int
    currency: str

    @property
    def price_text(self) -> str:
        """ "$10" for whole amounts, "$10.50" otherwise; unknown currencies as "10 CHF"."""
        amount = f"{self.price_cents // 100}"
        if self.price_cents % 100:
            amount = f"{self.price_cents / 100:.2f}"
        symbol = _CURRENCY_SYMBOLS.get(self.currency)
        return f"{symbol}{amount}" if symbol else f"{amount} {self.currency.upper()}"


def credit_packages() -> list[CreditPackage]:
    currency = settings.CREDIT_CURRENCY.lower()
    return [CreditPackage(currency=currency, **package) for package in settings.CREDIT_PACKAGES]


def get_package(key: str) -> CreditPackage | None:
    return next((package for package in credit_packages() if package.key == key), None)
