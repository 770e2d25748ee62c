"""Which keywords a dvc command narrates: the speak stage warms only those (the cost guard)."""

import pytest

from stages.core.dvc_internals import narrated_keywords

KEYWORDS = ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]
ALL = set(KEYWORDS)


@pytest.mark.parametrize(("argv", "expected"), [
    (None, ALL),  # run by hand, not under dvc
    (["repro"], ALL),
    (["exp", "run", "-S", "tts.voice=nova"], ALL),
    (["exp", "run", "-n", "nova", "--queue", "-S", "tts.voice=nova"], ALL),
    (["repro", "audio@백자 달항아리"], {"백자 달항아리"}),
    (["repro", "dvc.yaml:audio@백자 달항아리", "-f"], {"백자 달항아리"}),
    (["repro", "info@백자 달항아리"], set()),  # no audio stage runs, so nothing to warm
    (["repro", "report"], ALL),
    (["repro", "guide"], ALL),
    (["repro", "--downstream", "script@백자 달항아리"], ALL),
    (["repro", "--glob", "audio@*항아리"], {"백자 달항아리"}),
    (["repro", "--glob", "aud*"], ALL),
    (["repro", "-s", "pipelines/info/dvc.yaml:info@백자 달항아리", "pipelines/script/dvc.yaml:script@백자 달항아리", "speak", "audio@백자 달항아리", "report"],
     {"백자 달항아리"}),  # make audio KEYWORD=…
    (["repro", "speak"], ALL),
    (["repro", "--no-such-option"], ALL),  # DVC would refuse it; never guess a smaller scope from it
])
def test_the_targets_of_the_dvc_command_decide_the_scope(argv, expected):
    assert narrated_keywords(KEYWORDS, argv) == expected
