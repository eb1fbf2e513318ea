"""Built-in plugins: generic sources, metrics, scorers, penalties, grading and payouts.

Each module is an ordinary plugin, registered by :data:`scorecard.manager.DEFAULT_PLUGINS`.
"""
