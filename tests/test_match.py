"""Entity matching: normalisation, the order of the rules, the alias table, the report's accounting."""

from __future__ import annotations

import pytest

from infrarisk.match import Alias, KnownEntity, Mention, RegistryRecord, is_placeholder, match, normalise


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


# --------------------------------------------------------------------------- the registry step (GLEIF legal names)
def lei(base: str) -> str:
    """A well-formed LEI (valid ISO 7064 check digits) from an 18-character base."""
    n = int("".join(str(int(c, 36)) for c in base + "00"))
    return f"{base}{98 - n % 97:02d}"


L1, L2, L3, L4 = lei("5299000000000000A1"), lei("5299000000000000B2"), lei("5299000000000000C3"), lei("5299000000000000D4")
REGISTRY = [
    RegistryRecord(L1, "MYSTERY ENERGY S.A.", "FR", "GENERAL"),
    RegistryRecord(L2, "Twin Oil Ltd", "GB", "GENERAL"),       # two records share a normalised name:
    RegistryRecord(L3, "TWIN OIL AS", "NO", "GENERAL"),        # ambiguous
    RegistryRecord(L4, "Gazprom Export LLC", "RU", "GENERAL"),
]


def test_registry_unique_name_matches_with_its_lei_and_country():
    r = match([m("Mystery Energy SA", 1), m("Mystery Energy S.A.", 2), m("Nobody Ltd", 3)], [], [], registry=REGISTRY)
    by = {n.name: n for n in r.names}
    assert {by["Mystery Energy SA"].method, by["Mystery Energy S.A."].method} == {"registry"}
    assert r.entity_of("Mystery Energy SA") == r.entity_of("Mystery Energy S.A.") == f"lei:{L1}"
    assert by["Mystery Energy SA"].entity_name == "MYSTERY ENERGY S.A." and L1 in by["Mystery Energy SA"].detail
    [e] = r.registry_entities  # one entity per record, however many spellings
    assert (e.entity_id, e.record.lei, e.record.country, e.n_mentions) == (f"lei:{L1}", L1, "FR", 2)
    assert e.names == ["Mystery Energy S.A.", "Mystery Energy SA"]
    assert by["Nobody Ltd"].method == "new" and [x.entity_id for x in r.new_entities] == ["name:nobody"]


def test_registry_names_shared_by_several_records_are_ambiguous():
    r = match([m("Twin Oil")], [], [], registry=REGISTRY)
    n = r.names[0]
    assert n.method == "ambiguous" and not n.is_matched and r.registry_entities == []
    assert [c for c, _ in n.candidates] == [f"lei:{L2}", f"lei:{L3}"]
    assert L2 in n.detail and L3 in n.detail and "GB" in n.detail and "NO" in n.detail
    assert r.entity_of("Twin Oil") == "name:twin-oil"  # an entity of its own, merged with neither record


def test_registry_lei_of_a_known_entity_resolves_to_it():
    known = [KnownEntity("gazprom-export", "OOO Gazprom Eksport", lei=L4)]  # curated, named otherwise
    r = match([m("Gazprom Export LLC")], known, [], registry=REGISTRY)
    assert (r.names[0].method, r.names[0].entity_id, r.names[0].entity_name) == \
        ("registry", "gazprom-export", "OOO Gazprom Eksport")
    assert r.registry_entities == [] and "the LEI of gazprom-export" in r.names[0].detail


def test_registry_comes_after_the_rule_and_before_fuzzy():
    known = [KnownEntity("mystery", "Mystery Energy"), KnownEntity("antin", "Antin Infrastructure Partners")]
    reg = [*REGISTRY, RegistryRecord(lei("5299000000000000E5"), "Antin Infrastucture Partners SAS", "FR")]
    r = match([m("Mystery Energy SA", 1), m("Antin Infrastucture Partners SAS", 2)], known, [], registry=reg)
    by = {n.name: (n.method, n.entity_id) for n in r.names}
    assert by["Mystery Energy SA"] == ("rule", "mystery")                   # a known entity's name wins
    assert by["Antin Infrastucture Partners SAS"][0] == "registry"          # the registry before a fuzzy match


def test_alias_overrides_the_registry():
    ms = [m("Mystery Energy SA"), m("Twin Oil", 2)]
    r = match(ms, [], [Alias("mystery energy sa", None, "another Mystery", "https://example.org", 1),
                       Alias("Twin Oil", f"lei:{L3}", "the Norwegian one", "https://example.org", 2)], registry=REGISTRY)
    by = {n.name: n for n in r.names}
    assert by["Mystery Energy SA"].method == "no_match" and by["Mystery Energy SA"].entity_id == "name:mystery-energy"
    assert (by["Twin Oil"].method, by["Twin Oil"].entity_id) == ("alias", f"lei:{L3}")  # an alias picks a record
    assert [e.record.country for e in r.registry_entities] == ["NO"]


