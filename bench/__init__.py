"""Benchmarks: measurements, not tests. See bench/README.md."""
