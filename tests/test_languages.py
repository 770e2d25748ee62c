"""Languages as params.yaml states them: one-line refusals, the per-language tts keys, and no language borrowing
another's text, voice or reading rules."""

import json

import pytest

from stages import report, script
from stages.core.cli import run_main
from stages.core.errors import ParamsError
from stages.core.params import parse_params
from stages.prune import stale_outputs
from stages.speech.plan import Planner
from stages.speech.providers import check_speech, speech_provider
from stages.speech.voices.options import DOCENT_INSTRUCTIONS

KEYWORD = "백자 달항아리"


def params(**data):
    return parse_params({"keywords": [KEYWORD], **data})


def refusal(call) -> str:
    with pytest.raises(ParamsError) as caught:
        call()
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_an_unknown_language_is_refused_naming_the_supported_ones():
    message = refusal(lambda: params(languages=["ko", "fr"]))
    assert message == "params.yaml: languages.1: 'fr' is not allowed; allowed values: 'ko', 'en', 'ja' or 'zh'"
    assert refusal(lambda: params(languages=["ko", "en", "ko"])) == "params.yaml: languages: ko listed twice"
    assert params().languages == ["ko"]


def test_the_first_language_keeps_todays_paths_and_the_others_a_subfolder():
    catalogue = params(languages=["ko", "en"])
    assert (catalogue.folder("ko"), catalogue.folder("en")) == (None, "en")
    assert params(languages=["en", "ko"]).folder("ko") == "ko"


def test_instructions_are_the_first_languages_and_each_other_gets_its_own():
    catalogue = params(languages=["ko", "en", "zh"],
                       tts={"provider": "realtime", "instructions": "천천히 읽어 주세요.",
                            "per_language": {"zh": {"instructions": "请慢慢读。", "voice": "marin"}}})
    spoken = {language: speech_provider("realtime")(catalogue.in_language(language), language=language)
              for language in catalogue.languages}
    assert spoken["ko"].instructions.endswith("Tone of voice: 천천히 읽어 주세요.")
    assert spoken["en"].instructions.endswith(f"Tone of voice: {DOCENT_INSTRUCTIONS['en']}")
    assert spoken["zh"].instructions.endswith("Tone of voice: 请慢慢读。") and spoken["zh"].voice == "marin"
    assert spoken["en"].voice == "alloy"


def test_the_format_is_one_for_every_language():
    catalogue = params(languages=["ko", "en"], tts={"per_language": {"en": {"format": "wav"}}})
    assert refusal(lambda: catalogue.in_language("en")) == \
        "params.yaml: tts.per_language.en.format: set it for every language, in tts"


def test_espeak_refuses_japanese_and_names_the_provider_that_reads_it():
    message = refusal(lambda: check_speech(params(languages=["ko", "ja"])))
    assert message == ('params.yaml: tts.provider: espeak cannot read Japanese: its voice says "Chinese letter" for '
                       'every kanji; set tts.per_language.ja.provider: realtime (OpenAI) for it')
    check_speech(params(languages=["ko", "ja"], tts={"per_language": {"ja": {"provider": "realtime"}}}))
    check_speech(params(languages=["ko", "en", "zh"]))


def test_each_language_has_its_own_espeak_voice():
    catalogue = params(languages=["ko", "en", "zh"])
    voices = {language: speech_provider("espeak")(catalogue.in_language(language), language=language)
              for language in catalogue.languages}
    assert {language: voice.identity()["voice"] for language, voice in voices.items()} == \
        {"ko": "ko", "en": "en-us", "zh": "cmn"}
    assert voices["zh"].credit() == "espeak-ng Mandarin, speed 1.0"


