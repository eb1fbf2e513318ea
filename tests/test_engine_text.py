from fractions import Fraction

from scorecard.engine import _signed_sum


def test_total_line_shows_each_term_with_its_own_sign():
    terms = [("mark", Fraction(8001, 100)), ("service_quality", Fraction(-2)),
             ("attendance", Fraction(-4)), ("reward", Fraction(10))]
    assert _signed_sum(terms) == "mark 80.01 − service_quality 2 − attendance 4 + reward 10"
    assert _signed_sum([("late", Fraction(-1)), ("x", Fraction(3))]) == "−late 1 + x 3"
    assert _signed_sum([]) == ""
