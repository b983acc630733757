"""The one vocabulary (knowledge/terms.yaml): complete for the catalogue, read alike everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.chat.glossary import Glossary
from bot.errors import ConfigError
from bot.knowledge.query import DEFAULT_GLOSSARY, load_glossary
from bot.planning.extract import profile_from_text
from bot.terms import DEFAULT_TERMS, load_terms, parse_terms

REPO = Path(__file__).resolve().parents[1]


def test_every_catalogue_entry_has_a_term() -> None:
    catalogue = yaml.safe_load((REPO / "knowledge" / "resources.yaml").read_text("utf-8"))
    ids = {entry["id"] for entry in catalogue["resources"]}
    assert ids - set(load_terms().by_id()) == set()


def test_one_everyday_word_means_the_same_to_retrieval_answering_and_profiles() -> None:
    glossary = Glossary.load()
    retrieval = load_glossary(DEFAULT_GLOSSARY)
    enlistment = load_terms().by_id()["military-enlistment"]
    # answering: 当兵 names the enlistment programme
    assert enlistment in glossary.topics_in("毕业后想当兵")
    # retrieval: the lexical query gets its official name
    assert enlistment.zh in retrieval.expansions("毕业后想当兵")
    # profiles: the same word points to the military path
    assert "military" in (profile_from_text("本科生，毕业后想当兵").paths or [])
    # a misspelled programme name is recognised like the name itself
    sanzhi = load_terms().by_id()["sanzhi-yifu"]
    assert sanzhi in glossary.topics_in("三只一扶怎么报名")
    assert "三支一扶" in retrieval.expansions("三只一扶怎么报名")
    # a shorter form inside a longer one of another term is not read on its own
    assert profile_from_text("家里是低保边缘户").circumstances == ["dibao_edge"]


def test_a_bad_terms_file_names_the_term_and_the_field(tmp_path: Path) -> None:
    bad = b"terms:\n  - id: a\n    zh: A\n    en: a\n  - id: b\n    zh: B\n    colour: red\n"
    with pytest.raises(ConfigError) as error:
        parse_terms(bad, "terms.yaml")
    assert "terms[b]" in error.value.message and "en" in error.value.message
    twice = b"terms:\n  - {id: a, zh: A, en: a}\n  - {id: a, zh: B, en: b}\n"
    with pytest.raises(ConfigError) as error:
        parse_terms(twice, "terms.yaml")
    assert "'a' appears twice" in error.value.message
    with pytest.raises(ConfigError):
        load_terms(tmp_path / "missing.yaml")
    assert DEFAULT_TERMS.is_file()
