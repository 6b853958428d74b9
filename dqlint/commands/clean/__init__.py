"""``dqlint clean``: write a cleaned copy of a data set, and every dropped record with its reasons.

The decisions come from the rules, run through the engine, never from code of their own here:
every rule that is ``fixable`` runs, and each :class:`~dqlint.engine.rule.Fix` its findings
declare is applied (see :mod:`dqlint.commands.clean.decide`). The built-ins declare:

* **format errors** — the record of each blocking format finding (unparseable lines, records
  that are not objects, schema violations) and the minority spellings of a label;
* **duplicates** — each exact or near group keeps one member, the first that is not dropped
  for another reason, and drops the rest;
* **leakage** — the training-side copies of a leaked held-out row (default), or the held-out
  row itself with ``leaked_from="test"`` (the fixes' ``held-out`` variant);

and any rule the user names (``drop_rules``) drops every row its findings point at. A
third-party rule's fixes are applied the same way.

Output keeps the input's format and, where the format has text, its bytes: a JSONL line is
copied as it was read, a CSV record (quoted newlines and all) under the original header, a JSON
array element as written inside the original wrapper; Parquet is filtered with pyarrow, keeping
the schema. The records are re-read by the check's own readers, asked to keep each record's
source text, so clean numbers them exactly as the check did. The dropped file is JSONL, one
object per dropped record with its location, reasons and raw text. Kept + dropped always equals
the records read (checked before anything is written); inputs are never written, even with
``force``.
"""

from dqlint.commands.clean.run import clean
from dqlint.commands.clean.write import CleanResult

__all__ = ["clean", "CleanResult"]
