"""TemplateScript: an offline, deterministic docent narration built from the facts."""

from stages.core.info_file import Facts
from stages.core.params import Params
from stages.narration.korean import josa

# Headings that introduce the subject rather than one aspect of it.
_INTRO_HEADINGS = {"개요", "소개", "요약", "개관"}


class TemplateScript:
    """Greeting, introduction, one paragraph per fact section, closing; paragraphs split by blank lines."""

    name = "template"

    def __init__(self, params: Params) -> None:
        self.params = params

    def write(self, facts: Facts) -> str:
        title = facts.title
        sections = list(facts.sections)
        paragraphs = [
            f"안녕하세요, 여러분. 지금부터 {josa(title, '을')} 소개해 드리겠습니다. "
            f"잠시 작품 앞에 서서, 천천히 감상하시며 들어 주세요."
        ]
        if sections and sections[0].heading in _INTRO_HEADINGS:
            paragraphs.append(f"먼저 간단히 소개해 드리겠습니다. {sections.pop(0).text}")
        else:
            paragraphs.append(f"눈앞에 보이는 이 작품이 바로 {title}입니다.")
        about = self._designation_and_era(title, facts.details)
        if about:
            paragraphs[-1] = f"{paragraphs[-1]} {about}"
        for index, section in enumerate(sections):
            paragraphs.append(f"{self._transition(section.heading, index, len(sections))} {section.text}")
        closing = (
            f"지금까지 {josa(title, '을')} 함께 살펴보았습니다. "
            f"오늘 들으신 이야기를 떠올리며 작품을 한 번 더 천천히 바라봐 주세요. 들어 주셔서 감사합니다."
        )
        if facts.attribution:
            closing = f"{closing} 이 해설은 {', '.join(facts.attribution)}의 자료를 바탕으로 했습니다."
        paragraphs.append(closing)
        return "\n\n".join(paragraphs) + "\n"

    @staticmethod
    def _designation_and_era(title: str, details: dict[str, str]) -> str:
        """A sentence on the designation (e.g. 국보) and era, when the facts carry them; else nothing."""
        designation, era = details.get("designation"), details.get("era")
        if designation and era:
            return f"{josa(title, '은')} {josa(designation, '으로')} 지정되어 있으며, {era}의 유산입니다."
        if designation:
            return f"{josa(title, '은')} {josa(designation, '으로')} 지정되어 있습니다."
        if era:
            return f"{josa(title, '은')} {era}의 유산입니다."
        return ""

    @staticmethod
    def _transition(heading: str, index: int, count: int) -> str:
        if count > 1 and index == count - 1:
            return f"마지막으로 {heading}에 대해 말씀드리겠습니다."
        openers = (
            f"이제 {josa(heading, '을')} 살펴보겠습니다.",
            f"다음으로 {heading}에 대해 이야기해 보겠습니다.",
            f"이어서 {josa(heading, '을')} 알아보겠습니다.",
            f"그럼 {heading}에 관한 이야기로 넘어가 보겠습니다.",
        )
        return openers[index % len(openers)]
