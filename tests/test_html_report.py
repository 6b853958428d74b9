"""The HTML report: escaping of untrusted text, caps, charts, and the page in real headless Chromium."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dqlint.report.charts import band_chart, bar_chart, histogram
from dqlint.reporters import RenderOptions
from dqlint.reporters import render as render_format
from dqlint.reporters.html import FINDINGS_PER_RULE, render

ROOT = Path(__file__).resolve().parent.parent
DIRTY_TRAIN = ROOT / "sample_data" / "chat" / "dirty" / "train.jsonl"
DIRTY_TEST = ROOT / "sample_data" / "chat" / "dirty" / "test.jsonl"

SCRIPT_ATTACK = "<script>alert(1)</script>"
IMG_ATTACK = "<img src=x onerror=alert(1)>"
ATTR_ATTACK = '" onmouseover="alert(1)'


# -- fixtures -------------------------------------------------------------------------------


def _finding(message, path, line, snippet=None, **details):
    return {
        "message": message,
        "locations": [{"path": path, "line": line, "record": line - 1}],
        "snippet": snippet,
        "details": details,
    }


def _pair(message, path_a, line_a, path_b, line_b, text_a, text_b, **details):
    return {
        "message": message,
        "locations": [
            {"path": path_a, "line": line_a, "record": line_a - 1},
            {"path": path_b, "line": line_b, "record": line_b - 1},
        ],
        "snippet": None,
        "details": {"texts": [text_a, text_b], **details},
    }


def _rule(rule_id, criterion, status, metric, message, *, severity="error", findings=(), charts=(), **details):
    return {
        "id": rule_id,
        "summary": f"checks {criterion}",
        "criterion": criterion,
        "severity": severity,
        "status": status,
        "metric": metric,
        "message": message,
        "details": {"charts": list(charts), **details},
        "findings": list(findings),
    }


def hand_built_report() -> dict:
    """A report shaped like the dirty chat sample's, with hostile text in every text field."""
    train, test = "sample_data/chat/dirty.jsonl", "sample_data/chat/test.jsonl"
    rules = [
        _rule(
            "format-consistency", "format", "fail",
            {"name": "bad_record_ratio", "value": 0.03, "threshold": 0.0},
            "3 of 100 records do not follow the openai-chat format",
            findings=[
                _finding("record is not valid JSON: Expecting ',' delimiter", train, 17,
                         '{"messages": [{"role": "user"'),
                _finding("message 2 has role 'bot' (expected system, user or assistant)", train, 42,
                         f"bot: {IMG_ATTACK}"),
                _finding("conversation ends with a user turn", train, 88, "user: and then?"),
            ],
        ),
        _rule(
            "class-balance", "balance", "warn",
            {"name": "imbalance_ratio", "value": 14.0, "threshold": 10.0},
            "largest class is 14x the smallest", severity="warning",
            findings=[_finding("class 'refund' has 2 examples (minimum 5)", train, 9, "I want my money back")],
            charts=[bar_chart("Examples per label", ["billing", "shipping", "account", "refund"],
                              {"train": [28, 21, 12, 2]}, highlight=["refund"])],
        ),
        _rule("dataset-size", "size", "pass", {"name": "examples", "value": 100, "threshold": 50},
              "100 training examples (at least 50)"),
        _rule(
            "near-duplicates", "duplicates", "fail",
            {"name": "redundant_ratio", "value": 0.12, "threshold": 0.05},
            "12 % of examples are near-duplicates of another",
            findings=[
                _pair("2 near-identical examples (similarity 0.97)", train, 3, train, 57,
                      "How do I reset my password? I forgot it yesterday.",
                      "How do I reset my password? I forgot it last week.", similarity=0.97),
                _pair("2 near-identical examples (similarity 0.93)", train, 12, train, 66,
                      f"Please summarise this: {SCRIPT_ATTACK}", f"Please summarize this: {SCRIPT_ATTACK}",
                      similarity=0.93),
            ],
            charts=[histogram("Duplicate group sizes", {"groups": [2, 2, 2, 3, 2, 4]}, bins=3)],
        ),
        _rule(
            "train-test-leakage", "leakage", "fail",
            {"name": "leaked_ratio", "value": 0.1, "threshold": 0.0},
            "2 of 20 test examples also appear in train",
            findings=[_pair("test example leaks from train (similarity 1.00)", test, 4, train, 31,
                            "What is the capital of France?", "What is the capital of France?", similarity=1.0)],
        ),
        _rule("label-accuracy", "labels", "skipped", None, "no labels to check (chat data)"),
        _rule(
            "edge-case-ratio", "edge cases", "fail",
            {"name": "edge_case_share", "value": 0.04, "threshold": 0.1},
            "4 % edge cases (want 10-20 %)",
            charts=[band_chart("Share of edge cases", 0.04, 0.10, 0.20)],
        ),
        _rule("distribution-match", "distribution", "skipped", None, "no --reference sample given",
              severity="warning"),
        _rule(
            "token-length", "length", "fail",
            {"name": "over_limit", "value": 1, "threshold": 0},
            "1 example exceeds the 4,096-token context",
            findings=[_finding("example is 5,210 tokens (limit 4,096)", train, 75, "Lorem ipsum dolor sit amet " * 8)],
            charts=[histogram("Tokens per example", {"train": [120, 340, 560, 800, 5210, 230, 410],
                                                    "test": [150, 300, 610]},
                              bins=12, marker=(4096, "context limit"), unit=" tokens")],
        ),
        _rule(
            "sensitive-content", "privacy", "fail",
            {"name": "examples_with_pii", "value": 2, "threshold": 0},
            "2 examples contain personal data",
            findings=[
                _finding("email address", train, 23, "write to j***@e***.com", kind="email"),
                _finding("phone number", train, 61, "call +44 **** ***123", kind="phone"),
            ],
        ),
        _rule(
            "llm-artifacts", "artifacts", "warn",
            {"name": "artifact_ratio", "value": 0.02, "threshold": 0.01},
            "2 answers contain LLM boilerplate", severity="warning",
            findings=[_finding("refusal boilerplate: 'As an AI language model'", train, 48,
                               "As an AI language model, I cannot browse the web.")],
        ),
        _rule("expectations", "expectations", "skipped", None, "no --expectations suite given",
              severity="warning"),
    ]
    counts: dict[str, int] = {}
    for r in rules:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {
        "schema_version": 1,
        "dqlint_version": "0.1.0",
        "verdict": "no-go",
        "summary": {
            "reason": "6 blocking rules failed: format, duplicates, leakage, edge cases, length, privacy",
            "records": 120,
            "examples": 118,
            "splits": {"test": 20, "train": 98},
            "findings": sum(len(r["findings"]) for r in rules),
            "rules": counts,
        },
        "inputs": [
            {"path": train, "split": "train", "format": "openai-chat", "records": 100},
            {"path": test, "split": "test", "format": "openai-chat", "records": 20},
        ],
        "rules": rules,
    }


