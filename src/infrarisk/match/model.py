"""What entity matching reads and decides: mentions, known entities, aliases, registry records, results.

Contract: plain dataclasses. Inputs — :class:`Mention` (an owner name where a source writes
it), :class:`KnownEntity`, :class:`Alias` (a row of ``matching/aliases.csv``),
:class:`RegistryRecord` (a GLEIF Level 1 record); results — :class:`NameMatch` per distinct
name, :class:`NewEntity` / :class:`RegistryEntity` for the entities matching makes, and
:class:`MatchResult` with its counts and report (``infrarisk match-report``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MATCHED = ("id", "alias", "rule", "registry", "fuzzy")
UNMATCHED = ("new", "no_match", "ambiguous", "placeholder")
SCORER = "token_sort_ratio"
NO_MATCH = "no match"
NEW_PREFIX = "name:"
#: id prefix of entities made from a registry record (the id the registry ingesters give an LEI)
REGISTRY_PREFIX = "lei:"


@dataclass(frozen=True)
class Mention:
    """One occurrence of an owner name in a source file.

    Attributes
    ----------
    name : str
        As written in the source.
    source_id, file, row, column : where it occurs (file relative to ``datasets/``,
        row 1-based without the header).
    context : str
        What the row is about, for the report (``cable 2africa``, ``gem-eu-gas-00012 parent``).
    lei, gem_entity_id : str
        Identifiers the mention carries (empty when none).
    """

    name: str
    source_id: str
    file: str
    row: int
    column: str
    context: str = ""
    lei: str = ""
    gem_entity_id: str = ""

    def where(self) -> str:
        return f"{self.file}:{self.row}" + (f" ({self.context})" if self.context else "")


@dataclass(frozen=True)
class KnownEntity:
    """An entity names can match: id, name, other names (LEI legal name), identifiers."""

    entity_id: str
    name: str
    lei: str = ""
    gem_entity_id: str = ""
    other_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Alias:
    """A row of the alias table; ``entity_id`` None means "no match"."""

    alias: str
    entity_id: str | None
    reason: str
    source: str
    row: int = 0


@dataclass(frozen=True)
class RegistryRecord:
    """A record of a register of legal names (GLEIF Level 1): LEI, legal name, legal-address country.

    ``key`` is the normalised legal name (computed from ``legal_name`` when empty).
    """

    lei: str
    legal_name: str
    country: str = ""
    category: str = ""
    key: str = ""
    source_url: str = ""
    origin_file: str = ""
    origin_row: int = 0

    @property
    def entity_id(self) -> str:
        return REGISTRY_PREFIX + self.lei


@dataclass
class NameMatch:
    """How one distinct name was decided.

    ``method`` is one of :data:`MATCHED` (``entity_id`` is a known entity) or of
    :data:`UNMATCHED` (``entity_id`` is the new entity made for the name, None for a
    placeholder). ``candidates`` lists ``(entity_id, score)`` behind a fuzzy or
    ambiguous decision.
    """

    name: str
    key: str
    method: str
    entity_id: str | None
    entity_name: str | None = None
    score: float | None = None
    candidates: list[tuple[str, float]] = field(default_factory=list)
    detail: str = ""
    mentions: list[Mention] = field(default_factory=list)
    #: LEI of the one registry record with this name when a guard declined it
    declined_lei: str | None = None

    @property
    def is_matched(self) -> bool:
        return self.method in MATCHED


@dataclass
class NewEntity:
    """An entity made for names that match no known entity."""

    entity_id: str
    name: str
    key: str
    names: list[str]
    first: Mention
    n_mentions: int


@dataclass
class RegistryEntity:
    """An entity made from a registry record for the names that matched it."""

    record: RegistryRecord
    names: list[str]
    first: Mention
    n_mentions: int

    @property
    def entity_id(self) -> str:
        return self.record.entity_id


@dataclass
class MatchResult:
    names: list[NameMatch]
    new_entities: list[NewEntity]
    threshold: float
    registry_entities: list[RegistryEntity] = field(default_factory=list)

    def __post_init__(self):
        self._by_name = {n.name: n for n in self.names}

    def entity_of(self, name: str) -> str | None:
        """The entity a name (as written) resolves to; None for placeholders."""
        n = self._by_name.get(" ".join(name.split()))
        return n.entity_id if n else None

    def counts(self) -> dict:
        """Distinct names and mentions by method; matched + unmatched = total."""
        by = Counter(n.method for n in self.names)
        mentions = Counter()
        for n in self.names:
            mentions[n.method] += len(n.mentions)
        matched = sum(by[m] for m in MATCHED)
        unmatched = sum(by[m] for m in UNMATCHED)
        return {
            "total": len(self.names), "matched": matched, "unmatched": unmatched,
            "matched_by": {m: by[m] for m in MATCHED}, "unmatched_by": {m: by[m] for m in UNMATCHED},
            "mentions": {"total": sum(mentions.values()), **{m: mentions[m] for m in (*MATCHED, *UNMATCHED)}},
            "new_entities": len(self.new_entities), "registry_entities": len(self.registry_entities),
            "registry_declined": sum(1 for n in self.names if n.declined_lei and not n.is_matched),
            "fuzzy_threshold": self.threshold, "fuzzy_scorer": SCORER,
        }

    def to_json(self) -> dict:
        def mention(m: Mention) -> dict:
            return {"source_id": m.source_id, "file": m.file, "row": m.row, "column": m.column,
                    "context": m.context}
        return {
            "counts": self.counts(),
            "names": [{"name": n.name, "key": n.key, "method": n.method, "is_matched": n.is_matched,
                       "entity_id": n.entity_id, "entity_name": n.entity_name, "score": n.score,
                       "candidates": [{"entity_id": e, "score": s} for e, s in n.candidates], "detail": n.detail,
                       "declined_lei": n.declined_lei,
                       "occurrences": [mention(m) for m in n.mentions]} for n in self.names],
            "new_entities": [{"entity_id": e.entity_id, "name": e.name, "names": e.names,
                              "n_mentions": e.n_mentions} for e in self.new_entities],
            "registry_entities": [{"entity_id": e.entity_id, "lei": e.record.lei, "legal_name": e.record.legal_name,
                                   "country": e.record.country or None, "names": e.names,
                                   "n_mentions": e.n_mentions} for e in self.registry_entities],
        }

    def report_lines(self, max_places: int = 3) -> list[str]:
        """The human report: counts by method, then every decision worth auditing."""
        c = self.counts()
        mb, ub = c["matched_by"], c["unmatched_by"]
        lines = [
            f"owner names: {c['total']} distinct ({c['mentions']['total']} occurrences)",
            f"matched:   {c['matched']}  (id {mb['id']}, alias {mb['alias']}, rule {mb['rule']}, "
            f"registry {mb['registry']}, fuzzy {mb['fuzzy']} at {SCORER} >= {self.threshold:g})",
            f"unmatched: {c['unmatched']}  (own new entity {ub['new']}, alias 'no match' {ub['no_match']}, "
            f"ambiguous {ub['ambiguous']}, placeholder {ub['placeholder']})",
            f"matched + unmatched = {c['matched'] + c['unmatched']} = total {c['total']}",
            f"new entities made for unmatched names: {c['new_entities']}",
            f"registry entities made for names matched in the registry: {c['registry_entities']}",
            f"registry candidates declined by the legal-form and one-word guards: {c['registry_declined']}",
        ]

        def places(n: NameMatch) -> str:
            ps = [m.where() for m in n.mentions[:max_places]]
            more = len(n.mentions) - len(ps)
            return "; ".join(ps) + (f"; +{more} more" if more > 0 else "")

        for title, methods, declined in (("matched by id, alias, rule, registry or fuzzy", MATCHED, None),
                                         ("ambiguous (not merged; own entity)", ("ambiguous",), None),
                                         ("registry candidate declined (own entity)", ("new",), True),
                                         ("alias 'no match' (own entity)", ("no_match",), None),
                                         ("placeholders (never matched)", ("placeholder",), None),
                                         ("unmatched (own new entity)", ("new",), False)):
            rows = [n for n in self.names if n.method in methods
                    and (declined is None or bool(n.declined_lei) == declined)]
            lines.append("")
            lines.append(f"== {title}: {len(rows)}")
            for n in rows:
                target = f" -> {n.entity_id} ({n.entity_name})" if n.entity_id else ""
                score = f" score {n.score:.1f}" if n.score is not None else ""
                cands = (" candidates " + ", ".join(f"{e} {s:.1f}" for e, s in n.candidates)) if n.candidates else ""
                detail = f" [{n.detail}]" if n.detail else ""
                lines.append(f"{n.method:11} {n.name!r}{target}{score}{cands}{detail} at {places(n)}")
        return lines
