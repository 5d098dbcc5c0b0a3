"""Presenting results: statistics of the tables, figures (PNG) and self-contained HTML pages."""
