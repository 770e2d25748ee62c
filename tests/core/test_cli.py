"""Entry-point helpers: a one-keyword command takes exactly one argument."""

import pytest

from stages.core.cli import one_keyword
from stages.core.errors import PipelineError


def test_the_one_argument_is_the_keyword():
    assert one_keyword(["백자 달항아리"], "python -m stages.preview") == "백자 달항아리"


@pytest.mark.parametrize("argv", [[], ["a", "b"]])
def test_anything_else_is_a_one_line_usage_error(argv):
    with pytest.raises(PipelineError, match=r"^usage: python -m stages.preview KEYWORD$"):
        one_keyword(argv, "python -m stages.preview")


def test_a_catalogue_stage_refuses_a_keyword_rather_than_narrate_everything():
    from stages.core.cli import no_arguments

    no_arguments([], "audio")
    with pytest.raises(PipelineError, match=r"^python -m stages.audio takes no argument: .*make audio KEYWORD=<keyword>"):
        no_arguments(["백자 달항아리"], "audio")
