"""Runnable examples and jobs: ``python -m scripts.NAME`` (or ``python scripts/NAME.py``) from the repo root."""
