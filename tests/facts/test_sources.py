"""sources/<keyword>.md parsing and the local info provider."""

import pytest

from stages.core.errors import NoFacts, PipelineError
from stages.core.params import parse_params
from stages.facts.local import LocalInfo
from stages.facts.sources import TEMPLATE, HeritagePin, Pins, parse_source, read_source
from tests.conftest import ROOT


def test_sections_title_and_front_matter(tmp_path):
    text = ("---\nheritage: {ccbaKdcd: 11, ccbaAsno: 0000680000000, ccbaCtcd: '11'}\nwikipedia: 2002\n---\n"
            "# 제목\n\n## 개요\n- 첫 문장입니다.\n둘째 문장입니다.\n<!-- 숨김 -->\n## 빈 절\n")
    source = parse_source(text, tmp_path / "x.md")
    assert source.title == "제목"
    assert source.sections == [("개요", "첫 문장입니다. 둘째 문장입니다.")]
    # Codes and titles are read as text: leading zeros survive, a numeric title stays a title.
    assert source.pins == Pins(heritage=HeritagePin("11", "0000680000000", "11"), wikipedia="2002")


def test_the_template_holds_no_facts_and_no_pins(tmp_path):
    source = parse_source(TEMPLATE.format(keyword="새 유물"), tmp_path / "x.md")
    assert source.sections == [] and not source.pins and source.title == "새 유물"


def test_a_pictures_credit_and_licence_are_read_and_pin_nothing(tmp_path):
    text = "---\npicture_credit: 국립중앙박물관 \npicture_licence: '공공누리 제1유형'\n---\n# x\n"
    pins = parse_source(text, tmp_path / "x.md").pins
    assert (pins.picture_credit, pins.picture_licence) == ("국립중앙박물관", "공공누리 제1유형") and not pins
    # The template shows both keys, commented out; uncommented, they are read.
    template = TEMPLATE.format(keyword="새 유물")
    assert "# picture_credit:" in template and "# picture_licence:" in template
    pins = parse_source(template.replace("\n# picture_", "\npicture_"), tmp_path / "x.md").pins
    assert (pins.picture_credit, pins.picture_licence) == ("국립중앙박물관", "공공누리 제1유형")


def test_uncommenting_the_templates_pins_pins(tmp_path):
    text = TEMPLATE.format(keyword="새 유물").replace("\n# heritage:", "\nheritage:").replace("\n#   cc", "\n  cc")
    text = text.replace("\n# wikipedia:", "\nwikipedia:")
    assert parse_source(text, tmp_path / "x.md").pins == Pins(HeritagePin("11", "0000680000000", "11"), "새 유물")


@pytest.mark.parametrize(("front", "complaint"), [
    ("wikipedai: x", "front matter: unknown key 'wikipedai'; allowed keys: heritage, wikipedia"),
    ("heritage: {ccbaKdcd: 11}", "heritage needs exactly the keys ccbaKdcd, ccbaAsno, ccbaCtcd"),
    ("heritage: {ccbaKdcd: 11, ccbaAsno: [1], ccbaCtcd: 11}", "heritage.ccbaAsno must be a code such as 11"),
    ("wikipedia: ''", "wikipedia must be a page title"),
    ("- a list", "the front matter must be 'key: value' lines"),
    ("picture_credit: ''", "picture_credit must be one line of text"),
    ("picture_licence: [CC BY]", "picture_licence must be one line of text"),
    ("picture_credit: |\n  두 줄\n  사진가", "picture_credit must be one line of text"),
    ("picture_licnce: CC BY", "unknown key 'picture_licnce'; allowed keys: heritage, wikipedia, picture_credit, "
                              "picture_licence"),
    ("wikipedia: [unclosed", "is not valid YAML"),
])
def test_a_bad_pin_is_a_one_line_error(tmp_path, front, complaint):
    with pytest.raises(PipelineError) as caught:
        parse_source(f"---\n{front}\n---\n# x\n", tmp_path / "x.md")
    assert complaint in str(caught.value) and "\n" not in str(caught.value)


def test_local_info_without_facts_says_what_to_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "새 유물.md").write_text(TEMPLATE.format(keyword="새 유물"), encoding="utf-8")
    with pytest.raises(NoFacts, match="has no facts: write '## 제목' headings.*, or set info.provider: auto"):
        LocalInfo(parse_params({"keywords": ["새 유물"]})).fetch("새 유물")


def test_every_shipped_keyword_has_facts(monkeypatch):
    monkeypatch.chdir(ROOT)
    params = parse_params({"keywords": ["x"]})
    for keyword in ["청자 상감운학문 매병", "백자 달항아리", "성덕대왕신종"]:
        facts = LocalInfo(params).fetch(keyword)
        assert len(facts.sections) >= 3 and facts.to_json() == LocalInfo(params).fetch(keyword).to_json()


PINNED = ("---\nheritage:\n  ccbaKdcd: 11\n  ccbaAsno: 0000680000000\n  ccbaCtcd: 11\nwikipedia: 청자 상감운학문 매병\n---\n"
          "# 청자 상감운학문 매병\n\n## 개요\n고려의 매병입니다.\n")


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_front_matter_with_windows_line_ends_keeps_its_pins(tmp_path, monkeypatch, newline):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "x.md").write_bytes(PINNED.replace("\n", newline).encode("utf-8"))
    # Parsed from the file and from text read as bytes (no newline translation): the same pins either way.
    for source in (read_source("x"), parse_source(PINNED.replace("\n", newline), tmp_path / "x.md")):
        assert source.pins == Pins(HeritagePin("11", "0000680000000", "11"), "청자 상감운학문 매병")
        assert source.title == "청자 상감운학문 매병" and source.sections == [("개요", "고려의 매병입니다.")]


def test_front_matter_may_end_the_file_and_follow_a_byte_order_mark(tmp_path):
    text = "\ufeff" + PINNED.split("# 청자")[0].rstrip("\n")
    assert parse_source(text, tmp_path / "x.md").pins.wikipedia == "청자 상감운학문 매병"


@pytest.mark.parametrize("encoding", ["cp949", "latin-1"])
def test_a_sources_file_that_is_not_utf8_is_one_line_naming_it(tmp_path, monkeypatch, encoding):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources").mkdir()
    text = "# 달항아리\n\n## 개요\n백자입니다.\n" if encoding == "cp949" else "# Moon jar\n\n## Résumé\nCéramique.\n"
    (tmp_path / "sources" / "x.md").write_bytes(text.encode(encoding))
    with pytest.raises(PipelineError) as caught:
        LocalInfo(parse_params({"keywords": ["x"]})).fetch("x")
    message = str(caught.value)
    assert message.startswith("sources/x.md is not UTF-8 text (byte 0x") and "\n" not in message
    assert f"iconv -f {encoding.replace('-', '')} -t utf-8 sources/x.md > sources/x.md.utf8" in message
