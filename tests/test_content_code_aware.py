"""Issue 13, item 6: content rules that understand code and data.

Miniatures of the false alarms measured on a code-instruction set: complete SQL statements
called "truncated (ends mid-sentence)", a multiplication table read as card numbers, regex
test e-mails and `password = generate_password(...)` flagged as personal data and
credentials. True positives in prose must stay found (and blocking).
"""

from __future__ import annotations

import pytest

import dqlint

from conftest import write_jsonl

def alpaca(instruction: str, output: str) -> dict:
    return {"instruction": instruction, "input": "", "output": output}


def artifacts(outputs: list[str]) -> dict:
    records = [alpaca(f"Task number {i}", out) for i, out in enumerate(outputs)]
    return dqlint.check(records, rules=["llm-artifacts"], config={}).rule("llm-artifacts")


def sensitive(outputs: list[str]) -> dict:
    records = [alpaca(f"Task number {i}", out) for i, out in enumerate(outputs)]
    return dqlint.check(records, rules=["sensitive-content"], config={}).rule("sensitive-content")


def kinds_of(rule: dict) -> list[list[str]]:
    return [f["details"]["kinds"] for f in rule["findings"]]


def match_kinds(rule: dict) -> list[str]:
    return [m["kind"] for f in rule["findings"] for m in f["details"]["matches"]]


# -- truncated ----------------------------------------------------------------------------------

COMPLETE_OUTPUTS = [
    # SQL statements end in ";": a complete token, not a dangling mark.
    "Use this statement: DROP TABLE IF EXISTS temp_users;",
    "The query is:\nSELECT id FROM users WHERE active = 1;",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE);",
    "Run the tests, then commit the change to the main branch;",
    # A list whose items end in commas.
    "You will need:\n- a handful of fresh basil and parsley leaves,\n- a little olive oil and some salt,",
    # A complete English sentence without a final full stop.
    "That is just the way it is",
]

# Already right before the fix; kept so the fix does not regress them.
COMPLETE_OUTPUTS_GUARDED = [
    "SELECT name, email FROM customers WHERE country = 'FR' AND created_at > '2024-01-01' ORDER BY name;",
    "Here is a function:\ndef add(a, b):\n    return a + b",
    '{"name": "Ada Lovelace", "known for": "the first program", "tags": ["math", "code"]}',
    "The first six primes are 2, 3, 5, 7, 11, 13,",
    "| name | count |\n|------|-------|\n| apples | 3 |",
]


@pytest.mark.parametrize("output", COMPLETE_OUTPUTS)
def test_complete_code_data_and_sentences_are_not_truncated(output):
    rule = artifacts([output])
    assert ["truncated" in k for k in kinds_of(rule)] == [False] * len(rule["findings"])
    assert rule["status"] == "pass"


@pytest.mark.parametrize("output", COMPLETE_OUTPUTS_GUARDED)
def test_code_json_tables_and_numbers_stay_untruncated(output):
    assert artifacts([output])["status"] == "pass"


@pytest.mark.parametrize(
    "output, reason",
    [
        ("The main reasons are the cost of energy and the", "ends mid-sentence"),
        ("Mix the flour and the sugar, then add the eggs and", "ends mid-sentence"),
        ("6. Place a generous amount of the filling in the centre of each circle of", "ends mid-sentence"),
        ("Here is the query:\n```sql\nSELECT id FROM users WHERE active = 1;", "unclosed code block"),
    ],
)
def test_outputs_cut_off_in_prose_or_an_open_fence_stay_truncated(output, reason):
    [finding] = artifacts([output])["findings"]
    assert finding["details"]["kinds"] == ["truncated"] and reason in finding["message"]


def test_sql_set_via_cli_reports_only_the_real_truncation(tmp_path, dqlint_cli):
    """50 complete SQL answers and one prose answer cut mid-sentence: one finding, not 51."""
    tables = ["users", "orders", "invoices", "products", "payments"]
    regions = ["north", "south", "east", "west", "central", "coastal", "alpine", "urban", "rural", "island"]
    records = [
        alpaca(
            f"Write a SQL query that lists the {t} of the {r} region.",
            f"Here is the query:\nSELECT name FROM {t} WHERE region = '{r}' ORDER BY name;",
        )
        for t in tables
        for r in regions
    ]
    records.insert(20, alpaca("Explain what an index is.", "An index lets the database find rows without reading every row of the"))
    path = write_jsonl(tmp_path / "train.jsonl", records)
    result = dqlint_cli("check", str(path), "--select", "llm-artifacts", "--isolated", "--no-cache", "-f", "json")
    [rule] = result.json()["rules"]
    assert [f["locations"][0]["line"] for f in rule["findings"]] == [21]
    assert rule["details"]["by_kind"] == {"truncated": 1}


# -- card numbers -------------------------------------------------------------------------------


