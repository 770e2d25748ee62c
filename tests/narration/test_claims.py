"""The fact guard: a narration's claims, compared with its facts in one spoken form."""

import json
import subprocess
import sys

import pytest

from stages import factcheck, script
from stages.core.cache import Cache
from stages.core.cli import run_main
from stages.core.errors import PipelineError
from stages.core.info_file import Facts, FactSection
from stages.core.params import load_params
from stages.narration.claims import claims, support, unsupported
from stages.narration.openai import OpenAIScript
from tests.conftest import ROOT
from tests.fake_openai import INVENTED_YEAR
from tests.narration.test_openai import make_params

FACTS = Facts(
    keyword="청자 상감운학문 매병", title="청자 상감운학문 매병", provider="local",
    sections=[FactSection("개요", "고려 시대에 만들어진 청자 매병으로, 국보 제68호입니다. 높이는 42.1cm입니다. " * 3,
                          "sources/x.md"),
              FactSection("전해진 이야기", "1935년 간송 전형필이 사들였습니다. 1446년에 반포된 훈민정음과 같은 "
                          "시기의 것은 아닙니다. " * 2, "sources/x.md")],
    details={"era": "12세기"})


@pytest.mark.parametrize("written", ["42.1cm", "42.1 센티미터", "사십이 점 일 센티미터", "42.1㎝"])
def test_one_size_in_any_writing_is_one_supported_claim(written):
    (claim,) = claims(f"높이는 {written}입니다.")
    assert claim.said == "사십이점일센티미터" and support(claim, FACTS) == "개요"


def test_each_kind_of_claim_is_found_in_order_and_in_its_sentence():
    text = "고려 시대의 국보 제68호입니다. 12세기에 만들어 1935년에 팔렸고, 무게는 18.9톤입니다."
    assert [(c.text, c.sentence[:6]) for c in claims(text)] == [
        ("고려", "고려 시대의"), ("국보", "고려 시대의"), ("제68호", "고려 시대의"), ("12세기", "12세기에 "),
        ("1935년", "12세기에 "), ("18.9톤", "12세기에 ")]
    assert [c.text for c in unsupported(text, FACTS)] == ["18.9톤"]


def test_an_invented_or_changed_year_is_unsupported_and_a_stated_one_is_not():
    assert [c.text for c in unsupported("1443년에 만들었습니다. 1446년과 1935년의 일입니다.", FACTS)] == ["1443년"]
    assert [c.text for c in unsupported("천사백사십삼 년에 만들었습니다.", FACTS)] == ["천사백사십삼 년"]


def test_a_pictures_licence_is_kept_out_of_the_chat_prompt():
    from dataclasses import replace

    from stages.narration.openai import facts_prompt

    pictured = replace(FACTS, details={**FACTS.details, "image_licence": "공공누리 제1유형: 출처표시"})
    assert facts_prompt(pictured, 900, 3.0) == facts_prompt(FACTS, 900, 3.0)  # the chat cache keys do not move


def test_words_that_only_look_like_numbers_are_no_claims():
    assert claims("이 세기의 걸작입니다. 천천히 보세요. 만들어진 해는 알 수 없습니다.") == []


def test_a_chat_narration_with_an_invented_year_is_asked_again_once(fake_openai, chat_cache):
    fake_openai.invented_years = 1
    text = OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    assert fake_openai.count("chat") == 2 and "1443" not in text
    correction = fake_openai.received[-1]["json"]["messages"][-1]["content"]
    assert "1443년" in correction
    assert OpenAIScript(make_params(), cache=chat_cache).write(FACTS) == text  # the accepted answer, cached
    assert fake_openai.count("chat") == 2


def test_a_chat_narration_that_invents_a_year_twice_is_refused_quoting_it(fake_openai, chat_cache):
    fake_openai.invented_years = 2
    with pytest.raises(PipelineError) as caught:
        OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    assert str(caught.value) == (f"openai script: the narration of '청자 상감운학문 매병' states 1443년 in "
                                 f"\"{INVENTED_YEAR}\", which the facts do not hold (asked twice); add it to the facts "
                                 f"if it is true, or run again")
    assert fake_openai.count("chat") == 2 and not list(chat_cache.dir.rglob("*.json"))


def test_a_correct_chat_narration_passes_with_one_request(fake_openai, chat_cache):
    OpenAIScript(make_params(), cache=chat_cache).write(FACTS)
    assert fake_openai.count("chat") == 1


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text("keywords: [청자 상감운학문 매병]\n", encoding="utf-8")
    (tmp_path / "outputs/info").mkdir(parents=True)
    (tmp_path / "outputs/info/청자 상감운학문 매병.json").write_text(FACTS.to_json(), encoding="utf-8")
    (tmp_path / "scripts").mkdir()
    return tmp_path


def test_a_hand_written_narration_is_narrated_with_one_warning_per_unsupported_claim(workspace, caplog):
    (workspace / "scripts/청자 상감운학문 매병.md").write_text(
        f"고려 시대의 매병입니다.\n\n{INVENTED_YEAR}\n", encoding="utf-8")
    script.run(load_params(), "청자 상감운학문 매병")
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"script: scripts/청자 상감운학문 매병.md states 1443년 in \"{INVENTED_YEAR}\", which the facts "
                        f"do not hold (python -m stages.factcheck '청자 상감운학문 매병')"]
    assert (workspace / "outputs/script/청자 상감운학문 매병.md").read_text(encoding="utf-8").startswith("고려")


def test_factcheck_prints_each_claim_and_where_the_facts_state_it(workspace, capsys):
    (workspace / "scripts/청자 상감운학문 매병.md").write_text(f"국보 제68호입니다. {INVENTED_YEAR}\n", encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        run_main(factcheck.main, ["청자 상감운학문 매병"])
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0] == "scripts/청자 상감운학문 매병.md against outputs/info/청자 상감운학문 매병.json: 3 claims"
    assert [line.split()[0] for line in lines[1:]] == ["국보", "제68호", "1443년"]
    assert lines[1].endswith("[개요]") and "NOT IN THE FACTS" in lines[3]
    assert err.strip() == "error: 1 of 3 claims in scripts/청자 상감운학문 매병.md are not in the facts"
