"""The matching rules: each distinct owner name decided once (see :mod:`infrarisk.match`).

Contract: :func:`match` (mentions, known entities, aliases, threshold, registry records ->
:class:`~infrarisk.match.model.MatchResult`), deterministic for the same inputs;
:func:`registry_doubt` says why a single registry record is declined.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain
from operator import itemgetter

import numpy as np
from rapidfuzz import fuzz, process

from ..textids import short_hash, slug
from .model import (GEM_HQ_PREFIX, NEW_PREFIX, REGISTRY_PREFIX, Alias, Decision, GemHqEntity, GemParent, KnownEntity,
                    MatchResult, Mention, NameMatch, NewEntity, RegistryEntity, RegistryRecord)
from .names import alias_key, is_placeholder, legal_form, normalise

#: a fuzzy match is ambiguous when a second entity scores within this many points of the best
TIE_MARGIN = 2.0
#: where a mention occurs (file, row, column: the order of a name's mentions), its LEI, its GEM entity id
_WHERE, _LEI, _GEM = itemgetter(2, 3, 4), itemgetter(6), itemgetter(7)
assert Mention._fields[2:5] == ("file", "row", "column") and Mention._fields[6:8] == ("lei", "gem_entity_id")
_NONE = {""}


def _decision_groups(mentions: list[Mention], decisions: list[Decision]) -> list[tuple[str, Decision | None, list]]:
    """Mentions grouped by name and by the register decision that applies to each.

    A decision with an asset country applies to the mentions of its dataset on assets in that
    country; one without, to the other mentions of its dataset. Each spelling is trimmed and keyed
    once; the mentions of a spelling no decision names go straight to their name's group, the
    others to the group of their (dataset, asset country), looked up once per spelling.
    """
    dec = {(alias_key(d.name), d.dataset, d.asset_country): d for d in decisions}
    decided = {k for k, _, _ in dec}  # the alias keys some decision names
    grouped: dict[tuple[str, int], tuple[Decision | None, list[Mention]]] = {}
    # spelling -> (name, key, its group when no decision names it, else its groups by (dataset, asset country))
    cleaned: dict[str, tuple[str, str, list | None, dict]] = {}
    for m in mentions:
        c = cleaned.get(m.name)
        if c is None:
            name = " ".join(m.name.split())
            k = alias_key(name)
            c = cleaned[m.name] = (name, k, None if k in decided else grouped.setdefault((name, 0), (None, []))[1], {})
        if c[2] is not None:
            c[2].append(m)
            continue
        scope = (m.source_id, m.asset_country)
        group = c[3].get(scope)
        if group is None:
            name, k = c[0], c[1]
            d = dec.get((k, m.source_id, m.asset_country or "")) or dec.get((k, m.source_id, ""))
            group = c[3][scope] = grouped.setdefault((name, d.row if d else 0), (d, []))[1]
        group.append(m)
    return [(name, d, ms) for (name, _), (d, ms) in sorted(grouped.items())]


def match(mentions: list[Mention], known: list[KnownEntity], aliases: list[Alias],
          threshold: float = 92.0, registry: list[RegistryRecord] = (), decisions: list[Decision] = (),
          gem_parents: list[GemParent] = ()) -> MatchResult:
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
    decisions : list of Decision
        The owner register's reviewed names (after the alias table, before every rule); their
        entity ids are known entities' or ``lei:<LEI>`` of a registry record.
    gem_parents : list of GemParent
        GEM's parent -> HQ-country pairs, for names no earlier step matched.

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

    gem_keys: dict[str, list[GemParent]] = {}
    for p in gem_parents:
        k = normalise(p.name)
        if k:
            gem_keys.setdefault(k, []).append(p)

    groups = _decision_groups(mentions, list(decisions))
    split = Counter(name for name, _, _ in groups)
    names: list[NameMatch] = []
    fuzzy: list[NameMatch] = []  # the names left to the fuzzy step
    for name, dec, ms in groups:
        ms.sort(key=_WHERE)
        key = normalise(name)
        nm = NameMatch(name, key, "new", None, mentions=ms, decision_row=dec.row if dec else 0)
        if split[name] > 1:
            nm.scope = dec.scope() if dec else "the mentions no owner register row decides"
        a = alias_of.get(alias_key(name))
        leis, gems = set(map(_LEI, ms)), set(map(_GEM, ms))  # the identifiers as written, each once
        if leis == _NONE and gems == _NONE:  # no mention carries one
            leis = gems = id_hits = ()
        else:
            leis = sorted({x.strip().upper() for x in leis if x.strip()})
            gems = sorted({x.strip() for x in gems if x.strip()})
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
            if dec is not None and dec.entity_id != a.entity_id:
                nm.overridden = (dec.row, dec.entity_id)
                nm.detail += f"; overrides {dec.scope()}, which names {dec.entity_id}"
        elif dec is not None:
            lei = dec.entity_id[len(REGISTRY_PREFIX):] if dec.entity_id.startswith(REGISTRY_PREFIX) else ""
            nm.method = "register"
            nm.entity_id = registry_target(lei) if dec.entity_id not in by_id and lei in records else dec.entity_id
            nm.detail = f"{dec.scope()}: {dec.reason}"
            if len(reg_keys.get(key, ())) > 1:  # the reviewed pick among several GLEIF records
                nm.candidates = [(r.entity_id, 100.0) for r in reg_keys[key]]
                nm.detail += f"; decides between the {len(reg_keys[key])} GLEIF records named '{key}'"
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
        elif key in gem_keys:
            pass  # GEM's parent -> HQ pairs below
        elif choices:
            fuzzy.append(nm)  # scored below, all such names at once; key is in no gem_keys
            names.append(nm)
            continue
        _finish(nm, key, gem_keys, by_id, records)
        names.append(nm)

    scores = fuzzy_matches(sorted({nm.key for nm in fuzzy}), choices, threshold)
    for nm in fuzzy:
        best: dict[str, float] = {}
        for choice, score in scores[nm.key]:
            for eid in key_to_ids[choice]:
                best[eid] = max(best.get(eid, 0.0), score)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        if ranked:
            nm.candidates = [(e, round(s, 1)) for e, s in ranked[:3]]
            if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < TIE_MARGIN:
                nm.method = "ambiguous"
                nm.detail = f"fuzzy scores within {TIE_MARGIN:g} points"
            else:
                nm.method, nm.entity_id, nm.score = "fuzzy", ranked[0][0], round(ranked[0][1], 1)
        _finish(nm, nm.key, gem_keys, by_id, records)

    new_entities = _new_entities(names)
    return MatchResult(names, new_entities, threshold, _registry_entities(names, records, by_id),
                       _gem_hq_entities(names, gem_keys))


def fuzzy_matches(keys: list[str], choices: list[str], threshold: float, cells: int = 4_000_000,
                  limit: int = 10) -> dict[str, list[tuple[str, float]]]:
    """Per key its ``limit`` best choices scoring at least ``threshold`` (rapidfuzz
    ``token_sort_ratio``), best first, ties by position in ``choices``: what
    ``process.extract(key, choices, limit=limit, score_cutoff=threshold)`` returns, for all keys in
    score matrices of at most ``cells`` scores.

    When every string is words joined by single spaces (normalised names are), the keys of one
    length are scored only against the choices whose length lets them reach ``threshold``:
    ``token_sort_ratio`` is 100 * (1 - d / (m + n)) for strings of lengths m and n whose edit
    distance d (insertions and deletions) is at least ``|m - n|``. The others score below it.

    Examples
    --------
    >>> fuzzy_matches(["antin infrastucture partners"], ["antin infrastructure partners", "antwerp"], 92)
    {'antin infrastucture partners': [('antin infrastructure partners', 98.24561403508771)]}
    """
    out: dict[str, list[tuple[str, float]]] = {}
    if all(x.isascii() and x == " ".join(x.split()) for x in chain(keys, choices)):
        lengths = np.array([len(c) for c in choices])
        by_length: dict[int, list[str]] = {}
        for k in keys:
            by_length.setdefault(len(k), []).append(k)
        for n, group in by_length.items():
            # the bound, with half a point to spare for the scores' rounding
            cols = np.flatnonzero(100.0 * (n + lengths - np.abs(n - lengths)) >= (threshold - 0.5) * (n + lengths))
            _scores(group, [choices[c] for c in cols.tolist()], threshold, cells, limit, out)
        return {k: out[k] for k in keys}
    _scores(keys, choices, threshold, cells, limit, out)
    return out


def _scores(keys: list[str], choices: list[str], threshold: float, cells: int, limit: int,
            out: dict[str, list[tuple[str, float]]]) -> None:
    """:func:`fuzzy_matches` of ``keys`` against ``choices`` into ``out``."""
    step = max(1, cells // max(len(choices), 1))
    for start in range(0, len(keys), step):
        chunk = keys[start:start + step]
        M = process.cdist(chunk, choices, scorer=fuzz.token_sort_ratio, score_cutoff=threshold, dtype=np.float64)
        for key, row in zip(chunk, M):
            hit = np.flatnonzero(row >= threshold)
            hit = hit[np.lexsort((hit, -row[hit]))][:limit]
            out[key] = [(choices[c], float(row[c])) for c in hit.tolist()]


def _finish(nm: NameMatch, key: str, gem_keys: dict[str, list[GemParent]], by_id: dict[str, KnownEntity],
            records: dict[str, RegistryRecord]) -> None:
    """The last steps of a name's decision: GEM's parent -> HQ pairs where nothing else matched
    (or registry records tie), else the matched entity's name."""
    if key in gem_keys and (nm.method == "new" or (nm.method == "ambiguous" and nm.candidates
                                                  and nm.candidates[0][0].startswith(REGISTRY_PREFIX))):
        ps = gem_keys[key]
        nm.method, nm.entity_id, nm.entity_name = "gem_hq", GEM_HQ_PREFIX + slug(key, max_len=80), ps[0].name
        nm.detail = ((nm.detail + "; ") if nm.detail else "") + (
            f"normalised name '{key}' is a parent in GEM's parent -> headquarters-country table: "
            + "; ".join(f"{p.name} {p.country}" + (f" (GEM: {p.corrected_from}, corrected)" if p.corrected_from
                                                   else "") for p in ps))
    elif nm.entity_id is not None and nm.is_matched:
        nm.entity_name = by_id[nm.entity_id].name if nm.entity_id in by_id else \
            records[nm.entity_id[len(REGISTRY_PREFIX):]].legal_name