def multiplication_table(size: int = 12) -> str:
    return "\n".join(" ".join(str(i * j) for j in range(1, 11)) for i in range(1, size + 1))


@pytest.mark.parametrize(
    "output",
    [
        "Here is the table:\n" + multiplication_table(),
        "```python\nfor i in range(1, 13):\n    print(*[i * j for j in range(1, 11)])\n```\nOutput:\n" + multiplication_table(),
        "The IMEI of the test device is 356938035643809.",
        "Order 4539148803436467 was shipped on Monday.",
        "Use the test card 4242 4242 4242 4242 with any future expiry date.",
    ],
)
def test_numbers_tables_and_test_cards_are_not_card_numbers(output):
    rule = sensitive([output])
    assert "card-number" not in match_kinds(rule)
    assert rule["status"] == "pass"


def test_numbers_in_code_are_not_card_numbers():
    rule = sensitive(["Powers of two: 4503599627370496 9007199254740992 18014398509481984"])
    assert rule["status"] == "pass"


@pytest.mark.parametrize(
    "output",
    [
        "My card is 4539 1488 0343 6467, expiry 04/27.",
        "Charge the Visa card 4539-1488-0343-6467 for the renewal.",
        "card number: 4539148803436467",
    ],
)
def test_a_card_number_in_prose_still_blocks(output):
    rule = sensitive([output])
    assert match_kinds(rule) == ["card-number"] and rule["status"] == "fail"


# -- code examples and test fixtures ------------------------------------------------------------

REGEX_TEST = (
    "Here is a validator:\n```python\nimport re\n\nEMAIL = re.compile(r'^[\\w.+-]+@[\\w-]+\\.[\\w.]+$')\n\n"
    "assert EMAIL.match('john.smith@gmail.com')\nassert not EMAIL.match('john.smith@')\n```"
)


@pytest.mark.parametrize(
    "output",
    [
        "password = generate_password(length=16)",
        "```python\npassword = hashlib.sha256(salt + user_input).hexdigest()\n```",
        "Call us on 555-123-4567 or (555) 010-0199 during office hours.",
    ],
)
def test_generated_values_and_fictional_numbers_are_ignored(output):
    rule = sensitive([output])
    assert rule["findings"] == [] and rule["status"] == "pass"


@pytest.mark.parametrize(
    "output, kind",
    [
        (REGEX_TEST, "email"),
        ("To try it, sign up with test@gmail.com and any password.", "email"),
        ("```js\nconst user = { email: 'maria.lopez@outlook.com', phone: '+44 20 7123 4568' };\n```", "email"),
        ("In `settings.py` set `PASSWORD = 'Winter2024pass'` for the local database.", "credential-assignment"),
    ],
)
def test_fixtures_and_code_examples_warn_but_do_not_block(output, kind):
    rule = sensitive([output])
    assert kind in match_kinds(rule)
    assert rule["status"] == "warn" and rule["severity"] == "error"
    [finding] = rule["findings"]
    assert all(m["blocking"] is False for m in finding["details"]["matches"])


def test_a_real_email_in_prose_blocks_even_beside_fixtures():
    rule = sensitive([REGEX_TEST, "Please forward the contract to jane.doe@acme-corp.io before Friday.", "Nothing here."])
    assert rule["status"] == "fail" and rule["metric"]["value"] == 1
    assert [f["locations"][0]["record"] for f in rule["findings"]] == [0, 1]
    assert [m["blocking"] for f in rule["findings"] for m in f["details"]["matches"]] == [False, True]


@pytest.mark.parametrize(
    "output",
    [
        "Please forward the contract to jane.doe@acme-corp.io before Friday.",
        "```python\nclient = OpenAI(api_key='sk-proj-Zq8RkT2mV9xL4nB7cW1pY6sD3fG5hJ0a')\n```",
    ],
)
def test_real_looking_email_and_keys_still_block(output):
    assert sensitive([output])["status"] == "fail"


def test_code_and_fixtures_option_blocks_or_ignores():
    records = [alpaca("Task", "To try it, sign up with test@gmail.com and any password.")]

    def run(setting: str) -> dict:
        config = {"rules": {"sensitive-content": {"code-and-fixtures": setting}}}
        return dqlint.check(records, rules=["sensitive-content"], config=config).rule("sensitive-content")

    assert run("block")["status"] == "fail"
    ignored = run("ignore")
    assert ignored["status"] == "pass" and ignored["findings"] == []


def test_a_business_number_warns_but_a_personal_one_blocks():
    business = sensitive(["Call us at 650-636-4884 or visit our website to receive a quote."])
    assert business["status"] == "warn" and match_kinds(business) == ["phone-number"]
    personal = sensitive(["My mobile is 650-636-4884, text me after six."])
    assert personal["status"] == "fail"
