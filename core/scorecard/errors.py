"""The library's errors. They do not depend on click: the library is usable without the CLI,
and only the CLI (:mod:`scorecard.cli`, in one place) turns them into messages and exit codes,
the way pytest maps its ``UsageError`` to ``ExitCode.USAGE_ERROR``:

- :class:`ScorecardError` (and its :class:`RuleSetError`, :class:`DataError`): bad usage, rule
  set or input data; exit code 2;
- :class:`EvaluationError`: the evaluation itself failed (a plugin broke, an invariant did not
  hold); exit code 1.

Both carry the user's text in ``message``; ``exit_code`` is the code the CLI exits with.
"""

import re


class Error(Exception):
    """Base of the errors scorecard reports to a user (``message``, ``exit_code``)."""

    exit_code = 1

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self):
        return self.message

    def format_message(self):  # the name click uses, kept for callers written against it
        return self.message


class ScorecardError(Error):
    """Bad usage, rule set or input data: the message names the file, the place and the fix
    (exit code 2)."""

    exit_code = 2


_PLACE = re.compile(r"(.*?):(\d+)(?::([^:]*))?")
_VARYING = re.compile(r"'[^']*'|\"[^\"]*\"|(?<=line )\d+")


class Problems:
    """Bad cells and rows as they are found, counted truly however many there are, grouped by
    file, column and cause (the reason without the cell's own text), keeping only the first
    few of each group: a file with 20,000 bad cells is reported as what is wrong and where it
    starts, in bounded memory.

    ``append((place, reason[, cause]))``; ``place`` is ``file:line[:column]``; without
    ``cause`` the reason with its quoted values masked is the cause."""

    KEEP_FIRST = 25  # the first problems in file order, listed as they are when few
    PER_GROUP = 3  # examples kept per group
    MAX_GROUPS = 200  # beyond this many kinds of problem, later ones are only counted

    def __init__(self, problems=()):
        self.total = 0
        self.first: list[tuple[str, str]] = []
        self.groups: dict[tuple[str, str, str], list] = {}  # key -> [count, examples]
        self.ungrouped = 0
        for p in problems:
            self.append(p)

    def append(self, problem):
        place, reason, *cause = problem
        self.total += 1
        if len(self.first) < self.KEEP_FIRST:
            self.first.append((place, reason))
        m = _PLACE.fullmatch(place)
        file, column = (m[1], m[3] or "") if m else (place, "")
        why = cause[0] if cause else _VARYING.sub("…", reason)
        group = self.groups.get((file, column, why))
        if group is None:
            if len(self.groups) >= self.MAX_GROUPS:
                self.ungrouped += 1
                return
            group = self.groups[(file, column, why)] = [0, []]
        group[0] += 1
        if len(group[1]) < self.PER_GROUP:
            group[1].append((place, reason))

    def extend(self, problems):
        for p in problems:
            self.append(p)

    def __len__(self):
        return self.total

    def __bool__(self):
        return self.total > 0

    def __iter__(self):
        return iter(self.first)

    def lines(self, max_shown: int) -> list[str]:
        """The report: every problem when there are at most ``max_shown``, else each group
        with its count and first examples."""
        if self.total <= max_shown:
            return [f"{place}: {reason}" for place, reason in self.first]
        out = []
        groups = sorted(self.groups.items(), key=lambda kv: -kv[1][0])
        for (file, column, why), (count, examples) in groups[:20]:
            where = f"{file}, column {column}" if column else file
            out.append(f"{where}: {count} × {why}")
            out.extend(f"  {place}: {reason}" for place, reason in examples)
            if count > len(examples):
                out.append(f"  ... and {count - len(examples)} more like these")
        rest = sum(g[0] for g in self.groups.values()) - sum(g[0] for _, g in groups[:20])
        rest += self.ungrouped
        if rest:
            out.append(f"... and {rest} more problem(s) of other kinds")
        return out


class DataError(ScorecardError):
    """One or more bad cells or rows in an input file.

    ``problems`` is a list of ``(place, reason)`` (or ``(place, reason, cause)``) where place is
    ``file:line[:column]``, or a :class:`Problems`; a long list is reported grouped by file,
    column and cause with true counts.
    """

    MAX_SHOWN = 25

    def __init__(self, problems, hint=""):
        self.problems = problems if isinstance(problems, Problems) else Problems(problems)
        self.hint = hint
        head = f"{len(self.problems)} problem(s) in the input data; nothing was stored."
        text = "\n".join([head, *self.problems.lines(self.MAX_SHOWN)])
        if hint:
            text += "\n" + hint
        super().__init__(text)


class RuleSetError(ScorecardError):
    """A rule set that cannot be loaded: names the file, the key path and (if known) the line."""

    def __init__(self, file, key, reason, line=None):
        self.file, self.key, self.reason, self.line = file, key, reason, line
        where = f"{file}:{line}" if line else f"{file}"
        super().__init__(f"{where}: {key}: {reason}" if key else f"{where}: {reason}")


class EvaluationError(Error):
    """The evaluation could not be completed (exit code 1): a plugin failed or returned nonsense."""

    exit_code = 1


class StoreBusyError(Error):
    """Another process held the store's write lock for longer than the busy timeout (exit 1):
    nothing of this command was stored; running it again later is the fix."""

    exit_code = 1
