"""Names and addresses in scripts without capital letters (Chinese, Arabic); inflected Russian names.

The capitalised-token name finder (_names) cannot see these. Here a name is only taken
next to a cue, which keeps false alarms low:
  Chinese: a common surname (data/zh_surnames.txt, source in its header) + 1-2 Han
           characters, with a cue before (患者, 客户, 我叫, 姓名: ...) or after (先生, 女士,
           的手机, 电话 ...).
  Arabic:  2-4 Arabic-script words after a cue (المريض, السيد, اسمي, المواطن ...),
           ending at punctuation, a digit or a word that cannot be part of a name.
  Japanese: a common surname (data/ja_surnames.txt) + up to 3 kanji/katakana before an
           honorific (山田太郎さん, 佐藤様, 田中氏), or + up to 2 kanji after a cue (患者の, 氏名：);
           a given name in hiragana before an honorific (山田さくらさん) or as a name field's value.
  Korean:  a common surname syllable (data/ko_surnames.txt) + 1-2 syllables before 씨 or
           선생님, or after a cue (환자, 성명:, 이름은), ending where a particle or a blank follows;
           surname + 2 syllables before 님 / 고객님 (roles and kin of that shape listed out).
Chinese addresses: [province] [city] [district/county] street number 号.
All patterns are compiled at import.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources

from sovgate.classify._hits import Hit


def _load_words(name: str) -> list[str]:
    """The words of a data file (blank-separated; lines starting with # are its header)."""
    ref = resources.files("sovgate.classify").joinpath("data", name)
    lines = ref.read_text(encoding="utf-8").splitlines()
    return [w for line in lines if not line.startswith("#") for w in line.split()]


_ZH_SURNAMES = frozenset(_load_words("zh_surnames.txt"))
_SURNAME_1 = frozenset(w for w in _ZH_SURNAMES if len(w) == 1)
_SURNAME_2 = frozenset(w for w in _ZH_SURNAMES if len(w) == 2)


_HAN = "\u4e00-\u9fff"
_ANY_SCRIPT = re.compile(r"[\u0400-\u04ff\u0600-\u06ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_JA_KO_CHAR = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")  # kana or Hangul
_HAN_CHAR = re.compile(rf"[{_HAN}]")
_AR_CHAR = re.compile(r"[\u0600-\u06ff]")

# --- Chinese names ------------------------------------------------------------

# Cues right before a name (an optional colon after labels).
_ZH_BEFORE = re.compile(
    r"(?:患者|病人|病患|客户|顾客|用户|会员|员工|职员|雇员|同事|联系人|姓名|名字[是叫]?|我叫|他叫|她叫|名叫|叫做|"
    r"申请人|投保人|被保险人|租户|房客|学生|家属|收件人|寄件人|法定代表人|嫌疑人|被告人?|原告|證人|证人|病歷|客戶|顧客|"
    r"員工|聯繫人|聯絡人)[ \t]*[:：]?[ \t]*"
)
# Cues right after a name.
_ZH_TITLE = re.compile(r"先生|女士|小姐|老师|医生|大夫|教授|经理|律师|老師|醫生")
# (a literal first character lets the regex engine skip ahead; the gap before the cue is
# stepped over in code)
_ZH_AFTER = re.compile(
    r"先生|女士|小姐|老师|医生|大夫|教授|同学|经理|律师|護士|护士|醫生|老師|患有|确诊|被诊断|罹患|"
    r"手机|电话|電話|手機|身份证|身份證|邮箱|住址|地址|出生|生日|今年\d"
)
_ZH_CONTACT_GAP = " \t,，:：的"
# Characters that end a name: function words, verbs and nouns that often follow one.
_ZH_STOP = frozenset(
    "的是在有和与跟及说患住今已于因被将对从向把给也都就还又要会能来去到了曾等电手身女先小老医同经昨这那为请"
    "年月日岁男性病史自家因入出诊确检该其之称叫姓名号码地址邮箱生日证件"
)
# Words after a cue that start with a surname character but are not names (患者高血压, 客户于...).
_ZH_NOT_NAME = re.compile(
    "高血压|高血糖|高烧|高热|高中|高级|高度|高端|王国|张口|马上|方面|方法|方案|方式|常常|常规|常见|任何|任务|于是|"
    "文件|文化|文字|金额|金融|黄金|万元|万人|石头|石油|白天|白细胞|白血|程序|程度|史上|关于|关系|关注|余额|周末|"
    "周年|周期|江苏|江西|浙江|湖南|湖北|广东|广西|山东|山西|河南|河北|福建|云南|贵州|四川|安徽|吉林|辽宁|陕西|甘肃|"
    "海南|武汉|苏州|杭州|南京|上海|北京|天津|重庆|康复|严重|严格|温度|牛奶|申请|申报|尚未|施工|龙头|夏天|韩国|宋代|"
    "唐代|毛病|齐全|明确|陆续|蓝色|许多|许可|段落|雷达|钱包|孟加拉|叶子|林业|朱红|成本|成功|成绩|向前|华为|钟表"
)
_ZH_NAME = re.compile(rf"([{_HAN}]{{1,2}})")


def _zh_name_at(text: str, pos: int) -> tuple[int, int] | None:
    """A surname + 1-2 given-name characters starting at `pos`, or None."""
    if _ZH_NOT_NAME.match(text, pos):
        return None
    if text[pos : pos + 2] in _SURNAME_2:
        given_start = pos + 2
    elif text[pos : pos + 1] in _SURNAME_1:
        given_start = pos + 1
    else:
        return None
    end = given_start
    limit = min(len(text), given_start + 2)
    while end < limit and "\u4e00" <= text[end] <= "\u9fff" and text[end] not in _ZH_STOP:
        end += 1
    if end == given_start:
        return None
    return pos, end


def _zh_names(text: str) -> Iterator[Hit]:
    seen: set[int] = set()
    for m in _ZH_BEFORE.finditer(text):
        span = _zh_name_at(text, m.end())
        if span is not None and span[0] not in seen:
            seen.add(span[0])
            yield Hit("PERSON", span[0], span[1], 0.8, None, "zh-name")
    for m in _ZH_AFTER.finditer(text):
        title = _ZH_TITLE.fullmatch(m.group()) is not None
        s = m.start()
        gap = " \t" if title or m.group() in ("患有", "确诊", "被诊断", "罹患") else _ZH_CONTACT_GAP
        while s > 0 and text[s - 1] in gap and m.start() - s < 3:
            s -= 1
        # try the longest name ending here: compound surname + 2 given characters down to 1 + 1
        for length in (4, 3, 2):
            start = s - length
            if start < 0 or start in seen:
                continue
            span = _zh_name_at(text, start)
            if span == (start, s):
                seen.add(start)
                yield Hit("PERSON", start, s, 0.75, None, "zh-name")
                break
        else:
            # "王女士", "金先生": a surname alone before a title is how a person is addressed
            if title and s >= 1 and s - 1 not in seen and text[s - 1] in _SURNAME_1:
                seen.add(s - 1)
                yield Hit("PERSON", s - 1, s, 0.7, None, "zh-name")


# --- Chinese addresses -----------------------------------------------------------

_ZH_ADDRESS = re.compile(
    rf"(?:[{_HAN}]{{2,3}}省|(?:内蒙古|广西壮族|西藏|宁夏回族|新疆维吾尔)自治区)?"
    rf"(?:[{_HAN}]{{2,3}}市)?"
    rf"(?:[{_HAN}]{{2,4}}?[区县])?"
    rf"[{_HAN}\d]{{1,8}}?(?:路|街|大街|大道|巷|胡同|里|弄)"
    r"\d{1,5}(?:-\d{1,5})?号(?:院)?(?:\d{1,4}(?:号楼|栋|幢))?(?:\d{1,4}(?:单元))?(?:\d{1,5}室)?"
)
_ZH_ADDRESS_LEAD = "住在于到是为址家寄送我他她"


def _zh_addresses(text: str) -> Iterator[Hit]:
    # every address ends in 号: match only in a window before each one
    last_end = 0
    p = text.find("号")
    while p >= 0:
        for m in _ZH_ADDRESS.finditer(text, max(last_end, p - 40), min(len(text), p + 16)):
            if m.end() <= p or m.start() > p:
                continue
            s, e = m.span()
            while s < e - 6 and text[s] in _ZH_ADDRESS_LEAD:
                s += 1
            last_end = e
            yield Hit("ADDRESS", s, e, 0.8, "CN", "zh-address")
        p = text.find("号", max(p + 1, last_end))


# --- Arabic names -----------------------------------------------------------------

_AR_CUES = (  # noqa: SIM905
    # roles and titles: patient, Mr/Mrs, my/his/her name, name, customer, citizen, employee, student,
    # professor, doctor, engineer, client, user, applicant, resident, sheikh; "called"
    "المريض المريضة السيد السيدة اسمي اسمه اسمها الاسم العميل العميلة المواطن المواطنة الموظف الموظفة "
    "الطالب الطالبة الأستاذ الأستاذة الدكتور الدكتورة المهندس المهندسة الزبون المستخدم المتقدم المقيم "
    "المقيمة الشيخ يدعى تدعى"
).split()
_AR_SINGLE_OK = frozenset(["اسمي", "اسمه", "اسمها", "الاسم", "يدعى", "تدعى"])
_AR_CUE = re.compile(
    r"(?<![\u0600-\u06ff])[وف]?("
    + "|".join(sorted(_AR_CUES, key=len, reverse=True))
    + r")(?![\u0600-\u06ff])[ \t]*[:：]?[ \t]*"
)
_AR_WORD = re.compile(r"[\u0621-\u064a\u0671-\u06d3]+")
# Words that end a name: verbs, prepositions, contact and record words.
_AR_STOP = frozenset(
    """
    من في على إلى الى عن مع و أو ثم هو هي كان كانت يعاني تعاني لديه لديها لدي يسكن تسكن يعمل تعمل يبلغ
    تبلغ عمره عمرها هاتف الهاتف جوال الجوال رقم الهوية تاريخ ولد ولدت مواليد العنوان عنوان البريد بريد
    مصاب مصابة يحتاج تحتاج يريد تريد قال قالت الذي التي وهو وهي ومن هذا هذه أن إن قد لا لم لن ما منذ
    بسبب حول عند عندي عنده سنة عاما
    """.split()  # noqa: SIM905
)
# wa- ("and") + a verb or an article: "اسمي أحمد وأعيش في دبي" ends the name at "وأعيش"
_AR_AND_VERB = ("وأ", "وي", "وت", "ون", "وال", "وس")
# bi-/li-/ka-/fa- + article: "بالسرطان" (with cancer) is never part of a name
_AR_PREP_ARTICLE = ("بال", "لل", "فال", "كال")
_AR_GAP = re.compile(r"[ \t]+")


def _ar_names(text: str) -> Iterator[Hit]:
    for m in _AR_CUE.finditer(text):
        pos = m.end()
        words: list[tuple[int, int]] = []
        while len(words) < 4:
            w = _AR_WORD.match(text, pos)
            if (
                w is None
                or w.group() in _AR_STOP
                or w.group().startswith(_AR_PREP_ARTICLE)
                or (not words and w.group().startswith("ال"))  # "الطالب المجتهد": an adjective
                or (words and w.group().startswith(_AR_AND_VERB))
            ):
                break
            words.append(w.span())
            g = _AR_GAP.match(text, w.end())
            if g is None:
                break
            pos = g.end()
        if len(words) >= 2 or (words and m.group(1) in _AR_SINGLE_OK):
            yield Hit("PERSON", words[0][0], words[-1][1], 0.75, None, "ar-name")


# --- Russian names in oblique cases ---------------------------------------------------
# The name tables know "Мария Соколова", not the genitive "Марии Соколовой": take two capitalised
# Cyrillic words when the second has a Russian surname suffix with a case ending.
_RU_PAIR = re.compile(
    r"(?<![\w-])([А-ЯЁ][а-яё]+) ([А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын)(?:а|у|ой|ым|ом|е|ою|ых)?"
    r"|[А-ЯЁ][а-яё]+(?:ск|цк)(?:ий|ого|ому|им|ом|ая|ой|ую))(?![\w-])"
)
# Street, place and institution words that precede a surname-shaped genitive ("улица Ленина").
_RU_NOT_FIRST = (
    "улиц", "проспект", "площад", "переул", "бульвар", "шоссе", "станци", "метро", "музе", "институт",
    "университет", "театр", "преми", "орден", "имени", "город", "сел", "район", "област", "компани",
    "завод", "банк", "парк", "мост", "набережн", "проезд", "школ", "больниц", "россий", "московск",
    # titles and roles before a name: the name finder takes the name without them
    "господ", "госпож", "граждан", "клиент", "пациент", "сотрудни", "фио", "заявител", "абонент", "доктор",
    "профессор", "врач",
)  # fmt: skip
_CYRILLIC = re.compile(r"[А-ЯЁ]")


def _ru_pairs(text: str) -> Iterator[Hit]:
    for m in _RU_PAIR.finditer(text):
        if m.group(1).lower().startswith(_RU_NOT_FIRST):
            continue
        yield Hit("PERSON", m.start(), m.end(), 0.6, None, "ru-name")


# --- Japanese and Korean names ----------------------------------------------------
# Only next to an honorific or a cue: alone, a surname-like word is often none (林 "wood",
# 이 "this", 정말 "really").

_JA_SURNAMES = sorted(_load_words("ja_surnames.txt"), key=len, reverse=True)  # 佐々木 before 佐
_JA_SUR = "(?:" + "|".join(map(re.escape, _JA_SURNAMES)) + ")"
_JA_GIVEN = "[\u4e00-\u9fff\u30a1-\u30f6]"  # kanji, katakana (hiragana would run into particles)
_JA_HONORIFIC = re.compile(
    rf"(?<![\u4e00-\u9fff])({_JA_SUR}{_JA_GIVEN}{{0,3}}?)[ \u3000]?(?:さん|様|さま|氏|くん|ちゃん|先生)"
)
_JA_CUE = re.compile(
    rf"(?:患者|氏名|名前|お客様|顧客|担当者|申請者|被保険者|契約者)(?:さん)?(?:の|は|[:：])?[ \u3000]*"
    rf"({_JA_SUR}[\u4e00-\u9fff]{{0,2}})(?![\u4e00-\u9fff])"
)
# Given names written in hiragana ("山田さくらさん", "氏名：佐藤ゆい"): 2-4 hiragana, which could also
# be particles and words, so only before an honorific that is not itself the start of a word
# ("さんざん", "さまざま", "さんぽ", "様子", "氏名") or as the whole value of a name field.
_JA_KANA_GIVEN = "[\u3041-\u3096]{2,4}?"
_JA_KANA_END = r"(?=[はがのをにともへでやか、。！？!?,.\s」』）)]|$)"
_JA_HONORIFIC_KANA = re.compile(
    rf"(?<![\u4e00-\u9fff])({_JA_SUR}{_JA_KANA_GIVEN})[ \u3000]?"
    rf"(?:(?:さん|さま|くん|ちゃん){_JA_KANA_END}|様(?![子々式相態])|氏(?!名)|先生)"
)
_JA_FIELD_KANA = re.compile(
    rf"(?:氏名|名前|お名前)[ \u3000]*[:：][ \u3000]*({_JA_SUR}[\u3041-\u3096]{{2,4}})(?=[、。,.\s]|$)"
)
_JA_CHAR = re.compile("[\u3040-\u30ff]")  # kana: the text is Japanese
_JA_HIRAGANA = re.compile("[\u3041-\u3096]")

_KO_SUR = "[" + "".join(_load_words("ko_surnames.txt")) + "]"
_KO_END = r"(?=[\s,.!?:;)은는이가을를의에께도와과님]|입니다|이에요|예요|$)"  # a particle, a blank, the end
_KO_TITLE = re.compile(rf"(?<![가-힣])({_KO_SUR}[가-힣]{{1,2}})(?:[ ]?씨{_KO_END}|[ ]선생님)")
_KO_CUE = re.compile(
    rf"(?:환자|고객|성명|이름|담당자|신청인|피보험자|계약자)(?:은|는|의)?[ \t]*[:：]?[ \t]*"
    rf"({_KO_SUR}[가-힣]{{1,2}}){_KO_END}"
)
# "김민수님", "김민수 고객님": a full name (surname + two syllables, as most Korean names are)
# before the honorific 님. Three syllables + 님 are also roles and kin ("사용자님", "이모부님"):
# those are left out by name.
_KO_NIM = re.compile(
    rf"(?<![가-힣])({_KO_SUR}[가-힣]{{2}})(?:(?:고객|환자|회원|학생)?|( )(?:고객|환자|회원|학생))님"
    r"(?=[\s,.!?:;)은는이가을를의에께도와과]|입니다|이세요|$)"
)
# Before " 고객님" stands as often a word that describes the customer ("소중한 고객님", "우리의
# 고객님"): there, a word ending like an adjective or a possessive is no name.
_KO_ADJECTIVE_ENDS = frozenset("의한는운던된할을를")
_KO_NOT_NAMES = frozenset(
    [
        "방문자",
        "신청자",
        "구매자",
        "사용자",
        "주문자",
        "지원자",
        "예약자",
        "관리자",
        "상담자",
        "참가자",
        "수신자",
        "발신자",
        "작성자",
        "담당자",
        "운영자",
        "개발자",
        "이용자",
        "가입자",
        "판매자",
        "보호자",
        "수강생",
        "상담사",
        "고모부",
        "이모부",
        "이사장",
        "부사장",
        "부회장",
        "부원장",
        "조교수",
        "부교수",
        "정교수",
        "사무장",
        "시어머",
        "시아버",
        "정회원",
        "우수회",
        "신입생",
    ]
)
_KO_CHAR = re.compile("[가-힣]")


def _ja_ko_names(text: str) -> Iterator[Hit]:
    # Japanese: kana, or a cue of its own in an all-kanji line ("氏名：鈴木一郎", "佐藤様")
    if _JA_CHAR.search(text) is not None or "氏名" in text or "様" in text:
        for rx in (_JA_HONORIFIC, _JA_CUE):
            for m in rx.finditer(text):
                yield Hit("PERSON", m.start(1), m.end(1), 0.75, None, "ja-name")
        if _JA_HIRAGANA.search(text) is not None:
            for rx in (_JA_HONORIFIC_KANA, _JA_FIELD_KANA):
                for m in rx.finditer(text):
                    yield Hit("PERSON", m.start(1), m.end(1), 0.75, None, "ja-name")
    if _KO_CHAR.search(text) is not None:
        for rx in (_KO_TITLE, _KO_CUE):
            for m in rx.finditer(text):
                yield Hit("PERSON", m.start(1), m.end(1), 0.75, None, "ko-name")
        if "님" in text:
            for m in _KO_NIM.finditer(text):
                name = m.group(1)
                if name not in _KO_NOT_NAMES and not (m.group(2) and name[-1] in _KO_ADJECTIVE_ENDS):
                    yield Hit("PERSON", m.start(1), m.end(1), 0.7, None, "ko-name")


def _has_other_script(text: str) -> bool:
    """Cheap pre-check: ASCII and Latin-1 texts (most prompts) are answered without a scan."""
    if text.isascii():
        return False
    try:
        text.encode("latin-1")  # a copy at C speed for Latin-1 text; fails fast otherwise
    except UnicodeEncodeError:
        return _ANY_SCRIPT.search(text) is not None
    return False


def nonlatin_hits(text: str) -> Iterator[Hit]:
    """Chinese, Arabic, Japanese and Korean names, Chinese addresses, inflected Russian names."""
    if not _has_other_script(text):
        return
    if _CYRILLIC.search(text) is not None:
        yield from _ru_pairs(text)
    if _HAN_CHAR.search(text) is not None:
        yield from _zh_names(text)
        yield from _zh_addresses(text)
    if _AR_CHAR.search(text) is not None:
        yield from _ar_names(text)
    if _JA_KO_CHAR.search(text) is not None or "氏名" in text or "様" in text:
        yield from _ja_ko_names(text)
