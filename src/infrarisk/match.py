"""Entity matching: free-text owner names → entities, auditable and reversible.

Inputs: the *mentions* of owner names in the sources (each with where it occurs and any
identifier it carries), the *known entities* (the curated entities and the hand-written
additions of ``datasets/matching/entities.csv``, each with its LEI or GEM entity id where
known), the *alias table* ``datasets/matching/aliases.csv`` (``alias, entity, reason,
source``) and a *registry* of legal names (:class:`RegistryRecord`: the GLEIF records of
``datasets/gleif/``). Output: a :class:`MatchResult` that says, for every distinct name,
which entity it means and how that was decided, the registry entities made for names
matched in the registry, and the new entities made for names that match nothing.

Each distinct name (as written, trimmed) is decided once, in this order:

1. **placeholder** — empty, ``other``, ``others``, ``unknown`` … never match anything
   (their share stays unaccounted for, i.e. unknown);
2. **alias** — a row of the alias table for the name (compared case-insensitively) wins
   over every rule: it names the entity, or says ``no match`` to undo a wrong match. A
   wrong match is undone by editing the alias table, never the code;
3. **id** — an LEI or GEM entity id carried by the mention equal to a known entity's
   (an empty id never matches: nothing merges on an empty id);
4. **rule** — the normalised name (:func:`normalise`: transliteration, diacritics, case,
   punctuation, bracketed notes and legal-form words removed) equals the normalised name
   of exactly one known entity (its name or its LEI legal name); several → *ambiguous*;
5. **registry** — the normalised name equals the normalised legal name of exactly one
   registry record: the name means that LEI — the known entity that has the LEI if there
   is one (identifier first), else a *registry entity* ``lei:<LEI>`` with the record's
   legal name and legal-address country; several records → *ambiguous* (their LEIs are
   the candidates). A record without an LEI never matches. Two guards decline a single
   record (the name stays unmatched, the LEI is named as a declined candidate), because
   a spot check found them mostly wrong: the name states a legal form and the record
   another or none (:func:`legal_form`: ``Saras SpA`` is not ``SARAS AS``), or the name
   is one word without a legal form — a brand or an abbreviation (``SFR``, ``Axpo``)
   is too often the legal name of an unrelated company elsewhere. An alias row
   ``lei:<LEI>`` accepts a declined or ambiguous candidate;
6. **fuzzy** — rapidfuzz ``token_sort_ratio`` between normalised names at or above the
   threshold (a setting, reported); two entities within :data:`TIE_MARGIN` points of the
   best → *ambiguous*.

Names left over (and ambiguous ones, and ``no match`` aliases) are *unmatched*: they still
become entities of their own, one per normalised name (so ``Gazprom``, ``PJSC Gazprom``
and ``Gazprom PJSC`` give one entity), with the name as given and where it came from;
nothing is dropped. ``matched + unmatched = total``, counted over distinct names.

Examples
--------
>>> known = [KnownEntity("pjsc-gazprom", "PJSC Gazprom")]
>>> r = match([Mention("Gazprom PJSC", "gem", "gem/stakes.csv", 3, "entity_name"),
...            Mention("Other", "gem", "gem/stakes.csv", 4, "entity_name")], known, [])
>>> [(n.name, n.method, n.entity_id) for n in r.names]
[('Gazprom PJSC', 'rule', 'pjsc-gazprom'), ('Other', 'placeholder', None)]
>>> r.counts()["matched"], r.counts()["unmatched"], r.counts()["total"]
(1, 1, 2)
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from rapidfuzz import fuzz, process

from .sources._derive import short_hash, slug

VOCAB = Path(__file__).resolve().parent / "vocab"
#: names that stand for "someone not named": they never match and never become entities
PLACEHOLDERS = frozenset({
    "", "other", "others", "unknown", "unknown owner", "unknown owners", "n a", "na", "none", "various", "tbd",
    "tba", "undisclosed", "not disclosed", "other shareholders", "other owners", "private investors",
})
MATCHED = ("id", "alias", "rule", "registry", "fuzzy")
UNMATCHED = ("new", "no_match", "ambiguous", "placeholder")
#: a fuzzy match is ambiguous when a second entity scores within this many points of the best
TIE_MARGIN = 2.0
SCORER = "token_sort_ratio"
NO_MATCH = "no match"
NEW_PREFIX = "name:"
#: id prefix of entities made from a registry record (the id the registry ingesters give an LEI)
REGISTRY_PREFIX = "lei:"


# --------------------------------------------------------------------------- normalisation
@lru_cache(maxsize=1)
def legal_forms() -> tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]:
    """(suffix forms, prefix forms) from ``vocab/legal_forms.csv``, longest first."""
    suffix, prefix = [], []
    with open(VOCAB / "legal_forms.csv", newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            tokens = tuple(r["form"].split())
            if r["position"] in ("suffix", "any"):
                suffix.append(tokens)
            if r["position"] in ("prefix", "any"):
                prefix.append(tokens)
    key = lambda t: (-len(t), t)  # noqa: E731
    return tuple(sorted(set(suffix), key=key)), tuple(sorted(set(prefix), key=key))


@lru_cache(maxsize=1)
def _same_as() -> dict[tuple[str, ...], str]:
    """Legal-form spellings -> their canonical spelling (``same_as`` of ``vocab/legal_forms.csv``)."""
    with open(VOCAB / "legal_forms.csv", newline="", encoding="utf-8") as fh:
        return {tuple(r["form"].split()): r["same_as"] for r in csv.DictReader(fh) if r["same_as"]}


def tokens(name: str) -> list[str]:
    """The words of a name before legal forms are removed (the first step of :func:`normalise`).

    Examples
    --------
    >>> tokens("Société d'Énergie S.A. (SdE)")
    ['societe', 'denergie', 'sa']
    """
    s = anyascii(name).casefold()
    s = re.sub(r"\[[^\]]*\]", " ", s)     # editorial notes: [TO BE DELETED]
    s = re.sub(r"\([^)]*\)", " ", s)      # abbreviations and asides: (EBN), (stc)
    s = s.replace("&", " and ")
    s = re.sub(r"['`´’.]", "", s)         # S.p.A. -> spa, d'Energie -> denergie
    return re.sub(r"[^a-z0-9]+", " ", s).split()


def normalise(name: str) -> str:
    """The comparison key of a company name.

    Transliterates (Cyrillic, Greek, Chinese … to Latin) and strips diacritics, folds case,
    drops bracketed notes and parenthesised asides, joins dotted abbreviations, turns
    other punctuation into spaces, and removes legal-form words (``vocab/legal_forms.csv``)
    at the end (and the few that come first, such as ``PJSC``) while something remains.

    Examples
    --------
    >>> normalise("PJSC Gazprom"), normalise("Gazprom PJSC"), normalise("  GAZPROM ")
    ('gazprom', 'gazprom', 'gazprom')
    >>> normalise("Eni S.p.A."), normalise("Société d'Infrastructures Gazières")
    ('eni', 'societe dinfrastructures gazieres')
    >>> normalise("ПАО Газпром"), normalise("Energie Beheer Nederland (EBN)")
    ('gazprom', 'energie beheer nederland')
    >>> normalise("Elektrik Üretim [TO BE DELETED] AŞ")
    'elektrik uretim'
    """
    return " ".join(_strip_forms(tokens(name))[0])


def legal_form(name: str) -> str:
    """The legal form(s) a name states, in canonical spelling and order ('' when it states none).

    The words :func:`normalise` removes (``the`` aside), each spelled as ``same_as`` of
    ``vocab/legal_forms.csv`` says (``Limited`` as ``ltd``, ``AŞ`` and ``Anonim Şirketi``
    alike), then sorted.

    Examples
    --------
    >>> legal_form("Esso Petroleum Co Ltd") == legal_form("ESSO PETROLEUM COMPANY,LIMITED")
    True
    >>> legal_form("Saras SpA"), legal_form("SARAS AS"), legal_form("Equinor"), legal_form("PJSC Gazprom")
    ('spa', 'as', '', 'pjsc')
    """
    same = _same_as()
    words = [w for form in _strip_forms(tokens(name))[1] for w in same.get(form, " ".join(form)).split()]
    return " ".join(sorted(words))


def _strip_forms(words: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """(the words without legal forms at either end, the forms removed)."""
    suffixes, prefixes = legal_forms()
    removed = []
    changed = True
    while changed and words:
        changed = False
        for form in suffixes:
            n = len(form)
            if len(words) > n and tuple(words[-n:]) == form:
                words, changed = words[:-n], True
                removed.append(form)
                break
        for form in prefixes:
            n = len(form)
            if len(words) > n and tuple(words[:n]) == form:
                words, changed = words[n:], True
                removed.append(form)
                break
        if len(words) > 1 and words[0] == "the":
            words, changed = words[1:], True
    return words, removed


def is_placeholder(name: str) -> bool:
    """Whether a name stands for an unnamed holder (``Other``, ``unknown``, empty …).

    Examples
    --------
    >>> [is_placeholder(x) for x in ("Other", " others ", "", "Unknown", "Otherland AS")]
    [True, True, True, True, False]
    """
    return " ".join(re.sub(r"[^a-z0-9]+", " ", anyascii(name or "").casefold()).split()) in PLACEHOLDERS


# --------------------------------------------------------------------------- inputs
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


def alias_key(name: str) -> str:
    """Aliases compare on the name as written, trimmed, case folded, spaces collapsed."""
    return " ".join((name or "").split()).casefold()


# --------------------------------------------------------------------------- result
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


# --------------------------------------------------------------------------- matching
def match(mentions: list[Mention], known: list[KnownEntity], aliases: list[Alias],
          threshold: float = 92.0, registry: list[RegistryRecord] = ()) -> MatchResult:
    """Decide every distinct name of ``mentions`` (see the module docstring).

    Parameters
    ----------
    mentions : list of Mention
    known : list of KnownEntity
        Entities names may resolve to (ids must be unique).
    aliases : list of Alias
        Manual decisions; an ``entity_id`` is a known entity's or ``lei:<LEI>`` of a
        registry record (the loader rejects other rows first).
    threshold : float
        Lowest fuzzy score (0-100) that matches.
    registry : list of RegistryRecord
        Legal names (LEIs unique); records without an LEI are ignored.

    Examples
    --------
    >>> reg = [RegistryRecord("5493001KJTIIGC8Y1R12", "Acme Gas AG", "DE"),
    ...        RegistryRecord("529900T8BM49AURSDO55", "Twin Oil Ltd", "GB"),
    ...        RegistryRecord("549300D2K6PKKKXVNN73", "Twin Oil S.A.", "FR")]
    >>> r = match([Mention("ACME GAS", "gem", "gem/stakes.csv", 1, "entity_name"),
    ...            Mention("Twin Oil", "gem", "gem/stakes.csv", 2, "entity_name")], [], [], registry=reg)
    >>> [(n.method, n.entity_id) for n in r.names]
    [('registry', 'lei:5493001KJTIIGC8Y1R12'), ('ambiguous', 'name:twin-oil')]
    >>> r.registry_entities[0].record.country
    'DE'
    """
    by_id = {e.entity_id: e for e in known}
    alias_of = {alias_key(a.alias): a for a in aliases}
    lei_of = {e.lei.upper(): e.entity_id for e in known if e.lei.strip()}
    records = {r.lei.strip().upper(): r for r in registry if r.lei.strip()}  # nothing merges on an empty id
    reg_keys: dict[str, list[RegistryRecord]] = {}
    for r in sorted(records.values(), key=lambda r: r.lei):
        k = r.key or normalise(r.legal_name)
        if k:
            reg_keys.setdefault(k, []).append(r)

    def registry_target(lei: str) -> str:
        """The entity an LEI of the registry means: a known entity with that LEI first."""
        return lei_of.get(lei) or records[lei].entity_id
    gem_of = {e.gem_entity_id: e.entity_id for e in known if e.gem_entity_id.strip()}
    key_to_ids: dict[str, set[str]] = {}
    for e in known:
        for nm in (e.name, *e.other_names):
            k = normalise(nm)
            if k:
                key_to_ids.setdefault(k, set()).add(e.entity_id)
    choices = sorted(key_to_ids)

    grouped: dict[str, list[Mention]] = {}
    for m in mentions:
        grouped.setdefault(" ".join(m.name.split()), []).append(m)

    names: list[NameMatch] = []
    for name in sorted(grouped):
        ms = sorted(grouped[name], key=lambda m: (m.file, m.row, m.column))
        key = normalise(name)
        nm = NameMatch(name, key, "new", None, mentions=ms)
        a = alias_of.get(alias_key(name))
        leis = sorted({m.lei.strip().upper() for m in ms if m.lei.strip()})
        gems = sorted({m.gem_entity_id.strip() for m in ms if m.gem_entity_id.strip()})
        id_hits = sorted({lei_of[x] for x in leis if x in lei_of} | {gem_of[x] for x in gems if x in gem_of})
        if is_placeholder(name) or not key:
            nm.method = "placeholder"
            nm.detail = "a placeholder, not a holder" if is_placeholder(name) else "nothing left after normalising"
        elif a is not None:
            if a.entity_id is None:
                nm.method, nm.detail = "no_match", f"alias table row {a.row}: {a.reason}"
            else:
                lei = a.entity_id[len(REGISTRY_PREFIX):] if a.entity_id.startswith(REGISTRY_PREFIX) else ""
                nm.method = "alias"
                nm.entity_id = registry_target(lei) if a.entity_id not in by_id and lei in records else a.entity_id
                nm.detail = f"alias table row {a.row}: {a.reason}"
        elif len(id_hits) == 1:
            nm.method, nm.entity_id = "id", id_hits[0]
            nm.detail = "; ".join([*(f"LEI {x}" for x in leis), *(f"GEM id {x}" for x in gems)])
        elif len(id_hits) > 1:
            nm.method, nm.candidates = "ambiguous", [(x, 100.0) for x in id_hits]
            nm.detail = "its identifiers point to several entities"
        elif key in key_to_ids:
            ids = sorted(key_to_ids[key])
            if len(ids) == 1:
                nm.method, nm.entity_id, nm.detail = "rule", ids[0], f"normalised name '{key}'"
            else:
                nm.method, nm.candidates = "ambiguous", [(x, 100.0) for x in ids]
                nm.detail = f"normalised name '{key}' is the name of several entities"
        elif key in reg_keys:
            recs = reg_keys[key]
            if len(recs) == 1:
                r = recs[0]
                one = (f"normalised name '{key}' is the legal name of one GLEIF record: LEI {r.lei} "
                       f"({r.legal_name}, legal address {r.country or 'unknown'})")
                doubt = registry_doubt(name, key, r)
                if doubt:
                    nm.declined_lei, nm.detail = r.lei, f"{one}; not matched: {doubt}"
                else:
                    nm.method, nm.entity_id = "registry", registry_target(r.lei)
                    nm.detail = one + (f", the LEI of {nm.entity_id}" if r.lei in lei_of else "")
            else:
                nm.method, nm.candidates = "ambiguous", [(r.entity_id, 100.0) for r in recs]
                nm.detail = (f"normalised name '{key}' is the legal name of {len(recs)} GLEIF records: "
                             + "; ".join(f"LEI {r.lei} ({r.legal_name}, {r.country or 'unknown'})" for r in recs))
        elif choices:
            best: dict[str, float] = {}
            for choice, score, _ in process.extract(key, choices, scorer=fuzz.token_sort_ratio,
                                                    score_cutoff=threshold, limit=10):
                for eid in key_to_ids[choice]:
                    best[eid] = max(best.get(eid, 0.0), float(score))
            ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
            if ranked:
                nm.candidates = [(e, round(s, 1)) for e, s in ranked[:3]]
                if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < TIE_MARGIN:
                    nm.method = "ambiguous"
                    nm.detail = f"fuzzy scores within {TIE_MARGIN:g} points"
                else:
                    nm.method, nm.entity_id, nm.score = "fuzzy", ranked[0][0], round(ranked[0][1], 1)
        if nm.entity_id is not None and nm.is_matched:
            nm.entity_name = by_id[nm.entity_id].name if nm.entity_id in by_id else \
                records[nm.entity_id[len(REGISTRY_PREFIX):]].legal_name
        names.append(nm)

    new_entities = _new_entities(names)
    return MatchResult(names, new_entities, threshold, _registry_entities(names, records, by_id))


def registry_doubt(name: str, key: str, record: RegistryRecord) -> str:
    """Why the one registry record with a name's normalised name is declined ('' if it is not).

    Examples
    --------
    >>> r = RegistryRecord("549300D2K6PKKKXVNN73", "SARAS AS", "NO")
    >>> registry_doubt("Saras SpA", "saras", r)
    "the name's legal form 'spa' differs from the record's ('as')"
    >>> registry_doubt("Saras", "saras", r)
    'a one-word name without a legal form (a brand or an abbreviation)'
    >>> registry_doubt("Saras Energia", "saras energia", RegistryRecord("x", "SARAS ENERGIA S.A."))
    ''
    """
    form = legal_form(name)
    if form:
        theirs = legal_form(record.legal_name)
        return "" if theirs == form else f"the name's legal form '{form}' differs from the record's ('{theirs or 'none'}')"
    if len(key.split()) == 1:
        return "a one-word name without a legal form (a brand or an abbreviation)"
    return ""


def _registry_entities(names: list[NameMatch], records: dict[str, RegistryRecord],
                       by_id: dict[str, KnownEntity]) -> list[RegistryEntity]:
    """One entity per registry record that matched names and is no known entity."""
    groups: dict[str, list[NameMatch]] = {}
    for n in names:
        if n.is_matched and n.entity_id not in by_id:
            groups.setdefault(n.entity_id, []).append(n)
    out = []
    for eid in sorted(groups):
        ns = groups[eid]
        firsts = sorted((m for n in ns for m in n.mentions), key=lambda m: (m.file, m.row, m.column))
        out.append(RegistryEntity(records[eid[len(REGISTRY_PREFIX):]], sorted(n.name for n in ns), firsts[0],
                                  len(firsts)))
    return out


def _new_entities(names: list[NameMatch]) -> list[NewEntity]:
    """One new entity per normalised name of the unmatched names (placeholders excepted).

    The entity takes the most frequent spelling (ties: alphabetical) as its name; its id is
    ``name:<slug of the normalised name>``.
    """
    groups: dict[str, list[NameMatch]] = {}
    for n in names:
        if n.method in ("new", "no_match", "ambiguous"):
            groups.setdefault(n.key, []).append(n)
    out = []
    for key in sorted(groups):
        ns = groups[key]
        spelling = sorted(ns, key=lambda n: (-len(n.mentions), n.name))[0]
        eid = NEW_PREFIX + slug(key, max_len=80)
        firsts = sorted((m for n in ns for m in n.mentions), key=lambda m: (m.file, m.row, m.column))
        for n in ns:
            n.entity_id, n.entity_name = eid, spelling.name
        out.append(NewEntity(eid, spelling.name, key, sorted(n.name for n in ns), firsts[0],
                             sum(len(n.mentions) for n in ns)))
    ids = Counter(e.entity_id for e in out)
    for e in out:  # keys only differ past the slug's length limit: keep them apart
        if ids[e.entity_id] > 1:
            new_id = f"{e.entity_id}-{short_hash(e.key, n=6)}"
            for n in names:
                if n.key == e.key:
                    n.entity_id = new_id
            e.entity_id = new_id
    return out
