"""Owner names compared: transliteration, case, punctuation and legal forms removed; placeholders.

Contract: pure functions of a name (the legal forms come from ``vocab/legal_forms.csv``):
:func:`normalise` gives the comparison key of entity matching, :func:`legal_form` the legal
form a name states, :func:`is_placeholder` whether it stands for an unnamed holder and
:func:`alias_key` how alias rows compare. Used by matching, the GLEIF derive step and the
loaders that set placeholders apart.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii

VOCAB = Path(__file__).resolve().parents[1] / "vocab"
#: names that stand for "someone not named": they never match and never become entities
PLACEHOLDERS = frozenset({
    "", "other", "others", "unknown", "unknown owner", "unknown owners", "n a", "na", "none", "various", "tbd",
    "tba", "undisclosed", "not disclosed", "other shareholders", "other owners", "private investors",
})


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


_NOTES, _ASIDES = re.compile(r"\[[^\]]*\]"), re.compile(r"\([^)]*\)")
_JOINED, _OTHER = re.compile(r"['`´’.]"), re.compile(r"[^a-z0-9]+")


def tokens(name: str) -> list[str]:
    """The words of a name before legal forms are removed (the first step of :func:`normalise`).

    Examples
    --------
    >>> tokens("Société d'Énergie S.A. (SdE)")
    ['societe', 'denergie', 'sa']
    """
    s = anyascii(name).casefold()
    if "[" in s:
        s = _NOTES.sub(" ", s)           # editorial notes: [TO BE DELETED]
    if "(" in s:
        s = _ASIDES.sub(" ", s)          # abbreviations and asides: (EBN), (stc)
    s = s.replace("&", " and ")
    s = _JOINED.sub("", s)               # S.p.A. -> spa, d'Energie -> denergie
    return _OTHER.sub(" ", s).split()


@lru_cache(maxsize=65536)
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


@lru_cache(maxsize=1)
def _forms_by_length() -> tuple[tuple[tuple[int, frozenset], ...], tuple[tuple[int, frozenset], ...],
                                frozenset, frozenset]:
    """(suffix forms, prefix forms) as (length, set of forms) pairs, longest first; the last words of
    the suffix forms and the first words of the prefix forms.

    At one end of a name at most one form of each length can match, so trying the lengths
    longest first finds the form the ordered lists of :func:`legal_forms` would find first. A name
    whose last (first) word ends (starts) no form has no suffix (prefix) form to try.
    """
    def group(forms):
        lengths = sorted({len(f) for f in forms}, reverse=True)
        return tuple((n, frozenset(f for f in forms if len(f) == n)) for n in lengths)
    suffixes, prefixes = legal_forms()
    return (group(suffixes), group(prefixes), frozenset(f[-1] for f in suffixes),
            frozenset(f[0] for f in prefixes))


def _strip_forms(words: list[str]) -> tuple[list[str], list[tuple[str, ...]]]:
    """(the words without legal forms at either end, the forms removed)."""
    suffixes, prefixes, last_words, first_words = _forms_by_length()
    removed = []
    changed = True
    while changed and words:
        changed = False
        if words[-1] in last_words:
            for n, forms in suffixes:
                if len(words) > n and (form := tuple(words[-n:])) in forms:
                    words, changed = words[:-n], True
                    removed.append(form)
                    break
        if words[0] in first_words:
            for n, forms in prefixes:
                if len(words) > n and (form := tuple(words[:n])) in forms:
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
    return " ".join(_OTHER.sub(" ", anyascii(name or "").casefold()).split()) in PLACEHOLDERS


def alias_key(name: str) -> str:
    """Aliases compare on the name as written, trimmed, case folded, spaces collapsed.

    >>> alias_key("  Gazprom   PJSC ") == alias_key("gazprom pjsc")
    True
    """
    return " ".join((name or "").split()).casefold()
