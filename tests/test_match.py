"""Entity matching: normalisation, the order of the rules, the alias table, the report's accounting."""

from __future__ import annotations

import pytest

from infrarisk.match import Alias, KnownEntity, Mention, is_placeholder, match, normalise


def m(name, row=1, file="gem-europe-gas/stakes.csv", **kw):
    return Mention(name, file.split("/")[0], file, row, "entity_name", f"row {row}", **kw)


GAZPROM = ["Gazprom", "PJSC Gazprom", "Gazprom PJSC"]


@pytest.mark.parametrize("name, key", [
    ("PJSC Gazprom", "gazprom"), ("Gazprom PJSC", "gazprom"), ("GAZPROM", "gazprom"), ("ПАО «Газпром»", "gazprom"),
    ("Eni S.p.A.", "eni"), ("Eni SpA", "eni"), ("ENGIE SA", "engie"), ("Engie", "engie"),
    ("Enagás", "enagas"), ("A/S Norske Shell", "norske shell"), ("AS Eesti Gaas", "eesti gaas"),
    ("E.ON SE", "eon"), ("Energie Beheer Nederland (EBN)", "energie beheer nederland"),
    ("Complexul Energetic Oltenia (CE Oltenia) [TO BE DELETED]", "complexul energetic oltenia"),
    ("Δημόσια Επιχείρηση Ηλεκτρισμού Α.Ε.", "dimosia epicheirisi ilektrismoy"),
    ("America Movil S.A.B. de C.V.", "america movil"), ("AT&T", "at and t"), ("The Carlyle Group", "carlyle group"),
    ("S.A.", "sa"), ("", ""),  # a bare legal form is kept: something must remain
])
def test_normalise(name, key):
    assert normalise(name) == key


def test_placeholders():
    assert all(is_placeholder(x) for x in ("other", "Other", "OTHERS", "unknown", "", "   ", "n.a."))
    assert not any(is_placeholder(x) for x in ("Otherland AS", "Unknown Pleasures Ltd", "Gazprom"))


def test_gazprom_variants_resolve_to_one_known_entity():
    known = [KnownEntity("pjsc-gazprom", "PJSC Gazprom")]
    r = match([m(n, i) for i, n in enumerate(GAZPROM, start=1)], known, [])
    assert {n.entity_id for n in r.names} == {"pjsc-gazprom"}
    assert {n.method for n in r.names} == {"rule"}
    assert r.new_entities == []


def test_gazprom_variants_without_a_known_entity_become_one_new_entity():
    r = match([m(n, i) for i, n in enumerate(GAZPROM, start=1)], [], [])
    assert [e.entity_id for e in r.new_entities] == ["name:gazprom"]
    assert r.new_entities[0].names == sorted(GAZPROM) and r.new_entities[0].n_mentions == 3
    assert {r.entity_of(n) for n in GAZPROM} == {"name:gazprom"}
    assert all(not n.is_matched for n in r.names)  # unmatched to a known entity, but never dropped


def test_other_matches_nothing_and_makes_no_entity():
    known = [KnownEntity("otherco", "Other Co"), KnownEntity("other", "Other")]  # even an entity named like it
    r = match([m("Other"), m("other", 2), m("", 3), m("Unknown", 4)], known, [])
    assert {n.method for n in r.names} == {"placeholder"}
    assert all(n.entity_id is None for n in r.names) and r.new_entities == []
    assert r.entity_of("Other") is None