def hostile_report() -> dict:
    """Every text field, including rule ids, paths, chart labels and detail keys, is hostile."""
    report = hand_built_report()
    report["summary"]["reason"] = f"reason {SCRIPT_ATTACK}{IMG_ATTACK}"
    report["inputs"][0]["path"] = f"{IMG_ATTACK}.jsonl"
    rule = report["rules"][1]
    rule["id"] = f"evil{ATTR_ATTACK}"
    rule["message"] = SCRIPT_ATTACK
    rule["summary"] = IMG_ATTACK
    rule["metric"]["name"] = IMG_ATTACK
    rule["details"]["charts"].append(
        bar_chart(SCRIPT_ATTACK, [IMG_ATTACK, "ok"], {ATTR_ATTACK: [1, 2]}, highlight=[IMG_ATTACK], unit=IMG_ATTACK)
    )
    rule["details"]["charts"].append(histogram(IMG_ATTACK, {SCRIPT_ATTACK: [1, 2, 3]}, marker=(2, SCRIPT_ATTACK)))
    rule["findings"].append(
        {
            "message": f"{SCRIPT_ATTACK} {IMG_ATTACK}",
            "locations": [{"path": f"{ATTR_ATTACK}{IMG_ATTACK}", "line": 1, "record": 0}],
            "snippet": f"{SCRIPT_ATTACK}{IMG_ATTACK}",
            "details": {IMG_ATTACK: SCRIPT_ATTACK, "texts": [SCRIPT_ATTACK, IMG_ATTACK, f"x{ATTR_ATTACK}"]},
        }
    )
    return report


