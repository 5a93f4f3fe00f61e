"""Benchmarks: how close generation and pages come to their limits, as ratios measured in one
run (`python -m tests.perf`, `make bench`). See docs/PERFORMANCE.md for the method."""
