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
    photo: str  # before a picture's credit, under it
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
    # Offline (offline.js): the index's button that saves the whole tour, its progress and its one-line outcome.
    offline_heading: str
    offline_intro: str
    offline_save: str  # {size}: the download, e.g. 124 MB
    offline_progress: str  # the progress bar's name for screen readers
    offline_done: str
    offline_failed: str
    offline_no_space: str
    # Finding a stop: the number field on every page, the keypad and the name search on the index (finder.js).
    find_label: str
    find_go: str
    find_unknown: str  # {number}: what the visitor typed
    keypad: str  # the on-screen number pad's name for screen readers
    keypad_delete: str
    search_label: str
    search_count: str  # {count}: the stops the search shows
    search_none: str
    # Listening (player.js): playback speed, resuming, going on to the next stop.
    speed: str
    resume: str  # {time}: where the narration resumes, e.g. 1:23
    autoplay: str
    autoplay_blocked: str  # the browser would not start the next stop's narration by itself


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
        photo="사진: ",
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
        offline_heading="인터넷 없이 듣기",
        offline_intro="신호가 잡히지 않는 전시실에서도 들을 수 있도록 해설을 이 휴대전화에 저장합니다. "
                      "단추를 누르기 전에는 큰 파일을 내려받지 않습니다.",
        offline_save="전체 해설 저장하기 ({size})",
        offline_progress="해설 저장 진행률",
        offline_done="전체 해설을 저장했습니다. 인터넷 연결 없이도 들을 수 있습니다.",
        offline_failed="저장하지 못했습니다. 연결을 확인하고 단추를 다시 누르면 이어서 저장합니다.",
        offline_no_space="휴대전화의 저장 공간이 부족해 저장하지 못했습니다.",
        find_label="전시물 번호",
        find_go="가기",
        find_unknown="{number}번 전시물은 없습니다. 라벨의 번호를 다시 확인하세요.",
        keypad="숫자 패드",
        keypad_delete="지우기",
        search_label="이름으로 찾기",
        search_count="전시물 {count}점",
        search_none="이 이름의 전시물이 없습니다.",
        speed="재생 속도",
        resume="{time}부터 이어서 듣습니다.",
        autoplay="이 해설이 끝나면 다음 전시물 해설 이어 듣기",
        autoplay_blocked="재생 단추를 누르면 이어서 들을 수 있습니다.",
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
        photo="Photo: ",
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
        offline_heading="Listen offline",
        offline_intro="Save the narrations on this phone to listen where there is no signal. Nothing large is "
                      "downloaded until you press the button.",
        offline_save="Save the whole tour for offline ({size})",
        offline_progress="Saving the tour",
        offline_done="The whole tour is saved: it plays without a connection.",
        offline_failed="Saving stopped. Check the connection and press the button again to go on.",
        offline_no_space="There is not enough space on this phone to save the tour.",
        find_label="Object number",
        find_go="Go",
        find_unknown="There is no object {number}. Check the number on the label.",
        keypad="Number pad",
        keypad_delete="Delete",
        search_label="Find by name",
        search_count="{count} objects",
        search_none="No object has that name.",
        speed="Playback speed",
        resume="Resuming from {time}.",
        autoplay="Play the next object when this one ends",
        autoplay_blocked="Press play to listen on.",
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
        photo="写真：",
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
        offline_heading="オフラインで聴く",
        offline_intro="電波の届かない展示室でも聴けるように、解説をこのスマートフォンに保存します。"
                      "ボタンを押すまで大きなファイルはダウンロードしません。",
        offline_save="すべての解説をオフライン用に保存（{size}）",
        offline_progress="解説の保存の進み具合",
        offline_done="すべての解説を保存しました。接続がなくても聴くことができます。",
        offline_failed="保存できませんでした。接続を確認してもう一度ボタンを押すと、続きから保存します。",
        offline_no_space="スマートフォンの空き容量が足りないため、保存できませんでした。",
        find_label="展示物の番号",
        find_go="移動",
        find_unknown="{number}番の展示物はありません。ラベルの番号をご確認ください。",
        keypad="テンキー",
        keypad_delete="削除",
        search_label="名前で探す",
        search_count="展示物{count}点",
        search_none="この名前の展示物はありません。",
        speed="再生速度",
        resume="{time}から続きを再生します。",
        autoplay="この解説が終わったら次の展示物を再生する",
        autoplay_blocked="再生ボタンを押すと続きを聴けます。",
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
        photo="图片：",
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
        offline_heading="离线收听",
        offline_intro="将讲解保存到这部手机上，在没有信号的展厅里也能收听。按下按钮之前不会下载大文件。",
        offline_save="保存全部讲解以便离线收听（{size}）",
        offline_progress="讲解保存进度",
        offline_done="全部讲解已保存，没有网络也能收听。",
        offline_failed="保存未完成。请检查网络连接，再按一次按钮即可继续保存。",
        offline_no_space="手机存储空间不足，无法保存。",
        find_label="展品编号",
        find_go="前往",
        find_unknown="没有编号为{number}的展品，请核对标签上的编号。",
        keypad="数字键盘",
        keypad_delete="删除",
        search_label="按名称查找",
        search_count="{count}件展品",
        search_none="没有这个名称的展品。",
        speed="播放速度",
        resume="从{time}继续播放。",
        autoplay="本讲解结束后播放下一件展品",
        autoplay_blocked="请按播放键继续收听。",
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
