/* infrarisk filters: which features match the search and the filters, with live counts.

   A facet lists values; a feature passes a facet when no value is selected or its value
   is selected. The counts of a facet's values are taken over the features that pass every
   other facet (so each count says what ticking that value would give). Controlling country
   and minimum look-through share act together: a feature passes when a selected country
   (or, with none selected, any country other than its host) holds at least the minimum
   share by look-through. The search matches the asset's name, code and parent, and the
   names of every entity that holds, controls or owns it (directly or further up). */
(function () {
  "use strict";
  var ir = window.infrarisk;

  ir.FACETS = [
    { key: "layer", label: "Layers" },
    { key: "band", label: "Band" },
    { key: "vb", label: "Built by (high-risk vendor band)" },
    { key: "cc", label: "Controlling country (held from)" },
    { key: "ms", label: "Minimum look-through share" },
    { key: "ctl", label: "Control" },
    { key: "type", label: "Asset type" },
    { key: "st", label: "Status" },
    { key: "hc", label: "Host country" }
  ];

  ir.Filters = function (store, index) {
    this.store = store;
    this.index = index;
    var n = store.n, scale = index.share_scale;
    this.values = {
      layer: index.layers.map(function (l) { return [l.id, l.label]; }),
      band: index.bands.map(function (b) { return [b.id, b.id]; }),
      cc: index.countries, hc: index.countries,
      ms: index.share_options.map(function (x) { return [String(Math.round(x * 100)), x ? "at least " + ir.pct(x) : "any share"]; }),
      ctl: index.controls, type: index.types, st: index.statuses
    };
    // "built by" (vendors.js): a separate dimension; a feature without a supply row is "not researched"
    this.values.vb = (index.vendor_bands || []).map(function (b) { return [b[0], b[1]]; });
    store.vband = store.vband || (ir.vendorBands ? ir.vendorBands(store, index, ir.raw.layers) : new Int16Array(n).fill(-1));
    this.defaultLayers = index.layers.map(function (l) { return l.shown ? 1 : 0; });
    this.reset();
    // largest share held from abroad, for the table and its sorting
    this.foreign = new Float64Array(n);
    this.foreignCountry = new Int16Array(n).fill(-1);
    for (var i = 0; i < n; i++) {
      var e = store.shares[i];
      if (!e) { continue; }
      for (var k = 0; k < e.length; k += 4) {
        if (e[k] !== store.host[i] && e[k + 1] > this.foreign[i]) { this.foreign[i] = e[k + 1]; this.foreignCountry[i] = e[k]; }
      }
    }
    this.scale = scale;
    this.qmatch = null;
    this._hay = null;
  };

  var P = ir.Filters.prototype;

  P.reset = function () {
    var self = this;
    this.sel = {};
    ["band", "cc", "ctl", "type", "st", "hc"].forEach(function (k) { self.sel[k] = new Uint8Array(self.values[k].length); });
    this.sel.layer = Uint8Array.from(this.defaultLayers);
    this.sel.vb = new Uint8Array(this.values.vb.length);
    this.ms = 0;
    this.q = "";
    this.qmatch = null;
  };

  P.codeIndex = function (key, code) {
    var vals = this.values[key];
    for (var k = 0; k < vals.length; k++) { if (vals[k][0] === code) { return k; } }
    return -1;
  };

  /* Selected codes of a facet (for the permalink). */
  P.selected = function (key) {
    var out = [], s = this.sel[key], vals = this.values[key];
    for (var k = 0; k < s.length; k++) { if (s[k]) { out.push(vals[k][0]); } }
    return out;
  };
  P.setSelected = function (key, codes) {
    var s = this.sel[key];
    s.fill(0);
    for (var j = 0; j < codes.length; j++) { var k = this.codeIndex(key, codes[j]); if (k >= 0) { s[k] = 1; } }
  };

  P.setQuery = function (q) {
    this.q = q;
    var tokens = ir.norm(q).split(/\s+/).filter(Boolean);
    if (!tokens.length) { this.qmatch = null; return; }
    var st = this.store, n = st.n, ents = this.index.entities;
    if (!this._hay) {
      this._hay = new Array(n);
      for (var i = 0; i < n; i++) {
        var p = st.parent[i];
        this._hay[i] = ir.norm(st.names[i] + " " + (st.codes[i] || "") + " " + st.ids[i] + (p >= 0 ? " " + st.names[p] : ""));
      }
      this._entHay = ents.map(function (e) { return ir.norm(e[0]); });
    }
    var m = new Uint8Array(n).fill(1);
    for (var t = 0; t < tokens.length; t++) {
      var tok = tokens[t], hitEnt = new Uint8Array(ents.length);
      for (var e = 0; e < ents.length; e++) { if (this._entHay[e].indexOf(tok) >= 0) { hitEnt[e] = 1; } }
      for (var a = 0; a < n; a++) {
        if (!m[a]) { continue; }
        if (this._hay[a].indexOf(tok) >= 0) { continue; }
        var rel = st.related[a], ok = false;
        if (rel) { for (var r = 0; r < rel.length; r++) { if (hitEnt[rel[r]]) { ok = true; break; } } }
        if (!ok) { m[a] = 0; }
      }
    }
    this.qmatch = m;
  };

  P.any = function (key) { var s = this.sel[key]; for (var k = 0; k < s.length; k++) { if (s[k]) { return true; } } return false; };

  /* Does feature i pass the country/share facet at minimum share ms (a fraction)? */
  P.passShare = function (i, ms, anyCountry) {
    var e = this.store.shares[i];
    if (!anyCountry && ms <= 0) { return true; }
    if (!e) { return false; }
    var min = ms * this.scale - 0.5, s = this.sel.cc, host = this.store.host[i];
    for (var k = 0; k < e.length; k += 4) {
      if ((anyCountry ? s[e[k]] : e[k] !== host) && e[k + 1] >= min) { return true; }
    }
    return false;
  };

  /* Match every feature; counts per facet value over the features passing every other facet. */
  P.run = function () {
    var st = this.store, n = st.n, sel = this.sel, q = this.qmatch;
    var anyC = this.any("cc"), ms = this.ms;
    var on = { band: this.any("band"), ctl: this.any("ctl"), type: this.any("type"), st: this.any("st"), hc: this.any("hc") };
    var counts = {}, self = this;
    Object.keys(this.values).forEach(function (k) { counts[k] = new Int32Array(self.values[k].length); });
    var match = new Uint8Array(n), total = 0, msOpts = this.index.share_options, min = ms * this.scale - 0.5;
    var cols = { band: st.band, ctl: st.control, type: st.type, st: st.status, hc: st.host };
    var simple = ["band", "ctl", "type", "st", "hc"];
    on.vb = this.any("vb"); cols.vb = st.vband; simple.push("vb");
    for (var i = 0; i < n; i++) {
      var nf = 0, which = -1;
      if (!sel.layer[st.layer[i]]) { nf++; which = "layer"; }
      for (var s = 0; s < simple.length && nf < 2; s++) {
        var key = simple[s];
        if (on[key]) { var v = cols[key][i]; if (v < 0 || !sel[key][v]) { nf++; which = key; } }
      }
      if (nf < 2 && !this.passShare(i, ms, anyC)) { nf++; which = "cc"; }
      if (nf < 2 && q && !q[i]) { nf++; which = "q"; }
      if (nf >= 2) { continue; }
      if (nf === 0) { match[i] = 1; total++; }
      // count i for every facet it would pass alone
      if (nf === 0 || which === "layer") { counts.layer[st.layer[i]]++; }
      for (s = 0; s < simple.length; s++) {
        key = simple[s];
        if ((nf === 0 || which === key) && cols[key][i] >= 0) { counts[key][cols[key][i]]++; }
      }
      if (nf === 0 || which === "cc") {
        var e = st.shares[i];
        if (e) { for (var k = 0; k < e.length; k += 4) { if (e[k + 1] >= min) { counts.cc[e[k]]++; } } }
        for (var o = 0; o < msOpts.length; o++) { if (this.passShare(i, msOpts[o], anyC)) { counts.ms[o]++; } }
      }
    }
    this.match = match;
    this.total = total;
    this.counts = counts;
    return { match: match, total: total, counts: counts };
  };

  /* Matching feature indices, sorted for the table. */
  P.sorted = function (key, within) {
    var st = this.store, out = [], m = this.match, fg = this.foreign;
    for (var i = 0; i < st.n; i++) { if (m[i] && (!within || within(i))) { out.push(i); } }
    var names = st.names, cn = this.index.countries, types = this.index.types;
    var byName = function (a, b) { return names[a] < names[b] ? -1 : names[a] > names[b] ? 1 : a - b; };
    var cmp = {
      band: function (a, b) { return st.band[a] - st.band[b] || fg[b] - fg[a] || byName(a, b); },
      share: function (a, b) { return fg[b] - fg[a] || st.band[a] - st.band[b] || byName(a, b); },
      name: byName,
      host: function (a, b) {
        var x = st.host[a] >= 0 ? cn[st.host[a]][1] : "", y = st.host[b] >= 0 ? cn[st.host[b]][1] : "";
        return x < y ? -1 : x > y ? 1 : byName(a, b);
      },
      type: function (a, b) {
        var x = types[st.type[a]][1], y = types[st.type[b]][1];
        return x < y ? -1 : x > y ? 1 : byName(a, b);
      }
    }[key] || byName;
    return out.sort(cmp);
  };
})();