def test_the_korean_reading_rules_never_reach_another_language():
    catalogue = params(languages=["ko", "en"])
    english = Planner(catalogue.in_language("en"), speech_provider("espeak")(catalogue, language="en"), "en")
    korean = Planner(catalogue, speech_provider("espeak")(catalogue, language="ko"), "ko")
    text = "It was made in 1935 and is 42.1 cm tall.\n"
    # English gets its years said as years, and nothing from the Korean rules (no Hangul, 42.1 cm left to the voice).
    assert english.plan(text).chunks[0].spoken == "It was made in nineteen thirty-five and is 42.1 cm tall."
    assert korean.plan("1935년에 만들었습니다.\n").chunks[0].spoken == "천구백삼십오 년에 만들었습니다."
    chinese = Planner(params(languages=["ko", "zh"]), speech_provider("espeak")(catalogue, language="zh"), "zh")
    assert chinese.plan("1935年制作，高42.1厘米。\n").chunks[0].spoken == "一九三五年制作，高42.1厘米。"
    # OpenAI's voices say years well: they get the digits, as their verbatim check compares them.
    remote = params(languages=["ko", "en"], tts={"provider": "realtime"})
    assert Planner(remote.in_language("en"), speech_provider("realtime")(remote, language="en"), "en").plan(
        text).chunks[0].spoken == text.strip()


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(f"keywords: [{KEYWORD}]\nlanguages: [ko, en]\n", encoding="utf-8")
    (tmp_path / "scripts" / "en").mkdir(parents=True)
    (tmp_path / "scripts" / f"{KEYWORD}.md").write_text("안녕하세요. 달항아리입니다.\n", encoding="utf-8")
    return tmp_path


def stage_error(capsys) -> str:
    with pytest.raises(SystemExit):
        run_main(script.main, [])
    return capsys.readouterr().err


def test_a_missing_translation_names_the_file_and_writes_nothing(workspace, capsys):
    (line,) = stage_error(capsys).splitlines()[-1:]
    assert line == (f"error: script: 1 of 2 narrations failed (the others are done and cached): {KEYWORD} (en): "
                    f"no English narration for '{KEYWORD}': write scripts/en/{KEYWORD}.md or set script.provider: openai")
    assert not (workspace / "outputs" / "script" / "en" / f"{KEYWORD}.md").exists()
    assert (workspace / "outputs" / "script" / f"{KEYWORD}.md").exists()  # the first language is done


def test_a_hand_written_translation_is_used_verbatim_and_is_not_machine_made(workspace, capsys):
    (workspace / "scripts" / "en" / f"{KEYWORD}.md").write_text("Hello. This is the moon jar.\n", encoding="utf-8")
    run_main(script.main, [])
    assert (workspace / "outputs/script/en" / f"{KEYWORD}.md").read_text(encoding="utf-8") == \
        "Hello. This is the moon jar.\n"
    keys = json.loads((workspace / "outputs/script/en/.keys.json").read_text(encoding="utf-8"))
    assert keys[KEYWORD]["machine_translation"] is False


def test_the_report_totals_each_language(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(f"keywords: [{KEYWORD}]\nlanguages: [ko, en]\n", encoding="utf-8")
    row = {"chars": 100, "chunks": 2, "duration_s": 12.5, "bytes": 1000, "est_cost_usd": 0.01, "lufs": -16.0}
    for folder, chars in (("", 100), ("en/", 300)):
        path = tmp_path / f"outputs/metrics/{folder}{KEYWORD}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(row | {"chars": chars}), encoding="utf-8")
    run_main(report.main, [])
    totals = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert (totals["chars"], totals["narrations"]) == (400, 2)
    assert {language: figures["chars"] for language, figures in totals["languages"].items()} == {"ko": 100, "en": 300}
    assert totals["languages"]["en"]["est_cost_usd"] == 0.01


def test_prune_finds_a_dropped_keyword_in_every_language_folder(tmp_path):
    for folder in ("audio", "audio/en", "metrics/zh"):
        (tmp_path / folder).mkdir(parents=True)
    for path in ("audio/old.mp3", "audio/en/old.mp3", "audio/en/kept.mp3", "metrics/zh/old.json"):
        (tmp_path / path).write_text("x", encoding="utf-8")
    stale = stale_outputs(["kept"], tmp_path, languages=["en", "zh"])
    assert sorted(path.relative_to(tmp_path).as_posix() for path in stale) == \
        ["audio/en/old.mp3", "audio/old.mp3", "metrics/zh/old.json"]


def test_a_model_set_for_one_language_is_checked_for_its_shutdown_under_its_own_key():
    from stages.core.model_shutdowns import called_models

    catalogue = params(languages=["ko", "ja"], tts={"provider": "realtime", "model": "gpt-realtime-2.1-mini",
                                                    "per_language": {"ja": {"model": "gpt-realtime"}}})
    assert called_models(catalogue) == [("tts.model", "gpt-realtime-2.1-mini"), ("tts.verify_model", "gpt-transcribe"),
                                        ("tts.per_language.ja.model", "gpt-realtime")]
