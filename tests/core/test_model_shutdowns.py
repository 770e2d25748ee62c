"""The model-shutdown table against the installed SDK's own lists, and the check every stage makes with it."""

import importlib.util
import logging
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from stages.core.errors import ParamsError
from stages.core.model_shutdowns import SHUTDOWNS, TODAY_ENV, UNSUPPORTED, WARN_DAYS, check_models, today
from stages.core.params import SCRIPT_MODEL, Params, load_params, parse_params
from stages.speech.voices.realtime import MODEL as REALTIME_MODEL
from tests.conftest import ROOT

SDK = Path(importlib.util.find_spec("openai").submodule_search_locations[0])
# In the SDK's prose (resources/audio/speech.py) but not in a "Deprecated values" list.
PROSE_ONLY = {"gpt-4o-mini-tts-2025-03-20"}
_BLOCK = re.compile(r"Deprecated values:\s*\n(.*?)(?:\"\"\"|\n\s*\n(?!\s*- ))", re.S)


def sdk_announcements() -> tuple[dict[str, set[str]], set[str]]:
    """{model: {shutdown dates}} and the unsupported names, from every "Deprecated values" list in the SDK."""
    dates: dict[str, set[str]] = {}
    unsupported: set[str] = set()
    for path in SDK.rglob("*.py"):
        for block in _BLOCK.finditer(path.read_text(encoding="utf-8")):
            for item in re.split(r"(?:^| )- (?=\")", " ".join(block.group(1).split())):
                names = re.findall(r'"([^"]+)"', item.split(":")[0])
                day = re.search(r"Announced shutdown date: (\d{4}-\d{2}-\d{2})", item)
                if day:
                    for name in names:
                        dates.setdefault(name, set()).add(day.group(1))
                elif "Not a supported model ID" in item:
                    unsupported.update(names)
    return dates, unsupported


def test_the_reader_finds_the_announcements_it_must():
    dates, unsupported = sdk_announcements()
    # If the SDK's wording changes, this fails instead of the drift test passing on nothing.
    assert dates["gpt-5-mini"] == {"2026-12-11"} and dates["tts-1"] == {"2027-01-06"}
    assert dates["gpt-realtime-mini"] == {"2027-01-20"} and dates["whisper-1"] == {"2027-02-26"}
    assert "gpt-5.1-mini" in unsupported and len(dates) > 80


def test_the_table_knows_every_shutdown_the_installed_sdk_announces():
    dates, unsupported = sdk_announcements()
    assert all(len(days) == 1 for days in dates.values()), "the SDK gives one model two dates"
    announced = {model: days.pop() for model, days in dates.items()}
    ours = {model: shutdown.day.isoformat() for model, shutdown in SHUTDOWNS.items()}
    missing = {model: day for model, day in announced.items() if ours.get(model) != day}
    assert not missing, f"add to stages/core/model_shutdowns.py SHUTDOWNS (model: SDK's date): {missing}"
    assert set(ours) - set(announced) == PROSE_ONLY
    assert set(UNSUPPORTED) == unsupported


def test_no_default_and_no_replacement_is_a_model_with_a_date():
    shipped = load_params(ROOT / "params.yaml")
    replacements = {word for shutdown in SHUTDOWNS.values() for word in shutdown.use.split()
                    if word.startswith("gpt-")} | set(UNSUPPORTED.values())
    for model in {SCRIPT_MODEL, REALTIME_MODEL, shipped.script.model} | replacements:
        assert model not in SHUTDOWNS and model not in UNSUPPORTED, model
    assert SCRIPT_MODEL == "gpt-5.4-mini" and REALTIME_MODEL == "gpt-realtime-2.1-mini"


def params(**sections) -> Params:
    return parse_params({"keywords": ["백자 달항아리"], **sections})


SCRIPT_GPT5_MINI = {"script": {"provider": "openai", "model": "gpt-5-mini"}}


def test_past_its_date_is_one_line_naming_key_model_date_and_replacement():
    with pytest.raises(ParamsError) as raised:
        check_models(params(**SCRIPT_GPT5_MINI), on=date(2026, 12, 12))
    assert str(raised.value) == "params.yaml: script.model: 'gpt-5-mini' was shut down on 2026-12-11; use gpt-5.4-mini"


def test_on_the_day_itself_it_is_shut():
    with pytest.raises(ParamsError, match="was shut down on 2026-12-11"):
        check_models(params(**SCRIPT_GPT5_MINI), on=date(2026, 12, 11))


def test_within_thirty_days_one_warning_and_the_run_goes_on(caplog):
    check_models(params(**SCRIPT_GPT5_MINI), warn=["script.model"], on=date(2026, 12, 5))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == ["params.yaml: script.model: 'gpt-5-mini' shuts down on 2026-12-11 (in 6 days); "
                        "use gpt-5.4-mini"]


