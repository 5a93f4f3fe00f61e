"""The benchmark at tiny sizes, so `make test` keeps it working. Nothing here is timed: the
figures are only checked to be present and sane."""

import pytest

from tests.perf.options import Options
from tests.perf.suite import run_benchmarks

SMOKE = Options(
    latency=0.05,
    repeats=1,
    flight_cuts=2,
    flight_count=2,
    workers=1,  # the test database is in-memory SQLite: one writer thread at a time
    cap=2,
    page_cuts=3,
    page_keyframes=8,
    small_cuts=2,
    requests=3,
    sections=("fanout", "flight", "pages"),
)


@pytest.mark.django_db(transaction=True)
def test_benchmark_reports_every_section_with_sane_figures(tmp_path):
    report = run_benchmarks(SMOKE)

    fanout, baseline = report.section("1 fan-out")
    assert fanout.value > 0 and baseline.value > 0
    assert fanout.target == 1.15 and baseline.target is None
    (flight,) = report.section("2 auto-flight")
    assert flight.value > 0 and flight.target == 1.25

    pages = {row.metric: row for row in report.section("3 pages")}
    assert pages["minimal view median"].value > 0
    assert pages["storyboard page median / minimal"].value > 0
    assert pages["storyboard page p95 / minimal"].value > 0
    # The canvas partial is measured once its URL exists; until then its row says TODO.
    canvas = pages["canvas partial median / minimal"]
    assert canvas.value is None or canvas.value > 0

    counts = report.tables["Query counts"]
    assert [row["page"] for row in counts] == ["minimal view", "storyboard page", "canvas partial"]
    for row in counts:
        if row["3 cuts"] != "TODO":
            assert row["3 cuts"] == row["2 cuts"] > 0, row

    text = report.as_text()
    assert all(row.metric in text for row in report.rows)
    report.write(tmp_path / "bench.json")
    saved = (tmp_path / "bench.json").read_text()
    assert '"verdict"' in saved and '"Query counts"' in saved