def test_alias_table_edit_changes_the_result():
    known = [KnownEntity("china-telecom-global", "China Telecom Global Limited"),
             KnownEntity("china-telecom-corp", "China Telecommunications Corporation")]
    ms = [m("China Telecom", 1, "submarine-cables/cable_owners.csv")]
    before = match(ms, known, [])
    assert before.names[0].method == "new" and before.entity_of("China Telecom") == "name:china-telecom"
    alias = Alias("china telecom", "china-telecom-global", "the consortium member", "https://example.org", 1)
    after = match(ms, known, [alias])
    assert (after.names[0].method, after.entity_of("China Telecom")) == ("alias", "china-telecom-global")
    # the alias is undone, or turned into "no match", by editing its row: no code change
    undone = match(ms, known, [Alias("China Telecom", None, "not that one", "https://example.org", 1)])
    assert undone.names[0].method == "no_match" and undone.entity_of("China Telecom") == "name:china-telecom"


def test_alias_no_match_undoes_a_rule_match():
    known = [KnownEntity("orange-s-a", "Orange S.A.")]
    assert match([m("Orange")], known, []).entity_of("Orange") == "orange-s-a"
    r = match([m("Orange")], known, [Alias("Orange", None, "a different Orange", "https://example.org", 2)])
    assert r.names[0].method == "no_match" and r.entity_of("Orange") == "name:orange"
    assert r.counts()["unmatched_by"]["no_match"] == 1


def test_identifier_first_and_never_on_an_empty_id():
    known = [KnownEntity("a", "Alpha Energy", lei="529900T8BM49AURSDO55"), KnownEntity("b", "Beta Energy", lei="")]
    r = match([m("Totally Different Name", 1, lei="529900T8BM49AURSDO55"),
               m("Beta Energy Trading", 2, lei=""), m("Gamma", 3, gem_entity_id="")], known, [])
    by = {n.name: n for n in r.names}
    assert (by["Totally Different Name"].method, by["Totally Different Name"].entity_id) == ("id", "a")
    assert by["Beta Energy Trading"].method != "id" and by["Gamma"].method == "new"  # empty ids merge nothing
    gem = match([m("Some Name", 1, gem_entity_id="E100000001234")], [KnownEntity("x", "X", gem_entity_id="E100000001234")], [])
    assert gem.names[0].method == "id"


def test_fuzzy_uses_the_threshold_and_reports_the_score():
    known = [KnownEntity("antin", "Antin Infrastructure Partners")]
    ms = [m("Antin Infrastucture Partners")]  # a typo in the source
    hit = match(ms, known, [], threshold=92)
    assert hit.names[0].method == "fuzzy" and hit.names[0].entity_id == "antin" and hit.names[0].score >= 92
    assert match(ms, known, [], threshold=99.5).names[0].method == "new"
    assert hit.counts()["fuzzy_threshold"] == 92


def test_ambiguous_names_merge_with_nothing():
    known = [KnownEntity("x1", "Acme Gas AG"), KnownEntity("x2", "Acme Gas GmbH")]
    r = match([m("Acme Gas")], known, [])
    assert r.names[0].method == "ambiguous"
    assert {c[0] for c in r.names[0].candidates} == {"x1", "x2"}
    assert r.entity_of("Acme Gas") == "name:acme-gas"  # an entity of its own, not x1 or x2


def test_matched_plus_unmatched_is_total_and_every_place_is_reported():
    known = [KnownEntity("pjsc-gazprom", "PJSC Gazprom")]
    ms = [m("Gazprom", 1), m("Gazprom", 2), m("Other", 3), m("Nobody Ltd", 4), m("Nobody", 5)]
    r = match(ms, known, [Alias("Nobody", None, "x", "https://example.org", 1)])
    c = r.counts()
    assert c["matched"] + c["unmatched"] == c["total"] == 4
    assert c["mentions"]["total"] == 5
    text = "\n".join(r.report_lines())
    assert "matched + unmatched = 4 = total 4" in text
    assert "gem-europe-gas/stakes.csv:3" in text and "gem-europe-gas/stakes.csv:4" in text
    j = r.to_json()
    assert {n["name"] for n in j["names"]} == {"Gazprom", "Other", "Nobody Ltd", "Nobody"}
    assert [o["row"] for n in j["names"] if n["name"] == "Gazprom" for o in n["occurrences"]] == [1, 2]