def test_registry_never_matches_placeholders_or_empty_ids():
    reg = [RegistryRecord(lei("5299000000000000F6"), "Other S.A.", "LU"), RegistryRecord("", "Blank Lei Holding AG", "DE"),
           RegistryRecord(lei("5299000000000000G7"), "Unknown", "US")]
    r = match([m("Other"), m("Unknown", 2), m("Blank Lei Holding", 3)], [], [], registry=reg)
    by = {n.name: n.method for n in r.names}
    assert by == {"Other": "placeholder", "Unknown": "placeholder", "Blank Lei Holding": "new"}
    assert r.registry_entities == []


def test_registry_guards_decline_other_legal_forms_and_bare_one_word_names():
    reg = [RegistryRecord(lei("5299000000000000H8"), "SARAS AS", "NO"),
           RegistryRecord(lei("5299000000000000J9"), "AXPO PTY LTD", "AU"),
           RegistryRecord(lei("5299000000000000K1"), "ESSO PETROLEUM COMPANY,LIMITED", "GB")]
    r = match([m("Saras SpA"), m("Axpo", 2), m("Esso Petroleum Co Ltd", 3)], [], [], registry=reg)
    by = {n.name: n for n in r.names}
    assert by["Saras SpA"].method == "new" and "legal form 'spa' differs" in by["Saras SpA"].detail
    assert by["Axpo"].method == "new" and "one-word name" in by["Axpo"].detail and by["Axpo"].declined_lei
    assert by["Esso Petroleum Co Ltd"].method == "registry"  # Co Ltd and Company, Limited are one legal form
    c = r.counts()
    assert c["registry_declined"] == 2 and c["matched_by"]["registry"] == 1
    assert "== registry candidate declined (own entity): 2" in "\n".join(r.report_lines())


def test_registry_counts_and_report_keep_the_totals():
    ms = [m("Mystery Energy SA", 1), m("Twin Oil", 2), m("Other", 3), m("Nobody Ltd", 4), m("Gazprom", 5)]
    r = match(ms, [KnownEntity("pjsc-gazprom", "PJSC Gazprom")], [], registry=REGISTRY)
    c = r.counts()
    assert c["matched_by"] == {"id": 0, "alias": 0, "rule": 1, "registry": 1, "fuzzy": 0, "register": 0, "gem_hq": 0}
    assert c["unmatched_by"] == {"new": 1, "no_match": 0, "ambiguous": 1, "placeholder": 1}
    assert c["matched"] + c["unmatched"] == c["total"] == 5 and c["registry_entities"] == 1
    text = "\n".join(r.report_lines())
    assert "registry 1," in text and "matched + unmatched = 5 = total 5" in text
    assert f"candidates lei:{L2} 100.0, lei:{L3} 100.0" in text
    j = r.to_json()
    assert j["registry_entities"][0]["country"] == "FR" and j["counts"]["matched_by"]["registry"] == 1


def test_lei_helper_makes_valid_leis():
    from infrarisk.validate import lei_checksum_ok
    assert all(lei_checksum_ok(x) for x in (L1, L2, L3, L4))


# --- the owner register's reviewed decisions and GEM's parent -> HQ pairs --------------------------------

from infrarisk.match import Decision, GemParent  # noqa: E402


def gm(name, row, country):
    return Mention(name, "gem-europe-gas", "gem-europe-gas/stakes.csv", row, "entity_name", f"r{row}",
                   asset_country=country)


def test_a_register_decision_picks_one_lei_among_ambiguous_records_and_one_edit_undoes_it():
    ms = [gm("Twin Oil", 1, "GB"), gm("Twin Oil", 2, "NO")]
    before = match(ms, [], [], registry=REGISTRY)
    assert [(n.method, n.entity_id) for n in before.names] == [("ambiguous", "name:twin-oil")]
    pick = Decision("Twin Oil", "gem-europe-gas", f"lei:{L3}", "the Norwegian record: the asset's operator", "", 7)
    r = match(ms, [], [], registry=REGISTRY, decisions=[pick])
    n = r.names[0]
    assert (n.method, n.entity_id, n.is_matched) == ("register", f"lei:{L3}", True)
    assert "owner register row 7" in n.detail and "operator" in n.detail
    assert [e.record.country for e in r.registry_entities] == ["NO"]
    # a wrong decision is undone by one edit of the row: point it elsewhere
    r2 = match(ms, [], [], registry=REGISTRY, decisions=[Decision("Twin Oil", "gem-europe-gas", f"lei:{L2}", "", "", 7)])
    assert r2.names[0].entity_id == f"lei:{L2}"
    assert r.counts()["matched_by"]["register"] == 1 and r.counts()["register_settled_ambiguous"] == 1
    assert len(n.candidates) == 2 and "decides between the 2 GLEIF records" in n.detail


