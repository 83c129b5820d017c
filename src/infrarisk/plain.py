"""An asset's band in plain words, from its evidence.

Contract: :func:`explain_asset` takes the asset's row of ``out_exposure__assets`` (with its
terminals for a port, its landing row for a landing station), the evidence of
:meth:`infrarisk.explain.Explainer.asset` and the risk profile, and returns sentences.

Wording (DESIGN §3): sentences state what the sources say — "X holds 24.99% of Y",
"X is named as direct parent of Y by the source" — with their dates and sources; control
is said only where the control rule is met ("is controlled by" follows the control chain
the resolver established, with its basis). The word *risk* appears only beside the dated
source the profile cites for listing a country; everything else about where a chain
leads is context. How each interest type is worded comes from ``vocab/interest_types.csv``.

Examples
--------
>>> holder = {"owner_name": "COSCO SHIPPING Ports Limited", "share": "24.99%", "interest_type": "shareholding",
...           "status": "current", "is_current": True, "as_of": "2023-05", "source_title": "HHLA",
...           "source_url": "https://example.org/hhla", "owner_country": "HK"}
>>> stake_sentence(holder, "CTT")
'COSCO SHIPPING Ports Limited (HK) holds 24.99% of CTT (current, 2023-05; source: HHLA <https://example.org/hhla>).'
"""

from __future__ import annotations

from . import vocab
from .fmt import UNDISCLOSED
from .profiles import Profile


def stake_sentence(h: dict, subject: str) -> str:
    """One recorded stake as the source states it (a holder dict of the Explainer)."""
    share = h["share"]
    country = f" ({h['owner_country']})" if h.get("owner_country") else ""
    when = f", {h['as_of']}" if h.get("as_of") else ""
    src = h.get("source_title") or h["source_url"]
    if h["status"] == "exited":
        return (f"{h['owner_name']}{country} is recorded as having exited {subject} (not counted as a holding "
                f"today{when}; source: {src} <{h['source_url']}>).")
    known = vocab.interest_types().get(h["interest_type"])
    verb = known["phrase"] if known else ("has a " + str(h["interest_type"]).replace("_", " ")
                                          + " interest ({share}) in {subject}")
    if share == UNDISCLOSED and "{share} of" in verb:
        verb = verb.replace("{share} of", "an undisclosed share of")
    status = h["status"] + ("" if h["is_current"] else "; not counted as a holding today")
    return (f"{h['owner_name']}{country} {verb.format(share=share, subject=subject)} "
            f"({status}{when}; source: {src} <{h['source_url']}>).")


def _control_sentences(control: dict | None, name: str) -> list[str]:
    if control is None:
        return [f"Control: the sources identify no controller of {name} (no majority, named parent, concession "
                "or stated control)."]
    out = ["Control (each step with its basis and source):"]
    for s in control["steps"]:
        src = "; ".join(f"{x['title']} <{x['url']}>" for x in s["sources"]) or "no source"
        out.append(f"- {s['subject_name']} is controlled by {s['owner_name']} ({s['basis'] or 'control'}, "
                   f"{s['share']}; source: {src}).")
    country = control["country"] or "not known"
    out.append(f"Ultimate controller: {control['ultimate_name']}; its controlling country is {country} "
               f"(established by: {control['country_basis']})."
               + (" The chain ends in a state or state body." if control["reaches_state"] else ""))
    if control["is_loop"]:
        out.append("The control chain ends in a loop of mutual control; no single ultimate controller exists.")
    return out


def _group_sentences(grp: dict, name: str) -> list[str]:
    out = []
    if grp["paths"]:
        out.append(f"Ownership paths from entities controlled from {grp['group_label']} to {name}:")
        for p in grp["paths"]:
            chain = " > ".join([p["steps"][0]["owner_name"], *(s["subject_name"] for s in p["steps"])])
            shares = " x ".join(s["share"] for s in p["steps"])
            top = f" ({p['top_country']})" if p["top_country"] else ""
            out.append(f"- {p['top_name']}{top}: {chain}; {shares} = {p['look_through']} by look-through.")
    srcs = grp["sources"]
    if srcs:
        cites = "; ".join(f"{s['title']} ({s['publisher']}, {s['date']}) <{s['url']}>" for s in srcs)
        out.append(f"The risk profile lists {grp['group_label']} as a high-risk origin on the authority of "
                   f"{cites}.")
    return out


def explain_asset(parts: dict, evidence: dict | None, profile: Profile, group: str | None = None) -> str:
    """Plain-words explanation of one asset's band (see the module docstring).

    Parameters
    ----------
    parts : dict
        ``asset`` (a row of ``out_exposure__assets``), and ``terminals`` (rows of the
        port's terminals) for a port or ``landing`` (its row of ``out_exposure__landings``)
        for a landing station.
    evidence : dict or None
        :meth:`infrarisk.explain.Explainer.asset` of the asset (None: no ownership data).
    profile : Profile
    group : str, optional
        A group id of the profile; default the group behind the band.

    Returns
    -------
    str
    """
    a = parts["asset"]
    name = a["name"]
    kind = str(a["asset_type"]).replace("_", " ")
    lines = [f"{name} ({kind}, {a['country_code'] or 'country not known'}): band '{a['band']}' under the risk "
             f"profile '{profile.name}' ({profile.title})."]
    gid = group or a.get("band_group_id")
    if group is not None and group not in [g.id for g in profile.groups]:
        raise ValueError(f"no risk group {group!r} in profile {profile.name!r}")
    grp = None
    if evidence is not None:
        grp = next((g for g in evidence["groups"] if g["group_id"] == gid), None)
    if grp is not None:
        lines.append(f"For {grp['group_label']}: band '{grp['band']}'. {grp['reason']}")
    else:
        lines.append(str(a["band_reason"]))
    if parts.get("terminals"):
        lines.append("A port is as exposed as its most exposed terminal:")
        for t in parts["terminals"]:
            lines.append(f"- {t['name']} ({t['asset_id']}): band '{t['band']}'. {t['band_reason']}")
        lines.append("Each terminal's own evidence: db.explain(<terminal asset_id>).")
    landing = parts.get("landing")
    if landing:
        lines.append(f"{landing['via_reason']} A landing station takes the band of the cables that land there "
                     "(a 'lands at' relation, not an ownership share).")
    if evidence is None:
        return "\n".join(lines)
    holders = evidence["holders"]
    if holders:
        lines.append("What the sources say:")
        lines.extend("- " + stake_sentence(h, name) for h in holders)
    lines.extend(_control_sentences(evidence["control"], name))
    if grp is not None:
        lines.extend(_group_sentences(grp, name))
    return "\n".join(lines)
