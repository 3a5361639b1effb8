"""Benchmarks and generators for feedsvc at archive scale (see benchmarks/make_archive.py)."""
