"""Helpers of scripts/bench.py: server control, load generator, corpora, report."""