class _Tags(HTMLParser):
    """Every start tag the browser would build, with its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def _html(report: dict, **options) -> str:
    return render(report, RenderOptions(**options))


# -- unit tests on the markup ------------------------------------------------------------------


def test_hostile_text_renders_as_text_never_as_markup():
    page = _html(hostile_report())
    tags = _tags(page)
    assert SCRIPT_ATTACK not in page
    assert IMG_ATTACK not in page
    assert [t for t, _ in tags if t == "img"] == []
    # Exactly one script runs: ours, with no src (the application/json kind would not run).
    assert [(t, a) for t, a in tags if t == "script"] == [("script", {})]
    # No event-handler attribute survived, quoted or not.
    assert [a for _, attrs in tags for a in attrs if a.startswith("on")] == []
    # The hostile text is there, visibly, as text.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    # A quote cannot close an attribute: the hostile rule id stays inside data-rule.
    assert 'data-rule="evil&quot; onmouseover=&quot;alert(1)"' in page


def test_page_loads_nothing_remote_and_pins_its_inline_code():
    page = _html(hand_built_report())
    tags = _tags(page)
    assert not [t for t, _ in tags if t in ("link", "img", "iframe", "object", "embed", "base")]
    assert not [a for _, attrs in tags for a in attrs if a == "src"]
    hrefs = [attrs["href"] for _, attrs in tags if "href" in attrs]
    assert hrefs and all(h.startswith("#") for h in hrefs)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls == {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched
    assert "@import" not in page and "url(" not in page

    (meta,) = [a for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    policy = meta["content"]
    assert "default-src 'none'" in policy
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    style = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    for source, directive in ((script, "script-src"), (style, "style-src")):
        digest = base64.b64encode(hashlib.sha256(source.encode()).digest()).decode()
        assert f"{directive} 'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy
    # CSP would block style attributes: the page uses none.
    assert not [a for _, attrs in tags for a in attrs if a == "style"]


def test_verdict_reason_and_checklist():
    report = hand_built_report()
    page = _html(report)
    assert '<header class="verdict nogo"' in page
    assert '<div class="word">NO-GO</div>' in page
    assert report["summary"]["reason"] in page
    assert "<b>118</b> examples <span class=\"split-counts\">(test 20, train 98)</span>" in page
    rows = re.findall(r'<tr class="rule-row [^"]*" data-rule="([^"]+)">', page)
    assert rows == [r["id"] for r in report["rules"]]
    token_row = re.search(r'<tr class="rule-row st-fail" data-rule="token-length">.*?</tr>', page).group(0)
    assert '<span class="pill st-fail">fail</span>' in token_row
    assert '<div class="metric-name">over_<wbr>limit</div><span class="metric-value">1</span>' in token_row
    assert '<span class="muted small">vs</span> 0</td>' in token_row
    assert "1 example exceeds the 4,096-token context" in token_row

    report["verdict"] = "go"
    assert '<div class="word">GO</div>' in _html(report)
    assert '<header class="verdict go"' in _html(report)
    report["verdict"] = "error"
    assert '<div class="word">CANNOT JUDGE</div>' in _html(report)


def test_every_finding_is_grouped_under_its_rule_with_location_and_snippet():
    report = hand_built_report()
    page = _html(report)
    for rule in report["rules"]:
        articles = re.findall(rf'<article class="finding" data-rule="{re.escape(rule["id"])}"', page)
        assert len(articles) == len(rule["findings"])
    assert '<code class="loc">sample_data/chat/dirty.jsonl:75</code>' in page
    assert '<pre class="snippet">user: and then?</pre>' in page
    assert '<span class="chip"><b>similarity</b> 0.97</span>' in page
    # Location without a line (Parquet) falls back to the record index.
    report["rules"][0]["findings"][0]["locations"] = [{"path": "t.parquet", "line": None, "record": 7}]
    assert '<code class="loc">t.parquet#7</code>' in _html(report)


def test_pairs_are_shown_side_by_side_with_word_differences_marked():
    page = _html(hand_built_report())
    assert (
        "How do I reset my password? I forgot it <mark class=\"del\">yesterday</mark>." in page
    )
    assert "How do I reset my password? I forgot it <mark class=\"ins\">last week</mark>." in page
    # Identical texts: side by side, nothing marked.
    leak = re.search(r'<article class="finding" data-rule="train-test-leakage".*?</article>', page, re.S).group(0)
    assert leak.count('<div class="side">') == 2 and "<mark" not in leak
    # A group: the first text against each other one, up to four columns, the rest counted.
    report = hand_built_report()
    group = report["rules"][3]["findings"][0]
    group["details"]["texts"] = ["a b c", "a b d", "a x c", "a b c", "z", "y"]
    group["locations"] = [{"path": "g.jsonl", "line": i, "record": i - 1} for i in range(1, 7)]
    page = _html(report)
    article = re.search(r'<article class="finding" data-rule="near-duplicates".*?</article>', page, re.S).group(0)
    assert article.count('<div class="side">') == 4
    assert '<code>g.jsonl:4</code>' in article and '<code>g.jsonl:5</code>' not in article
    assert '<pre>a b <mark class="ins">d</mark></pre>' in article
    assert '<pre>a <mark class="ins">x</mark> c</pre>' in article
    assert "and 2 more texts in the JSON report" in page
    # Whitespace-only differences are not marked (nothing visible to point at).
    report["rules"][3]["findings"][0]["details"]["texts"] = ["What does it do? ", "What  does it do?"]
    article = re.search(r'<article class="finding" data-rule="near-duplicates".*?</article>', _html(report), re.S)
    assert "<mark" not in article.group(0)
    # Hostile texts are diffed and still escaped, inside and outside the marks.
    assert "Please <mark class=\"del\">summarise</mark> this: &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Please <mark class=\"ins\">summarize</mark> this: &lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_findings_per_rule_are_capped_and_the_rest_pointed_to():
    report = hand_built_report()
    many = [_finding(f"problem {i}", "big.jsonl", i + 1, f"text {i}") for i in range(FINDINGS_PER_RULE + 250)]
    report["rules"][0]["findings"] = many
    page = _html(report)
    shown = re.findall(r'<article class="finding" data-rule="format-consistency"', page)
    assert len(shown) == FINDINGS_PER_RULE
    assert f"Showing the first {FINDINGS_PER_RULE} of {FINDINGS_PER_RULE + 250} findings; 250 more" in page
    assert "big.jsonl:200<" in page and "big.jsonl:201<" not in page
    # A larger max_findings (as --verbose might pass) raises the cap; a smaller never lowers it.
    article = r'<article class="finding" data-rule="format-consistency"'
    assert len(re.findall(article, _html(report, max_findings=400))) == 400
    assert len(re.findall(article, _html(report, max_findings=5))) == 200
    # Long groups list a dozen locations, then say how many more.
    group = report["rules"][3]["findings"][0]
    group["locations"] = [{"path": "d.jsonl", "line": i, "record": i - 1} for i in range(1, 31)]
    assert "and 18 more" in _html(report)


def test_charts_are_drawn_from_the_specs_alone():
    report = hand_built_report()
    page = _html(report)
    charts = re.search(r'<section id="charts">.*?</section>', page, re.S).group(0)
    assert charts.count("<svg ") == 4  # bar, 2 histograms, band
    # Bar: the starved class is highlighted.
    assert re.search(r'<text class="lbl hl"[^>]*>refund<title>', charts)
    # Histogram: per-split legend and the context-limit marker.
    assert '<line class="marker"' in charts and ">context limit (4,096)</text>" in charts
    assert "<i class=\"sw s0\"></i>train" in charts and "<i class=\"sw s1\"></i>test" in charts
    # Band: value outside 10-20 %.
    assert "4 % is outside the allowed band 10 % – 20 %." in charts
    assert '<circle class="dot out"' in charts


def test_a_malformed_or_unknown_chart_does_not_break_the_report():
    report = hand_built_report()
    report["rules"][2]["details"]["charts"] = [
        {"kind": "histogram", "title": "broken"},  # no edges
        {"kind": "pie", "title": "unknown"},
        {"kind": "bar", "title": "nan", "categories": ["a"], "series": {"s": [float("nan")]}},
        "not a chart",
    ]
    page = _html(report)
    assert "This chart could not be drawn" in page and "Unknown chart kind." in page
    assert 'width="nan' not in page.lower()


def test_the_registry_renders_html_and_output_is_deterministic():
    report = hand_built_report()
    page = render_format("html", report)
    assert page.startswith("<!DOCTYPE html>")
    assert page == render_format("html", copy.deepcopy(report))


def test_a_100k_row_report_stays_a_reasonable_size():
    """The worst realistic case: every rule with thousands of findings, pairs of 400-char texts."""
    report = hand_built_report()
    text = "lorem ipsum dolor sit amet consectetur " * 10
    for rule in report["rules"]:
        rule["findings"] = [
            _pair(f"group {i}", "big.jsonl", 2 * i + 1, "big.jsonl", 2 * i + 2, text[:400], text[:390] + f" {i}",
                  similarity=0.98)
            for i in range(5000)
        ]
    page = _html(report)
    assert "<main class=\"lazy\">" in page  # long pages lay out only what is near the viewport
    assert "<main>" in _html(hand_built_report())
    assert len(page.encode()) < 5_000_000
    assert page.count("<article") == 12 * FINDINGS_PER_RULE


# -- the page in real headless Chromium ----------------------------------------------------------


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _dirty_sample_page(out_dir: Path) -> tuple[dict, Path]:
    """The dirty sample set checked by the real CLI, written as HTML and JSON in one run."""
    page, data = out_dir / "dirty.html", out_dir / "dirty.json"
    command = [
        sys.executable, "-m", "dqlint", "check", str(DIRTY_TRAIN.relative_to(ROOT)),
        "--test", str(DIRTY_TEST.relative_to(ROOT)),
        "--isolated", "--no-cache", "--quiet", "-f", "html", "-o", str(page), "-f", "json", "-o", str(data),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = json.loads(data.read_text(encoding="utf-8")) if data.exists() else {}
    assert done.returncode == {"go": 0, "no-go": 1}.get(report.get("verdict")), done.stderr[-2000:]
    return report, page


def _hostile_page(out_dir: Path) -> tuple[dict, Path]:
    report = hostile_report()
    page = out_dir / "hostile.html"
    page.write_text(render(report, RenderOptions()), encoding="utf-8")
    return report, page


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page's websocket."""

    def __init__(self, ws_url: str) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self.events.append(message)
            if message.get("method") == method:
                return message
        raise TimeoutError(method)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def drain(self, seconds: float = 0.3) -> None:
        """Collect events that arrive without a request (late console messages)."""
        import websocket

        self.ws.settimeout(seconds)
        try:
            while True:
                self.events.append(json.loads(self.ws.recv()))
        except websocket.WebSocketTimeoutException:  # nothing more arrived
            pass
        finally:
            self.ws.settimeout(30)

    def close(self) -> None:
        self.ws.close()


