"""How a keyword's stage is named, and the command that re-makes it, as DVC and a shell read them."""

import shlex

from stages.core.paths import repro_command, stage_address


def test_stages_in_their_own_pipeline_file_are_addressed_with_it():
    assert stage_address("info", "백자 달항아리") == "pipelines/info/dvc.yaml:info@백자 달항아리"
    assert stage_address("script", "백자 달항아리") == "pipelines/script/dvc.yaml:script@백자 달항아리"
    assert stage_address("audio", "백자 달항아리") == "audio@백자 달항아리"


def test_the_command_survives_a_shell_whatever_the_keyword_holds():
    for keyword in ["백자 달항아리", "Rodin's Thinker", "$(touch PWNED)", "a `b` c"]:
        command = repro_command("audio", keyword)
        assert shlex.split(command) == ["dvc", "repro", f"audio@{keyword}"]
