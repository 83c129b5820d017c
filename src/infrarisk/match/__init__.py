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
   wrong match is undone by editing the alias table, never the code; where it contradicts
   an owner register row, the conflict is listed (``NameMatch.overridden``);
2b. **register** — a reviewed row of the owner register's names (:class:`Decision`, per
   dataset; a row with an asset country only for mentions on assets in that country, so one
   name can mean different owners in different countries: its mentions are decided apart,
   one :class:`NameMatch` per scope). It picks the entity, including one LEI among several
   GLEIF records; a wrong one is undone by editing ``owners/owner_names.csv``;
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
5b. **gem_hq** — a name still unmatched (or ambiguous between registry records) whose
   normalised name is a parent name of GEM's parent -> headquarters-country pairs
   (:class:`GemParent`, as corrected) becomes a ``gemhq:<slug>`` entity with GEM's
   country (two countries: both kept, the entity lists them);
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

from .model import (GEM_HQ_PREFIX, MATCHED, NEW_PREFIX, NO_MATCH, REGISTRY_PREFIX, SCORER, UNMATCHED, Alias, Decision,
                    GemHqEntity, GemParent, KnownEntity, MatchResult, Mention, NameMatch, NewEntity, RegistryEntity,
                    RegistryRecord)
from .names import PLACEHOLDERS, alias_key, is_placeholder, legal_form, legal_forms, normalise, tokens
from .rules import TIE_MARGIN, match, registry_doubt

__all__ = ["GEM_HQ_PREFIX", "Decision", "GemHqEntity", "GemParent", "MATCHED", "NEW_PREFIX", "NO_MATCH", "PLACEHOLDERS", "REGISTRY_PREFIX", "SCORER", "TIE_MARGIN",
           "UNMATCHED", "Alias", "KnownEntity", "MatchResult", "Mention", "NameMatch", "NewEntity",
           "RegistryEntity", "RegistryRecord", "alias_key", "is_placeholder", "legal_form", "legal_forms", "match",
           "normalise", "registry_doubt", "tokens"]
