"""The guide's own words (buttons, headings, durations, credit labels) in each language it can be published in.

One table, so that a language is added in one place. The facts (a stop's name, designation, era) are not here: they
come from the info files, in the first language only, and are shown as they are.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Strings:
    site_title: str  # shown instead of guide.title's default, which is Korean, on the other languages' pages
    skip: str
    lead: str  # {count}: the number of stops
    print_labels: str
    minutes_seconds: str  # {minutes}, {seconds}
    seconds: str  # {seconds}
    download: str
    transcript: str
    transcript_hint: str
    credits: str
    source: str  # before a credit line of the facts
    licence: str  # {licence}: a narration made from share-alike text carries the same licence
    voice: str  # before the voice's name
    machine_translation: str  # {source}: the first language's name, in this language
    other_stops: str
    previous: str
    all_stops: str
    next: str
    switch: str  # the language switch's name for screen readers
    choose: str  # on the language-neutral pages
    labels: str
    labels_unset: str  # guide.base_url is unset
    labels_print: str
    label_hint: str
    label_link: str  # {number}, {title}
    names: dict[str, str]  # every language's name, in this language


UI = {
    "ko": Strings(
        site_title="도슨트 오디오 가이드",
        skip="본문 바로 가기",
        lead="전시물 {count}점의 해설을 들을 수 있습니다. 전시물 옆 번호를 찾아 누르세요.",
        print_labels="QR 라벨 인쇄하기",
        minutes_seconds="{minutes}분 {seconds}초",
        seconds="{seconds}초",
        download="해설 음성 파일 내려받기",
        transcript="해설 원고",
        transcript_hint="문장을 누르면 그 부분부터 들을 수 있습니다.",
        credits="출처와 이용 조건",
        source="자료: ",
        licence="이 해설은 위 자료를 바탕으로 만든 2차적 저작물이며 {licence} 조건으로 이용할 수 있습니다",
        voice="음성: ",
        machine_translation="이 해설은 {source} 해설을 기계 번역한 것입니다",
        other_stops="다른 전시물",
        previous="← 이전: ",
        all_stops="전체 목록",
        next="다음: ",
        switch="언어",
        choose="언어를 고르세요",
        labels="QR 라벨",
        labels_unset="params.yaml의 <code>guide.base_url</code>이 비어 있어 QR 코드에 상대 주소가 들어 있습니다. "
                     "인쇄하기 전에 가이드를 올릴 주소를 넣고 다시 만드세요.",
        labels_print="A4 용지에 인쇄해 잘라서 전시물 옆에 붙이세요.",
        label_hint="휴대전화 카메라로 QR 코드를 비추면 해설을 들을 수 있습니다.",
        label_link="{number}. {title} 해설 페이지",
        names={"ko": "한국어", "en": "영어", "ja": "일본어", "zh": "중국어"},
    ),
    "en": Strings(
        site_title="Audio guide",
        skip="Skip to content",
        lead="Narrations of {count} objects. Find the number beside an object and tap it.",
        print_labels="Print the QR labels",
        minutes_seconds="{minutes} min {seconds} s",
        seconds="{seconds} s",
        download="Download the narration",
        transcript="Transcript",
        transcript_hint="Tap a sentence to listen from there.",
        credits="Sources and terms of use",
        source="Source: ",
        licence="This narration is adapted from the sources above and may be used under {licence}",
        voice="Voice: ",
        machine_translation="This narration is a machine translation of the {source} narration",
        other_stops="Other objects",
        previous="← Previous: ",
        all_stops="All objects",
        next="Next: ",
        switch="Language",
        choose="Choose your language",
        labels="QR labels",
        labels_unset="<code>guide.base_url</code> in params.yaml is empty, so the QR codes hold relative links. "
                     "Set the address the guide will have and build it again before printing.",
        labels_print="Print on A4 paper, cut, and place each label beside its object.",
        label_hint="Point your phone's camera at the QR code to hear the narration.",
        label_link="{number}. {title}: narration page",
        names={"ko": "Korean", "en": "English", "ja": "Japanese", "zh": "Chinese"},
    ),
    "ja": Strings(
        site_title="オーディオガイド",
        skip="本文へ移動",
        lead="展示物{count}点の解説を聴くことができます。展示物のそばの番号を探して押してください。",
        print_labels="QRラベルを印刷する",
        minutes_seconds="{minutes}分{seconds}秒",
        seconds="{seconds}秒",
        download="解説の音声ファイルをダウンロード",
        transcript="解説の原稿",
        transcript_hint="文を押すと、そこから聴くことができます。",
        credits="出典と利用条件",
        source="資料：",
        licence="この解説は上記の資料をもとにした二次的著作物で、{licence} の条件で利用できます",
        voice="音声：",
        machine_translation="この解説は{source}の解説を機械翻訳したものです",
        other_stops="ほかの展示物",
        previous="← 前へ：",
        all_stops="一覧",
        next="次へ：",
        switch="言語",
        choose="言語を選んでください",
        labels="QRラベル",
        labels_unset="params.yaml の <code>guide.base_url</code> が空のため、QRコードには相対アドレスが入っています。"
                     "印刷する前にガイドを公開するアドレスを設定して作り直してください。",
        labels_print="A4用紙に印刷して切り取り、展示物のそばに貼ってください。",
        label_hint="スマートフォンのカメラをQRコードに向けると解説を聴くことができます。",
        label_link="{number}. {title} の解説ページ",
        names={"ko": "韓国語", "en": "英語", "ja": "日本語", "zh": "中国語"},
    ),
    "zh": Strings(
        site_title="语音导览",
        skip="跳到正文",
        lead="可收听{count}件展品的讲解。请找到展品旁的编号并点击。",
        print_labels="打印二维码标签",
        minutes_seconds="{minutes}分{seconds}秒",
        seconds="{seconds}秒",
        download="下载讲解音频文件",
        transcript="讲解文稿",
        transcript_hint="点击句子即可从该处开始收听。",
        credits="来源与使用条件",
        source="资料来源：",
        licence="本讲解是根据上述资料改编的演绎作品，可按 {licence} 条件使用",
        voice="语音：",
        machine_translation="本讲解由{source}讲解机器翻译而成",
        other_stops="其他展品",
        previous="← 上一个：",
        all_stops="全部展品",
        next="下一个：",
        switch="语言",
        choose="请选择语言",
        labels="二维码标签",
        labels_unset="params.yaml 中的 <code>guide.base_url</code> 为空，因此二维码中是相对地址。"
                     "打印前请填写导览的发布地址并重新生成。",
        labels_print="请用A4纸打印，剪下后贴在展品旁。",
        label_hint="用手机相机扫描二维码即可收听讲解。",
        label_link="{number}. {title} 讲解页面",
        names={"ko": "韩语", "en": "英语", "ja": "日语", "zh": "中文"},
    ),
}

# A subtitles file's NOTE line naming the voice, in any of the languages above (the audio stage writes "음성: …").
VOICE_NOTE = re.compile(r"(?:{})\s*[:：]\s*(.+)".format("|".join(
    re.escape(strings.voice.rstrip(" :：")) for strings in UI.values())))


def duration_text(seconds: float, language: str = "ko") -> str:
    """A length as a visitor reads it, e.g. 1분 47초 or 1 min 47 s."""
    minutes, secs = divmod(round(seconds), 60)
    strings = UI[language]
    return strings.minutes_seconds.format(minutes=minutes, seconds=secs) if minutes else strings.seconds.format(
        seconds=secs)
