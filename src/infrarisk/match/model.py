"""What entity matching reads and decides: mentions, known entities, aliases, registry records, results.

Contract: the inputs are named tuples (a build makes thousands; a tuple is made several times faster
than a frozen dataclass) — :class:`Mention` (an owner name where a source writes it),
:class:`KnownEntity`, :class:`Alias` (a row of ``matching/aliases.csv``), :class:`Decision`,
:class:`GemParent`, :class:`RegistryRecord` (a GLEIF Level 1 record); the results plain
dataclasses — :class:`NameMatch` per distinct name, :class:`NewEntity` / :class:`RegistryEntity`
for the entities matching makes, and :class:`MatchResult` with its counts and report
(``infrarisk match-report``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

MATCHED = ("id", "alias", "rule", "registry", "fuzzy", "register", "gem_hq")
UNMATCHED = ("new", "no_match", "ambiguous", "placeholder")
SCORER = "token_sort_ratio"
NO_MATCH = "no match"
NEW_PREFIX = "name:"
#: id prefix of entities made from a registry record (the id the registry ingesters give an LEI)
REGISTRY_PREFIX = "lei:"
#: id prefix of entities made from GEM's parent -> headquarters-country pairs (method ``gem_hq``)
GEM_HQ_PREFIX = "gemhq:"


class Mention(NamedTuple):
    """One occurrence of an owner name in a source file (a named tuple: a build makes one per owner
    name of every source row, and a tuple is made several times faster than a frozen dataclass).

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
    #: the country of the asset the row is about (register decisions may be limited to it)
    asset_country: str = ""

    def where(self) -> str:
        return f"{self.file}:{self.row}" + (f" ({self.context})" if self.context else "")


class KnownEntity(NamedTuple):
    """An entity names can match: id, name, other names (LEI legal name), identifiers."""

    entity_id: str
    name: str
    lei: str = ""
    gem_entity_id: str = ""
    other_names: tuple[str, ...] = ()


class Alias(NamedTuple):
    """A row of the alias table; ``entity_id`` None means "no match"."""

    alias: str
    entity_id: str | None
    reason: str
    source: str
    row: int = 0


class Decision(NamedTuple):
    """A reviewed row of the owner register's names (``owners/owner_names.csv``).

    It decides ``name`` (compared like an alias) for the mentions of ``dataset``; with an
    ``asset_country`` only for mentions on assets in that country (it wins there over a row
    without one). ``entity_id`` is an entity id (register owner mapped onto the curated entity
    it enriches, or ``lei:<LEI>`` of a registry record).
    """

    name: str
    dataset: str
    entity_id: str
    reason: str
    asset_country: str = ""
    row: int = 0

    def scope(self) -> str:
        """How far the decision reaches, for the report.

        >>> Decision("Termoelectrica SA", "gem-europe-gas", "owner:x", "r", "MD", 7).scope()
        'owner register row 7 (gem-europe-gas, assets in MD)'
        """
        where = f", assets in {self.asset_country}" if self.asset_country else ""
        return f"owner register row {self.row} ({self.dataset}{where})"


class GemParent(NamedTuple):
    """A pair of GEM's parent -> headquarters-country table (country as corrected)."""

    name: str
    country: str
    source_url: str
    row: int = 0
    corrected_from: str = ""


class RegistryRecord(NamedTuple):
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
    #: the register decision that scopes this row ('' : every mention of the name)
    scope: str = ""
    #: the owner register row that decided these mentions (0: none)
    decision_row: int = 0
    #: a register decision the alias table overrode: (register row, its entity id)
    overridden: tuple[int, str] | None = None

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
class GemHqEntity:
    """An entity made for names equal to a GEM parent name: GEM's headquarters country(ies)."""

    entity_id: str
    name: str
    parents: list[GemParent]
    names: list[str]
    first: Mention
    n_mentions: int

    @property
    def countries(self) -> list[str]:
        """GEM's countries, most asset rows first (as listed), each once."""
        return list(dict.fromkeys(p.country for p in self.parents))


