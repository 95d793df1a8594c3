"""Benchmarks for the performance targets in DESIGN.md: `make bench-intake` runs bench.intake."""
