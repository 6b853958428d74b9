"""The rule API: what a rule declares, what it receives and what it returns.

A rule is a class registered under the ``dqlint.rules`` entry-point group::

    [project.entry-points."dqlint.rules"]
    my-rule = "my_package.my_rule:MyRule"

It declares a stable ``id``, a one-line ``summary``, typed ``Options`` (a dataclass whose
fields have defaults) and a ``check`` method that returns a :class:`RuleResult`. The class
docstring is the rule's documentation and should have the sections *What it does*, *Why it
matters*, *Example* and *How to fix*; ``dqlint rules`` prints it.

The rule decides the *status* (pass, warn, fail, skipped); the engine decides the *severity*
(error or warning, from config) and therefore whether a failure blocks the verdict.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Mapping, NamedTuple, Sequence, TypeVar

from dqlint.analysis.arrays import sorted_unique
from dqlint.data.profiles import DEFAULT_TARGET, profile_named
from dqlint.engine.options import OptionSpec, check_across_options, type_name

if TYPE_CHECKING:
    from dqlint.data.dataset import Dataset, Location

__all__ = [
    "Block",
    "CheckContext",
    "Partial",
    "RUNS_BLOCK",
    "RUNS_DISTRIBUTED",
    "RUNS_DRIVER",
    "RUNS_SAMPLE",
    "Finding",
    "Fix",
    "Metric",
    "Rule",
    "RuleResult",
    "Severity",
    "Status",
    "rows_by_block",
]


class Status(str, enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIPPED = "skipped"
    ERROR = "error"


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Metric:
    """The one number a rule is judged by, against its threshold."""

    name: str
    value: float | int | None
    threshold: float | int | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": json_plain(self.value), "threshold": json_plain(self.threshold)}


@dataclass(frozen=True)
class Fix:
    """A machine-readable fix a rule declares with a finding: which of the finding's records to
    drop. ``dqlint clean`` applies declared fixes and knows no rule by name.

    ``drop`` indexes the finding's ``locations``. ``keep_one`` makes it a group fix: the first of
    those records that no other fix drops is kept and the rest are dropped (duplicates), and
    ``{kept}`` in ``reason`` names the kept record. ``category`` says what the fix removes, so a
    user can keep a whole class of fixes out (``clean --keep-duplicates`` skips ``duplicate``):
    ``unreadable`` (never skipped), ``format``, ``duplicate``, ``leak``, or a plugin's own word.
    ``alternatives`` are other ways to fix the same finding, chosen by ``variant`` name (the
    leakage rule offers ``held-out``: drop the held-out row instead of its training copies).
    ``note`` says what applying the fix leaves undone (clean prints it as a warning); a fix
    with nothing to ``drop`` is a problem no dropping can mend (clean warns with the finding).
    """

    drop: tuple[int, ...]
    reason: str
    category: str
    kind: str = ""
    keep_one: bool = False
    variant: str = "default"
    alternatives: tuple[Fix, ...] = ()
    note: str = ""

    def choose(self, variant: str) -> Fix:
        """This fix, or its alternative named ``variant`` when it has one."""
        return next((alt for alt in self.alternatives if alt.variant == variant), self)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "drop": list(self.drop),
            "reason": self.reason,
            "category": self.category,
            "kind": self.kind,
            "keep_one": self.keep_one,
            "variant": self.variant,
        }
        if self.alternatives:
            out["alternatives"] = [alt.to_dict() for alt in self.alternatives]
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fix:
        return cls(
            drop=tuple(int(i) for i in data.get("drop", ())),
            reason=str(data.get("reason", "")),
            category=str(data.get("category", "")),
            kind=str(data.get("kind", "")),
            keep_one=bool(data.get("keep_one", False)),
            variant=str(data.get("variant", "default")),
            alternatives=tuple(cls.from_dict(alt) for alt in data.get("alternatives", ())),
            note=str(data.get("note", "")),
        )


@dataclass
class Finding:
    """One problem a person can open and fix.

    A finding about several rows (a duplicate group, a leaked pair) lists all of them in
    ``locations``. ``snippet`` is a short excerpt of the offending text (already masked where
    the text is sensitive); ``details`` holds machine-readable extras (scores, labels, ids);
    ``fix``, where the rule knows one, says which records dropping would fix it (the JSON
    report carries it only where there is one).
    """

    message: str
    locations: list[Location] = field(default_factory=list)
    snippet: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    fix: Fix | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "message": self.message,
            "locations": [loc.to_dict() for loc in self.locations],
            "snippet": self.snippet,
            "details": json_plain(self.details),
        }
        if self.fix is not None:
            out["fix"] = self.fix.to_dict()
        return out


@dataclass
class RuleResult:
    """What a rule's check returns: values only, no presentation."""

    status: Status
    message: str
    metric: Metric | None = None
    findings: list[Finding] = field(default_factory=list)
    # Dataset-level summary for reports and charts (distributions, counts, method used).
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def skipped(cls, reason: str, **details: Any) -> RuleResult:
        return cls(Status.SKIPPED, reason, details=dict(details))

    @classmethod
    def judged(
        cls,
        ok: bool,
        message: str,
        metric: Metric | None = None,
        findings: list[Finding] | None = None,
        *,
        otherwise: Status = Status.FAIL,
        details: dict[str, Any] | None = None,
    ) -> RuleResult:
        """PASS when ``ok``, else ``otherwise`` (FAIL unless the rule says WARN)."""
        return cls(
            Status.PASS if ok else otherwise,
            message,
            metric,
            list(findings or []),
            dict(details or {}),
        )






