/* infrarisk map page: the map, the search and filters with live counts, the table kept in
   step with them, the detail card, permalinks and downloads of what is shown.

   State lives in the URL fragment (#map=zoom/lat/lon&cc=CN&ms=10&sel=<asset id>...): every
   change rewrites it, and opening the link restores the view, the filters and the selected
   asset. Nothing is sent anywhere; the page reads only the files beside it. */
(function () {
  "use strict";
  var ir = window.infrarisk, el = ir.el;
  var PAGE = 50;
  var SIMPLE = ["band", "ctl", "type", "st", "hc"];
  SIMPLE.push("vb");  // the "built by" band (vendors.js): in permalinks like the others

  /* The app is built in steps of a few milliseconds each (one task per step, so that the page
     stays responsive while the data are decoded; no step is a long task on a phone): the store
     and the outline in slices, the filters, the state the link names, the match, the facets with
     their counts one by one, the canvas painted in slices, the counts, the table sorted then
     listed, the selection, the link and the controls; this.ready is the promise of the last step.
     The stylesheet keeps the space of what comes late. */
  function App() {
    var raw = ir.raw, index = raw.index, self = this, next = ir.nextTask, sel = -1, res = null;
    this.index = index;
    this.sort = "band";
    this.rows = PAGE;
    this.selected = -1;
    this.inView = false;
    this.map = ir.map;  // created by the page's Folium script
    var box = this.map.getContainer();
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "Map of the assets shown. Pan with the arrow keys, zoom with + and -; the table below lists the same assets.");
    this.map.attributionControl.setPrefix(false);
    this.map.attributionControl.addAttribution("Outlines: Natural Earth (public domain)");
    this.detail = new ir.Detail(document.getElementById("detail"), this);
    this.ready = next().then(function () {
      return ir.buildStoreAsync(index, raw.layers, 5);
    }).then(function (st) {
      self.store = st;
      return next();
    }).then(function () {
      self.filters = new ir.Filters(self.store, index);
      return next();
    }).then(function () {
      return ir.projectOutline(raw.outline, 5);
    }).then(function (outline) {
      self.outline = outline;
      self._restoring = true;
      sel = self.readHash(location.hash);
      return next();
    }).then(function () {
      res = self.filters.run();
      return next();
    }).then(function () {
      return self.buildFacets(res);
    }).then(function () {
      self.syncControls();
      self.canvas = new ir.FeatureCanvas(self.store, index.bands, { outline: self.outline, sliced: 5 });
      self.canvas.layerOn = Array.from(self.filters.sel.layer);
      self.canvas.visible = res.match;
      self.canvas.on("featureclick", function (e) { self.select(e.index, {}); });
      return next();
    }).then(function () {
      self.canvas.addTo(self.map);  // the first paint, in slices
      return self.canvas.painting;
    }).then(function () {
      self.updateCounts(res);
      return next();
    }).then(function () {
      self.tableRows = self.filters.sorted(self.sort, self.inView ? self.inBounds() : null);
      return next();
    }).then(function () {
      self.buildTable();  // with its rows in the same task: the columns take their widths once
      self.renderTable(self.tableRows);
      self.started = true;
      // a facet ticked while the app was starting: show what the filters match now
      if (self.filters.match !== res.match) { self.update(); }
      return next();
    }).then(function () {
      if (sel >= 0) { self.select(sel, {}); }
      self._restoring = false;
      return next();
    }).then(function () {
      self.writeHash();  // replacing the history entry can take a while: a task of its own
      return next();
    }).then(function () {
      self.wire();
      self.map.on("moveend", function () {
        if (self.inView) { self.renderTable(); }
        self.writeHash();
      });
      self.markPainted();
    });
  }
  var P = App.prototype;

  /* Record when the features are first on screen (read by the benchmark and the tests). */
  P.markPainted = function () {
    var self = this;
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        ir.paintedAt = performance.now();
        ir.drawn = self.canvas.drawn;
        document.documentElement.setAttribute("data-painted", String(self.canvas.drawn));
      });
    });
  };

  // ------------------------------------------------------------------ facets
  /* The facets, one per task (the space they take is reserved by the stylesheet until the map is painted). */
  P.buildFacets = function (res) {
    var self = this, f = this.filters, box = document.getElementById("facets"), chain = Promise.resolve();
    this.facetItems = {};
    ir.FACETS.forEach(function (facet) { chain = chain.then(function () { build(facet); return ir.nextTask(); }); });
    return chain;
    function build(facet) {
      var key = facet.key, vals = f.values[key], items = [];
      if (!vals.length) { return; }
      var radio = key === "ms";
      var list = el("ul", { class: "facet-list" + (key === "cc" || key === "hc" ? " long" : "") });
      vals.forEach(function (v, k) {
        var id = "f-" + key + "-" + k;
        var input = el("input", { type: radio ? "radio" : "checkbox", id: id, name: "f-" + key, value: v[0] });
        input.addEventListener("change", function () { self.onFacet(key, k, input.checked); });
        var count = el("span", { class: "n" });
        var swatch = key === "band" ? el("i", { class: "swatch", style: "background:" + self.index.bands[k].colour, "aria-hidden": "true" }) : key === "vb" ? ir.vendorSwatch(self.index, k) : null;
        var label = el("label", { for: id }, swatch, key === "cc" || key === "hc" ? v[1] + " (" + v[0] + ")" : v[1], " ", count);
        var li = el("li", null, input, label);
        list.appendChild(li);
        items.push({ li: li, input: input, count: count });
      });
      var extra = null;
      if (key === "layer") {
        var tiles = el("input", { type: "checkbox", id: "f-tiles" });
        tiles.addEventListener("change", function () { self.toggleTiles(tiles.checked); });
        extra = el("p", { class: "tiles" }, tiles, el("label", { for: "f-tiles" }, "Street map background (loads map tiles from CARTO / OpenStreetMap over the internet)"));
      }
      var help = {
        ms: "Held from the selected countries; with none selected, from any one country other than the asset's own.",
        cc: "Countries from which entities hold a look-through share (a port: in any of its terminals).",
        ctl: "Where the asset's ultimate controller is (a port: its most exposed terminal).",
        vb: "Who built its critical components (radio network, cranes, cable system), apart from who owns it. Not researched: no supply row."
      }[key];
      help = help ? el("p", { class: "meta" }, help) : null;
      var fs = el("fieldset", { class: "facet", id: "facet-" + key }, el("legend", null, facet.label), help, list, extra);
      box.appendChild(fs);
      self.facetItems[key] = items;
      self.facetCounts(key, res);
    }
  };

  P.onFacet = function (key, k, checked) {
    var f = this.filters;
    if (key === "ms") { f.ms = this.index.share_options[k]; }
    else { f.sel[key][k] = checked ? 1 : 0; }
    this.rows = PAGE;
    this.update();
  };

  P.syncControls = function () {
    var f = this.filters, self = this;
    Object.keys(this.facetItems).forEach(function (key) {
      self.facetItems[key].forEach(function (it, k) {
        it.input.checked = key === "ms" ? f.ms === self.index.share_options[k] : !!f.sel[key][k];
      });
    });
    document.getElementById("q").value = f.q;
    document.getElementById("in-view").checked = this.inView;
  };

  P.facetCounts = function (key, res) {
    var c = res.counts[key], f = this.filters;
    this.facetItems[key].forEach(function (it, k) {
      it.count.textContent = "(" + ir.fmt(c[k]) + ")";
      // long lists show only values with something to show, and what is ticked
      it.li.hidden = (key === "cc" || key === "hc") && !c[k] && !f.sel[key][k];
    });
  };

  P.updateCounts = function (res) {
    var self = this;
    Object.keys(this.facetItems).forEach(function (key) { self.facetCounts(key, res); });
    var n = this.store.n, words = res.total === n ? "Showing all " + ir.fmt(n) + " assets." :
      "Showing " + ir.fmt(res.total) + " of " + ir.fmt(n) + " assets.";
    document.getElementById("count").textContent = words;
    this.updateShownLicence();
  };

  // ------------------------------------------------------------------ main cycle
  P.update = function () {
    var res = this.filters.run();
    if (!this.started) { return; }  // still starting: the start shows what the filters match then
    this.canvas.layerOn = Array.from(this.filters.sel.layer);
    this.canvas.setVisible(res.match);
    if (this.selected >= 0 && !res.match[this.selected]) { /* keep the card open: the link still names it */ }
    this.updateCounts(res);
    this.renderTable();
    this.writeHash();
  };

  // ------------------------------------------------------------------ table
  var COLUMNS = [["name", "Asset"], ["type", "Type"], ["host", "Host country"], ["band", "Band"],
                 ["share", "Largest share held from abroad"], [null, "Ultimate controller"]];

  P.buildTable = function () {
    var self = this, tr = document.getElementById("table-header");
    this.headers = {};
    COLUMNS.forEach(function (c) {
      var th = el("th", { scope: "col" });
      if (c[0]) {
        var b = el("button", { type: "button", class: "sort", on: { click: function () { self.sort = c[0]; self.rows = PAGE; self.renderTable(); self.writeHash(); } } }, c[1]);
        th.appendChild(b);
        self.headers[c[0]] = th;
      } else { th.textContent = c[1]; }
      tr.appendChild(th);
    });
  };

  P.inBounds = function () {
    var b = this.map.getBounds(), x0 = ir.mercX(b.getWest()), x1 = ir.mercX(b.getEast());
    var y0 = ir.mercY(b.getNorth()), y1 = ir.mercY(b.getSouth()), st = this.store;
    return function (i) {
      var k = 4 * i;
      return st.bbox[k + 2] >= x0 && st.bbox[k] <= x1 && st.bbox[k + 3] >= y0 && st.bbox[k + 1] <= y1;
    };
  };

  /* The table of the assets shown (rows: their sorted indices, when already at hand). */
  P.renderTable = function (rows) {
    var self = this, st = this.store, idx = this.index, f = this.filters;
    rows = rows || f.sorted(this.sort, this.inView ? this.inBounds() : null);
    this.tableRows = rows;
    Object.keys(this.headers).forEach(function (k) { self.headers[k].setAttribute("aria-sort", k === self.sort ? (k === "share" ? "descending" : "ascending") : "none"); });
    var body = ir.clear(document.getElementById("table-body"));
    var frag = document.createDocumentFragment();
    rows.slice(0, this.rows).forEach(function (i) {
      var band = idx.bands[st.band[i]], host = st.host[i] >= 0 ? idx.countries[st.host[i]] : null;
      var fc = f.foreignCountry[i], ctl = st.controller[i];
      var ent = ctl >= 0 ? idx.entities[ctl] : null;
      var tr = el("tr", { "data-index": i, class: i === self.selected ? "selected" : null },
        el("td", null, el("button", { type: "button", class: "linklike", on: { click: function () { self.select(i, { fly: true, focus: true }); } } }, st.names[i]),
          st.codes[i] ? el("span", { class: "meta" }, " " + st.codes[i]) : null),
        el("td", null, idx.types[st.type[i]][1]),
        el("td", null, host ? host[1] : ""),
        el("td", null, el("span", { class: "band band-" + band.id }, band.id)),
        el("td", null, fc >= 0 ? idx.countries[fc][0] + " " + ir.pct(f.foreign[i] / idx.share_scale) : ""),
        el("td", null, ent ? ent[0] + (ent[1] >= 0 ? " (" + idx.countries[ent[1]][0] + ")" : "") : ""));
      frag.appendChild(tr);
    });
    body.appendChild(frag);
    document.getElementById("table-caption").textContent = ir.fmt(rows.length) + (this.inView ? " assets in the map view" : " assets") +
      (rows.length > this.rows ? ", the first " + ir.fmt(this.rows) + " listed" : "") + "; sorted by " +
      COLUMNS.filter(function (c) { return c[0] === self.sort; })[0][1].toLowerCase() + ".";
    var more = document.getElementById("more");
    more.hidden = rows.length <= this.rows;
  };

  // ------------------------------------------------------------------ selection
  P.select = function (i, opts) {
    opts = opts || {};
    this.selected = i;
    this.canvas.select(i);
    var old = document.querySelector("#table-body tr.selected");
    if (old) { old.classList.remove("selected"); }
    if (i < 0) { this.detail.close(); this.writeHash(); return; }
    var row = document.querySelector('#table-body tr[data-index="' + i + '"]');
    if (row) { row.classList.add("selected"); }
    if (opts.fly) {
      var st = this.store, k = 4 * i;
      var ll = L.latLng(lat(st.y[i]), lon(st.x[i]));
      if (st.kind[i] === 0) { this.map.setView(ll, Math.max(this.map.getZoom(), 7)); }
      else { this.map.fitBounds([[lat(st.bbox[k + 3]), lon(st.bbox[k])], [lat(st.bbox[k + 1]), lon(st.bbox[k + 2])]]); }
    }
    this.detail.show(i, !!opts.focus);
    this.writeHash();
  };
  function lon(x) { return x * 360 - 180; }
  function lat(y) { return 360 / Math.PI * Math.atan(Math.exp((0.5 - y) * 2 * Math.PI)) - 90; }

  // ------------------------------------------------------------------ permalinks
  P.stateParams = function () {
    var f = this.filters, c = this.map.getCenter(), p = new URLSearchParams(), self = this;
    p.set("map", this.map.getZoom() + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4));
    if (f.q) { p.set("q", f.q); }
    var layers = f.selected("layer"), dflt = this.index.layers.filter(function (l) { return l.shown; }).map(function (l) { return l.id; });
    if (layers.join(",") !== dflt.join(",")) { p.set("layers", layers.join(",") || "none"); }
    ["band", "cc"].forEach(function (k) { var s = f.selected(k); if (s.length) { p.set(k, s.join(",")); } });
    if (f.ms) { p.set("ms", String(Math.round(f.ms * 100))); }
    SIMPLE.slice(1).forEach(function (k) { var s = f.selected(k); if (s.length) { p.set(k, s.join(",")); } });
    if (this.sort !== "band") { p.set("sort", this.sort); }
    if (this.inView) { p.set("inview", "1"); }
    if (this.selected >= 0) { p.set("sel", this.store.ids[this.selected]); }
    return p;
  };

  P.writeHash = function () {
    if (this._restoring) { return; }
    var h = "#" + this.stateParams().toString();
    if (h !== location.hash) { history.replaceState(null, "", h); }
    this._lastHash = location.hash;
  };

  /* Set the filters, sort and view the fragment names; the index of the asset it selects, or -1. */
  P.readHash = function (hash) {
    var p = new URLSearchParams((hash || "").replace(/^#/, "")), f = this.filters;
    f.reset();
    if (p.has("layers")) { var ls = p.get("layers"); f.setSelected("layer", ls === "none" ? [] : ls.split(",")); }
    ["band", "cc"].concat(SIMPLE.slice(1)).forEach(function (k) { if (p.get(k)) { f.setSelected(k, p.get(k).split(",")); } });
    var ms = parseFloat(p.get("ms") || "0") / 100;
    f.ms = this.index.share_options.filter(function (x) { return Math.abs(x - ms) < 1e-9; })[0] || 0;
    f.setQuery(p.get("q") || "");
    this.sort = ["band", "name", "host", "share", "type"].indexOf(p.get("sort")) >= 0 ? p.get("sort") : "band";
    this.inView = p.get("inview") === "1";
    var view = (p.get("map") || "").split("/").map(Number);
    if (view.length === 3 && view.every(isFinite)) { this.map.setView([view[1], view[2]], view[0], { animate: false }); }
    var sel = p.get("sel");
    return sel && this.store.byId.has(sel) ? this.store.byId.get(sel) : -1;
  };

  P.applyHash = function (hash) {
    this._restoring = true;
    var i = this.readHash(hash);
    this.syncControls();
    this.update();
    this.select(i, {});
    this._restoring = false;
    this.writeHash();
  };

  // ------------------------------------------------------------------ downloads
  /* The most restrictive licence of the layers with something shown. */
  P.shownLicence = function () {
    var idx = this.index, st = this.store, m = this.filters.match, order = idx.licence_order, best = null, rank = -1;
    var on = new Uint8Array(idx.layers.length);
    for (var i = 0; i < st.n; i++) { if (m[i]) { on[st.layer[i]] = 1; } }
    idx.layers.forEach(function (l, k) {
      if (!on[k]) { return; }
      var r = order.indexOf(l.licence);
      if (r < 0) { r = order.length; }
      if (r > rank) { rank = r; best = l.licence; }
    });
    return best;
  };

  P.updateShownLicence = function () {
    var a = document.getElementById("dl-shown-licence"), lic = this.shownLicence();
    a.textContent = lic || "none (nothing shown)";
    a.setAttribute("href", lic ? (this.index.licence_urls[lic] || "sources.html") : "sources.html");
    document.getElementById("dl-shown-nc").textContent = this.index.licence_nc.indexOf(lic) >= 0 ?
      ", non-commercial: what is shown includes non-commercial rows" : "";
  };

  P.shownRecords = function () {
    var st = this.store, idx = this.index, f = this.filters, out = [];
    var rows = this.tableRows || [];
    rows.forEach(function (i) {
      var sh = st.shares[i], shares = [];
      if (sh) { for (var k = 0; k < sh.length; k += 4) { shares.push(idx.countries[sh[k]][0] + " " + ir.shareText(sh[k + 1] / idx.share_scale, sh[k + 2] / idx.share_scale) + (sh[k + 3] ? " (controls)" : "")); } }
      var ctl = st.controller[i];
      out.push({
        i: i,
        props: {
          asset_id: st.ids[i], name: st.names[i], layer: idx.layers[st.layer[i]].id, asset_type: idx.types[st.type[i]][0],
          country_code: st.host[i] >= 0 ? idx.countries[st.host[i]][0] : null, status: idx.statuses[st.status[i]] ? idx.statuses[st.status[i]][0] : null,
          band: idx.bands[st.band[i]].id, shares: shares.join("; "), control: idx.controls[st.control[i]][0],
          ultimate_controller: ctl >= 0 ? idx.entities[ctl][0] : null, code: st.codes[i] || null,
          foreign_share_max: f.foreign[i] / idx.share_scale,
          vendor_band: st.vband && st.vband[i] >= 0 ? idx.vendor_bands[st.vband[i]][0] : null
        }
      });
    });
    return out;
  };

  function csvCell(v) {
    if (v === null || v === undefined) { return ""; }
    var s = String(v);
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) { s = "'" + s; }  // spreadsheets must not read data as formulas
    return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  P.download = function (format) {
    var recs = this.shownRecords(), st = this.store, lic = this.shownLicence(), text, type;
    var licence = { id: lic, url: lic ? this.index.licence_urls[lic] : null, attribution: "infrarisk; sources and attributions: sources.html of the site" };
    if (format === "csv") {
      var cols = ["asset_id", "name", "layer", "asset_type", "country_code", "status", "band", "shares", "control", "ultimate_controller", "code", "foreign_share_max", "vendor_band", "longitude", "latitude"];
      var lines = [cols.join(",")];
      recs.forEach(function (r) {
        r.props.longitude = +lon(st.x[r.i]).toFixed(5); r.props.latitude = +lat(st.y[r.i]).toFixed(5);
        lines.push(cols.map(function (c) { return csvCell(r.props[c]); }).join(","));
      });
      text = lines.join("\n") + "\n"; type = "text/csv";
    } else {
      text = JSON.stringify({
        type: "FeatureCollection", licence: licence,
        features: recs.map(function (r) {
          var i = r.i, geom;
          if (st.kind[i] === 0) { geom = { type: "Point", coordinates: [+lon(st.x[i]).toFixed(5), +lat(st.y[i]).toFixed(5)] }; }
          else {
            var parts = st.parts[i].map(function (p) { var c = []; for (var k = 0; k < p.length; k += 2) { c.push([+lon(p[k]).toFixed(5), +lat(p[k + 1]).toFixed(5)]); } return c; });
            geom = st.kind[i] === 1 ? { type: "MultiLineString", coordinates: parts } : { type: "Polygon", coordinates: parts };
          }
          return { type: "Feature", properties: r.props, geometry: geom };
        })
      }) + "\n";
      type = "application/geo+json";
    }
    var blob = new Blob([text], { type: type }), a = el("a", { href: URL.createObjectURL(blob), download: "infrarisk-shown." + format });
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    return text;
  };

  // ------------------------------------------------------------------ wiring
  P.toggleTiles = function (on) {
    if (!this.tiles) {
      this.tiles = L.tileLayer("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        { attribution: "&copy; OpenStreetMap contributors &copy; CARTO", subdomains: "abcd", maxZoom: 19 });
    }
    if (on) { this.tiles.addTo(this.map); this.tiles.bringToBack(); } else { this.map.removeLayer(this.tiles); }
  };

  P.wire = function () {
    var self = this, q = document.getElementById("q"), timer = null;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.filters.setQuery(q.value); self.rows = PAGE; self.update(); }, 150);
    });
    document.getElementById("filters").addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      self.filters.setQuery(q.value); self.update();
    });
    document.getElementById("reset").addEventListener("click", function (e) {
      e.preventDefault();
      self.filters.reset(); self.inView = false; self.rows = PAGE; self.syncControls(); self.update();
    });
    document.getElementById("in-view").addEventListener("change", function (e) { self.inView = e.target.checked; self.renderTable(); self.writeHash(); });
    document.getElementById("more").addEventListener("click", function () { self.rows += PAGE * 4; self.renderTable(); });
    document.getElementById("dl-csv").addEventListener("click", function () { self.download("csv"); });
    document.getElementById("dl-geojson").addEventListener("click", function () { self.download("geojson"); });
    document.getElementById("copy-link").addEventListener("click", function () {
      var status = document.getElementById("copy-status");
      self.writeHash();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(location.href).then(function () { status.textContent = "Link copied."; },
          function () { status.textContent = "Copy the address in the address bar."; });
      } else { status.textContent = "Copy the address in the address bar: it holds this view."; }
    });
    var toggle = document.getElementById("panel-toggle"), panel = document.getElementById("panel");
    var setPanel = function (open) { toggle.setAttribute("aria-expanded", String(open)); panel.classList.toggle("closed", !open); };
    toggle.addEventListener("click", function () { setPanel(toggle.getAttribute("aria-expanded") !== "true"); self.map.invalidateSize(); });
    if (window.matchMedia && window.matchMedia("(max-width: 700px)").matches) { setPanel(false); }
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && self.selected >= 0) { self.select(-1); } });
    window.addEventListener("hashchange", function () { if (location.hash !== self._lastHash) { self.applyHash(location.hash); } });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var failed = function () { document.getElementById("count").textContent = "The map data could not be loaded."; };
    if (!window.L || !ir.map) { failed(); return; }
    // in a task of its own, after the map's (Folium's) own start
    ir.nextTask().then(function () {
      return ir.loadScripts(JSON.parse(document.getElementById("map-data").textContent));
    }).then(function () {
      if (!ir.raw.index) { failed(); return; }
      ir.app = new App();
    }, failed);
  });
})();
