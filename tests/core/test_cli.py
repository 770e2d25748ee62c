"""Entry-point helpers: a foreach stage's keyword comes from DVC_STAGE under dvc repro, or from argv by hand."""

import pytest

from stages.core.cli import stage_keyword
from stages.core.errors import PipelineError


@pytest.mark.parametrize(("addressing", "keyword"), [
    ("audio@백자 달항아리", "백자 달항아리"),
    ("audio@$(touch PWNED)", "$(touch PWNED)"),  # handed over as data; check_keyword refuses it
    ("audio@a@b", "a@b"),
    ("../dvc.yaml:audio@백자 달항아리", "백자 달항아리"),  # dvc repro run from a subfolder
])
def test_the_keyword_comes_from_dvc_stage(monkeypatch, addressing, keyword):
    monkeypatch.setenv("DVC_STAGE", addressing)
    assert stage_keyword([], "audio") == keyword


def test_an_argument_wins_over_dvc_stage(monkeypatch):
    monkeypatch.setenv("DVC_STAGE", "audio@성덕대왕신종")
    assert stage_keyword(["백자 달항아리"], "audio") == "백자 달항아리"


@pytest.mark.parametrize("addressing", [None, "", "report", "info@백자 달항아리", "audio"])
def test_no_keyword_is_a_one_line_usage_error(monkeypatch, addressing):
    if addressing is not None:
        monkeypatch.setenv("DVC_STAGE", addressing)
    with pytest.raises(PipelineError, match=r"usage: python -m stages.audio KEYWORD .*DVC_STAGE") as caught:
        stage_keyword([], "audio")
    assert "\n" not in str(caught.value)


def test_two_arguments_are_a_usage_error():
    with pytest.raises(PipelineError, match="usage: python -m stages.audio KEYWORD"):
        stage_keyword(["a", "b"], "audio")
