"""Errors that reach the user. Exit codes: 2 for bad usage, configuration or data; 1 when an
evaluation itself fails (a plugin broke, an invariant did not hold)."""

import click


class ScorecardError(click.ClickException):
    """Bad usage, rule set or input data: the message names the file, the place and the fix."""

    exit_code = 2


class DataError(ScorecardError):
    """One or more bad cells or rows in an input file.

    ``problems`` is a list of ``(place, reason)`` where place is ``file:line[:column]``.
    """

    MAX_SHOWN = 25

    def __init__(self, problems, hint=""):
        self.problems = list(problems)
        shown = self.problems[: self.MAX_SHOWN]
        lines = [f"{place}: {reason}" for place, reason in shown]
        more = len(self.problems) - len(shown)
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        head = f"{len(self.problems)} problem(s) in the input data; nothing was stored."
        text = "\n".join([head, *lines])
        if hint:
            text += "\n" + hint
        super().__init__(text)


class RuleSetError(ScorecardError):
    """A rule set that cannot be loaded: names the file, the key path and (if known) the line."""

    def __init__(self, file, key, reason, line=None):
        self.file, self.key, self.reason, self.line = file, key, reason, line
        where = f"{file}:{line}" if line else f"{file}"
        super().__init__(f"{where}: {key}: {reason}" if key else f"{where}: {reason}")


class EvaluationError(click.ClickException):
    """The evaluation could not be completed (exit code 1): a plugin failed or returned nonsense."""

    exit_code = 1
