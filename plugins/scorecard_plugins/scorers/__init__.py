"""Scorers: turn an item's measured value into points."""
