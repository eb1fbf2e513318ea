"""Penalties: deductions, additions and fines on top of the items' points."""
