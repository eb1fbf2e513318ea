import io
import sys

from scorecard.output import progress, table


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_quiet_when_piped(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress("ingesting", "rows") as update:
        assert update is None
    assert sys.stderr.getvalue() == ""


def test_progress_counts_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", FakeTTY())
    with progress("evaluating", "employees", total=3) as update:
        update(2)
        update(1)
    assert sys.stderr.getvalue().endswith("\revaluating: 3 of 3 employees\n")


def test_table_aligns_chinese_names_by_display_width():
    out = table([{"n": "王芳", "s": "1"}, {"n": "Li", "s": "2"}], ["n", "s"])
    lines = out.splitlines()
    # 王芳 takes four terminal columns, like "Li  "
    assert lines[2] == "王芳  1"
    assert lines[3] == "Li    2"
