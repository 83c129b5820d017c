/* infrarisk "built by": the vendor band of each feature and the card's own section (issue 13).

   A separate dimension, never mixed with ownership: the layer files carry a sparse column
   `vband` (indices into index.vendor_bands); a feature without one was not researched
   (no supply row), which is a value of its own, never "none". The filter (filters.js, facet
   "vb") reads infrarisk.vendorBands; the card (detail.js) calls infrarisk.vendorSection.
   Every value from data becomes a text node; links from data are http(s) only. */
(function () {
  "use strict";
  var ir = window.infrarisk, el = ir.el;

  /* Per global feature index, the index of its vendor band in index.vendor_bands ("nr" where absent). */
  ir.vendorBands = function (store, index, layers) {
    var bands = index.vendor_bands || [], out = new Int16Array(store.n).fill(-1), nr = -1;
    bands.forEach(function (b, k) { if (b[0] === "nr") { nr = k; } });
    out.fill(nr);
    (layers || []).forEach(function (l) {
      var s = l.vband;
      if (!s) { return; }
      for (var j = 0; j < s.i.length; j++) { out[l.offset + s.i[j]] = s.v[j]; }
    });
    return out;
  };

  /* A swatch for a vendor band in the filter (decorative: the label says it). */
  ir.vendorSwatch = function (index, k) {
    var b = (index.vendor_bands || [])[k];
    return b ? el("i", { class: "swatch vswatch", style: "border-color:" + b[2], "aria-hidden": "true" }) : null;
  };

  /* A vendor band as a chip: dark text on white, the band's colour as its outline. */
  ir.vendorChip = function (code, label) {
    return el("span", { class: "vband vband-" + code }, label || code);
  };

  function label(index, code) {
    var b = (index.vendor_bands || []).filter(function (x) { return x[0] === code; })[0];
    return b ? b[1] : code;
  }

  function vendorText(v) {
    var bits = [];
    if (v.country) { bits.push("controlled from " + v.country); }
    if (v.controller) { bits.push("controller: " + v.controller); }
    return v.name + (bits.length ? " (" + bits.join("; ") + ")" : "");
  }

  /* The card's "Built by" section: d.vb (site/vendor_site.py card()) or "not researched". */
  ir.vendorSection = function (body, d, index) {
    var vb = d.vb, sec = el("section", { class: "built-by", "aria-labelledby": "built-by-title" });
    sec.appendChild(el("h3", { id: "built-by-title" }, "Built by (vendors; a separate dimension, not ownership)"));
    if (!vb) {
      sec.appendChild(el("p", null, ir.vendorChip("nr", "not researched"), " No supply row names who built this asset's critical components: not researched, which says nothing either way."));
      body.appendChild(sec);
      return sec;
    }
    sec.appendChild(el("p", { class: "vreason" }, ir.vendorChip(vb.band, label(index, vb.band)), " ", vb.reason || ""));
    var cited = {};
    var rows = vb.rows.map(function (r) {
      var vendors = (r.vendors || []).map(function (v, k) {
        if (v.hr) { cited[v.hr.label] = v.hr; }
        return [k ? "; " : "", vendorText(v), v.hr ? el("strong", { class: "hr" }, " \u2014 named high-risk") : null];
      });
      var status = r.status + (r.deadline ? ", deadline " + r.deadline : "");
      var dates = [r.start ? "from " + r.start : null, r.end ? "until " + r.end : null].filter(Boolean).join(", ");
      return el("tr", { class: r.superseded ? "not-current" : null },
        el("td", null, r.comp),
        el("td", null, vendors.length ? vendors : (r.vendor || "not disclosed")),
        el("td", null, r.share ? r.share + (r.basis ? " (" + r.basis + ")" : "") : (r.basis || "not published")),
        el("td", null, status, dates ? el("span", { class: "meta" }, " " + dates) : null,
          r.superseded ? el("span", { class: "meta" }, " (superseded: another row names the vendor)") : null),
        el("td", null, ir.vendorChip(r.band, r.band), " ", ir.link(r.src[0], "source"), r.src[1] ? el("span", { class: "meta" }, " (" + r.src[1] + ")") : null,
          r.review ? el("span", { class: "meta" }, " flagged for review") : null));
    });
    sec.appendChild(el("div", { class: "table-wrap" }, el("table", { class: "supply" },
      el("caption", null, "Supply rows (" + vb.rows.length + ")"),
      el("thead", null, el("tr", null, ["Component", "Vendor", "Share and basis", "Status and dates", "Band and source"].map(function (h) { return el("th", { scope: "col" }, h); }))),
      el("tbody", null, rows))));
    var names = Object.keys(cited).sort();
    if (names.length) {
      sec.appendChild(el("p", { class: "meta" }, "Named high-risk by the risk profile (" + index.profile + "): ",
        names.map(function (n, k) {
          return [k ? "; " : "", n + " \u2014 ", cited[n].sources.map(function (s, j) {
            return [j ? ", " : "", ir.link(s[2], s[0]), " (" + s[1] + ")"];
          })];
        }), "."));
    }
    if (vb.pos) { sec.appendChild(el("p", { class: "meta" }, "Position: " + vb.pos + ".")); }
    body.appendChild(sec);
    return sec;
  };
})();
