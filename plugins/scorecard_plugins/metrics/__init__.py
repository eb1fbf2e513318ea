"""Metrics: measure each employee's value of an item over a period's rows (one call per rule)."""
