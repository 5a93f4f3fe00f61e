"""How long cuts last, written as creators read it: a cut's seconds ("2.5") and a storyboard's
running time ("1:05"). Each cut's own length is ``Cut.duration_seconds``."""

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from projects.models import Cut


def running_seconds(cuts: Iterable[Cut]) -> Decimal:
    return sum((cut.duration_seconds for cut in cuts), Decimal(0))


def clock(seconds: Decimal) -> str:
    """``m:ss`` to the nearest second: 62.5 s is "1:03"."""
    whole = int(seconds.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    minutes, rest = divmod(whole, 60)
    return f"{minutes}:{rest:02d}"


def seconds_text(seconds: Decimal) -> str:
    """A plain number a spreadsheet can add up: "2.5", "3" (not "3.0" or "3E+1")."""
    text = f"{seconds:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
