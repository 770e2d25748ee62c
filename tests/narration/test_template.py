"""The offline template narration: what it says about the facts it is given."""

from stages.core.info_file import Facts, FactSection
from stages.core.params import parse_params
from stages.narration.template import TemplateScript

PARAMS = parse_params({"keywords": ["x"]})


def facts(**extra) -> Facts:
    return Facts(keyword="반가사유상", title="금동 미륵보살 반가사유상", provider="heritage",
                 sections=[FactSection("개요", "생각에 잠긴 보살상입니다.", "u"), FactSection("상세 설명", "금동입니다.", "u")],
                 **extra)


def test_designation_and_era_are_spoken_in_the_introduction():
    script = TemplateScript(PARAMS).write(facts(details={"designation": "국보", "era": "삼국시대", "owner": "국유"}))
    introduction = script.split("\n\n")[1]
    assert introduction == ("먼저 간단히 소개해 드리겠습니다. 생각에 잠긴 보살상입니다. "
                            "금동 미륵보살 반가사유상은 국보로 지정되어 있으며, 삼국시대의 유산입니다.")


def test_either_alone_is_spoken_too():
    assert "상은 보물로 지정되어 있습니다." in TemplateScript(PARAMS).write(facts(details={"designation": "보물"}))
    assert "상은 고려시대의 유산입니다." in TemplateScript(PARAMS).write(facts(details={"era": "고려시대"}))


def test_without_details_nothing_is_added():
    script = TemplateScript(PARAMS).write(facts(details={"url": "https://ko.wikipedia.org/wiki/x"}))
    assert script.split("\n\n")[1] == "먼저 간단히 소개해 드리겠습니다. 생각에 잠긴 보살상입니다."


def test_the_closing_credits_the_source():
    script = TemplateScript(PARAMS).write(facts(attribution=["국가유산청"]))
    assert script.rstrip().endswith("이 해설은 국가유산청의 자료를 바탕으로 했습니다.")
