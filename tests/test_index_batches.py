"""Embedding during a refresh: bounded batches, retries with doubling back-off, and a batch that
keeps failing fails only its files (a changed file keeps its previous version)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.batches import GIVE_UP, BatchPolicy, embed_in_batches
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.index_fakes import FakeEmbeddings


class Flaky(FakeEmbeddings):
    """Fails every request holding a text with ``bad`` in it; fails ``transient`` times first
    for everything else; records the size of every request."""

    def __init__(self, bad: str = "\uffff", transient: int = 0) -> None:
        super().__init__()
        self.bad, self.transient, self.sizes = bad, transient, []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.sizes.append(len(texts))
        if any(self.bad in t for t in texts):
            raise ConnectionError(f"endpoint timed out after 30 s ({len(texts)} passages)")
        if self.transient:
            self.transient -= 1
            raise TimeoutError("read timeout")
        return super().embed_documents(texts)


def test_batches_are_bounded_and_retried_with_back_off() -> None:
    sleeps: list[float] = []
    model = Flaky(transient=2)
    texts = [f"第{i}段" for i in range(10)]
    got = embed_in_batches(
        model, texts, BatchPolicy(size=4, retries=3, backoff_s=0.5), sleeps.append
    )
    assert not got.failures and sorted(got.vectors) == list(range(10))
    assert max(model.sizes) == 4
    assert sleeps == [0.5, 1.0]  # two failures of the first batch, doubling


def test_a_failing_batch_fails_only_its_passages_then_the_rest_is_given_up() -> None:
    texts = [f"第{i}段" + ("坏" if i in (5, 13, 17, 21) else "") for i in range(28)]
    got = embed_in_batches(
        Flaky(bad="坏"), texts, BatchPolicy(size=4, retries=1, backoff_s=0), lambda s: None
    )
    assert set(got.failures) >= {4, 5, 6, 7}  # the batch holding passage 5
    assert {0, 1, 2, 3, 8, 9, 10, 11} <= set(got.vectors)
    assert "embedding failed after 2 tries" in got.failures[5] and "timed out" in got.failures[5]
    # batches 12-15, 16-19, 20-23 fail in a row: the last one is not even tried
    assert GIVE_UP == 3 and "looks down" in got.failures[24]
    assert all(i in got.failures for i in range(24, 28))


def test_non_numbers_from_the_model_are_a_failure() -> None:
    class Broken(FakeEmbeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [[float("nan")] * 4 for _ in texts]

    got = embed_in_batches(Broken(), ["a", "b"], BatchPolicy(retries=0), lambda s: None)
    assert set(got.failures) == {0, 1} and "not finite" in got.failures[0]


def test_a_file_that_cannot_be_embedded_fails_alone(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(FIXTURES / "index" / "policies", corpus)
    settings = Settings(home=tmp_path / "home", embedding_batch=2, embedding_retries=1,
                        embedding_backoff_s=0)  # fmt: skip
    model = Flaky(bad="坏")
    kb = KnowledgeBase(settings, embeddings=model, embedding_id="fake:1")
    assert kb.refresh([corpus]).ok
    assert max(model.sizes) == 2

    # a new file that fails: reported, left out; the others are indexed
    (corpus / "new.md").write_text("# 新通知\n\n坏消息：这一段无法生成向量。\n", encoding="utf-8")
    shutil.copy(FIXTURES / "index" / "more" / "teacher.md", corpus / "teacher.md")
    report = kb.refresh([corpus])
    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["new.md"].status == "failed" and "embedding failed" in by_name["new.md"].reason
    assert by_name["teacher.md"].status == "indexed" and not report.ok
    assert kb.status().documents == 5

    # a changed file that fails keeps its previous version, and is tried again next time
    loan = corpus / "startup-loan.md"
    old = loan.read_text(encoding="utf-8")
    loan.write_text(old + "\n\n坏的补充说明。\n", encoding="utf-8")
    report = kb.refresh([corpus])
    failed = {Path(f.path).name: f for f in report.files if f.status == "failed"}
    assert "previous version stays" in failed["startup-loan.md"].reason
    assert any(h.source.endswith("startup-loan.md") for h in kb.search("创业担保贷款", k=3))
    loan.write_text(old + "\n\n补充说明：贷款期限最长三年。\n", encoding="utf-8")
    (corpus / "new.md").write_text("# 新通知\n\n这一段可以生成向量。\n", encoding="utf-8")
    report = kb.refresh([corpus])
    assert report.ok and kb.status().documents == 6
    assert any("最长三年" in h.text for h in kb.search("创业担保贷款 期限", k=3))


@pytest.mark.parametrize("batch", [1, 16])
def test_batch_size_is_a_setting(tmp_path: Path, batch: int) -> None:
    model = Flaky()
    settings = Settings(home=tmp_path / "home", embedding_batch=batch)
    KnowledgeBase(settings, embeddings=model, embedding_id="fake:1").refresh(
        [FIXTURES / "index" / "policies"]
    )
    assert max(model.sizes) <= batch and sum(model.sizes) == model.embedded


def test_a_failed_batch_is_retried_file_by_file() -> None:
    texts = ["甲一", "甲二", "乙坏", "丙一"]
    owners = [0, 0, 1, 2]
    policy = BatchPolicy(size=4, retries=1, backoff_s=0)
    got = embed_in_batches(Flaky(bad="坏"), texts, policy, lambda s: None, owners=owners)
    assert set(got.failures) == {2} and set(got.vectors) == {0, 1, 3}