def _first(names: list[NameMatch]) -> Mention:
    """The first mention of the names (by file, row, column; ties: the first listed), as the first of
    the sorted mentions."""
    return min(chain.from_iterable(n.mentions for n in names), key=_WHERE)


def _gem_hq_entities(names: list[NameMatch], gem_keys: dict[str, list[GemParent]]) -> list[GemHqEntity]:
    """One entity per GEM parent name (normalised) that names matched, with GEM's countries."""
    groups: dict[str, list[NameMatch]] = {}
    for n in names:
        if n.method == "gem_hq":
            groups.setdefault(n.key, []).append(n)
    out = []
    for key in sorted(groups):
        ns = groups[key]
        out.append(GemHqEntity(ns[0].entity_id, gem_keys[key][0].name, gem_keys[key], sorted({n.name for n in ns}),
                               _first(ns), sum(len(n.mentions) for n in ns)))
    return out


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
        if n.is_matched and n.entity_id not in by_id and n.entity_id.startswith(REGISTRY_PREFIX):
            groups.setdefault(n.entity_id, []).append(n)
    out = []
    for eid in sorted(groups):
        ns = groups[eid]
        out.append(RegistryEntity(records[eid[len(REGISTRY_PREFIX):]], sorted(n.name for n in ns), _first(ns),
                                  sum(len(n.mentions) for n in ns)))
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
        spelling = min(ns, key=lambda n: (-len(n.mentions), n.name))
        eid = NEW_PREFIX + slug(key, max_len=80)
        for n in ns:
            n.entity_id, n.entity_name = eid, spelling.name
        out.append(NewEntity(eid, spelling.name, key, sorted(n.name for n in ns), _first(ns),
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
