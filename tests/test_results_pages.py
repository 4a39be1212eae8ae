"""Generated results pages: a benchmark's section goes into its own page, which says it is generated; writing the
section again replaces it and keeps the rest."""

from __future__ import annotations

from flowlights.evaluation.learning_report import marked, put_section


def test_a_new_page_says_it_is_generated_and_a_section_is_replaced_not_repeated(tmp_path):
    page = tmp_path / "results" / "cbengine.md"
    put_section(page, "cbengine", marked("results", "cbengine", "| a | b |\n|---|---|\n| 1 | 2 |"), kind="results")
    put_section(page, "other", marked("results", "other", "kept"), kind="results")
    put_section(page, "cbengine", marked("results", "cbengine", "| a | b |\n|---|---|\n| 3 | 4 |"), kind="results")
    text = page.read_text()
    assert text.startswith("# Results: cbengine\n") and "do not edit by hand" in text
    assert "| 3 | 4 |" in text and "| 1 | 2 |" not in text and text.count("<!-- results:cbengine -->") == 1
    assert "kept" in text


def test_every_section_ends_with_the_date_and_the_machine(tmp_path):
    import os
    import time

    page = tmp_path / "deploy.md"
    put_section(page, "x", marked("results", "x", "| a |\n|---|\n| 1 |"), kind="results")
    section = page.read_text().split("<!-- results:x -->")[1]
    stamp_line = section.strip().splitlines()[-2]
    assert stamp_line.startswith(f"Date: {time.strftime('%Y-%m-%d')}; machine: ")
    assert f"({os.cpu_count()} cores" in stamp_line and "SUMO 1." in stamp_line and "Python 3." in stamp_line


def test_a_run_without_the_learned_rows_keeps_the_earlier_ones(tmp_path):
    import json

    from flowlights.benchmarks.coordination import save_rows

    data = tmp_path / "coordination.json"
    save_rows(data, 5.0, {"classical": {"mean_delay": 31.0}, "learned": {"mean_delay": 24.0}})
    save_rows(data, None, {"classical": {"mean_delay": 31.1}})
    saved = json.loads(data.read_text())
    assert saved["rows"] == {"classical": {"mean_delay": 31.1}}
    assert saved["earlier"] == {"minutes": 5.0, "rows": {"learned": {"mean_delay": 24.0}}}
    save_rows(data, None, {"classical": {"mean_delay": 31.2}})  # kept again, not lost on the second run
    assert json.loads(data.read_text())["earlier"]["rows"] == {"learned": {"mean_delay": 24.0}}
