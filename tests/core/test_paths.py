"""The command that re-makes one keyword's narration, as a shell reads it."""

import shlex

from stages.core.paths import remake_command


def test_the_command_survives_a_shell_whatever_the_keyword_holds():
    for keyword in ["백자 달항아리", "Rodin's Thinker", "$(touch PWNED)", "a `b` c"]:
        assert shlex.split(remake_command(keyword)) == ["make", "audio", f"KEYWORD={keyword}"]
