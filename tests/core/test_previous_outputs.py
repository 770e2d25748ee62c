"""The record of what each keyword's output was made from: in catalogue order, whatever order the records came in."""

from stages.core.previous_outputs import KEYS_FILE, write_keys


def test_the_keys_follow_the_catalogue_not_the_order_the_encoders_finished_in(tmp_path):
    # The audio stage's encoder threads finish in any order; the file (a DVC output) must not depend on it.
    write_keys(tmp_path, {"b": {"key": "2"}, "a": {"key": "1"}, "gone": {"key": "3"}}, ["a", "b"])
    first = (tmp_path / KEYS_FILE).read_bytes()
    write_keys(tmp_path, {"a": {"key": "1"}, "b": {"key": "2"}}, ["a", "b"])
    assert (tmp_path / KEYS_FILE).read_bytes() == first
    assert first.decode().index('"a"') < first.decode().index('"b"') and b"gone" not in first
