/* infrarisk date slider (issue 14): the map and the INGE2 count as of a past date.

   The figures on each date were computed at build time with the same resolution as
   `infrarisk build --as-of` (infrarisk.timeline): this script only looks the stored
   intervals up, it never approximates anything. Its data file (data/map/timeline.js on the
   map, data/timeline-inge2.js on the INGE2 page) is loaded only when the slider is first
   used or the link names a date (#...&date=YYYY-MM-DD), so the first paint never waits.

   Map page: the control goes under the count; moving it sets each asset's band as of the
   date, rebuilds the canvas batches and runs the app's update (counts, table, permalink).
   INGE2 page: the element #inge2-date (data-src: the data file) gets the control and the
   count #inge2-n is set as of the date. At the right end the slider shows today's figures. */
(function () {
  "use strict";
  var ir = window.infrarisk = window.infrarisk || {};
  var DAY = 86400000;
  var state = { data: null, summary: null, waits: {}, date: null };
  var prevData = ir.data;
  ir.data = function (kind, payload) {
    if (kind === "timeline" || kind === "timeline_summary") {
      state[kind === "timeline" ? "data" : "summary"] = payload;
      (state.waits[kind] || [])[0] && state.waits[kind][0](payload);
      return;
    }
    if (prevData) { prevData(kind, payload); }
  };
  ir.timeline = state;
  var initialHash = location.hash;  // read before the app rewrites the address with its own state

  function days(iso) { return Math.round(Date.parse(iso + "T00:00:00Z") / DAY); }
  function iso(d) { return new Date(d * DAY).toISOString().slice(0, 10); }
  function validDate(s) { return typeof s === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s) && isFinite(Date.parse(s + "T00:00:00Z")); }

  var loading = {};
  /* load a data file once (a script element, so file:// works too); kind: what it calls infrarisk.data with */
  function load(src, kind) {
    var have = state[kind === "timeline" ? "data" : "summary"];
    if (have) { return Promise.resolve(have); }
    if (!loading[kind]) {
      loading[kind] = new Promise(function (ok, fail) {
        state.waits[kind] = [ok];
        var s = document.createElement("script");
        s.src = src;
        s.onerror = function () { fail(new Error("could not load " + src)); };
        document.head.appendChild(s);
      });
    }
    return loading[kind];
  }

  /* index of the interval holding `date` in a sorted list of start dates (-1: before the first) */
  function at(starts, d) {
    var lo = 0, hi = starts.length - 1, k = -1;
    while (lo <= hi) { var m = (lo + hi) >> 1; if (starts[m] <= d) { k = m; lo = m + 1; } else { hi = m - 1; } }
    return k;
  }

  function inge2At(data, date) {
    var d = days(date), k = -1;
    for (var j = 0; j < data.inge2.length; j++) { if (days(data.dates[data.inge2[j][0]]) <= d) { k = j; } }
    return k < 0 ? [0, 0, 0] : data.inge2[k];
  }

  /* The control: a range input (one step a day) with its label, and buttons to the previous and
     next change dates. `onDate(iso or null)` runs when the date changes (null: today). */
  function buildControl(box, min, max, onFirstUse, onDate) {
    var el = function (tag, attrs, text) {
      var n = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
      if (text) { n.textContent = text; }
      return n;
    };
    var lo = days(min), hi = days(max);
    var label = el("label", { for: "timeline-range", class: "timeline-label" }, "Date: ");
    var out = el("output", { id: "timeline-date", for: "timeline-range", "aria-live": "polite" }, "today");
    label.appendChild(out);
    var range = el("input", { id: "timeline-range", type: "range", min: String(lo), max: String(hi), step: "1",
                              value: String(hi), "aria-valuetext": "today" });
    var prev = el("button", { type: "button", id: "timeline-prev", "aria-label": "Previous change date" }, "\u25C0 change");
    var next = el("button", { type: "button", id: "timeline-next", "aria-label": "Next change date" }, "change \u25B6");
    var today = el("button", { type: "button", id: "timeline-today" }, "Today");
    var wrap = el("div", { class: "timeline", role: "group", "aria-label": "Show the data as of a date" });
    var row = el("div", { class: "timeline-row" });
    row.appendChild(prev); row.appendChild(range); row.appendChild(next); row.appendChild(today);
    wrap.appendChild(label); wrap.appendChild(row);
    box.appendChild(wrap);
    var ui = { range: range, out: out };
    ui.show = function (date) {
      range.value = String(date ? days(date) : hi);
      out.textContent = date || "today";
      range.setAttribute("aria-valuetext", date || "today");
    };
    function use(fn) {  // every use waits for the data (loaded on the first one, at once afterwards)
      return function (e) { onFirstUse().then(function () { fn(e); }); };
    }
    function setDay(d) { var date = d >= hi ? null : iso(Math.max(lo, d)); ui.show(date); onDate(date); }
    range.addEventListener("input", use(function () { setDay(+range.value); }));
    ["pointerdown", "focus"].forEach(function (ev) { range.addEventListener(ev, use(function () {})); });
    function step(dir) {
      var data = state.summary, cur = +range.value, list = data.dates.map(days).concat([lo, hi]);
      list.sort(function (a, b) { return a - b; });
      var target = dir < 0 ? list.filter(function (d) { return d < cur; }).pop() : list.filter(function (d) { return d > cur; })[0];
      if (target !== undefined) { setDay(target); }
    }
    prev.addEventListener("click", use(function () { step(-1); }));
    next.addEventListener("click", use(function () { step(1); }));
    today.addEventListener("click", use(function () { setDay(hi); }));
    return ui;
  }

  // ---------------------------------------------------------------- map page
  function rebatch(canvas, st, nb) {
    var order = st.layers.map(function () { var o = []; for (var b = 0; b < nb; b++) { o.push([]); } return o; });
    for (var i = 0; i < st.n; i++) { order[st.layer[i]][st.band[i]].push(i); }
    canvas.batches = [];
    for (var li = 0; li < order.length; li++) {
      for (var b2 = nb - 1; b2 >= 0; b2--) {
        if (order[li][b2].length) { canvas.batches.push({ layer: li, band: b2, idx: Int32Array.from(order[li][b2]) }); }
      }
    }
  }

  function mapPage(app) {
    var st = app.store, index = app.index, nb = index.bands.length;
    var todayBand = Uint8Array.from(st.band), rows = null, ui = null;
    var count = document.getElementById("count");
    var box = document.createElement("div");
    count.parentNode.insertBefore(box, count.nextSibling);
    function prepare(data) {
      if (rows) { return; }
      var ids = index.bands.map(function (x) { return x.id; });
      var code = data.bands.map(function (b) { return ids.indexOf(b); });
      rows = [];
      data.ids.forEach(function (id, k) {
        var g = st.byId.get(id);
        if (g === undefined) { return; }
        rows.push({ g: g, from: data.from[k].map(function (j) { return data.dates[j]; }),
                    band: data.band[k].map(function (c) { return code[c]; }) });
      });
    }
    function apply(date) {
      var t0 = performance.now();
      state.date = date;
      for (var r = 0; rows && r < rows.length; r++) {
        var row = rows[r], g = row.g, k = date ? at(row.from, date) : -1;
        st.band[g] = k < 0 ? todayBand[g] : row.band[k];
      }
      rebatch(app.canvas, st, nb);
      app.update();
      if (date) { count.textContent = count.textContent.replace(/\.$/, "") + ", as of " + date + "."; }
      requestAnimationFrame(function () {
        state.repaintMs = performance.now() - t0;
        document.documentElement.setAttribute("data-timeline", date || "today");
      });
    }
    function full() { return load("data/map/timeline.js", "timeline").then(function (data) { prepare(data); return data; }); }
    function fromHash(hash) {
      var d = new URLSearchParams((hash || "").replace(/^#/, "")).get("date");
      return validDate(d) ? d : null;
    }
    // the permalink carries the date
    var origParams = app.stateParams, origApply = app.applyHash;
    app.stateParams = function () { var p = origParams.call(app); if (state.date) { p.set("date", state.date); } return p; };
    app.applyHash = function (hash, isFirst) {
      origApply.call(app, hash, isFirst);
      var d = fromHash(hash);
      if (ui && d !== state.date) { full().then(function () { ui.show(d); apply(d); }); }
    };
    load("data/timeline-inge2.js", "timeline_summary").then(function (sum) {
      ui = buildControl(box, sum.min, sum.max, full, apply);
      var d0 = fromHash(initialHash);
      if (d0) { full().then(function () { ui.show(d0); apply(d0); }); }
    });
  }

  // ---------------------------------------------------------------- INGE2 page
  function inge2Page(box) {
    var src = box.getAttribute("data-src"), n = document.getElementById("inge2-n"), note = document.getElementById("inge2-as-of");
    var todayN = n ? n.textContent : "";
    var ui;
    function apply(date) {
      state.date = date;
      if (n) { n.textContent = date ? String(inge2At(state.summary, date)[1]) : todayN; }
      if (note) { note.textContent = date ? "Count as of " + date + " (the table below lists today's ports)." : ""; }
      var p = new URLSearchParams(location.hash.replace(/^#/, ""));
      if (date) { p.set("date", date); } else { p.delete("date"); }
      var h = p.toString();
      history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
      document.documentElement.setAttribute("data-timeline", date || "today");
    }
    load(src, "timeline_summary").then(function (data) {
      ui = buildControl(box, data.min, data.max, function () { return Promise.resolve(data); }, apply);
      var d = new URLSearchParams(location.hash.replace(/^#/, "")).get("date");
      if (validDate(d)) { ui.show(d); apply(d); }
      window.addEventListener("hashchange", function () {
        var d2 = new URLSearchParams(location.hash.replace(/^#/, "")).get("date");
        d2 = validDate(d2) ? d2 : null;
        if (d2 !== state.date) { ui.show(d2); apply(d2); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("inge2-date");
    if (box) { inge2Page(box); return; }
    if (ir.app) { mapPage(ir.app); }
  });
})();