def _console_errors(events: list[dict]) -> list[str]:
    errors = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params["exceptionDetails"])[:500])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(json.dumps(params.get("args"))[:500])
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            errors.append(params["entry"].get("text", "")[:500])
    return errors


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium); .ci/run installs it")
    try:
        import websocket  # noqa: F401  (websocket-client, in the test extra)
    except ImportError:
        pytest.fail("websocket-client is needed to drive Chromium: pip install -e '.[test]'")
    profile = tmp_path_factory.mktemp("chromium-profile")
    args = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
        f"--user-data-dir={profile}", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        "--window-size=1280,1000", "about:blank",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.poll() is not None else ""
                pytest.fail(f"chromium did not start: {err}")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            pages = [t for t in json.load(response) if t.get("type") == "page"]
        tools = DevTools(pages[0]["webSocketDebuggerUrl"])
        yield tools
        tools.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("make_page", [_dirty_sample_page, _hostile_page], ids=["dirty-sample", "hostile-text"])
def test_report_in_headless_chromium(browser, tmp_path, make_page):
    report, page_path = make_page(tmp_path)
    browser.events.clear()
    browser.call("Runtime.enable")
    browser.call("Log.enable")
    browser.call("Page.enable")
    browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=1000, deviceScaleFactor=1, mobile=False)
    browser.call("Page.navigate", url=page_path.as_uri())
    browser.wait_for("Page.loadEventFired")
    browser.drain()

    assert _console_errors(browser.events) == []
    # Our script ran under the CSP (it fills the counter), and no hostile markup became live.
    total = sum(min(len(r["findings"]), FINDINGS_PER_RULE) for r in report["rules"])
    assert browser.evaluate("document.getElementById('f-count').textContent") == f"{total} of {total} findings shown"
    assert browser.evaluate("document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert browser.evaluate("document.scripts.length") == 1
    assert not [e for e in browser.events if e.get("method") == "Page.javascriptDialogOpening"]

    visible = "(function(el){var r=el.getBoundingClientRect(); var s=getComputedStyle(el);" \
              " return r.width>0 && r.height>0 && s.visibility!=='hidden' && s.display!=='none';})"
    word = {"go": "GO", "no-go": "NO-GO"}[report["verdict"]]
    assert browser.evaluate(f"{visible}(document.querySelector('#verdict .word'))")
    assert browser.evaluate("document.querySelector('#verdict .word').innerText") == word
    assert browser.evaluate("document.querySelector('#verdict .reason').innerText") == report["summary"]["reason"]
    rows = browser.evaluate(
        f"Array.from(document.querySelectorAll('tr.rule-row')).filter({visible})"
        ".map(function(r){return r.getAttribute('data-rule');})"
    )
    assert rows == [r["id"] for r in report["rules"]]

    # The screenshot for the README: the top of the page (verdict, checklist, first charts).
    height = browser.evaluate("document.documentElement.scrollHeight")
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": min(height, 2000), "scale": 1})
    png = base64.b64decode(shot["data"])
    assert png.startswith(b"\x89PNG")
    (tmp_path / "report.png").write_bytes(png)
    # DQLINT_SCREENSHOT=docs/report.png refreshes the README's picture of the dirty sample.
    if os.environ.get("DQLINT_SCREENSHOT") and make_page is _dirty_sample_page:
        Path(os.environ["DQLINT_SCREENSHOT"]).write_bytes(png)

    # Typing in the search box filters the findings, as a person would do it.
    rule_with_findings = next(r for r in report["rules"] if r["findings"])
    needle = _where_text(rule_with_findings["findings"][0])
    count_visible = "document.querySelectorAll('article.finding:not([hidden])').length"
    browser.evaluate("document.getElementById('q').focus()")
    browser.call("Input.insertText", text=needle)
    matching = sum(
        needle.lower() in _finding_text(f).lower() for r in report["rules"] for f in r["findings"][:FINDINGS_PER_RULE]
    )
    shown = browser.evaluate(count_visible)
    assert 1 <= shown < total
    assert shown >= matching
    assert browser.evaluate("document.getElementById('f-count').textContent") == f"{shown} of {total} findings shown"
    exact = "Array.from(document.querySelectorAll('article.finding')).every(function(a){" \
            " return a.hidden === (a.textContent.toLowerCase().indexOf(%s) === -1); })" % json.dumps(needle.lower())
    assert browser.evaluate(exact)
    browser.evaluate("document.getElementById('q').select()")
    browser.call("Input.insertText", text="zzz-no-such-finding-zzz")
    assert browser.evaluate(count_visible) == 0
    assert browser.evaluate("document.querySelectorAll('section.rule-findings:not([hidden])').length") == 0
    # Clearing the box brings everything back; the rule filter narrows to one rule.
    browser.evaluate("var q=document.getElementById('q'); q.value=''; q.dispatchEvent(new Event('input'))")
    assert browser.evaluate(count_visible) == total
    browser.evaluate(
        "var s=document.getElementById('f-rule'); s.value=" + json.dumps(rule_with_findings["id"])
        + "; s.dispatchEvent(new Event('change'))"
    )
    assert browser.evaluate(count_visible) == min(len(rule_with_findings["findings"]), FINDINGS_PER_RULE)

    browser.drain()
    assert _console_errors(browser.events) == []


def _where_text(finding: dict) -> str:
    loc = finding["locations"][0]
    return f"{loc['path']}:{loc['line']}" if loc.get("line") is not None else str(loc["path"])


def _finding_text(finding: dict) -> str:
    parts = [finding["message"], finding.get("snippet") or ""]
    parts += [_where_text({"locations": [loc]}) for loc in finding["locations"]]
    parts += [str(t) for t in finding.get("details", {}).get("texts", [])]
    return " ".join(parts)
