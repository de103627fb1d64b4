"""Benchmarks: each script runs with one command (see bench/run_all.py); results go to bench/RESULTS.md."""
