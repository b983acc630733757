"""PII redaction: real-looking personal data is replaced, policy text is left alone."""

from __future__ import annotations

import logging

import pytest

from bot.privacy import RedactingFilter, install_log_redaction, redact

POSITIVES = [
    # (text, the piece that must disappear, the label that must appear)
    ("我的手机是13812345678，麻烦回电", "13812345678", "[电话]"),
    ("手机：+86 139 1234 5678", "139 1234 5678", "[电话]"),
    ("电话 186-0101-2345 随时可以打", "186-0101-2345", "[电话]"),
    ("call me at 8615900001234 please", "15900001234", "[电话]"),
    ("座机010-62751234转806", "62751234", "[电话]"),
    ("家里电话(0755)8765 4321", "8765 4321", "[电话]"),
    ("单位电话：0571-88812345", "88812345", "[电话]"),
    ("身份证号110105199912310023，户口在北京", "110105199912310023", "[身份证号]"),
    ("证件号码 44030619980229151X", "44030619980229151X", "[身份证号]"),
    ("身份证：32010219850615123x", "32010219850615123x", "[身份证号]"),
    ("老身份证 110105851231002", "110105851231002", "[身份证号]"),
    ("邮箱 zhang.wei_2024@stu.pku.edu.cn 收通知", "zhang.wei_2024@stu.pku.edu.cn", "[邮箱]"),
    ("Email me: Li.Hua+jobs@gmail.com", "Li.Hua+jobs@gmail.com", "[邮箱]"),
    ("银行卡号6222021234567890128，补贴打到这", "6222021234567890128", "[银行卡号]"),
    ("卡号 6228 4800 1234 5678 901", "6228 4800 1234 5678 901", "[银行卡号]"),
    ("card 4111-1111-1111-1111", "4111-1111-1111-1111", "[银行卡号]"),
    ("补贴发到 4111111111111111 这张卡", "4111111111111111", "[银行卡号]"),
    ("QQ：123456789，有问题联系", "123456789", "[QQ号]"),
    ("我的qq号是 87654321", "87654321", "[QQ号]"),
    ("微信号：zhangsan_1999", "zhangsan_1999", "[微信号]"),
    ("加我wechat: Li-Hua2024", "Li-Hua2024", "[微信号]"),
    ("vx: abc123456", "abc123456", "[微信号]"),
    ("我叫张伟，2024届本科毕业", "张伟", "[姓名]"),
    ("你好，我叫欧阳娜娜想问问三支一扶", "欧阳娜娜", "[姓名]"),
    ("我的名字是李思雨。", "李思雨", "[姓名]"),
    ("姓名：王芳 性别：女", "王芳", "[姓名]"),
    ("Hi, my name is Wang Lei and I graduate in 2025", "Wang Lei", "[姓名]"),
    # introductions without 我叫, names told about others, transliterated names
    ("我是吕晨曦，2026届的，想问问选调", "吕晨曦", "[姓名]"),
    ("本人范一鸣，男，27岁", "范一鸣", "[姓名]"),
    ("我表姐叫谭雅琴，她也想报三支一扶", "谭雅琴", "[姓名]"),
    ("收款人：邹小满，卡在农行", "邹小满", "[姓名]"),
    ("我叫热依拉·艾山，喀什人", "热依拉·艾山", "[姓名]"),
    ("Hello, I'm Kong Weiran from Xi'an", "Kong Weiran", "[姓名]"),
    ("hi im tang yichen, quick question", "tang yichen", "[姓名]"),
    ("My classmate Deng Jiahui got the offer", "Deng Jiahui", "[姓名]"),
    ("I go by Trevor on campus", "Trevor", "[姓名]"),
    # addresses that reach a door, labelled student and staff numbers, passports
    ("家住四川省绵阳市涪城区临园路东段56号2单元301室，寄这里", "临园路东段56号2单元301", "[地址]"),
    ("我住8栋215，快递放门卫", "8栋215", "[地址]"),
    ("Please mail it to 17 Pine Avenue, Apt 3C, Riverton", "17 Pine Avenue, Apt 3C", "[地址]"),
    ("学号 2021011234，绩点 3.62/4.0。", "2021011234", "[学号]"),
    ("准考证号是 3106021177，成绩出了吗", "3106021177", "[学号]"),
    ("my employee ID is W7781234", "W7781234", "[学号]"),
    ("护照 EF3344556 快过期了", "EF3344556", "[护照号]"),
    ("企鹅号 73629184，常在线", "73629184", "[QQ号]"),
]

