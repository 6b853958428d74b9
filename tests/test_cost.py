"""Is fine-tuning worth it: the cost arithmetic on hand-computed cases, the price table, and
`dqlint cost` / the check report's `cost` section end to end."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

from dqlint.analysis.cost import CostInputs, analyse_cost, readiness_note
from dqlint.analysis.pricing import (
    PRICE_KEYS,
    PriceTable,
    PriceTableError,
    UnknownModelError,
    builtin_price_table,
    load_price_table,
    parse_price_table,
    prices_from_overrides,
    resolve_model_name,
)

# One hand-computed case, used throughout (USD per 1M tokens):
#   base 0.15 in / 0.60 out, fine-tuned 0.30 in / 1.20 out, training 3.00
#   prompt 100 tokens, few-shot 400, output 50, 100,000 requests per month
#   training   = 1,000,000 x 3.00 / 1e6                   = $3.00
#   prompted   = (500 x 0.15 + 50 x 0.60) / 1e6 = 105e-6  -> x 100,000 = $10.50 / month
#   fine-tuned = (100 x 0.30 + 50 x 1.20) / 1e6 =  90e-6  -> x 100,000 =  $9.00 / month
#   breakeven  = 3.00 / (10.50 - 9.00)                     = 2.0 months
#   at  50,000 requests: 3.00 / 0.75 = 4.0 months; at 150,000: 3.00 / 2.25 = 1.333 months
TABLE_TOML = textwrap.dedent(
    """
    as-of = "2026-01"

    [models.acme-small]
    provider = "acme"
    training = 3.0
    base-input = 0.15
    base-output = 0.60
    fine-tuned-input = 0.30
    fine-tuned-output = 1.20
    source = "acme price list, January 2026"

    [models.acme-hosted]
    training = 3.0
    base-input = 0.15
    base-output = 0.60
    fine-tuned-input = 0.30
    fine-tuned-output = 1.20
    fine-tuned-hosting-per-month = 2.0
    as-of = "2025-12"
    """
)


@pytest.fixture
def table(tmp_path) -> PriceTable:
    path = tmp_path / "prices.toml"
    path.write_text(TABLE_TOML, encoding="utf-8")
    return load_price_table(path)


def inputs(**changes) -> CostInputs:
    values = dict(
        train_examples=1000,
        billed_training_tokens=1_000_000,
        epochs=3,
        requests_per_month=100_000,
        prompt_tokens=100,
        output_tokens=50,
        few_shot_tokens=400,
    )
    values.update(changes)
    return CostInputs(**values)


def analyse(table: PriceTable, model: str = "acme-small", **changes):
    return analyse_cost(inputs(**changes), table.lookup(model), table)


# -- the arithmetic ------------------------------------------------------------------------------


def test_hand_computed_breakeven(table):
    result = analyse(table)
    assert result.training_usd == pytest.approx(3.00)
    assert result.per_call_prompted_usd == pytest.approx(105e-6)
    assert result.per_call_tuned_usd == pytest.approx(90e-6)
    assert result.monthly_prompted_usd == pytest.approx(10.50)
    assert result.monthly_tuned_usd == pytest.approx(9.00)
    assert result.monthly_saving_usd == pytest.approx(1.50)
    assert result.breakeven.months == pytest.approx(2.0)
    assert not result.breakeven.never


def test_sensitivity_at_half_and_one_and_a_half_times_the_traffic(table):
    low, high = analyse(table).sensitivity
    assert (low.requests_per_month, high.requests_per_month) == (50_000, 150_000)
    assert low.months == pytest.approx(4.0)
    assert high.months == pytest.approx(3.00 / 2.25)


def test_never_breaks_even_when_the_fine_tuned_call_costs_more(table):
    # Without few-shot examples the prompted call is (100 x 0.15 + 50 x 0.60) / 1e6 = 45e-6,
    # half the fine-tuned call's 90e-6: fine-tuning only adds cost.
    result = analyse(table, few_shot_tokens=0)
    assert result.per_call_prompted_usd == pytest.approx(45e-6)
    assert result.monthly_saving_usd == pytest.approx(-4.50)
    assert result.breakeven.never and result.breakeven.months is None
    assert "costs more per call" in result.breakeven.reason
    assert all(b.never for b in result.sensitivity)
    assert result.breakeven.text().startswith("never (")


def test_zero_traffic_never_breaks_even_and_costs_nothing_per_month(table):
    result = analyse(table, requests_per_month=0)
    assert result.monthly_prompted_usd == 0 and result.monthly_tuned_usd == 0
    assert result.training_usd == pytest.approx(3.00)
    assert result.breakeven.never and "no traffic" in result.breakeven.reason
    assert [b.requests_per_month for b in result.sensitivity] == [0, 0]


def test_hosting_fee_can_outweigh_the_per_call_saving(table):
    # acme-hosted adds $2/month: at 100,000 requests 9.00 + 2.00 = 11.00 > 10.50 -> never;
    # at 1,000,000 requests 105.00 vs 90.00 + 2.00 -> 3.00 / 13.00 months.
    result = analyse(table, "acme-hosted")
    assert result.monthly_tuned_usd == pytest.approx(11.00)
    assert result.breakeven.never and "hosting" in result.breakeven.reason
    assert analyse(table, "acme-hosted", requests_per_month=1_000_000).breakeven.months == pytest.approx(3 / 13)


def test_no_training_price_gives_no_breakeven(table):
    entry = prices_from_overrides("x", None, {k: 1.0 for k in PRICE_KEYS}, as_of="2026-01")
    from dataclasses import replace

    result = analyse_cost(inputs(), replace(entry, training=None), table)
    assert result.training_usd is None and result.breakeven.never
    assert "no training price" in result.breakeven.reason


def test_result_is_labelled_an_estimate_with_its_inputs_and_dates(table):
    d = analyse(table).to_dict()
    json.dumps(d)  # the JSON report can carry it as is
    assert d["estimate"] is True
    assert d["price_table"] == {
        "as_of": "2026-01",
        "source": table.source,
        "entry_as_of": "2026-01",  # inherits the table's date
        "entry_source": "acme price list, January 2026",
    }
    assert d["inputs"]["requests_per_month"] == 100_000 and d["inputs"]["few_shot_tokens"] == 400
    assert d["training_usd"] == 3.0
    assert d["monthly_usd"] == {"prompted": 10.5, "fine_tuned": 9.0, "saving": 1.5}
    assert d["breakeven"] == {"requests_per_month": 100_000, "months": 2.0, "text": "2.0 months", "never": False, "reason": None}
    assert [s["months"] for s in d["sensitivity"]] == [4.0, 1.33]
    formulas = d["formulas"]
    assert formulas["training"] == "1,000,000 billed tokens x $3/1M = $3.00"
    assert formulas["prompted"].startswith("(100 prompt + 400 few-shot) x $0.15/1M + 50 output x $0.6/1M = $0.00011 per call")
    assert formulas["prompted"].endswith("x 100,000 requests = $10.50 per month")
    assert formulas["breakeven"] == "$3.0000 / ($10.5000 - $9.0000 per month) = 2.0 months"


def test_short_breakeven_reads_in_days(table):
    result = analyse(table, requests_per_month=3_000_000)  # saving $45/month -> 2 days
    assert result.breakeven.text() == "2 days (est.)"
    assert analyse(table, requests_per_month=30_000_000).breakeven.text() == "5 hours (est.)"


# -- the price table -----------------------------------------------------------------------------


def test_custom_table_entries_and_dates(table):
    assert table.as_of == "2026-01" and table.known() == ["acme-hosted", "acme-small"]
    small = table.lookup("acme-small")
    assert (small.training, small.base_input, small.base_output, small.tuned_input, small.tuned_output) == (
        3.0, 0.15, 0.60, 0.30, 1.20,
    )
    assert table.lookup("acme-hosted").as_of == "2025-12"
    assert table.lookup("acme-hosted").tuned_hosting_per_month == 2.0


def test_unknown_model_error_lists_the_known_ones(table):
    with pytest.raises(UnknownModelError) as exc:
        table.lookup("llama-3")
    message = str(exc.value)
    assert "'llama-3'" in message and "known: acme-hosted, acme-small" in message
    assert "--price-table" in message and "--price training=USD" in message
    assert "\n" not in message


def test_snapshots_and_fine_tuned_ids_resolve_to_their_family():
    known = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"]
    assert resolve_model_name("gpt-4o-mini-2024-07-18", known) == "gpt-4o-mini"
    assert resolve_model_name("GPT-4o-2024-08-06", known) == "gpt-4o"
    assert resolve_model_name("ft:gpt-4.1-mini-2025-04-14:acme::x1", known) == "gpt-4.1-mini"
    assert resolve_model_name("gpt-4", known) is None


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[models.m]\nbase-input = 1\n', "as-of"),
        ('as-of = "2026-01"\n', "[models.NAME]"),
        ('as-of = "2026-01"\n[models.m]\nbase-input = 1\n', "missing base-output, fine-tuned-input, fine-tuned-output"),
        ('as-of = "2026-01"\n[models.m]\nbase-input = -1\nbase-output = 1\nfine-tuned-input = 1\nfine-tuned-output = 1\n', "base-input must be a number >= 0"),
        ('as-of = "2026-01"\n[models.m]\nbase-input = "cheap"\nbase-output = 1\nfine-tuned-input = 1\nfine-tuned-output = 1\n', "base-input must be a number"),
        ('as-of = "2026-01"\n[models.m]\nbase-input = 1\nbase-output = 1\nfine-tuned-input = 1\nfine-tuned-output = 1\ninput = 2\n', "unknown key(s) input"),
        ("as-of = ", "invalid TOML"),
    ],
)
def test_bad_price_table_is_a_one_line_error_naming_the_file(tmp_path, toml, message):
    path = tmp_path / "mine.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(PriceTableError) as exc:
        load_price_table(path)
    assert message in str(exc.value) and str(path) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_missing_price_table_file_is_an_error(tmp_path):
    with pytest.raises(PriceTableError, match="cannot read price table"):
        load_price_table(tmp_path / "absent.toml")


def test_prices_on_the_command_line_for_a_model_not_in_the_table(table):
    given = {"training": 2.0, "base-input": 1.0, "base-output": 2.0, "fine-tuned-input": 1.5, "fine-tuned-output": 3.0}
    entry = prices_from_overrides("my-llama", None, given, as_of="2026-12")
    assert (entry.model, entry.training, entry.tuned_output) == ("my-llama", 2.0, 3.0)
    assert entry.source == "prices given on the command line"
    with pytest.raises(UnknownModelError, match="--price fine-tuned-output=USD"):
        prices_from_overrides("my-llama", None, {k: v for k, v in given.items() if k != "fine-tuned-output"}, as_of="x")
    with pytest.raises(PriceTableError, match="unknown price key"):
        prices_from_overrides("my-llama", None, {"input": 1.0}, as_of="x")


def test_command_line_price_overrides_one_table_price(table):
    entry = prices_from_overrides("acme-small", table.lookup("acme-small"), {"training": 6.0}, as_of="x")
    assert entry.training == 6.0 and entry.base_input == 0.15
    assert entry.source == "acme price list, January 2026; training given on the command line"
    assert analyse_cost(inputs(), entry, table).breakeven.months == pytest.approx(4.0)


def test_builtin_table_is_dated_sourced_and_keeps_the_training_prices():
    from dqlint.analysis.pricing import PRICES

    table = builtin_price_table()
    assert table.source == "built-in" and table.as_of == "2026-03"
    # The token-length rule's figures (and their sources, quoted in golden reports) come from
    # the same file, unchanged by the move.
    assert {name: (p.usd_per_million, p.as_of, p.source) for name, p in PRICES.items()} == {
        "gpt-4o-mini": (3.00, "2026-03", "public fine-tuning cost comparisons, March 2026"),
        "gpt-4o": (25.00, "2026-03", "public fine-tuning cost comparisons, March 2026"),
        "gpt-3.5-turbo": (8.00, "2024-08", "OpenAI pricing page, August 2024"),
        **{n: (p.training, p.as_of, p.source) for n, p in table.models.items() if n.startswith(("gpt-4.1", "gemini"))},
    }
    for entry in table.models.values():
        assert entry.source and entry.as_of and entry.training is not None
        assert entry.tuned_input >= entry.base_input > 0
    mini = table.lookup("gpt-4o-mini-2024-07-18")
    assert (mini.base_input, mini.base_output, mini.tuned_input, mini.tuned_output) == (0.15, 0.60, 0.30, 1.20)


def test_builtin_table_parses_like_a_custom_one():
    import importlib.resources
    import tomllib

    text = importlib.resources.files("dqlint.analysis").joinpath("prices.toml").read_text(encoding="utf-8")
    assert parse_price_table(tomllib.loads(text), "x").known() == builtin_price_table().known()


# -- readiness -----------------------------------------------------------------------------------


def test_readiness_note_against_the_size_tiers_and_the_verdict():
    assert readiness_note(64).startswith("64 training examples is below the 100-example minimum")
    assert "not the recommended 500" in readiness_note(160)
    assert readiness_note(800, go=True) == "800 training examples meets the recommended 500; the set passed the readiness check."
    assert "NO-GO" in readiness_note(800, go=False) and "moot" in readiness_note(800, go=False)
    assert "run `dqlint check`" in readiness_note(800)


# -- `dqlint cost` and the check report's `cost` section (issue 19, phase 2) ---------------------

CLEAN = str(SAMPLES / "chat" / "clean" / "train.jsonl")


def test_cost_command_on_the_sample_data(dqlint_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = dqlint_cli("cost", CLEAN, "--requests-per-month", "10000", "--few-shot-tokens", "400")
    assert result.code == 0, result.err
    out = result.out
    assert "estimate" in out.lower() and "breakeven" in out.lower()
    assert "prices as of 2026-03, built-in price table" in out and "gpt-4o-mini" in out
    assert "10,000 requests" in out and "400 few-shot" in out


def test_cost_command_json_matches_the_measured_tokens(dqlint_cli, monkeypatch):
    from dqlint.analysis.tokenizer import get_tokenizer
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec
    from dqlint.toolkit.tokens import count_dataset_tokens

    monkeypatch.chdir(ROOT)
    result = dqlint_cli("cost", CLEAN, "--requests-per-month", "10000", "--few-shot-tokens", "400", "-f", "json")
    assert result.code == 0, result.err
    d = result.json()
    ds = load_inputs([InputSpec(CLEAN)])
    per_row = count_dataset_tokens(ds).per_row
    tokens = int(per_row.sum())
    assert d["inputs"]["train_examples"] == 160 and d["inputs"]["epochs"] == 3
    assert d["inputs"]["billed_training_tokens"] == tokens * 3
    assert d["training_usd"] == round(tokens * 3 * 3.00 / 1e6, 4)
    assert d["estimate"] is True and d["price_table"]["as_of"] == "2026-03"
    # The reply is the last assistant message with its 3 + 1 ("assistant") overhead; the prompt
    # is the rest of the example.
    tok = get_tokenizer("o200k_base")
    replies = [tok.count(o) + 3 + 1 for o in ds.output]
    assert d["inputs"]["output_tokens"] == round(sum(replies) / 160, 1)
    assert d["inputs"]["prompt_tokens"] == round((tokens - sum(replies)) / 160, 1)
    prompt, output = (tokens - sum(replies)) / 160, sum(replies) / 160
    prompted = ((prompt + 400) * 0.15 + output * 0.60) / 1e6 * 10_000
    tuned = (prompt * 0.30 + output * 1.20) / 1e6 * 10_000
    assert d["monthly_usd"] == {"prompted": round(prompted, 4), "fine_tuned": round(tuned, 4), "saving": round(prompted - tuned, 4)}
    assert d["breakeven"]["months"] == round(tokens * 3 * 3.00 / 1e6 / (prompted - tuned), 2)


def test_cost_command_unknown_model_is_a_one_line_error(dqlint_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = dqlint_cli("cost", CLEAN, "--model", "llama-3", "--requests-per-month", "100")
    assert result.code == 2
    assert "llama-3" in result.err and "known: " in result.err and "gpt-4o-mini" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_cost_command_with_a_custom_price_table(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "prices.toml"
    path.write_text(TABLE_TOML, encoding="utf-8")
    result = dqlint_cli("cost", CLEAN, "--model", "acme-small", "--price-table", str(path),
                        "--requests-per-month", "100000", "--few-shot-tokens", "0", "-f", "json")
    assert result.code == 0, result.err
    d = result.json()
    assert d["price_table"]["as_of"] == "2026-01" and d["breakeven"]["never"] is True


def test_check_report_has_cost_only_when_traffic_is_configured(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plain = dqlint_cli("check", CLEAN, "-f", "json")
    assert "cost" not in plain.json()
    (tmp_path / "dqlint.toml").write_text("[cost]\nrequests-per-month = 10000\n", encoding="utf-8")
    with_cost = dqlint_cli("check", CLEAN, "-f", "json")
    report = with_cost.json()
    assert report["cost"]["estimate"] is True
    assert report["cost"]["inputs"]["requests_per_month"] == 10000
    assert "readiness" in report["cost"]


def test_cost_command_counts_a_prompt_file(dqlint_cli, tmp_path, monkeypatch):
    from dqlint.analysis.tokenizer import get_tokenizer

    monkeypatch.chdir(ROOT)
    prompt = tmp_path / "few_shot.txt"
    prompt.write_text("Q: What does `os.getcwd` do?\nA: Returns the current working directory.\n" * 10, encoding="utf-8")
    result = dqlint_cli("cost", CLEAN, "--requests-per-month", "1000", "--prompt", str(prompt), "-f", "json")
    assert result.code == 0, result.err
    inputs = result.json()["inputs"]
    assert inputs["few_shot_tokens"] == get_tokenizer("o200k_base").count(prompt.read_text(encoding="utf-8"))
    assert inputs["few_shot_source"].startswith(f"prompt file {prompt}")
    both = dqlint_cli("cost", CLEAN, "--requests-per-month", "1", "--prompt", str(prompt), "--few-shot-tokens", "5")
    assert both.code == 2 and "not both" in both.err


def test_cost_command_default_few_shot_is_a_labelled_assumption(dqlint_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    d = dqlint_cli("cost", CLEAN, "--requests-per-month", "1000", "-f", "json").json()
    assert d["inputs"]["few_shot_source"].startswith("assumed: 3 examples")
    assert "run `dqlint check`" in d["readiness"]


def test_cost_command_prices_on_the_command_line_for_an_unknown_model(dqlint_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    prices = ["training=2", "base-input=1", "base-output=2", "fine-tuned-input=1", "fine-tuned-output=2"]
    args = ["cost", CLEAN, "--model", "my-llama", "--requests-per-month", "1000", "--few-shot-tokens", "100", "-f", "json"]
    result = dqlint_cli(*args, *[a for p in prices for a in ("--price", p)])
    assert result.code == 0, result.err
    d = result.json()
    assert d["model"] == "my-llama" and d["prices"]["source"] == "prices given on the command line"
    # Same per-token prices both ways: the saving is exactly the few-shot tokens' input cost.
    assert d["monthly_usd"]["saving"] == round(100 * 1.0 / 1e6 * 1000, 4)
    partial = dqlint_cli(*args, "--price", "training=2")
    assert partial.code == 2 and "--price base-input=USD" in partial.err
    bad = dqlint_cli(*args, "--price", "training=cheap")
    assert bad.code == 2 and "not a number" in bad.err


def test_bad_cost_config_is_a_one_line_error(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dqlint.toml").write_text('[cost]\nrequests-per-month = "lots"\n', encoding="utf-8")
    result = dqlint_cli("check", CLEAN)
    assert result.code == 2 and "[cost] requests-per-month must be a number" in result.err
    (tmp_path / "dqlint.toml").write_text("[cost]\nrequests-per-month = 10\nmodel = \"llama-3\"\n", encoding="utf-8")
    result = dqlint_cli("check", CLEAN)
    assert result.code == 2 and "no prices for model 'llama-3'" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_cost_section_in_terminal_markdown_and_html_only_when_configured(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for fmt, marker in (("terminal", "Is fine-tuning worth it?"), ("markdown", "## Is fine-tuning worth it?"), ("html", 'id="cost"')):
        assert marker not in dqlint_cli("check", CLEAN, "-f", fmt).out
    (tmp_path / "dqlint.toml").write_text("[cost]\nrequests-per-month = 1000\nfew-shot-tokens = 600\n", encoding="utf-8")
    terminal = dqlint_cli("check", CLEAN).out
    assert "Is fine-tuning worth it?" in terminal and "breakeven" in terminal and "estimate" in terminal.lower()
    markdown = dqlint_cli("check", CLEAN, "-f", "markdown").out
    assert "| breakeven |" in markdown and "prices as of 2026-03" in markdown
    page = dqlint_cli("check", CLEAN, "-f", "html").out
    section = page[page.index('<section id="cost">'):]
    section = section[: section.index("</section>")]
    assert "<svg" in section and "Estimated total spend by month" in section and "breakeven" in section


def test_no_go_set_makes_the_breakeven_moot(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dqlint.toml").write_text("[cost]\nrequests-per-month = 1000\n", encoding="utf-8")
    dirty = str(SAMPLES / "chat" / "dirty" / "train.jsonl")
    result = dqlint_cli("check", dirty, "-f", "json")
    report = result.json()
    assert result.code == 1 and report["verdict"] == "no-go"
    assert "NO-GO" in report["cost"]["readiness"] and "moot" in report["cost"]["readiness"]


def test_cached_report_follows_the_cost_settings(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "dqlint.toml"
    config.write_text("[cost]\nrequests-per-month = 1000\n", encoding="utf-8")
    first = dqlint_cli("check", CLEAN, "-f", "json").json()
    config.write_text("[cost]\nrequests-per-month = 2000\n", encoding="utf-8")
    second = dqlint_cli("check", CLEAN, "-f", "json").json()
    assert first["cost"]["inputs"]["requests_per_month"] == 1000
    assert second["cost"]["inputs"]["requests_per_month"] == 2000


def test_api_check_carries_the_cost_section(monkeypatch, tmp_path):
    import dqlint

    monkeypatch.chdir(tmp_path)
    report = dqlint.check(CLEAN, config={"cost": {"requests-per-month": 1000}})
    assert report.to_dict()["cost"]["inputs"]["requests_per_month"] == 1000
    assert "cost" not in dqlint.check(CLEAN, config={}).to_dict()


def test_cost_section_without_training_examples_is_skipped_not_an_error(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dqlint.toml").write_text("[cost]\nrequests-per-month = 1000\n", encoding="utf-8")
    result = dqlint_cli("check", "--test", CLEAN, "-f", "json")
    assert result.json()["cost"]["skipped"] == "no training examples to estimate the cost from"
    assert "skipped" in dqlint_cli("check", "--test", CLEAN).out


def test_docs_worked_example_runs_as_written_and_shows_its_output(dqlint_cli, monkeypatch):
    import shlex

    monkeypatch.chdir(ROOT)
    readme = (ROOT / "docs" / "cost.md").read_text(encoding="utf-8")
    block = readme[readme.index("# Is fine-tuning worth it?"):]
    block = block[block.index("```console\n") + len("```console\n"):]
    block = block[: block.index("```")]
    command, *shown = block.splitlines()
    assert command.startswith("$ dqlint cost ")
    result = dqlint_cli(*shlex.split(command)[2:])
    assert result.code == 0, result.err
    produced = result.out.splitlines()
    exact = [line for line in shown if not line.rstrip().endswith("...")]  # elided lines end in ...
    assert produced[: len(exact)] == exact


def test_command_line_settings_override_the_config_ones(tmp_path, monkeypatch):
    from dqlint.engine.config import load_config
    from dqlint.errors import ConfigError
    from dqlint.toolkit.cost import CostSettings

    (tmp_path / "sub").mkdir()
    config_file = tmp_path / "sub" / "dqlint.toml"
    config_file.write_text(
        '[cost]\nrequests-per-month = 10\nprompt = "p.txt"\n[cost.prices]\ntraining = 9\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    settings = CostSettings.from_config(load_config(config_file))
    assert settings.prompt_file == "sub/p.txt"  # relative to the config file, shown from here
    assert settings.requests_per_month == 10 and settings.prices == {"training": 9.0}
    merged = settings.overridden(requests_per_month=20, prompt_file="other.txt", prices={"base-input": 1.0}, model=None)
    assert (merged.requests_per_month, merged.prompt_file, merged.few_shot_tokens) == (20, "other.txt", None)
    assert merged.prices == {"training": 9.0, "base-input": 1.0}
    assert settings.overridden(few_shot_tokens=5).prompt_file is None
    config_file.write_text('[cost]\nfew-shot-tokens = 50\nprompt = "p.txt"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="not both"):
        load_config(config_file)


# CI has the shared folder at ../shared beside the checkout; DQLINT_SHARED points elsewhere.
REAL = Path(os.environ.get("DQLINT_SHARED", ROOT.parent / "shared")) / "data" / "real"


def test_cost_on_real_gsm8k_follows_the_field_mapping(dqlint_cli, monkeypatch):
    from dqlint.data.formats import FieldMap
    from dqlint.data.ingest import load_inputs
    from dqlint.data.sources import InputSpec
    from dqlint.toolkit.tokens import count_dataset_tokens

    train = REAL / "gsm8k" / "train.jsonl"
    if not train.is_file():
        pytest.skip(f"real data not found at {REAL} (set DQLINT_SHARED to the shared folder)")
    monkeypatch.chdir(ROOT)
    args = ("cost", str(train), "--requests-per-month", "50000", "--few-shot-tokens", "1500", "-f", "json")
    # Schema inference (issue 12) reads gsm8k's `question`/`answer` as prompt/completion, so the
    # replies are found without flags, and pinning the same fields changes nothing.
    plain = dqlint_cli(*args).json()
    assert plain["inputs"]["output_tokens"] > 50
    mapped = dqlint_cli(*args, "--field", "input=question", "--field", "output=answer").json()
    assert mapped["inputs"]["output_tokens"] == plain["inputs"]["output_tokens"]
    ds = load_inputs([InputSpec(str(train))], fields=FieldMap.from_config({"input": "question", "output": "answer"}))
    tokens = int(count_dataset_tokens(ds).per_row.sum())
    # 7,473 rows: above token-length's sample size, so the billed total is an estimate whose
    # interval covers the exact count; --exact-tokens gives the exact figure.
    low, high = mapped["inputs"]["billed_training_tokens_interval"]
    assert mapped["inputs"]["train_examples"] == 7473 and low <= 3 * tokens <= high
    exact = dqlint_cli(*args, "--field", "input=question", "--field", "output=answer", "--exact-tokens").json()
    assert exact["inputs"]["billed_training_tokens"] == 3 * tokens and "billed_training_tokens_interval" not in exact["inputs"]
    assert mapped["inputs"]["output_tokens"] > 50 and mapped["breakeven"]["never"] is False


def test_dollar_amounts_keep_two_significant_digits_under_a_cent():
    from dqlint.text import usd

    assert (usd(5.479e-05), usd(0.1153), usd(-0.0342), usd(12345.678)) == ("$0.000055", "$0.12", "-$0.03", "$12,345.68")
    assert (usd(0), usd(0.1153, decimals=4), usd(None), usd(float("nan"))) == ("$0.00", "$0.1153", "n/a", "n/a")


def test_readiness_follows_the_final_verdict_after_accepted_findings(dqlint_cli, tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copy(SAMPLES / "chat" / "dirty" / "train.jsonl", tmp_path / "dirty.jsonl")
    accepted = '"format-consistency", "llm-artifacts", "sensitive-content", "near-duplicates"'
    (tmp_path / "dqlint.toml").write_text(
        f'[cost]\nrequests-per-month = 1000\n[per-path-ignores]\n"dirty*" = [{accepted}]\n', encoding="utf-8"
    )
    for _ in range(2):  # computed, then from the cache: the verdict is applied after either
        report = dqlint_cli("check", "dirty.jsonl", "-f", "json").json()
        assert report["verdict"] == "go"
        assert report["cost"]["readiness"].endswith("the set passed the readiness check.")
