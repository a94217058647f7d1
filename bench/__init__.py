"""Benchmarks of Boomerang: ``python -m bench`` (the suite, ``bench/suite``) and scripts."""
