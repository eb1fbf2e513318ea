"""Commands the built-ins add to ``scorecard`` (register_commands hook)."""
