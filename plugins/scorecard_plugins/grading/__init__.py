"""Grading: the total's grade band (and rank)."""
