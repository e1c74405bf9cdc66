"""A bare Django project for the benchmark baselines (no middleware, no DRF, no apps).

Same database and the same gunicorn settings as the project; each view does only the minimum
database work of its scenario, so the project's figure can be read as a ratio to it.
"""