def test_a_decision_with_an_asset_country_splits_the_name_by_country():
    known = [KnownEntity("owner:termo-ro", "Termoelectrica Romania"), KnownEntity("owner:termo-md", "Termoelectrica Moldova")]
    ds = [Decision("Termoelectrica SA", "gem-europe-gas", "owner:termo-ro", "Romanian plants", "", 1),
          Decision("Termoelectrica SA", "gem-europe-gas", "owner:termo-md", "the Chisinau plant", "MD", 2)]
    ms = [gm("Termoelectrica SA", 1, "RO"), gm("Termoelectrica SA", 2, "MD"), gm("Termoelectrica SA", 3, "RO"),
          Mention("Termoelectrica SA", "submarine-cables", "submarine-cables/cable_owners.csv", 1, "owner")]
    r = match(ms, known, [], decisions=ds)
    by = {(n.entity_id, n.method): sorted(m.row for m in n.mentions) for n in r.names}
    assert by == {("owner:termo-ro", "register"): [1, 3], ("owner:termo-md", "register"): [2],
                  ("name:termoelectrica", "new"): [1]}  # the cable mention: no register row for that dataset
    assert all(n.scope for n in r.names)
    assert r.counts()["distinct_names"] == 1 and r.counts()["total"] == 3
    assert r.entity_of("Termoelectrica SA") == "name:termoelectrica"  # the row no decision scopes


def test_the_alias_table_wins_over_a_register_decision_and_says_so():
    known = [KnownEntity("a", "Alpha"), KnownEntity("b", "Beta")]
    r = match([gm("Alpha Co", 1, "FR")], known, [Alias("Alpha Co", "a", "reviewed", "src", 4)],
              decisions=[Decision("Alpha Co", "gem-europe-gas", "b", "register says Beta", "", 9)])
    n = r.names[0]
    assert (n.method, n.entity_id, n.overridden) == ("alias", "a", (9, "b"))
    assert r.counts()["alias_over_register"] == 1


def test_gem_hq_matches_names_nothing_else_matched_and_keeps_two_countries():
    parents = [GemParent("Golden Concord Group", "CN", "https://www.gem.wiki/a", 1),
               GemParent("Golden Concord Group", "HK", "https://www.gem.wiki/b", 2),
               GemParent("PetroVietnam", "VN", "https://www.gem.wiki/c", 3, corrected_from="TH")]
    r = match([gm("Golden Concord Group Ltd", 1, "FR"), gm("PetroVietnam", 2, "FR"), gm("Unknown Co", 3, "FR")],
              [], [], gem_parents=parents)
    got = {n.name: (n.method, n.entity_id) for n in r.names}
    assert got["Golden Concord Group Ltd"] == ("gem_hq", "gemhq:golden-concord-group")
    assert got["PetroVietnam"][0] == "gem_hq" and "corrected" in r.names[1].detail
    assert got["Unknown Co"][0] == "new"
    assert {e.entity_id: e.countries for e in r.gem_hq_entities} == {
        "gemhq:golden-concord-group": ["CN", "HK"], "gemhq:petrovietnam": ["VN"]}
    # a known entity of the same name is matched by its rule first: GEM's pair is not an entity then
    r2 = match([gm("PetroVietnam", 2, "FR")], [KnownEntity("pvn", "PetroVietnam")], [], gem_parents=parents)
    assert (r2.names[0].method, r2.names[0].entity_id) == ("rule", "pvn")


