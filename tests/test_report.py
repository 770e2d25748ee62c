"""The report stage's entry point: a damaged metrics file is one line saying how to remake it, never a traceback."""

import json

import pytest

from stages import report
from stages.core.cli import run_main

ROW = {"chars": 100, "chunks": 2, "requests": 0, "retries": 0, "cached_chunks": 2, "duration_s": 12.5, "bytes": 1000,
       "est_cost_usd": 0.0, "lufs": -16.0}


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("keywords: [백자 달항아리, 성덕대왕신종]\n", encoding="utf-8")
    (tmp_path / "outputs" / "metrics").mkdir(parents=True)
    (tmp_path / "outputs" / "metrics" / "백자 달항아리.json").write_text(json.dumps(ROW), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("content", "problem"), [
    (json.dumps(ROW)[:40].encode(), "is not valid JSON ("),
    (b"\x00\xff" * 8, "is not UTF-8 text (byte 0xff on line 1)"),
    (b"[]", "is damaged: no number under 'chars'"),
])
def test_a_damaged_metrics_file_is_one_line_naming_it_and_the_fix(workspace, capsys, content, problem):
    (workspace / "outputs" / "metrics" / "성덕대왕신종.json").write_bytes(content)
    with pytest.raises(SystemExit) as caught:
        run_main(report.main, [])
    err = capsys.readouterr().err
    assert caught.value.code == 1 and "Traceback" not in err
    (line,) = err.splitlines()
    assert line.startswith(f"error: outputs/metrics/성덕대왕신종.json {problem}")
    assert line.endswith("; remake it: make audio KEYWORD='성덕대왕신종'")
    assert not (workspace / "metrics.json").exists()


def test_good_metrics_are_totalled(workspace):
    (workspace / "outputs" / "metrics" / "성덕대왕신종.json").write_text(json.dumps(ROW | {"lufs": -16.4}),
                                                                    encoding="utf-8")
    run_main(report.main, [])
    totals = json.loads((workspace / "metrics.json").read_text(encoding="utf-8"))
    assert totals["duration_s"] == 25.0 and totals["lufs_spread"] == 0.4  # the loudest minus the quietest


def test_metrics_from_before_mastering_ask_to_be_remade(workspace, capsys):
    (workspace / "outputs" / "metrics" / "성덕대왕신종.json").write_text(json.dumps(ROW | {"lufs": None}),
                                                                    encoding="utf-8")
    with pytest.raises(SystemExit):
        run_main(report.main, [])
    assert "no number under 'lufs'; remake it: make audio KEYWORD='성덕대왕신종'" in capsys.readouterr().err