@dataclass
class MatchResult:
    names: list[NameMatch]
    new_entities: list[NewEntity]
    threshold: float
    registry_entities: list[RegistryEntity] = field(default_factory=list)
    gem_hq_entities: list[GemHqEntity] = field(default_factory=list)

    def __post_init__(self):
        # a row a register decision scopes (a dataset or an asset country) never hides the name's other row
        self._by_name = {n.name: n for n in sorted(self.names, key=lambda n: (n.scope == "", n.decision_row == 0))}

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
            "distinct_names": len({n.name for n in self.names}),
            "new_entities": len(self.new_entities), "registry_entities": len(self.registry_entities),
            "gem_hq_entities": len(self.gem_hq_entities),
            "alias_over_register": sum(1 for n in self.names if n.overridden),
            "register_settled_ambiguous": sum(1 for n in self.names if n.method == "register" and n.candidates),
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
                       "declined_lei": n.declined_lei, "scope": n.scope or None,
                       "occurrences": [mention(m) for m in n.mentions]} for n in self.names],
            "new_entities": [{"entity_id": e.entity_id, "name": e.name, "names": e.names,
                              "n_mentions": e.n_mentions} for e in self.new_entities],
            "registry_entities": [{"entity_id": e.entity_id, "lei": e.record.lei, "legal_name": e.record.legal_name,
                                   "country": e.record.country or None, "names": e.names,
                                   "n_mentions": e.n_mentions} for e in self.registry_entities],
            "gem_hq_entities": [{"entity_id": e.entity_id, "name": e.name, "countries": e.countries,
                                 "source_urls": sorted({p.source_url for p in e.parents}), "names": e.names,
                                 "n_mentions": e.n_mentions} for e in self.gem_hq_entities],
        }

    def report_lines(self, max_places: int = 3) -> list[str]:
        """The human report: counts by method, then every decision worth auditing."""
        c = self.counts()
        mb, ub = c["matched_by"], c["unmatched_by"]
        lines = [
            f"owner names: {c['distinct_names']} distinct, {c['total']} decisions (a register row limited to a "
            f"dataset or an asset country decides its mentions apart) ({c['mentions']['total']} occurrences)",
            f"matched:   {c['matched']}  (alias {mb['alias']}, register {mb['register']}, id {mb['id']}, "
            f"rule {mb['rule']}, registry {mb['registry']}, gem_hq {mb['gem_hq']}, "
            f"fuzzy {mb['fuzzy']} at {SCORER} >= {self.threshold:g})",
            f"unmatched: {c['unmatched']}  (own new entity {ub['new']}, alias 'no match' {ub['no_match']}, "
            f"ambiguous {ub['ambiguous']}, placeholder {ub['placeholder']})",
            f"matched + unmatched = {c['matched'] + c['unmatched']} = total {c['total']}",
            f"new entities made for unmatched names: {c['new_entities']}",
            f"registry entities made for names matched in the registry: {c['registry_entities']}",
            f"registry candidates declined by the legal-form and one-word guards: {c['registry_declined']}",
            f"entities made from GEM's parent -> HQ-country pairs: {c['gem_hq_entities']}",
            f"register decisions overridden by the alias table: {c['alias_over_register']}",
            f"register decisions that pick one of several GLEIF records with the name: "
            f"{c['register_settled_ambiguous']}",
        ]

        def places(n: NameMatch) -> str:
            ps = [m.where() for m in n.mentions[:max_places]]
            more = len(n.mentions) - len(ps)
            return "; ".join(ps) + (f"; +{more} more" if more > 0 else "")

        for title, methods, declined in (("matched (alias, register, id, rule, registry, gem_hq, fuzzy)", MATCHED, None),
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
                detail += f" [{n.scope}]" if n.scope else ""
                lines.append(f"{n.method:11} {n.name!r}{target}{score}{cands}{detail} at {places(n)}")
        return lines