@pytest.mark.parametrize("threshold", [0.0, 60.0, 92.0])
def test_fuzzy_matches_are_those_of_extract_one_key_at_a_time(threshold):
    # short words from a small alphabet: many equal scores, more than ten hits per key
    import random

    from rapidfuzz import fuzz, process

    from infrarisk.match.rules import fuzzy_matches
    rng = random.Random(int(threshold))
    words = ["".join(rng.choice("abc") for _ in range(rng.randint(2, 6))) for _ in range(120)]
    choices = sorted({" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(300)})
    keys = sorted({" ".join(rng.sample(words, rng.randint(1, 3))) for _ in range(60)})
    got = fuzzy_matches(keys, choices, threshold, cells=7 * len(choices))  # chunks of seven keys
    for k in keys:
        want = [(c, s) for c, s, _ in process.extract(k, choices, scorer=fuzz.token_sort_ratio,
                                                       score_cutoff=threshold, limit=10)]
        assert got[k] == want
    # the cut at ten and ties are exercised where many choices pass; at 92 some keys still match
    assert any(len(v) == 10 for v in got.values()) if threshold < 90 else any(got.values())


def _reference_decision_groups(mentions, decisions):
    """The grouping as it was before spellings no decision names went straight to their group."""
    from infrarisk.match import alias_key

    dec = {(alias_key(d.name), d.dataset, d.asset_country): d for d in decisions}
    grouped = {}
    for mm in mentions:
        name = " ".join(mm.name.split())
        k = alias_key(name)
        d = dec.get((k, mm.source_id, mm.asset_country or "")) or dec.get((k, mm.source_id, ""))
        grouped.setdefault((name, d.row if d else 0), (d, []))[1].append(mm)
    return [(name, d, ms) for (name, _), (d, ms) in sorted(grouped.items())]


def test_mentions_group_by_name_and_decision_as_the_reference_groups_them():
    """Spellings that trim to one name share a group in mention order, decided or not; a decision
    reaches its dataset (and asset country) only; ties of file, row and column keep that order."""
    import random

    from infrarisk.match.rules import _decision_groups

    rnd = random.Random(11)
    spellings = ["Acme", " Acme", "Acme  ", "ACME", "Beta SA", "Beta  SA", "Gamma", "gamma "]
    ds = [Decision("acme", "gem", "e1", "r", "", 1), Decision("Acme", "gem", "e2", "r", "MD", 2),
          Decision("BETA SA", "cables", "e3", "r", "", 3)]
    ms = [Mention(rnd.choice(spellings), rnd.choice(["gem", "cables"]), "f.csv", rnd.randint(1, 4),
                  rnd.choice(["owner", "parent"]), f"c{i}", asset_country=rnd.choice(["", "MD", "RO"]))
          for i in range(400)]
    assert _decision_groups(ms, ds) == _reference_decision_groups(ms, ds)
    assert _decision_groups(ms, []) == _reference_decision_groups(ms, [])
    r = match(ms, [KnownEntity("e1", "Acme One"), KnownEntity("e2", "Acme Two"), KnownEntity("e3", "Beta")], [],
              decisions=ds)
    for n in r.names:  # each name's mentions in file, row, column order, ties as listed
        assert n.mentions == sorted(n.mentions, key=lambda x: (x.file, x.row, x.column))
        assert [x.context for x in n.mentions] == [x.context for x in sorted(
            [x for x in ms if " ".join(x.name.split()) == n.name and x in n.mentions],
            key=lambda x: (x.file, x.row, x.column))]
    first = {e.entity_id: e.first for e in r.new_entities}
    for e in r.new_entities:  # the first mention: the first of the sorted mentions of its names
        assert first[e.entity_id] == sorted((x for n in r.names if n.entity_id == e.entity_id for x in n.mentions),
                                            key=lambda x: (x.file, x.row, x.column))[0]


def test_blank_identifiers_match_nothing_and_padded_ones_match():
    known = [KnownEntity("a", "Alpha Energy", lei="529900T8BM49AURSDO55")]
    r = match([m("Totally Different", 1, lei="  "), m("Totally Different", 2, lei=""),
               m("Other Name", 3, lei=" 529900t8bm49aursdo55 ")], known, [])
    by = {n.name: n for n in r.names}
    assert by["Totally Different"].method == "new"
    assert (by["Other Name"].method, by["Other Name"].entity_id) == ("id", "a")
    assert by["Other Name"].detail == "LEI 529900T8BM49AURSDO55"


@pytest.mark.parametrize("threshold", [50.0, 85.0, 92.0, 100.0])
def test_fuzzy_matches_scored_by_length_are_those_of_extract(threshold):
    """Keys of one length scored against the choices of a length that can reach the threshold give
    what extract gives over every choice; strings not plainly spaced are scored against all."""
    import random

    from rapidfuzz import fuzz, process

    from infrarisk.match.rules import fuzzy_matches
    rng = random.Random(int(threshold) + 5)
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 12))) for _ in range(80)]

    def name():
        return " ".join(rng.sample(words, rng.randint(1, 4)))
    choices = sorted({name() for _ in range(400)})
    keys = sorted({name() for _ in range(80)} | {c[:-1] + "x" for c in choices[:40]} | set(choices[40:60]))
    for ks, cs in ((keys, choices), ([*keys[:20], "  odd  spacing ", "é accent"], [*choices, "odd spacing", "e accent"])):
        got = fuzzy_matches(ks, cs, threshold, cells=5 * len(cs))
        assert list(got) == list(ks)
        for k in ks:
            want = [(c, s) for c, s, _ in process.extract(k, cs, scorer=fuzz.token_sort_ratio,
                                                           score_cutoff=threshold, limit=10)]
            assert got[k] == want
    assert any(got.values())
