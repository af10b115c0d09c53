"""Benchmarks: the cost of an Access click, concurrency, and the audit pages at scale.

Run ``python -m bench`` (``--smoke`` for the tiny CI size, ``--help`` for sizes). Every
number it prints is measured in that run; see docs/benchmarks.md for a recorded table.
"""
