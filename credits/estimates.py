"""What a generation will cost, shown before anything is spent."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    total: int
    text: str


def estimate(*, credits_per_image: int, count: int) -> Estimate:
    total = credits_per_image * count
    return Estimate(total=total, text=f"{count} × {credits_per_image} = {total} credits")
