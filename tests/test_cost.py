"""Is fine-tuning worth it: the cost arithmetic on hand-computed cases, the price table, and
`dqlint cost` / the check report's `cost` section end to end."""

from __future__ import annotations

import json
import textwrap

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
    assert d["breakeven"] == {"requests_per_month": 100_000, "months": 2.0, "never": False, "reason": None}
    assert [s["months"] for s in d["sensitivity"]] == [4.0, 1.33]
    formulas = d["formulas"]
    assert formulas["training"] == "1,000,000 billed tokens x $3/1M = $3.00"
    assert formulas["prompted"].startswith("(100 prompt + 400 few-shot) x $0.15/1M + 50 output x $0.6/1M = $0.00011 per call")
    assert formulas["prompted"].endswith("x 100,000 requests = $10.50 per month")
    assert formulas["breakeven"] == "$3.00 / ($10.50 - $9.00 per month) = 2.0 months"


def test_short_breakeven_reads_in_days(table):
    result = analyse(table, requests_per_month=3_000_000)  # saving $45/month -> 2 days
    assert result.breakeven.text() == "2 days (est.)"


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
PHASE2 = pytest.mark.xfail(strict=True, reason="issue 19: dqlint cost lands after the layout move")


@PHASE2
def test_cost_command_on_the_sample_data(dqlint_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = dqlint_cli("cost", CLEAN, "--requests-per-month", "10000", "--few-shot-tokens", "400")
    assert result.code == 0, result.err
    out = result.out
    assert "estimate" in out.lower() and "breakeven" in out.lower()
    assert "price table as of 2026-03" in out and "gpt-4o-mini" in out
    assert "10,000 requests" in out and "400 few-shot" in out


@PHASE2
def test_cost_command_json_matches_the_measured_tokens(dqlint_cli, monkeypatch):
    from dqlint.loading import InputSpec, load_inputs
    from dqlint.tokens import count_dataset_tokens

    monkeypatch.chdir(ROOT)
    result = dqlint_cli("cost", CLEAN, "--requests-per-month", "10000", "--few-shot-tokens", "400", "-f", "json")
    assert result.code == 0, result.err
    d = result.json()
    tokens = int(count_dataset_tokens(load_inputs([InputSpec(CLEAN)])).per_row.sum())
    assert d["inputs"]["train_examples"] == 160 and d["inputs"]["epochs"] == 3
    assert d["inputs"]["billed_training_tokens"] == tokens * 3
    assert d["training_usd"] == round(tokens * 3 * 3.00 / 1e6, 4)
    assert d["estimate"] is True and d["price_table"]["as_of"] == "2026-03"


@PHASE2
def test_cost_command_unknown_model_is_a_one_line_error(dqlint_cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = dqlint_cli("cost", CLEAN, "--model", "llama-3", "--requests-per-month", "100")
    assert result.code == 2
    assert "llama-3" in result.err and "known: " in result.err and "gpt-4o-mini" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


@PHASE2
def test_cost_command_with_a_custom_price_table(dqlint_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    path = tmp_path / "prices.toml"
    path.write_text(TABLE_TOML, encoding="utf-8")
    result = dqlint_cli("cost", CLEAN, "--model", "acme-small", "--price-table", str(path),
                        "--requests-per-month", "100000", "--few-shot-tokens", "0", "-f", "json")
    assert result.code == 0, result.err
    d = result.json()
    assert d["price_table"]["as_of"] == "2026-01" and d["breakeven"]["never"] is True


@PHASE2
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
