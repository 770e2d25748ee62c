"""sources/<keyword>.md parsing and the local info provider."""

import pytest

from stages.config import parse_params
from stages.errors import PipelineError
from stages.providers.info.local import LocalInfo
from stages.sources import TEMPLATE, parse_source
from tests.conftest import ROOT


def test_sections_title_and_front_matter(tmp_path):
    text = "---\nheritage: {kind: 11}\n---\n# 제목\n\n## 개요\n- 첫 문장입니다.\n둘째 문장입니다.\n<!-- 숨김 -->\n## 빈 절\n"
    source = parse_source(text, tmp_path / "x.md")
    assert source.title == "제목"
    assert source.sections == [("개요", "첫 문장입니다. 둘째 문장입니다.")]
    assert source.pins == {"heritage": {"kind": 11}}


def test_the_template_holds_no_facts(tmp_path):
    assert parse_source(TEMPLATE.format(keyword="새 유물"), tmp_path / "x.md").sections == []


def test_local_info_without_facts_says_what_to_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "새 유물.md").write_text(TEMPLATE.format(keyword="새 유물"), encoding="utf-8")
    with pytest.raises(PipelineError, match="has no facts: write '## 제목' headings"):
        LocalInfo(parse_params({"keywords": ["새 유물"]})).fetch("새 유물")


def test_every_shipped_keyword_has_facts(monkeypatch):
    monkeypatch.chdir(ROOT)
    params = parse_params({"keywords": ["x"]})
    for keyword in ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]:
        facts = LocalInfo(params).fetch(keyword)
        assert len(facts.sections) >= 3 and facts.to_json() == LocalInfo(params).fetch(keyword).to_json()
