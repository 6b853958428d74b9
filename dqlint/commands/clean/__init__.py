"""``dqlint clean``: write a cleaned copy of a data set, and every dropped record with its reasons.

The decisions come from the rules, run through the engine (:func:`dqlint.api.run_check`), never
from code of their own here:

* **format errors** — records with a blocking ``format-consistency`` finding (unparseable lines,
  records that are not objects, schema violations, minority label spellings);
* **duplicates** — every ``near-duplicates`` group (exact or near) keeps one member, the first
  that is not dropped for another reason, and drops the rest;
* **leakage** — ``train-test-leakage`` pairs: the training-side copies are dropped (default), or
  the held-out rows with ``leaked_from="test"``;
* **any rule the user names** (``drop_rules``) — every row its findings point at.

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
