"""The benchmark suite behind ``make bench``: seed, serve, measure, report (``run.py``)."""
