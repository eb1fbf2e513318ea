"""Payouts: pay from the grade or score."""