NEGATIVES = [
    "根据财社〔2017〕164号文件，补贴标准为每人1500元。",
    "人社部发〔2019〕12号：创业担保贷款最高额度20万元，期限3年。",
    "请拨打人社服务热线12333或全国大学生就业服务平台24365咨询。",
    "客服电话 400-820-8820，投诉 800-810-8888。",
    "2023-2024学年，2024年7月1日起实施，有效期至2026-12-31。",
    "补贴对象为毕业年度内的高校毕业生，共计12,500人，占比37.5%。",
    "统一社会信用代码 91110000100000000X 的企业可以申报。",
    "学号忘了，去哪里查？",
    "准考证号2025年有变化吗？",  # a year next to the label is not a number to hide
    "三支一扶服务期2年，西部计划服务期1-3年，特岗教师服务期3年。",
    "我叫外卖的时候想到这个问题",
    "我叫不出这个政策的名字",
    "我叫什么都不重要，请问补贴怎么领？",
    "邮编100871，门牌号1601室。",
    "订单号 1234567890123456 查询不到",  # 16 digits, not a valid card, no label
    "GDP增长5.2%，城镇新增就业1244万人。",
    "见习期3至12个月，补贴按当地最低工资标准的60%发放。",
    "截止时间为20240630，请按时提交。",
    # a surname with a role, a place or a brand, a classroom: no one is identified
    "辅导员刘老师说下周交材料",
    "小赵和老孙都报了西部计划",
    "我是甘肃人，想去深圳工作",
    "我是应届毕业生，想问补贴",
    "想去安踏做设计，校招什么时候",
    "宣讲会在5号楼302教室举行",
    "解放西街附近有人才市场吗",
    "Professor Zhao said the deadline moved",
    "I'm interested in the Western Region programme",
    "哪张卡可以领补贴？",
]


@pytest.mark.parametrize(("raw", "secret", "label"), POSITIVES)
def test_personal_data_is_redacted(raw: str, secret: str, label: str) -> None:
    out = redact(raw)
    assert secret not in out
    assert label in out


@pytest.mark.parametrize("raw", NEGATIVES)
def test_policy_text_and_numbers_are_kept(raw: str) -> None:
    assert redact(raw) == raw


def test_context_around_redactions_is_kept() -> None:
    raw = "我叫刘洋，电话13912345678，邮箱 ly@example.com。请问2024年一次性求职补贴1500元怎么领？"
    assert (
        redact(raw) == "我叫[姓名]，电话[电话]，邮箱 [邮箱]。请问2024年一次性求职补贴1500元怎么领？"
    )


def test_name_stops_before_the_words_that_follow_it() -> None:
    assert redact("我叫李明想问一下西部计划") == "我叫[姓名]想问一下西部计划"
    assert redact("我叫王小红是应届生") == "我叫[姓名]是应届生"


def test_redaction_is_idempotent() -> None:
    once = redact(" ".join(p[0] for p in POSITIVES))
    assert redact(once) == once


def test_empty_text() -> None:
    assert redact("") == ""


def test_log_filter_redacts_messages_and_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("careercoach.test.redact")
    logger.addFilter(RedactingFilter())
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("question from graduate: %s", "我叫陈晨，手机13512345678")
            logger.info("plain 12333 hotline")
    finally:
        logger.filters.clear()
    assert caplog.messages == [
        "question from graduate: 我叫[姓名]，手机[电话]",
        "plain 12333 hotline",
    ]
    assert "13512345678" not in caplog.text


def test_install_on_handlers_covers_child_loggers() -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    parent = logging.getLogger("careercoach.test.parent")
    parent.propagate = False
    handler = Keep()
    parent.addHandler(handler)
    try:
        install_log_redaction(parent)
        install_log_redaction(parent)  # twice adds nothing
        assert len(handler.filters) == 1
        logging.getLogger("careercoach.test.parent.child").warning(
            "id %s mail %s", "110105199912310023", "a.b@c.com"
        )
    finally:
        parent.removeHandler(handler)
    assert records == ["id [身份证号] mail [邮箱]"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # full-width digits (a Chinese input method in full-width mode); the rest stays as typed
        ("回电请拨１３６１１０２８８４７，谢谢", "回电请拨[电话]，谢谢"),
        ("ＱＱ：３０５５１７２８６", "ＱＱ：[QQ号]"),
        ("补贴是２０００元，２０２６届可以领吗", "补贴是２０００元，２０２６届可以领吗"),
        # traditional characters: found on the simplified reading, returned in the original script
        ("我叫蕭文傑，聯絡電話13622047731", "我叫[姓名]，聯絡電話[电话]"),
        ("請問畢業生見習補貼每月多少錢", "請問畢業生見習補貼每月多少錢"),
    ],
)
def test_full_width_and_traditional_text_is_redacted_and_kept_as_typed(
    typed: str, expected: str
) -> None:
    assert redact(typed) == expected
    assert redact(expected) == expected


def test_a_road_with_a_direction_and_a_new_town_estate_reach_a_door() -> None:
    assert redact("快递寄到成都市武侯区人民南路北88号") == "快递寄到[地址]"
    assert redact("住在锦绣新城3栋1702") == "住在[地址]"
    assert redact("想在人民南路北边找个实习") == "想在人民南路北边找个实习"
