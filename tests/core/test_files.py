"""Reading a user's text file: UTF-8 only, any other encoding one line naming the file and the iconv fix."""

import pytest

from stages.core.errors import PipelineError
from stages.core.files import read_json_file, read_json_object, read_text_file

KOREAN = "안녕하세요. 달항아리입니다.\n"


def one_line_error(call, *args) -> str:
    with pytest.raises(PipelineError) as caught:
        call(*args)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_cp949_is_refused_with_the_cp949_conversion(tmp_path):
    path = tmp_path / "백자 달항아리.md"
    path.write_bytes(KOREAN.encode("cp949"))
    message = one_line_error(read_text_file, path)
    assert message.startswith(f"{path} is not UTF-8 text (byte 0x")
    assert f"iconv -f cp949 -t utf-8 '{path}' > '{path}.utf8' && mv '{path}.utf8' '{path}'" in message


def test_latin1_is_refused_with_a_conversion_too(tmp_path):
    path = tmp_path / "moon.md"
    path.write_bytes("Le vase lune, très célèbre.\n".encode("latin-1"))
    message = one_line_error(read_text_file, path)
    assert f"{path} is not UTF-8 text (byte 0xe8 on line 1)" in message and "iconv -f latin1 -t utf-8" in message


def test_crlf_and_a_byte_order_mark_are_read_as_plain_lines(tmp_path):
    path = tmp_path / "x.md"
    path.write_bytes(b"\xef\xbb\xbf" + KOREAN.replace("\n", "\r\n").encode("utf-8") * 2)
    assert read_text_file(path) == KOREAN * 2


def test_a_missing_file_is_left_to_the_caller(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_text_file(tmp_path / "missing.md")


@pytest.mark.parametrize(("content", "complaint"), [
    (b'{"chars": 1', "is not valid JSON (Expecting ',' delimiter on line 1)"),
    (b"\xff\xfe{}", "is not UTF-8 text (byte 0xff on line 1)"),
    (b"[]", "is damaged: no number under 'chars'"),
    (b'{"chars": "12"}', "is damaged: no number under 'chars'"),
    (b'{"chars": 12}', "is damaged: no number under 'bytes'"),
])
def test_a_damaged_json_file_is_one_line_with_the_remedy(tmp_path, content, complaint):
    path = tmp_path / "m.json"
    path.write_bytes(content)
    message = one_line_error(read_json_object, path, ("chars", "bytes"), "remake it: dvc repro -f 'audio@x'")
    assert message == f"{path} {complaint}; remake it: dvc repro -f 'audio@x'"


def test_good_json_is_read(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"chars": 12, "bytes": 3.5, "voice": "alloy"}', encoding="utf-8")
    assert read_json_object(path, ("chars", "bytes"), "") == {"chars": 12, "bytes": 3.5, "voice": "alloy"}
    assert read_json_file(path, "") == {"chars": 12, "bytes": 3.5, "voice": "alloy"}
