"""Evaluation of careercoach: JSONL datasets, suites that score them, reports and benchmarks.

Datasets are data (``evals/datasets/*.jsonl``), scorers are plain functions
(:mod:`evals.metrics`), and suites (:mod:`evals.suites`) join the two against a real knowledge
base, coach or catalogue. Unit tests of the product live in ``tests/``, not here.
"""
