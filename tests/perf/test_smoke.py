"""The benchmark at tiny sizes, so `make test` keeps it working. Nothing here is timed: the
figures are only checked to be present and sane."""

from dataclasses import replace

import pytest

from tests.perf.options import Options
from tests.perf.suite import run_benchmarks

pytestmark = pytest.mark.runs_long

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
    growth_sizes=[2, 3],
    growth_requests=2,
    sections=("fanout", "flight", "pages", "growth"),
)


@pytest.mark.django_db(transaction=True)
def test_benchmark_reports_every_section_with_sane_figures(tmp_path):
    report = run_benchmarks(SMOKE)

    fanout, photo_like, baseline = report.section("1 fan-out")
    assert fanout.value > 0 and photo_like.value > 0 and baseline.value > 0
    assert fanout.target == 1.15 and photo_like.target is None and baseline.target is None
    assert "detailed 1.5 MP PNG" in photo_like.detail
    flight, in_flight = report.section("2 auto-flight")
    assert flight.value > 0 and flight.target == 1.25
    assert 1 <= in_flight.value <= in_flight.target == 2 and in_flight.verdict == "ok"

    pages = {row.metric: row for row in report.section("3 pages")}
    assert pages["minimal view median"].value > 0
    for page, limit in (("storyboard page", 6.0), ("canvas partial", 3.0)):
        assert pages[f"{page} median / minimal"].value > 0
        assert pages[f"{page} median / minimal"].target == limit
        assert pages[f"{page} p95 / minimal"].value > 0
        assert pages[f"{page}, first view median / minimal"].value > 0
        assert pages[f"{page}, first view median / minimal"].target is None

    counts = report.tables["Query counts"]
    assert [row["page"] for row in counts] == [
        "minimal view",
        "storyboard page",
        "canvas partial",
        "storyboard page, first view",
        "canvas partial, first view",
    ]
    for row in counts:
        assert row["3 cuts"] == row["2 cuts"] > 0, row
    # Cached fragments save queries on a repeat view.
    by_page = {row["page"]: row["3 cuts"] for row in counts}
    assert by_page["storyboard page"] < by_page["storyboard page, first view"]
    assert by_page["canvas partial"] < by_page["canvas partial, first view"]

    growth = report.tables["Growth with cuts (median server time, x minimal view)"]
    assert [row["cuts"] for row in growth] == [2, 3]
    for page in ("storyboard page", "canvas partial", "canvas partial, first view"):
        assert growth[0][f"{page} queries"] == growth[1][f"{page} queries"] > 0
        assert all(float(row[f"{page} x"]) > 0 for row in growth)

    text = report.as_text()
    assert all(row.metric in text for row in report.rows)
    report.write(tmp_path / "bench.json")
    saved = (tmp_path / "bench.json").read_text()
    assert '"verdict"' in saved and '"Query counts"' in saved


@pytest.mark.django_db(transaction=True)
def test_a_flight_without_the_gate_is_reported_as_over_the_cap():
    options = replace(SMOKE, flight_cuts=1, cap=1, gate=False, sections=("flight",))

    report = run_benchmarks(options)

    flight, in_flight = report.section("2 auto-flight")
    assert flight.value > 0
    assert (in_flight.value, in_flight.target, in_flight.verdict) == (2, 1, "MISS")
    assert "1 call(s) arrived over the cap" in in_flight.detail
    assert "MISS" in report.as_text()


@pytest.mark.parametrize("as_worker", [False, True])
def test_face_scoring_probe_reports_time_and_memory(as_worker):
    from tests.perf.face_scoring import measure

    figures = measure(keyframes=2, characters=1, as_worker=as_worker)
    assert figures["median_s"] > 0 and figures["p95_s"] >= figures["median_s"]
    assert figures["rss_with_model_mb"] >= figures["rss_before_model_mb"] > 0


@pytest.mark.django_db
def test_animatic_section_reports_speed_and_cost():
    options = replace(SMOKE, animatic_cuts=4, animatic_long_side=160, sections=("animatic",))

    report = run_benchmarks(options)

    speed, cpu, motion = report.section("6 animatic")
    assert speed.value > 0 and "12 s of 160x90" in speed.detail
    assert cpu.value > 0 and motion.value > 0