class CheckContext:
    """Everything a rule may read during one run.

    ``dataset`` holds every split; ``reference`` is a production sample when the user gave one;
    ``review`` is a filled-in review sheet; ``expectations`` a Great Expectations suite file;
    ``schema`` a JSON Schema file every record must satisfy.
    ``target`` is the provider profile records are checked against (``--target``).
    ``shared`` memoises expensive work (a similarity index, a token count) so two rules that
    need the same thing compute it once per run.
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        reference: Dataset | None = None,
        review: str | None = None,
        expectations: str | None = None,
        schema: str | None = None,
        progress: Callable[[str], None] | None = None,
        base_dir: str | None = None,
        target: str = DEFAULT_TARGET,
        jobs: int = 1,
    ) -> None:
        self.dataset = dataset
        # Processes a rule may use for its own work (the run's ``--jobs``; 1 on a Ray worker,
        # where the cluster is the parallelism).
        self.jobs = jobs
        # The provider profile to check against (``--target``): a dqlint.data.profiles.Profile.
        self.target = profile_named(target)
        self.reference = reference
        self.review = review
        self.expectations = expectations
        self.schema = schema
        self.base_dir = base_dir
        self._progress = progress
        self._shared: dict[Any, Any] = {}

    T = TypeVar("T")

    def shared(self, key: Any, factory: Callable[[], T]) -> T:
        """Return the value cached under ``key``, computing it with ``factory`` once."""
        if key not in self._shared:
            self._shared[key] = factory()
        return self._shared[key]

    @contextmanager
    def shared_for_now(self) -> Iterator[None]:
        """Let go at the end of the block of the work shared inside it (what was shared before
        stays): with the rules in several processes, a group of rules that share work is let go
        of once it is done, so its similarity index is not held while the next group runs or
        the report is built."""
        before = set(self._shared)
        try:
            yield
        finally:
            for key in [k for k in self._shared if k not in before]:
                del self._shared[key]

    def progress(self, message: str) -> None:
        """Say what a long step is doing (shown only where progress is enabled)."""
        if self._progress is not None:
            self._progress(message)


# -- how a rule runs on a distributed engine (``--engine ray``; see docs/plugins.md) ---------------
# The local engine ignores these and calls ``check`` on the whole set.
RUNS_DRIVER = "driver"  # declared nothing: check() on the driver over a bounded sample, with a warning
RUNS_BLOCK = "block"  # partial() on every block, merge() of the partials gives the whole-set result
RUNS_SAMPLE = "sample"  # model-based: check() on the driver over a bounded seeded sample (reported)
RUNS_DISTRIBUTED = "distributed"  # run_distributed() runs the rule's own Ray Data pipeline


def rows_by_block(rows: Any, first_rows: Sequence[int]) -> dict[int, Any]:
    """Block index -> the given global rows it holds, numbered within the block (``first_rows``:
    each block's first global row, ascending, as ``RayInputs.first_rows()`` gives them). A
    rule that picks rows on the driver (a seeded sample) sends each task only its own few."""
    import numpy as np

    firsts = np.asarray(first_rows, dtype=np.int64)
    every = np.sort(np.asarray(rows, dtype=np.int64))
    owner = np.searchsorted(firsts, every, side="right") - 1
    return {int(index): every[owner == index] - firsts[index] for index in sorted_unique(owner)}


class Block(NamedTuple):
    """A contiguous run of records of one input file, as a distributed engine reads it: a byte
    range aligned to line ends (JSON lines) or a whole file. ``first_line`` (1-based) and
    ``first_record`` (0-based) are exact, so locations inside a block are the local engine's."""

    index: int  # global block number; blocks are in load order (files in order, then offset)
    file_index: int  # index into the run's files (as Dataset.files of the local engine)
    path: str  # the file's display path, as in locations
    start: int  # first byte (0 for a whole file)
    end: int  # end byte, exclusive (-1 for a whole file)
    first_line: int
    first_record: int
    first_in_file: bool  # file-level problems are reported by a file's first block only


class Partial(NamedTuple):
    """What ``Rule.partial`` returned on one block, with the block it came from."""

    block: Block
    value: Any


class Rule:
    """Base class of every rule. Subclasses set the class attributes and implement ``check``."""

    id: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    # The readiness criterion this rule measures, as named in the checklist.
    criterion: ClassVar[str] = ""
    default_severity: ClassVar[Severity] = Severity.ERROR
    # True when the rule attaches a Fix to findings it knows how to mend (``dqlint clean`` runs it).
    fixable: ClassVar[bool] = False

    @dataclass
    class Options:
        pass

    # How the rule runs on a distributed engine (RUNS_* above). A rule that declares nothing runs
    # on the driver over a bounded sample, and the report warns that it was not run on every row.
    scales: ClassVar[str] = RUNS_DRIVER
    # Names of the work this rule shares with others through ``ctx.shared`` (a similarity index,
    # token counts). With ``jobs`` > 1 the local engine runs rules in several processes; rules
    # whose names overlap run in the same one, so the work is still done once.
    shares: ClassVar[tuple[str, ...]] = ()
    # How long the rule takes on a large set, against a rule that reads each row once (1). With
    # ``jobs`` > 1 the local engine starts the heaviest rules first, in different processes, so
    # the longest do not wait behind each other. A hint for the order only: results never
    # depend on it.
    weight: ClassVar[float] = 1.0

    @classmethod
    def shared_work(cls, options: Any) -> tuple[str, ...]:
        """The names of the shared work the rule uses with these options: ``shares`` unless
        the options decide it (which texts a similarity index compares), so that rules which
        share nothing in this run can run in separate processes."""
        return cls.shares

    def check(self, ctx: CheckContext, options: Any) -> RuleResult:
        raise NotImplementedError

    # -- distributed execution (scales = RUNS_BLOCK / RUNS_DISTRIBUTED) -----------------------
    def partial(self, ctx: CheckContext, options: Any) -> Any:
        """The work on one block (``ctx.dataset`` holds the block's rows, with exact locations,
        and every input file's whole-file entry). Runs on a worker; the value must pickle.
        By default the block's ``check`` result; a rule whose result does not carry what
        ``merge`` needs returns its own partial type (counts, first locations, ...)."""
        return self.check(ctx, options)

    def merge(self, partials: Sequence[Partial], options: Any, ctx: CheckContext) -> RuleResult:
        """The whole-set result from the blocks' partials (in block order): exactly what
        ``check`` gives on the whole set. ``ctx.dataset`` holds the input files' entries (records,
        formats, splits, schemas) but no rows."""
        raise NotImplementedError(f"rule {self.id!r} declares scales={self.scales!r} but has no merge()")

    def run_distributed(self, inputs: Any, options: Any) -> RuleResult:
        """The rule's own pipeline on the distributed engine (``inputs`` is a
        ``dqlint.engine.ray.RayInputs``): the same result ``check`` gives on the whole set."""
        raise NotImplementedError(f"rule {self.id!r} declares scales={self.scales!r} but has no run_distributed()")

    # -- documentation -------------------------------------------------------------------
    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def option_specs(cls) -> list[OptionSpec]:
        specs = []
        for f in dataclasses.fields(cls.Options):
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = f.default_factory()  # type: ignore[misc]
            else:
                default = None
            specs.append(
                OptionSpec(
                    name=f.name.replace("_", "-"),
                    attr=f.name,
                    type=type_name(f.type),
                    default=default,
                    help=f.metadata.get("help", ""),
                    choices=f.metadata.get("choices"),
                    min=f.metadata.get("min"),
                    max=f.metadata.get("max"),
                    at_most=f.metadata.get("at_most"),
                )
            )
        return specs

    @classmethod
    def make_options(cls, values: Mapping[str, Any] | None = None) -> Any:
        """Build the rule's Options from config values (kebab- or snake-case keys).

        Raises ``ConfigError`` naming the rule and key on an unknown key or a wrong type.
        """
        from dqlint.errors import ConfigError

        specs = {s.name: s for s in cls.option_specs()}
        kwargs: dict[str, Any] = {}
        for key, value in (values or {}).items():
            name = key.replace("_", "-")
            spec = specs.get(name)
            if spec is None:
                known = ", ".join(sorted(specs)) or "none"
                raise ConfigError(f"rule {cls.id!r} has no option {key!r} (options: {known})")
            kwargs[spec.attr] = spec.coerce(value, cls.id)
        options = cls.Options(**kwargs)
        check_across_options(cls.id, specs.values(), options)
        return options










def json_plain(value: Any) -> Any:
    """Turn NumPy scalars, tuples, sets and enums into JSON-ready values."""
    # Exact types first: a report of 30,000 findings is millions of plain strings and numbers,
    # and the isinstance chain below cost 3 s on one.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return None if value != value else value
    if kind is list:
        return [json_plain(v) for v in value]
    if kind is dict:
        return {k if type(k) is str else str(k): json_plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): json_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [json_plain(v) for v in items]
    if isinstance(value, enum.Enum):
        return value.value
    if hasattr(value, "item") and callable(value.item) and type(value).__module__ == "numpy":
        return json_plain(value.item())
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value
