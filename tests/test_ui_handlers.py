"""The web app's handlers, called as plain functions (no browser, no server), on a real store."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store.models import VerifiedCitation
from tests.markdown_view import shown
from tests.ui_fakes import PASSAGE, FakeRequest, make_services
from ui.counselor import CounselorReview, call_args
from ui.graduate import GraduateChat
from ui.maintainer import MaintainerConsole
from ui.maintainer_tabs import GapList

SESSION = "session-aaaaaaaaaaaaaaaa"
OTHER = "session-bbbbbbbbbbbbbbbb"


@pytest.fixture
def parts(settings: Settings):
    services, coach, kb, store = make_services(settings)
    yield services, coach, kb, store
    store.close()


def ask(chat: GraduateChat, question: str, session: str = SESSION, conversation=None, **kw):
    return list(chat.respond(question, conversation, "zh", FakeRequest(session), **kw))


def staff(name: str = "li"):
    return lambda request: name


def test_respond_streams_keeps_citations_with_highlights_and_stores_the_exchange(parts) -> None:
    services, _coach, _, store = parts
    chat = GraduateChat(services)
    steps = ask(chat, "低保家庭有补贴吗？")
    first, *middle, last = steps
    assert first["busy"] and first["messages"][-1]["streaming"]
    assert middle and middle[0]["messages"][-1]["text"] == "可以申请"  # the first delta alone
    assert not last["busy"]
    user, reply = last["messages"]
    assert user == {"role": "user", "text": "低保家庭有补贴吗？"}
    assert reply["text"].startswith("可以申请一次性求职补贴[1]")
    cite = reply["citations"][0]
    assert cite["label"] == "[1] 《一次性求职补贴》 · 二、申领条件 · 第3页 · 2024-05-01"
    assert cite["original"] == "/documents/doc-1?passage=doc-1-0000-abcdef"
    marked = [PASSAGE[s:e] for s, e in cite["marks"]]
    assert marked == [PASSAGE]  # the cited sentence of the passage is the one highlighted
    stored = store.conversation_for_session(SESSION)
    assert [t.id for t in stored.turns] == [reply["turn_id"]]
    assert last["conversations"][0]["title"] == "低保家庭有补贴吗？"
    assert "北京时间" in last["zone"]


def test_history_comes_from_the_store_and_sessions_are_private(parts) -> None:
    services, coach, _, _ = parts
    chat = GraduateChat(services)
    ask(chat, "第一个问题")
    ask(chat, "那研究生呢？")
    _, history, _ = coach.calls[-1]
    assert next(t.text for t in history) == "第一个问题" and len(history) == 2
    mine = chat.restore("中文", FakeRequest(SESSION))
    assert [m["text"] for m in mine["messages"] if m["role"] == "user"] == [
        "第一个问题",
        "那研究生呢？",
    ]
    other = chat.restore("中文", FakeRequest(OTHER))
    assert other["messages"] == [] and other["conversations"] == []
    # another session's conversation id is refused, not opened
    theirs = chat.action("open", mine["conversation_id"], "", "zh", FakeRequest(OTHER))
    assert theirs["messages"] == []


def test_conversation_list_open_rename_delete_and_new(parts) -> None:
    services, coach, _, store = parts
    chat = GraduateChat(services)
    first = ask(chat, "三支一扶是什么？")[-1]["conversation_id"]
    fresh = chat.action("new", None, "", "zh", FakeRequest(SESSION))
    assert fresh["messages"] == [] and fresh["conversation_id"] != first
    second = ask(chat, "西部计划服务几年？", conversation=fresh["conversation_id"])[-1]
    assert [c["title"] for c in second["conversations"]] == [
        "西部计划服务几年？",
        "三支一扶是什么？",
    ]
    # a follow-up in the reopened conversation carries its own topic only
    ask(chat, "怎么报名？", conversation=first)
    assert next(t.text for t in coach.calls[-1][1]) == "三支一扶是什么？"
    renamed = chat.action("rename", first, "  我的 三支一扶 ", "zh", FakeRequest(SESSION))
    assert any(c["title"] == "我的 三支一扶" for c in renamed["conversations"])
    gone = chat.action("delete", first, "", "zh", FakeRequest(SESSION))
    assert [c["title"] for c in gone["conversations"]] == ["西部计划服务几年？"]
    assert all(c.id != first for c in store.list_conversations(None))  # deleted from the store
    last = chat.action("delete", second["conversation_id"], "", "zh", FakeRequest(SESSION))
    assert last["messages"] == [] and last["conversation_id"] is not None  # a new one is open


def test_regenerate_replaces_the_last_answer_and_stop_stores_nothing(parts) -> None:
    services, coach, _, store = parts
    chat = GraduateChat(services)
    conversation = ask(chat, "就业见习有补贴吗？")[-1]["conversation_id"]
    again = ask(chat, "", conversation=conversation, regenerate=True)[-1]
    assert coach.calls[-1][0] == "就业见习有补贴吗？" and coach.calls[-1][1] == []
    assert len(store.conversation_for_session(SESSION).turns) == 1
    assert [m["role"] for m in again["messages"]] == ["user", "assistant"]
    stream = chat.respond("创业贷款多少？", conversation, "zh", FakeRequest(SESSION))
    next(stream), next(stream)  # the page stops listening after the first piece
    stream.close()
    assert len(store.conversation_for_session(SESSION).turns) == 1
    too_long = ask(chat, "问" * 2001, conversation=conversation)[-1]
    assert "2000" in too_long["notice"]


def test_the_page_is_told_the_configured_message_limit(settings: Settings) -> None:
    services, _coach, _kb, store = make_services(
        settings.model_copy(update={"max_message_chars": 500})
    )
    try:
        chat = GraduateChat(services)
        for label, shown in (("中文", "最多 500 字"), ("English", "500 characters at most")):
            view = chat.restore(label, FakeRequest(SESSION))
            assert view["max_chars"] == 500 and shown in view["labels"]["too_long"]
    finally:
        store.close()


def test_rating_and_comment_reach_the_store_and_come_back_after_reload(parts) -> None:
    services, *_ = parts
    chat = GraduateChat(services)
    turn_id = ask(chat, "低保家庭有补贴吗？")[-1]["messages"][1]["turn_id"]
    assert chat.rate([turn_id, -1, "", "zh"], FakeRequest(SESSION))["message"].startswith("已记录")
    done = chat.rate([turn_id, -1, "金额没说清楚", "zh"], FakeRequest(SESSION))
    assert done == {"ok": True, "message": "意见已提交，谢谢！"}
    reloaded = chat.restore("中文", FakeRequest(SESSION))
    assert reloaded["messages"][1]["feedback"] == {"rating": -1, "comment": "金额没说清楚"}
    refused = chat.rate([turn_id, 1, "", "en"], FakeRequest(OTHER))  # not their answer
    assert refused["ok"] is False and "session" in refused["message"]
    assert chat.rate([turn_id, 5, "", "en"], FakeRequest(SESSION))["ok"] is False


def test_plan_is_kept_for_its_own_session_and_never_written_to_disk(parts) -> None:
    services, *_ = parts
    chat = GraduateChat(services)
    markdown, download = chat.plan(
        "本科", "会计", "2026", "甘肃", None, [], ["低保家庭"], "", "中文", FakeRequest(SESSION)
    )
    assert markdown.startswith("# 职业规划") and "本科 会计" in shown(markdown)
    url = re.search(r'href="(/plans/[\w-]+)"', download["value"]).group(1)
    plan_id = url.rsplit("/", 1)[1]
    assert chat.plans.get(plan_id, SESSION) == "# 职业规划\n\n- 本科 会计"
    assert chat.plans.get(plan_id, OTHER) is None and chat.plans.get(plan_id, None) is None
    assert not (services.settings.cache_dir / "plans").exists()
    english, _ = chat.plan(None, "", None, None, None, [], [], "", "English", FakeRequest(SESSION))
    assert english.startswith("# Career plan")


def _two_conversations(services) -> int:
    chat = GraduateChat(services)
    ask(chat, "低保家庭有补贴吗？", session=SESSION)
    turn_id = ask(chat, "火星上有补贴吗？", session=OTHER)[-1]["messages"][1]["turn_id"]
    chat.rate([turn_id, -1, "", "zh"], FakeRequest(OTHER))
    return int(turn_id)


def test_review_queue_filters_review_next_and_flag(parts) -> None:
    services, _, _, store = parts
    _two_conversations(services)
    review = CounselorReview(services, staff())
    page = review.queue({"unreviewed": True})
    assert page["total"] == 2 and page["unreviewed"] == 2 and len(page["rows"]) == 2
    negative = review.queue({"negative": True})
    assert [r["title"] for r in negative["rows"]] == ["火星上有补贴吗？"]
    assert review.queue({"date_from": "2026-13-01"})["error"].startswith("注意")
    first = page["rows"][0]["id"]
    detail = review.transcript(first)
    turn = detail["turns"][0]
    assert "mode offline" in turn["facts"] and "ms" in turn["facts"]
    reply = review.review(first, {str(turn["id"]): {"correct": False, "note": "引用不对"}}, None)
    assert reply["ok"] and "1 rubric" in reply["message"]
    note = store.get_conversation(first).turns[0].annotations[0]
    assert (note.by_user, note.correct, note.citations_ok, note.note) == (
        "li",
        False,
        None,
        "引用不对",
    )
    after = review.queue({"unreviewed": True})
    assert [r["id"] for r in after["rows"]] != [first] and after["unreviewed"] == 1
    shown = review.queue({})["rows"]
    assert next(r for r in shown if r["id"] == first)["reviewed"].startswith("li ")
    assert "reviewed by li" in review.transcript(first)["reviewed"]
    assert review.flag(first, True, "需要跟进", None)["ok"]
    assert review.queue({"flagged": True})["rows"][0]["id"] == first
    assert review.flag(first, False, "", None)["ok"]
    nobody = CounselorReview(services, lambda request: None)
    assert nobody.review(first, {}, None)["ok"] is False


def test_queue_pages_past_fifty_and_puts_distress_first(parts) -> None:
    services, *_ = parts
    chat = GraduateChat(services)
    for n in range(53):
        ask(chat, f"问题{n}", session=f"session-{n:020d}")
    ask(chat, "我不想活了", session="session-distress-000000001")  # the fake coach flags it
    for n in range(53, 55):  # newer ones still come after it
        ask(chat, f"问题{n}", session=f"session-{n:020d}")
    review = CounselorReview(services, staff())
    first = review.queue({"unreviewed": True})
    assert first["total"] == 56 and len(first["rows"]) == 50
    assert first["distress"] == 1 and first["rows"][0]["distress"]  # on top, though oldest
    assert first["rows"][0]["title"] == "我不想活了"
    second = review.queue({"unreviewed": True, "offset": 50})
    assert len(second["rows"]) == 6
    assert len({r["id"] for r in first["rows"]} | {r["id"] for r in second["rows"]}) == 56


def test_counselor_export_links_to_the_streamed_filtered_set(parts) -> None:
    services, *_ = parts
    _two_conversations(services)
    review = CounselorReview(services, staff())
    download, _ = review.export("csv", "2026-01-01", "", "火星")
    href = unescape(re.search(r'href="([^"]+)"', download["value"]).group(1))
    assert href.startswith("/counselor/export?fmt=csv&")
    assert "date_from=2026-01-01" in href and "abstained" not in href
    assert "text=%E7%81%AB%E6%98%9F" in href
    assert not (services.settings.cache_dir / "exports").exists()  # nothing on disk
    bad, status = review.export("csv", "2026-13-01", "", "")
    assert status.startswith("注意") and bad["visible"] is False


def test_server_function_arguments() -> None:
    assert call_args({"a": 1}, 1) == [{"a": 1}]
    assert call_args([3, {"x": True}], 3) == [3, {"x": True}, None]


def test_maintainer_refresh_documents_preview_remove_and_undo(parts, tmp_path: Path) -> None:
    services, _, kb, _ = parts
    console = MaintainerConsole(services)
    upload = tmp_path / "gradio-tmp" / "new-policy.md"
    upload.parent.mkdir()
    upload.write_text("# 新政策\n内容", encoding="utf-8")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.txt").write_text("甲", encoding="utf-8")
    (folder / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    rows, status = console.refresh([str(upload)], str(folder), progress=None)
    copied = services.uploads_dir / "new-policy.md"
    assert copied.read_text(encoding="utf-8") == "# 新政策\n内容"
    by_name = {r[1]: r for r in rows}
    assert by_name["new-policy.md"][0] == "new-policy" and by_name["new-policy.md"][2] == "indexed"
    assert by_name["b.pdf"][2:4] == ["skipped", "unsupported type"]
    assert "indexed: 2" in status and "skipped: 1" in status
    assert "not a folder" in console.refresh(None, str(tmp_path / "nope"), progress=None)[1]

    seen = []
    console.refresh([str(upload)], "", progress=lambda value, desc: seen.append((value, desc)))
    assert seen == [((1, 1), "1/1 new-policy.md")]
    text, docs, _choices = console.status()
    assert "文档 documents**: 2" in text
    assert {r[0] for r in docs} == {"a", "new-policy"} and docs[0][1] == "人社部"
    assert "内容" in console.preview("doc-new-policy")
    question, confirm = console.ask_remove("doc-new-policy")
    assert "《new-policy》" in question and confirm["visible"] is True
    said, _row, undo, removed = console.remove("doc-new-policy")
    assert "已删除《new-policy》" in said and undo["visible"] is True
    assert "doc-new-policy" not in kb.docs
    restored, _undo, _state = console.undo(removed)
    assert "已恢复《new-policy》" in restored and "doc-new-policy" in kb.docs


def test_test_a_question_shows_scores_and_shared_terms(parts, tmp_path: Path) -> None:
    services, _, kb, _ = parts
    (tmp_path / "p.md").write_text("一次性求职补贴发给低保家庭毕业生。", encoding="utf-8")
    kb.refresh([tmp_path / "p.md"])
    rows, note = MaintainerConsole(services).test_question("低保家庭毕业生有补贴吗")
    assert rows[0][1] == "p" and rows[0][4] == 0.8 and "低保" in rows[0][6]
    assert "BM25" in note


def test_gaps_group_unanswered_questions_and_keep_their_status(parts) -> None:
    services, *_ = parts
    chat = GraduateChat(services)
    for n, question in enumerate(["火星上有补贴吗？", "火星上有补贴吗", "火星上 有补贴吗?"]):
        ask(chat, question, session=f"session-mars-{n:012d}")
    gaps = GapList(services, staff("wang"))
    rows, note = gaps.regroup("open")
    assert "3 个问题" in note
    mars = [r for r in rows if "火星" in r[1]]
    assert len(mars) == 1 and mars[0][1].startswith("3 位毕业生")
    rows, said = gaps.set_status(mars[0][0], "document_added", "补了文件", "all", None)
    assert "document added" in said
    again, _ = gaps.regroup("all")
    assert [r[3] for r in again if r[0] == mars[0][0]] == ["已补充文件 document added"]


def test_verified_answer_from_a_turn(parts, tmp_path: Path) -> None:
    from ui.verified import VerifiedEditor

    services, _, kb, store = parts
    (tmp_path / "1.md").write_text(PASSAGE, encoding="utf-8")
    kb.refresh([tmp_path / "1.md"])
    turn_id = _two_conversations(services) - 1  # the first conversation's turn
    editor = VerifiedEditor(services, staff())
    questions, answer, chunks, _said = editor.from_turn(turn_id)
    assert questions == "低保家庭有补贴吗？" and "[1]" in answer and chunks["value"]
    status, rows, _ = editor.publish(questions, answer, chunks["value"], "2099-01-01", "中文", None)
    assert "published" in status and rows[0][1] == "在用 active"
    made = store.verified.active()[0]
    assert made.citations[0].doc_id == "doc-1" and made.approved_by == "li"
    bad, *_ = editor.publish("q", "a", [], "2099-13-01", "中文", None)
    assert "不是" in bad
    kb.remove("doc-1")  # the cited document goes: the answer is withdrawn and counselors told
    from bot.verified import VerifiedMatcher

    services.verified = VerifiedMatcher(store.verified, kb.embeddings(), kb, 0.9)
    rows, notice = editor.rows()
    assert rows[0][1] == "已撤下 withdrawn" and "已修改或删除" in notice
    assert editor.rows()[1] == ""  # told once
    assert store.verified.add(["x"], "y", [VerifiedCitation(doc_id="d")], "li").status == "active"
