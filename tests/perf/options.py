"""What a benchmark run measures and at which sizes (free of Django, for the CLI)."""

from dataclasses import dataclass, field

SECTIONS = (
    "fanout", "flight", "clusters", "pages", "growth", "load", "bytes", "memory", "animatic",
)  # fmt: skip


@dataclass
class Options:
    latency: float = 1.0  # seconds per image at the fake provider
    repeats: int = 3
    flight_cuts: int = 24
    flight_count: int = 4
    workers: int = 4  # W: threads standing in for django-q2 workers
    cap: int = 8  # C: the provider's concurrency cap
    gate: bool = True  # False: the app ignores C, to show the cap check reporting a MISS
    page_cuts: int = 50
    page_keyframes: int = 400
    small_cuts: int = 5
    requests: int = 50
    growth_sizes: list[int] = field(default_factory=lambda: [10, 50, 200])
    growth_requests: int = 20
    load_workers: int = 2
    load_clients: int = 4
    load_seconds: float = 6.0
    animatic_cuts: int = 12
    animatic_long_side: int = 1280
    sections: tuple[str, ...] = SECTIONS
