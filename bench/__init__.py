"""Benchmarks of the tracker against its limits and against a naive build, measured in one run (docs/performance.md)."""
