"""A step for every keyword: one keyword's failure stops none of the others, and the stage fails in one line."""

import pytest

from stages.core.catalogue import each_keyword
from stages.core.errors import PipelineError


def test_every_keyword_runs_even_after_one_fails():
    done = []

    def step(keyword):
        done.append(keyword)
        if keyword in ("b", "d"):
            raise PipelineError(f"no facts for {keyword}")
        return keyword.upper()

    with pytest.raises(PipelineError) as caught:
        each_keyword("info", ["a", "b", "c", "d"], step)
    assert done == ["a", "b", "c", "d"]
    assert str(caught.value) == ("info: 2 of 4 keywords failed (the others are done and cached): b: no facts for b; "
                                 "d: no facts for d")


def test_many_failures_are_counted_not_all_spelt_out():
    def step(keyword):
        raise PipelineError("unreachable")

    with pytest.raises(PipelineError, match=r"info: 5 of 5 keywords failed .*: a: unreachable; b: unreachable; "
                                            r"c: unreachable; and 2 more$") as caught:
        each_keyword("info", list("abcde"), step)
    assert "\n" not in str(caught.value)


def test_one_keyword_fails_with_its_own_message():
    with pytest.raises(PipelineError, match=r"^no facts$"):
        each_keyword("info", ["a"], lambda keyword: (_ for _ in ()).throw(PipelineError("no facts")))


def test_results_come_back_in_catalogue_order():
    assert list(each_keyword("script", ["b", "a"], str.upper).items()) == [("b", "B"), ("a", "A")]
