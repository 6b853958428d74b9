"""Is this text, line or span code (or data) rather than prose?

Content rules judge prose: a sentence that stops on "the" was cut off, an e-mail address in a
letter is personal data. The same characters in a SQL statement, a regex test or a JSON
record mean something else, so the rules ask these questions first. Heuristics on the
characters alone (no parser): fenced and inline code, and lines whose shape only code has.
"""

from __future__ import annotations

import bisect
import functools
import json
import re

__all__ = ["code_context", "looks_like_code_line", "looks_like_json", "is_list_item"]

# Shapes only code has on a line: a statement keyword at the start, an assignment or call,
# operators, a statement terminator or block brace at the end.
# Keywords are case-sensitive: "Use the key ..." and "Select a plan" are prose.
_CODE_LINE = re.compile(
    r"""^\s*(?:def|class|import|from\s+\S+\s+import|return|assert|const|let|var|function|public|private|
          static|fn|func|package|using|\#include|SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH)\b
      |^\s*(?:\$|>>>)\s
      |^\s*@\w+
      |==|!=|=>|->|::|&&|\|\||\+=|-=
      |\w\s*=\s*[\w\"'\[{(]
      |[\w\]\)]\.\w+\(
      |\w\(.*\)
      |[;{}]\s*$
    """,
    re.VERBOSE,
)
# Upper-case SQL keywords: two on a line make it a statement, whatever else it holds.
_SQL_KEYWORDS = re.compile(r"\b(?:SELECT|FROM|WHERE|JOIN|GROUP BY|ORDER BY|INSERT INTO|VALUES|UPDATE|SET|DELETE|CREATE|TABLE|DROP|ALTER|LIMIT|HAVING|UNION)\b")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d{1,3}[.)]|[a-z][.)])\s+")


def looks_like_code_line(line: str) -> bool:
    """A line of code or of a query rather than of prose."""
    return bool(_CODE_LINE.search(line)) or len(_SQL_KEYWORDS.findall(line)) >= 2


def looks_like_json(text: str) -> bool:
    """The whole text is one JSON object or array."""
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def is_list_item(line: str) -> bool:
    """A bullet or numbered list item ("- flour,", "3) Bake for")."""
    return bool(_LIST_ITEM.match(line))


_LINE_CONTEXT = 160


@functools.lru_cache(maxsize=4)
def _fences(text: str) -> tuple[int, ...]:
    """Where each ``` starts (as str.count counts them: left to right, not overlapping)."""
    found, at = [], text.find("```")
    while at >= 0:
        found.append(at)
        at = text.find("```", at + 3)
    return tuple(found)


def code_context(text: str, start: int, end: int) -> str | None:
    """Where the span ``text[start:end]`` sits if it is inside code: "in a code block" (a
    ``` fence is open), "in inline code" (between backticks on its line) or "in a line of
    code"; None in prose."""
    # Called once per match: the fences are found once per text, and "its line" is at most
    # _LINE_CONTEXT characters each side of the span, so a text with many matches on one huge
    # line costs linear time, not matches x line length.
    if bisect.bisect_right(_fences(text), start - 3) % 2 == 1:
        return "in a code block"
    lo, hi = max(0, start - _LINE_CONTEXT), min(len(text), end + _LINE_CONTEXT)
    newline = text.rfind("\n", lo, start)
    line_start = newline + 1 if newline >= 0 else lo
    line_end = text.find("\n", end, hi)
    line_end = hi if line_end < 0 else line_end
    if text.count("`", line_start, start) % 2 == 1 and "`" in text[end:line_end]:
        return "in inline code"
    # The span itself may hold "=" or "(" (a credential assignment): judge the rest of the line.
    rest = text[line_start:start] + " " + text[end:line_end]
    quoted = start > line_start and text[start - 1] in "'\"" and end < line_end and text[end] == text[start - 1]
    if looks_like_code_line(rest) or (quoted and re.search(r"[=(:,\[]\s*$", text[line_start : start - 1])):
        return "in a line of code"
    return None
