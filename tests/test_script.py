"""The script stage's entry point: a hand-written scripts/<keyword>.md is used as is, but only if it is UTF-8."""

import pytest

from stages import script
from stages.core.cli import run_main

NARRATION = "안녕하세요. 달항아리를 소개합니다.\n\n조선 후기의 백자입니다.\n"


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("keywords: [백자 달항아리]\n", encoding="utf-8")
    (tmp_path / "scripts").mkdir()
    return tmp_path


def run_stage(capsys) -> tuple[int, str]:
    """The stage's exit status and stderr."""
    try:
        run_main(script.main, [])
    except SystemExit as exc:
        return exc.code, capsys.readouterr().err
    return 0, capsys.readouterr().err


@pytest.mark.parametrize(("encoding", "source"), [("cp949", "cp949"), ("latin-1", "latin1")])
def test_a_hand_written_script_that_is_not_utf8_is_refused_in_one_line(workspace, capsys, encoding, source):
    text = NARRATION if encoding == "cp949" else "Bonjour. Voici le vase lune, très célèbre.\n"
    (workspace / "scripts" / "백자 달항아리.md").write_bytes(text.encode(encoding))
    code, err = run_stage(capsys)
    assert code == 1 and "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith("error: scripts/백자 달항아리.md is not UTF-8 text (byte 0x")
    assert f"iconv -f {source} -t utf-8 'scripts/백자 달항아리.md' > " in line
    assert not (workspace / "outputs" / "script" / "백자 달항아리.md").exists()


def test_a_windows_script_is_used_with_unix_line_ends(workspace, capsys):
    (workspace / "scripts" / "백자 달항아리.md").write_bytes(b"\xef\xbb\xbf" + NARRATION.replace("\n", "\r\n").encode())
    assert run_stage(capsys)[0] == 0
    assert (workspace / "outputs" / "script" / "백자 달항아리.md").read_bytes() == NARRATION.encode("utf-8")
