"""Synthetic support-ticket routing data with planted label flips (for tests, demos, benchmarks).

    python sample_data/label_accuracy/make_tickets.py
    # rewrites tickets.csv, planted_flips.csv and review_filled.csv

Five classes (billing, shipping, technical, account, returns). Each ticket joins one or two
phrases of its class (10% also borrow a phrase of another class, 40% add a generic complaint)
with random order numbers, amounts, cities and devices, so texts are readable and rarely
identical. ``make(n, flip=0.05, seed=...)`` changes the label of ``flip * n`` random rows to
another class and returns which rows it changed, so suspect precision and recall can be measured.
"""

from __future__ import annotations

import csv
import os
import random
import re

CLASSES = {
 "billing": ["I was charged twice for {plan}", "my invoice {inv} shows the wrong amount", "the refund of ${amt} never reached my card",
             "why did my {plan} price go up", "please cancel the automatic payment", "the card ending in {card} was declined",
             "I need a VAT receipt for invoice {inv}", "you billed me ${amt} after I cancelled", "can I pay by bank transfer instead",
             "the discount code was not applied to my bill"],
 "shipping": ["my parcel {order} has not arrived", "the tracking number {track} shows no updates", "can you deliver to {city} instead",
              "the courier left the box at the wrong door", "how long does express delivery to {city} take", "order {order} is stuck in customs",
              "the package arrived damaged and wet", "I want to change the delivery address for {order}", "the delivery was marked done but nothing came",
              "do you ship to {city} on weekends"],
 "technical": ["the app crashes when I open {screen}", "I get error {err} when syncing", "the page at {screen} does not load on {device}",
               "the export button does nothing on {device}", "since the update the {screen} screen is blank", "notifications stopped working on my {device}",
               "the login page loops forever on {device}", "uploading a file fails with error {err}", "the search returns nothing on {screen}",
               "the {device} app freezes after a minute"],
 "account": ["I forgot my password and the reset mail never comes", "please change the email on my account to {email}", "how do I delete my account",
             "I cannot enable two factor login", "someone else logged into my account from {city}", "merge my two accounts {email} and the old one",
             "my username was changed without my consent", "I want to add a second user to my team", "the verification code for {email} expired",
             "how do I download all my personal data"],
 "returns": ["I want to return the {item} I bought", "the {item} does not fit, can I exchange it", "how do I print a return label for {order}",
             "you sent me the wrong {item}", "the return window for {order} closed yesterday", "can I return a {item} bought on sale",
             "I dropped off the return for {order} two weeks ago", "the {item} stopped working after three days and I want my money back",
             "do I have to pay for return shipping of the {item}", "I returned the {item} but the status still says open"],
}
SLOTS = {
 "plan": ["the pro plan", "my family plan", "the yearly plan", "the basic plan", "the team plan"],
 "inv": lambda r: f"INV-{r.randint(10000,99999)}", "amt": lambda r: f"{r.randint(5,400)}.{r.randint(0,99):02d}",
 "card": lambda r: f"{r.randint(1000,9999)}", "order": lambda r: f"#{r.randint(100000,999999)}",
 "track": lambda r: f"1Z{r.randint(10**8,10**9-1)}", "city": ["Lyon", "Leeds", "Porto", "Graz", "Utrecht", "Bologna", "Cork", "Brno"],
 "screen": ["settings", "the dashboard", "reports", "the inbox", "billing history", "the calendar"],
 "err": lambda r: f"E{r.randint(100,999)}", "device": ["iPhone", "Android phone", "iPad", "Windows laptop", "Chromebook", "Mac"],
 "email": lambda r: f"user{r.randint(1,9999)}@example.com", "item": ["jacket", "blender", "pair of shoes", "lamp", "backpack", "phone case", "kettle"],
}
OPEN = ["Hi,", "Hello,", "Good morning,", "Hey team,", "", "", "Dear support,", "Urgent:"]
CLOSE = ["Thanks.", "Thank you!", "Please help.", "", "", "Regards, Sam", "Any update?", "This is the second time I ask."]
GENERIC = ["I have been a customer for years", "this is really frustrating", "I already tried twice", "my colleague has the same issue",
           "please answer soon", "I contacted you last week", "nothing on your help page explains it"]
HERE = os.path.dirname(os.path.abspath(__file__))


def _fill(rng: random.Random, phrase: str) -> str:
    def pick(m: re.Match) -> str:
        slot = SLOTS[m.group(1)]
        return slot(rng) if callable(slot) else rng.choice(slot)

    text = re.sub(r"\{(\w+)\}", pick, phrase)
    return text[0].upper() + text[1:]


def make(n: int, flip: float = 0.05, seed: int = 0, confuse: float = 0.1) -> tuple[list[str], list[str], list[str], list[int]]:
    """``n`` tickets: (texts, true labels, given labels, indexes of the flipped rows)."""
    rng = random.Random(seed)
    names = list(CLASSES)
    texts, truth = [], []
    for _ in range(n):
        label = rng.choice(names)
        phrases = rng.sample(CLASSES[label], 2 if rng.random() < 0.5 else 1)
        if rng.random() < confuse:
            phrases.append(rng.choice(CLASSES[rng.choice([x for x in names if x != label])]))
        if rng.random() < 0.4:
            phrases.append(rng.choice(GENERIC))
        body = ". ".join(_fill(rng, p) for p in phrases) + "."
        texts.append(" ".join(x for x in (rng.choice(OPEN), body, rng.choice(CLOSE)) if x))
        truth.append(label)
    given = list(truth)
    flipped = sorted(rng.sample(range(n), round(flip * n)))
    for i in flipped:
        given[i] = rng.choice([x for x in names if x != truth[i]])
    return texts, truth, given, flipped


def main() -> None:
    texts, truth, given, flipped = make(2000, flip=0.05, seed=7)
    with open(os.path.join(HERE, "tickets.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        w.writerows(zip(texts, given))
    with open(os.path.join(HERE, "planted_flips.csv"), "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["record", "given_label", "true_label"])
        w.writerows((i, given[i], truth[i]) for i in flipped)
    write_filled_review({i: truth[i] for i in flipped})


def write_filled_review(truth_of_flipped: dict[int, str]) -> None:
    """review_filled.csv: `dqlint sample tickets.csv -n 200 --seed 0` as a careful reviewer
    would fill it (`correct` = no with the true label for the planted flips, else yes)."""
    from dqlint.commands.sample import sample

    root = os.path.dirname(os.path.dirname(HERE))
    os.chdir(root)  # sheet paths as a user at the repository root would see them
    sheet = os.path.join("sample_data", "label_accuracy", "review_filled.csv")
    frame = sample(os.path.join("sample_data", "label_accuracy", "tickets.csv"), n=200, seed=0)
    for i, record in enumerate(frame["record"]):
        wrong = int(record) in truth_of_flipped
        frame.loc[i, "correct"] = "no" if wrong else "yes"
        frame.loc[i, "corrected_label"] = truth_of_flipped.get(int(record), "")
    from dqlint.toolkit.review_sheet import write_sheet

    write_sheet(frame, sheet, force=True)


if __name__ == "__main__":
    main()
