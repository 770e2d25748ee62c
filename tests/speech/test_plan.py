"""The plan: how a script is cut, read and keyed, the one cut that the audio stage and the preview share."""

from pathlib import Path

import pytest

from stages.core.errors import PipelineError
from stages.core.params import parse_params
from stages.core.paths import script_path
from stages.korean.reading import Reader
from stages.speech.chunking import speakable_paragraphs
from stages.speech.plan import Planner
from stages.speech.synthesis import chunk_key
from stages.speech.voices.espeak import EspeakSpeech

KEYWORD = "청자 상감운학문 매병"
LONG_NARRATION = (Path(__file__).parent.parent / "long_narration.md").read_text(encoding="utf-8")


def planner(**tts) -> Planner:
    params = parse_params({"keywords": [KEYWORD], "tts": tts})
    return Planner(params, EspeakSpeech(params))


def test_a_long_narration_at_400_characters_is_twelve_chunks_keyed_by_what_is_said(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no lexicon.yaml: the reader has no entries
    chosen = planner(chunk_chars=400)
    plan = chosen.plan(LONG_NARRATION)
    assert len(plan.chunks) == len(plan.keys) == len(plan.pauses) == 12
    assert sum(len(c.spoken) for c in plan.chunks) == sum(len(Reader().spoken(p))
                                                        for p in speakable_paragraphs(LONG_NARRATION))
    assert plan.keys == [chunk_key(chosen.provider, c.spoken) for c in plan.chunks]
    assert plan.pauses[-1] == 0.0 and set(plan.pauses[:-1]) <= {0.6, 0.15, 0.05}


def test_chunks_are_capped_by_the_engine_limit_too(monkeypatch):
    monkeypatch.setattr(EspeakSpeech, "max_chars", 350)
    assert len(planner(chunk_chars=4096).plan(LONG_NARRATION).chunks) == 12  # no two paragraphs fit in 350


def test_reading_off_plans_the_written_text():
    plan = planner(reading=False).plan("1446년에 만들었습니다.")
    assert [c.spoken for c in plan.chunks] == ["1446년에 만들었습니다."]
    assert [c.spoken for c in planner().plan("1446년에 만들었습니다.").chunks] == ["천사백사십육 년에 만들었습니다."]


def test_a_missing_script_is_one_line_naming_the_stage_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PipelineError, match=r"is missing; run the script stage first \(make audio KEYWORD="):
        planner().script(KEYWORD)
    script_path(KEYWORD).parent.mkdir(parents=True)
    script_path(KEYWORD).write_bytes("고려청자".encode("cp949"))
    with pytest.raises(PipelineError, match="is not UTF-8 text"):
        planner().script(KEYWORD)
