"""Issue 13 (items 1-5): duplicate and leakage findings a person agrees with.

Each test reproduces in miniature a false alarm measured on real data (short questions that
differ in one name or number, chained groups, a reviewer's header shared by many reviews, a long
tool preamble on every instruction, a set generated from templates), through the public API on
small files, and checks that the true positives next to it are still found.
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
from pathlib import Path

import pytest

import dqlint
from conftest import write_jsonl

DUPS = "near-duplicates"
LEAK = "train-test-leakage"
# The shared folder beside the checkout (as in CI), or where DQLINT_SHARED points.
REAL = Path(os.environ.get("DQLINT_SHARED", Path(__file__).resolve().parents[1].parent / "shared")) / "data" / "real"


def user_chat(user: str, assistant: str = "An answer.") -> dict:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]}


def check(train: Path, test: Path | None = None, rules: tuple[str, ...] = (DUPS, LEAK), **options: dict) -> dict:
    """The JSON report entries of the given rules, by id."""
    config = {"rules": {rule: opts for rule, opts in options.items()}} if options else {}
    report = dqlint.check(str(train), test=str(test) if test else None, rules=list(rules), config=config)
    return {r["id"]: r for r in report.rules}


def lines(finding: dict) -> list[tuple[str, int]]:
    return [(Path(loc["path"]).stem, loc["line"]) for loc in finding["locations"]]


def kinds(entry: dict) -> list[str]:
    return [f["details"]["kind"] for f in entry["findings"]]


# -- 1. near-duplicate verification that respects what differs --------------------------------

# Train questions, and test questions that differ from one of them in one name, place or number:
# fuzz.ratio >= 90 calls every pair similar, yet each asks something else.
SHORT_TRAIN = [
    "What is the population of China?",  # 1
    "What is the capital of Mongolia?",  # 2
    "Who was the 23rd president of the United States?",  # 3
    "What does I.V. stand for in a hospital?",  # 4
    "What is the capital of France?",  # 5
    "What is the boiling point of water?",  # 6
    "Where is the Eiffel Tower located?",  # 7
    "Can you please tell me how tall Mount Everest is?",  # 8
    "Who wrote the novel Pride and Prejudice?",  # 9
]
SHORT_TEST = [
    "What is the population of Ohio?",  # 1: other place
    "What is the capital of Congo?",  # 2: other place
    "Who was the 3rd president of the United States?",  # 3: other number
    "What does HIV stand for in a hospital?",  # 4: other word
    "what is the captial of france",  # 5: typo and case -> leak of train 5
    "WHAT is the  boiling-point of water ?!",  # 6: case, spacing, punctuation -> leak of train 6
    "Where is located the Eiffel Tower?",  # 7: word order -> leak of train 7
    "Can you tell me how tall Mount Everest is?",  # 8: a filler word less -> leak of train 8
    "Who wrote the novel Pride and Predjudice?",  # 9: typo -> leak of train 9
]


def test_short_questions_differing_in_a_name_or_number_do_not_leak(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(q) for q in SHORT_TRAIN])
    test = write_jsonl(tmp_path / "test.jsonl", [user_chat(q) for q in SHORT_TEST])
    leak = check(train, test, rules=(LEAK,))[LEAK]
    assert [lines(f) for f in leak["findings"]] == [[("test", n), ("train", n)] for n in (5, 6, 7, 8, 9)]
    assert leak["metric"]["value"] == 5


def test_near_findings_name_the_differing_spans(tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(q) for q in SHORT_TRAIN])
    test = write_jsonl(tmp_path / "test.jsonl", [user_chat(q) for q in SHORT_TEST])
    leak = check(train, test, rules=(LEAK,))[LEAK]
    typo = next(f for f in leak["findings"] if lines(f)[0] == ("test", 9))
    assert typo["details"]["kind"] == "near"
    assert typo["details"]["differences"] == [{"kind": "typo", "this": "predjudice", "other": "prejudice"}]


def test_different_short_questions_are_not_a_conflicting_label_group(tmp_path):
    rows = [
        ("What is the capital of Mongolia?", "asia"),
        ("What is the capital of Congo?", "africa"),
        ("What is the population of China?", "asia"),
        ("What is the population of Ohio?", "america"),
        ("Which river flows through Cairo?", "africa"),
        ("which river flows throgh Cairo", "asia"),  # the same question (a typo), labelled differently
    ]
    path = tmp_path / "train.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(rows)
    dups = check(path, rules=(DUPS,))[DUPS]
    assert [lines(f) for f in dups["findings"]] == [[("train", 6), ("train", 7)]]
    assert dups["details"]["conflicting_label_groups"] == 1


# -- 2. groups without chaining ---------------------------------------------------------------

BASE = (
    "The quarterly report shows revenue grew by twelve percent while operating costs stayed flat, "
    "mostly because the new warehouse in Leeds opened two months ahead of schedule and the team "
    "renegotiated the shipping contract with its largest carrier at the start of spring."
)


def _chain() -> tuple[str, str, str]:
    """A ~ B and B ~ C at similarity 90 (filler words dropped, typos), but A !~ C."""
    a = (
        "Honestly, the quarterly report really shows that revenue grew by twelve percent while operating costs "
        "basically stayed flat, mostly because the new warehouse in Leeds actually opened two months ahead of "
        "schedule, you know."
    )
    b = a.replace("Honestly, the", "The").replace("really ", "").replace("basically ", "").replace("quarterly", "quartrely")
    c = b.replace("actually ", "").replace(", you know", "").replace("warehouse", "warehuose")
    c = c.replace("schedule", "schedlue").replace("mostly", "mosty")
    return a, b, c


def test_the_chain_really_is_a_chain():
    from rapidfuzz import fuzz

    from dqlint.analysis.normalize import normalize_texts

    a, b, c = normalize_texts(_chain())
    assert fuzz.ratio(a, b) >= 90 and fuzz.ratio(b, c) >= 90
    assert max(fuzz.ratio(a, c), fuzz.token_sort_ratio(a, c)) < 90


def test_chained_rows_are_not_one_group_and_every_member_is_near_the_kept_row(tmp_path):
    from rapidfuzz import fuzz

    from dqlint.analysis.normalize import normalize_texts

    a, b, c = _chain()
    other = "Photosynthesis converts light energy into chemical energy stored in glucose, releasing oxygen."
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(a, ""), user_chat(other, ""), user_chat(b, ""), user_chat(c, "")])
    dups = check(train, rules=(DUPS,))[DUPS]
    texts = {1: a, 2: other, 3: b, 4: c}
    for f in dups["findings"]:
        if f["details"]["kind"] not in ("exact", "near"):
            continue
        members = [line for _, line in lines(f)]
        assert not {1, 4} <= set(members), members
        kept = f["details"]["kept"]["line"]
        for m in members:
            x, y = normalize_texts([texts[kept], texts[m]])
            assert max(fuzz.ratio(x, y), fuzz.token_sort_ratio(x, y)) >= 90
    # A dedup keeps line 1 and drops line 3; line 4 is not within the threshold of line 1.
    assert dups["details"]["redundant_rows"] == 1
    assert dups["metric"]["value"] == pytest.approx(1 / 4, abs=1e-6)


def test_exact_groups_are_reported_as_exact_when_near_copies_exist(tmp_path):
    a = BASE
    copy = BASE.upper() + "!"  # exact after normalisation
    near = BASE.replace("Leeds", "Leads")  # a typo
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(a, ""), user_chat(copy, ""), user_chat(near, "")])
    dups = check(train, rules=(DUPS,))[DUPS]
    exact = [f for f in dups["findings"] if f["details"]["kind"] == "exact"]
    assert [lines(f) for f in exact] == [[("train", 1), ("train", 2)]]
    assert dups["details"]["exact_groups"] == 1
    assert "1 exact" in dups["message"]
    # A dedup keeps line 1 and drops lines 2 and 3.
    assert dups["details"]["redundant_rows"] == 2


# -- 3. n-gram leakage that ignores boilerplate --------------------------------------------------

HEADER = (
    "STAR RATING: ***** Saturday Night ** Sunday Morning * Monday Blues. Aspect ratio: 1.85:1 "
    "Sound format: Mono. Reviewed for the film club newsletter by the regular critic."
)
REVIEWS = [
    "A slow, beautiful film about a lighthouse keeper who loses his memory over one winter.",
    "Loud, silly and far too long; the car chases are the only reason to stay awake.",
    "The lead actress carries a thin script with warmth, but the ending falls flat.",
    "An overlooked comedy from the sixties that still lands most of its jokes today.",
    "A war drama that never finds its pace, despite a strong supporting cast of veterans.",
    "Gorgeous photography of the Scottish coast, and very little else worth mentioning.",
    "A courtroom thriller with a twist you can see coming from the opening credits onward.",
    "Charming animation for small children, though adults may drift off halfway through it.",
    "A tense submarine story shot almost entirely in one cramped and sweaty room.",
]
QUESTION = "Which element has the atomic number seventy nine and the chemical symbol Au in the periodic table of elements"


def test_a_shared_header_does_not_make_ngram_leaks_but_a_pasted_text_does(tmp_path):
    pasted = f"Quiz night notes. First: {QUESTION}? Second: name the longest river in Africa. Answers: gold, the Nile."
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(f"{HEADER} {r}") for r in REVIEWS[:6]] + [user_chat(pasted)])
    test = write_jsonl(tmp_path / "test.jsonl", [user_chat(f"{HEADER} {r}") for r in REVIEWS[6:]] + [user_chat(QUESTION)])
    leak = check(train, test, rules=(LEAK,))[LEAK]
    (finding,) = leak["findings"]
    assert lines(finding) == [("test", 4), ("train", 7)]
    details = finding["details"]
    assert details["kind"] == "ngram"
    assert details["covered"] == 1.0  # share of the test text's words inside shared spans
    assert details["spans"] == [QUESTION.lower()]


def test_one_shared_sentence_in_a_long_text_is_not_a_leak(tmp_path):
    shared = "the first movie is one hour and thirty minutes long while the second movie is"
    train_text = f"Joseph and his friends watched two movies at home. {shared} thirty minutes longer than the first. Before the movies they spent ten minutes making popcorn and twice as long making fries. How long did they spend in total?"
    test_text = f"Max plans to watch two movies this weekend. {shared} two hours and five minutes long. How many minutes will it take Max to watch both movies, and how many if he stops for a break of a quarter hour between them?"
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(train_text)])
    test = write_jsonl(tmp_path / "test.jsonl", [user_chat(test_text)])
    leak = check(train, test, rules=(LEAK,))[LEAK]
    assert leak["findings"] == []


# -- 4. template-aware comparison ---------------------------------------------------------------

PREAMBLE = (
    "You are an agent with access to the following tools. search(query): searches the company wiki and "
    "returns the five best passages. calculator(expression): evaluates an arithmetic expression exactly. "
    "calendar(date): lists the meetings on a date. email(to, subject, body): sends an e-mail on the user's "
    "behalf after confirmation. Always think step by step, call at most three tools per answer, never invent "
    "a tool result, and answer in the user's language. If a tool fails, say so and suggest what the user can "
    "do instead. Format dates as YYYY-MM-DD and amounts with two decimals. "
) * 3
TASKS = [
    "Book a meeting with Priya next Tuesday about the budget review.",
    "How much is 17.5 percent VAT on an invoice of 1,240 euros?",
    "Find the wiki page that explains how to request a new laptop.",
    "Send Marco the minutes of yesterday's design review.",
    "What meetings do I have on the first Monday of next month?",
    "Summarise the travel policy for trips longer than two weeks.",
    "Convert 3,600 seconds into hours and minutes for the timesheet.",
    "Draft an e-mail to the facilities team about the broken lift.",
    "Which holidays does the Berlin office observe this year?",
    "Look up who owns the quarterly security audit.",
    "Calculate the average of 14, 22, 35 and 41 for the sales report.",
    "Cancel my dentist appointment on Friday and tell the clinic.",
]


def test_a_long_shared_preamble_is_one_template_finding_and_left_out_of_comparison(tmp_path):
    records = [{"instruction": PREAMBLE + task, "output": f"Sure. Step {i}: calling the right tool."} for i, task in enumerate(TASKS)]
    records.append({"instruction": PREAMBLE + TASKS[0].replace("Priya", "Priya,"), "output": "Sure. Step 0: calling the right tool."})
    train = write_jsonl(tmp_path / "train.jsonl", records)
    test = write_jsonl(tmp_path / "test.jsonl", [
        {"instruction": PREAMBLE + "Tell me the opening hours of the Madrid office canteen.", "output": "Calling search."},
        {"instruction": PREAMBLE + TASKS[2].replace("laptop", "laptpo"), "output": "Calling search."},  # a real leak
    ])
    reports = check(train, test)
    dups = reports[DUPS]
    template = [f for f in dups["findings"] if f["details"]["kind"] == "shared-prefix"]
    assert len(template) == 1
    assert re.search(r"100% of .* start with the same [\d,]+-character", template[0]["message"]), template[0]["message"]
    # The only real duplicate: the last line repeats line 1 (after normalisation).
    assert [lines(f) for f in dups["findings"] if f["details"]["kind"] in ("exact", "near")] == [[("train", 1), ("train", 13)]]
    assert dups["details"]["redundant_rows"] == 1
    leak = reports[LEAK]
    assert [lines(f)[:2] for f in leak["findings"]] == [[("test", 2), ("train", 3)]]


# -- 5. diversity, said plainly -----------------------------------------------------------------

TEMPLATES = [
    ("Hi, I ordered a {product} on {date} and it still has not arrived. My order number is {order}. Can you tell me where my package is right now?",
     "Sorry for the wait, {name}. Order {order} with the {product} left our warehouse on {date}; it should arrive within three working days."),
    ("Hello, I would like to return the {product} I bought on {date} because it does not work as described. Order {order}. What should I do?",
     "Hi {name}, you can return the {product} from order {order} within 30 days. Print the label from your account and drop it at any post office."),
    ("Can you change the delivery address for order {order}? I moved last week and the {product} should go to my new flat instead of the old one.",
     "Done, {name}: order {order} for the {product} will now ship to your new address. You will get a confirmation e-mail shortly."),
    ("I was charged twice for order {order} placed on {date} for the {product}. Please refund the duplicate payment to my card as soon as possible.",
     "Apologies, {name}. We found the duplicate charge on order {order} and refunded it; the money should be back on your card in 5 to 10 days."),
    ("My {product} from order {order} arrived damaged on {date}. The box was crushed and the item is broken. Can I get a replacement sent to me?",
     "We are sorry, {name}. A replacement {product} for order {order} is on its way, and you do not need to send the broken one back."),
]
PRODUCTS = ["blue kettle", "wireless mouse", "yoga mat", "desk lamp", "rain jacket", "coffee grinder", "phone case", "backpack",
            "electric toothbrush", "bluetooth speaker", "running shoes", "cast iron pan", "baby monitor", "air fryer", "office chair"]
NAMES = ["Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jamal", "Kira", "Liam", "Mona", "Noah", "Olga"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def support_records(n: int, rng: random.Random, orders: set[str]) -> list[dict]:
    """``n`` support conversations from a few templates with slot values; every order number
    is new, so no two rows (in any split) ask the same thing."""
    out = []
    while len(out) < n:
        order = str(rng.randrange(100000, 999999))
        if order in orders:
            continue
        orders.add(order)
        q, a = rng.choice(TEMPLATES)
        slots = {"product": rng.choice(PRODUCTS), "name": rng.choice(NAMES), "order": order,
                 "date": f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"}
        out.append(user_chat(q.format(**slots), a.format(**slots)))
    return out


def test_a_templated_support_set_reports_its_templates_not_redundancy(tmp_path):
    rng, orders = random.Random(13), set()
    train = write_jsonl(tmp_path / "train.jsonl", support_records(3000, rng, orders))
    test = write_jsonl(tmp_path / "test.jsonl", support_records(200, rng, orders))
    reports = check(train, test)
    dups = reports[DUPS]
    assert dups["details"]["redundant_rows"] <= 0.05 * 3200
    (templates,) = [f for f in dups["findings"] if f["details"]["kind"] == "templates"]
    match = re.match(r"(\d+) templates cover (\d+)% of (\w+ )?rows", templates["message"])
    assert match, templates["message"]
    assert int(match.group(1)) == len(TEMPLATES) and int(match.group(2)) >= 90
    assert dups["details"]["templates"]["largest"][0]["rows"] >= 400
    leak = reports[LEAK]
    assert leak["metric"]["value"] <= 10, leak["message"]


# -- the real public sets -------------------------------------------------------------------------


@pytest.mark.skipif(not (REAL / "gsm8k").is_dir(), reason="the real public data sets (../shared/data/real) are not here")
def test_gsm8k_has_no_leaks():
    # The set's README: no question appears in both train and test. The near and n-gram "leaks"
    # found before were problems with other numbers or one shared sentence.
    leak = check(REAL / "gsm8k" / "train.jsonl", REAL / "gsm8k" / "test.jsonl", rules=(LEAK,))[LEAK]
    assert leak["metric"]["value"] == 0, [f["details"]["texts"][:2] for f in leak["findings"]]


def test_clean_drops_exactly_the_rows_the_metric_counts(dqlint_cli, tmp_path):
    # Line 1 kept; 2 is its exact copy; 3 a near copy and 5 the exact copy of 3; 4 (a chain's
    # far end: near 3 but not 1) and 6 (unrelated) stay.
    a, b, c = _chain()
    other = "Photosynthesis converts light energy into chemical energy stored in glucose, releasing oxygen."
    rows = [a, a.upper(), b, c, b + "!", other]
    train = write_jsonl(tmp_path / "train.jsonl", [user_chat(t, "Noted.") for t in rows])
    dups = check(train, rules=(DUPS,))[DUPS]
    assert dups["details"]["redundant_rows"] == 3
    assert dups["details"]["exact_groups"] == 2  # lines 1+2 and 3+5, both reported as exact
    res = dqlint_cli("clean", str(train), "--isolated", "--max-drop", "1")
    assert res.code == 0, res.err
    kept = (tmp_path / "train.clean.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["messages"][0]["content"] for line in kept] == [a, c, other]


FORM_BODY = (
    "Thank you for contacting the Acme customer care team about your recent order with us.\n"
    "We have read your message carefully and a member of our team will reply within two working days.\n"
    "In the meantime you can track every order and download invoices from the Orders page of your account.\n"
)


def test_a_form_letter_body_between_varying_greeting_and_signature_is_left_out(tmp_path):
    names = ["Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jamal", "Kira", "Liam"]
    requests = [f"Request: please {verb} my {thing}." for verb, thing in zip(
        ["cancel", "refund", "resend", "upgrade", "pause", "close", "reopen", "split", "merge", "check", "ship", "wrap"],
        ["order", "payment", "invoice", "plan", "subscription", "account", "ticket", "parcel", "baskets", "address", "gift", "present"])]
    records = [{"text": f"Dear {n},\n{FORM_BODY}{r}\nRegards, agent {n[::-1]}"} for n, r in zip(names, requests)]
    train = write_jsonl(tmp_path / "train.jsonl", records)
    dups = check(train, rules=(DUPS,))[DUPS]
    (block,) = [f for f in dups["findings"] if f["details"]["kind"] == "shared-lines"]
    assert block["message"].startswith("100% of examples contain the same 3 lines")
    assert dups["details"]["redundant_rows"] == 0


@pytest.mark.skipif(not (REAL / "meituan_waimai").is_dir(), reason="the real public data sets (../shared/data/real) are not here")
def test_meituan_instruction_and_templated_outputs_do_not_make_duplicates_or_leaks():
    # Every row: one identical instruction, a short review, one of four templated outputs. The
    # shared text chained 48 % of the rows into 25 near groups and made 592 near "leaks" of
    # other reviews; what remains are reviews that really are (nearly) the same.
    base = REAL / "meituan_waimai"
    report = dqlint.check(str(base / "train.jsonl"), eval=str(base / "val.jsonl"), rules=[DUPS, LEAK], config={})
    dups, leak = report.rule(DUPS), report.rule(LEAK)
    assert dups["metric"]["value"] < 0.02, dups["message"]
    assert "shared-prefix" in kinds(dups) and "shared-suffix" in kinds(dups)
    assert leak["details"]["by_kind"]["near"] <= 30, leak["message"]
    assert leak["details"]["by_kind"]["exact"] == 25
