"""The benchmark report: rows of (metric, value, target, verdict), printed and saved as JSON."""

import json
import math
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Row:
    section: str
    metric: str
    value: float | None
    unit: str = ""
    target: float | None = None  # the value must not exceed it; None: shown for context
    detail: str = ""
    digits: int = 2

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "TODO"
        if self.target is None:
            return "info"
        return "ok" if self.value <= self.target else "MISS"


@dataclass
class Report:
    settings: dict = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return self.rows[-1]

    def section(self, name: str) -> list[Row]:
        return [row for row in self.rows if row.section == name]

    def as_json(self) -> dict:
        return {
            "settings": self.settings,
            "rows": [asdict(row) | {"verdict": row.verdict} for row in self.rows],
            "tables": self.tables,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_json(), indent=2) + "\n")

    def as_text(self) -> str:
        lines = [format_rows(self.rows)]
        for name, table in self.tables.items():
            lines += ["", name, format_table(table)]
        return "\n".join(lines)


def format_rows(rows: list[Row]) -> str:
    table = [
        {
            "section": row.section,
            "metric": row.metric,
            "value": "-" if row.value is None else f"{row.value:.{row.digits}f}{row.unit}",
            "target": "" if row.target is None else f"<= {row.target:g}{row.unit}",
            "verdict": row.verdict,
            "detail": row.detail,
        }
        for row in rows
    ]
    return format_table(table)


def format_table(table: list[dict]) -> str:
    if not table:
        return "(empty)"
    columns = list(table[0])
    widths = {c: max(len(c), *(len(str(r[c])) for r in table)) for c in columns}
    header = " | ".join(c.ljust(widths[c]) for c in columns)
    rule = "-+-".join("-" * widths[c] for c in columns)
    body = [" | ".join(str(r[c]).ljust(widths[c]) for c in columns) for r in table]
    return "\n".join([header, rule, *body])


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (p95 of 50 samples is the 48th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)