def test_a_stage_not_asked_to_warn_stays_quiet_and_a_distant_date_draws_nothing(caplog):
    check_models(params(**SCRIPT_GPT5_MINI), on=date(2026, 12, 10))
    check_models(params(**SCRIPT_GPT5_MINI), warn=["script.model"], on=date(2026, 11, 10))  # 31 days before
    assert WARN_DAYS == 30 and not [r for r in caplog.records if r.levelno == logging.WARNING]


def test_a_speech_model_names_the_realtime_route_and_the_nearest_voice():
    tts = {"tts": {"provider": "openai", "model": "tts-1", "voice": "nova"}}
    with pytest.raises(ParamsError) as raised:
        check_models(params(**tts), on=date(2027, 1, 6))
    assert str(raised.value) == ("params.yaml: tts.model: 'tts-1' was shut down on 2027-01-06; use tts.provider: "
                                 "realtime with tts.model: gpt-realtime-2.1-mini and tts.voice: marin (it has no nova; "
                                 "marin or coral come closest)")


@pytest.mark.parametrize(("tts", "day", "fragment"), [
    ({"provider": "realtime", "model": "gpt-realtime-mini"}, date(2027, 1, 20), "use gpt-realtime-2.1-mini"),
    ({"provider": "realtime", "model": "gpt-realtime"}, date(2027, 2, 1), "use gpt-realtime-2.1"),
    ({"provider": "openai", "model": "gpt-4o-mini-tts-2025-12-15"}, date(2027, 1, 7), "use tts.provider: realtime"),
])
def test_every_speech_route_is_checked(tts, day, fragment):
    with pytest.raises(ParamsError, match=re.escape(fragment)):
        check_models(params(tts=tts), on=day)


def test_a_model_the_run_does_not_call_is_not_checked():
    # script.model is read only when the script provider is openai; tts.model only for the neural voices.
    check_models(params(script={"provider": "template", "model": "gpt-5-mini"}), on=date(2030, 1, 1))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8880/v1", "https://proxy.museum.example/v1"])
def test_an_openai_compatible_server_gets_no_error_long_after_the_date(monkeypatch, caplog, url):
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    tts = {"tts": {"provider": "openai", "model": "tts-1"}}
    check_models(params(**tts, **SCRIPT_GPT5_MINI), warn=["tts.model", "script.model"], on=date(2030, 1, 1))
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "https://API.openai.com/v1/"])
def test_openai_named_by_its_own_url_is_checked(monkeypatch, url):
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    with pytest.raises(ParamsError, match="was shut down"):
        check_models(params(**SCRIPT_GPT5_MINI), on=date(2027, 1, 1))


def test_a_name_the_sdk_marks_unsupported_is_refused():
    with pytest.raises(ParamsError, match="'gpt-5.1-mini' is not a model OpenAI serves; use gpt-5.4-mini"):
        check_models(params(script={"provider": "openai", "model": "gpt-5.1-mini"}), on=date(2026, 1, 1))


def test_today_can_be_injected_and_a_bad_one_is_one_line(monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "2027-03-01")
    assert today() == date(2027, 3, 1)
    monkeypatch.setenv(TODAY_ENV, "next week")
    with pytest.raises(ParamsError, match="DOCENT_TODAY='next week' is not a date; write it as YYYY-MM-DD"):
        today()


def test_unset_models_take_the_defaults():
    assert params(script={"provider": "openai"}).script.model == "gpt-5.4-mini"
    assert params(script={"provider": "openai", "model": None}).script.model == "gpt-5.4-mini"
    # tts.model's defaults are the providers' own (tests/speech/voices/test_realtime.py, test_openai.py).


def run_check_params(tmp_path: Path, sections: dict, **env: str) -> subprocess.CompletedProcess:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"keywords": ["백자 달항아리"], **sections}, allow_unicode=True), encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "DOCENT_"))}
    return subprocess.run([sys.executable, "-m", "stages.check_params", str(path)], cwd=ROOT, capture_output=True,
                          text=True, env={**clean, **env}, timeout=60)


def test_make_audios_params_check_refuses_and_warns_in_one_line(tmp_path):
    dead = run_check_params(tmp_path, SCRIPT_GPT5_MINI, DOCENT_TODAY="2026-12-11")
    assert dead.returncode == 1 and dead.stderr == ("error: params.yaml: script.model: 'gpt-5-mini' was shut down on "
                                                    "2026-12-11; use gpt-5.4-mini\n")
    near = run_check_params(tmp_path, SCRIPT_GPT5_MINI, DOCENT_TODAY="2026-12-01")
    assert near.returncode == 0 and near.stderr.count("\n") == 1 and "shuts down on 2026-12-11 (in 10 days)" in near.stderr
