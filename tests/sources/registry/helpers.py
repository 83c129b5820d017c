"""Small registry fixtures: valid LEIs, GLEIF CSV rows, BODS statements, PSC lines."""

from __future__ import annotations

import csv
import json
from pathlib import Path

FORMATS = Path(__file__).resolve().parents[4] / "shared" / "data" / "ownership" / "formats"
RR_HEADER = ["Relationship.StartNode.NodeID", "Relationship.StartNode.NodeIDType", "Relationship.EndNode.NodeID",
             "Relationship.EndNode.NodeIDType", "Relationship.RelationshipType", "Relationship.RelationshipStatus",
             "Registration.RegistrationStatus", "Relationship.Period.1.startDate", "Relationship.Period.1.endDate",
             "Relationship.Period.1.periodType", "Relationship.Quantifiers.1.QuantifierAmount",
             "Relationship.Quantifiers.1.QuantifierUnits"]
LEI_HEADER = ["LEI", "Entity.LegalName", "Entity.LegalJurisdiction", "Entity.HeadquartersAddress.Country",
              "Entity.EntityCategory", "Entity.EntityStatus", "Registration.RegistrationStatus", "Entity.NewColumn2031"]


def lei(i: int, prefix: str = "549300") -> str:
    """A well-formed LEI with valid ISO 7064 check digits."""
    base = f"{prefix}{i:012d}"
    check = 98 - int(base + "00") % 97
    return f"{base}{check:02d}"


def write_csv(path: Path, header: list[str], rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in header})
    return path


def lei_row(code: str, name: str, country: str = "DE", category: str = "GENERAL") -> dict:
    return {"LEI": code, "Entity.LegalName": name, "Entity.LegalJurisdiction": country,
            "Entity.HeadquartersAddress.Country": country, "Entity.EntityCategory": category,
            "Entity.EntityStatus": "ACTIVE", "Registration.RegistrationStatus": "ISSUED"}


def rr_row(child: str, parent: str, rtype: str = "IS_DIRECTLY_CONSOLIDATED_BY", start: str = "2018-01-01T00:00:00Z",
           end: str = "", status: str = "ACTIVE", pct: str = "") -> dict:
    return {"Relationship.StartNode.NodeID": child, "Relationship.StartNode.NodeIDType": "LEI",
            "Relationship.EndNode.NodeID": parent, "Relationship.EndNode.NodeIDType": "LEI",
            "Relationship.RelationshipType": rtype, "Relationship.RelationshipStatus": status,
            "Registration.RegistrationStatus": "PUBLISHED", "Relationship.Period.1.startDate": start,
            "Relationship.Period.1.endDate": end, "Relationship.Period.1.periodType": "RELATIONSHIP_PERIOD",
            "Relationship.Quantifiers.1.QuantifierAmount": pct,
            "Relationship.Quantifiers.1.QuantifierUnits": "PERCENTAGE" if pct else ""}


def statement(sid: str, record_id: str, record_type: str, details: dict, status: str = "new",
              date: str = "2026-01-01") -> dict:
    return {"statementId": (sid + "-").ljust(32, "x"), "declarationSubject": record_id, "statementDate": date,
            "publicationDetails": {"publicationDate": date, "bodsVersion": "0.4",
                                   "publisher": {"name": "tests", "uri": "https://example.org"}},
            "source": {"type": ["officialRegister"]}, "recordId": record_id, "recordStatus": status,
            "recordType": record_type, "recordDetails": details}


def bods_entity(sid, rid, name, country="GB", etype="registeredEntity", lei_code=None):
    ids = [{"scheme": "XI-LEI", "id": lei_code}] if lei_code else []
    return statement(sid, rid, "entity", {"isComponent": False, "entityType": {"type": etype}, "name": name,
                                          "identifiers": ids, "jurisdiction": {"code": country, "name": country}})


def bods_rel(sid, rid, subject, party, interests, status="new", date="2026-01-01"):
    return statement(sid, rid, "relationship", {"isComponent": False, "subject": subject, "interestedParty": party,
                                                "interests": interests}, status=status, date=date)


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def psc_line(company: str, psc_id: str, kind: str, natures: list[str], name: str = "A Holder", **data) -> dict:
    d = {"kind": kind, "name": name, "natures_of_control": natures, "notified_on": "2016-04-06",
         "links": {"self": f"/company/{company}/persons-with-significant-control/x/{psc_id}"}, "etag": psc_id}
    d.update(data)
    return {"company_number": company, "data": d}
