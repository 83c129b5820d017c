/* infrarisk date slider (issue 14): the map and the INGE2 count as of a past date.

   The figures on each date were computed at build time with the same resolution as
   `infrarisk build --as-of` (infrarisk.timeline): this script only looks the stored
   intervals up, it never approximates anything. Its data files are loaded after the first
   paint: data/timeline-inge2.js (a few kB: the dates and the INGE2 count) to build the control,
   data/map/timeline.js (every asset whose band, group, share or control ever differs from
   today's) only when the slider is first used or the link names a date (#...&date=YYYY-MM-DD).

   Map page: the control goes in #timeline-box (under the count); moving it sets each asset's
   band as of the date, rebuilds the canvas batches and runs the app's update (counts, facets,
   table, permalink). The table's band cell and the asset card then also say the share of the
   group behind the band as of the date. Nothing in app.js or detail.js is changed: their
   methods are wrapped on the app object (updateCounts, renderTable, detail.show, stateParams,
   applyHash). INGE2 page: #inge2-date (data-src: the data file) gets the control and the count (the
   number the first <strong> of #inge2-lead starts with) is set as of the date. At the right end the slider shows today's figures. */
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
  function hashDate(hash) {
    var d = new URLSearchParams((hash || "").replace(/^#/, "")).get("date");
    return validDate(d) ? d : null;
  }

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

  /* index of the interval holding `date` in a sorted list of ISO start dates (-1: before the first) */
  function at(starts, d) {
    var lo = 0, hi = starts.length - 1, k = -1;
    while (lo <= hi) { var m = (lo + hi) >> 1; if (starts[m] <= d) { k = m; lo = m + 1; } else { hi = m - 1; } }
    return k;
  }

  function inge2At(data, date) {
    var k = at(data.inge2.map(function (r) { return data.dates[r[0]]; }), date);
    return k < 0 ? [0, 0, 0] : data.inge2[k];
  }

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text) { n.textContent = text; }
    return n;
  }

  /* The control: a labelled range input (one step a day, from the earliest dated fact to the build
     date), buttons to the previous and next change dates and back to today. `onFirstUse()` returns
     a promise of the data; `onDate(iso or null)` runs when the date changes (null: today). */
  function buildControl(box, min, max, onFirstUse, onDate) {
    var lo = days(min), hi = days(max);
    var wrap = el("div", { class: "timeline", role: "group", "aria-labelledby": "timeline-label" });
    var label = el("label", { for: "timeline-range", id: "timeline-label", class: "timeline-label" }, "Data as of ");
    var out = el("output", { id: "timeline-date", for: "timeline-range" }, "today");
    label.appendChild(out);
    var range = el("input", { id: "timeline-range", type: "range", min: String(lo), max: String(hi), step: "1",
                              value: String(hi), "aria-valuetext": "today", "aria-describedby": "timeline-help" });
    var prev = el("button", { type: "button", id: "timeline-prev", "aria-label": "Previous change date", title: "Previous change date" }, "\u25C0");
    var next = el("button", { type: "button", id: "timeline-next", "aria-label": "Next change date", title: "Next change date" }, "\u25B6");
    var today = el("button", { type: "button", id: "timeline-today" }, "Today");
    var help = el("span", { id: "timeline-help", class: "visually-hidden" },
      "From " + min + " to today. Arrow keys move a day, Page Up and Page Down further; the buttons jump to the dates where something changes.");
    var row = el("div", { class: "timeline-row" });
    [prev, range, next, today].forEach(function (n) { row.appendChild(n); });
    wrap.appendChild(label); wrap.appendChild(row); wrap.appendChild(help);
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
      var cur = +range.value, list = state.summary.dates.map(days).concat([lo, hi]);
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
    var todayBand = Uint8Array.from(st.band), rows = null, byIndex = null, ui = null, data = null;
    var box = document.getElementById("timeline-box");
    if (!box) {
      var count = document.getElementById("count");
      box = el("div", { id: "timeline-box", class: "timeline-box" });
      count.parentNode.insertBefore(box, count.nextSibling);
    }
    function prepare(d) {
      if (rows) { return; }
      data = d;
      var ids = index.bands.map(function (x) { return x.id; });
      var code = d.bands.map(function (b) { return ids.indexOf(b); });
      rows = [];
      byIndex = new Map();
      d.ids.forEach(function (id, k) {
        var g = st.byId.get(id);
        if (g === undefined) { return; }
        var r = { g: g, from: d.from[k].map(function (j) { return d.dates[j]; }),
                  band: d.band[k].map(function (c) { return code[c]; }), k: k };
        rows.push(r);
        byIndex.set(g, r);
      });
    }
    /* The figures of asset i as of the date: {band, group label, share text, controls}, or null
       (the asset's figures that day are today's) */
    function asOf(i) {
      if (!state.date || !byIndex || !byIndex.has(i)) { return null; }
      var r = byIndex.get(i), j = at(r.from, state.date);
      if (j < 0) { return null; }
      var k = r.k, grp = data.group[k][j], lo = data.lo[k][j], hi = data.hi[k][j], sc = data.share_scale;
      return { band: index.bands[r.band[j]].id, group: grp >= 0 ? data.groups[grp][1] : null,
               share: lo >= 0 && hi >= 0 ? ir.shareText(lo / sc, hi / sc) : null, controls: !!data.ctl[k][j] };
    }
    state.asOf = asOf;
    function shareWords(f) {
      if (!f || !f.group) { return "no share traced to a high-risk group"; }
      return (f.share ? f.share + " held from " : "held from ") + f.group + (f.controls ? ", controls" : "");
    }
    // the count says the date
    var origCounts = app.updateCounts;
    app.updateCounts = function (res) {
      origCounts.call(app, res);
      if (state.date) {
        var c = document.getElementById("count");
        c.textContent = c.textContent.replace(/\.$/, "") + ", as of " + state.date + ".";
      }
    };
    // the table's band cell: the share of the group behind the band as of the date
    var origTable = app.renderTable;
    function markToday(on) {
      // the largest foreign share and the ultimate controller stay today's: their headers say so
      var ths = document.querySelectorAll("#table-header th");
      [4, 5].forEach(function (k) {
        var th = ths[k], note = th && th.querySelector(".as-today");
        if (th && on && !note) { th.appendChild(el("span", { class: "as-today" }, " (today)")); }
        if (note && !on) { note.parentNode.removeChild(note); }
      });
    }
    app.renderTable = function () {
      origTable.apply(app, arguments);
      markToday(!!state.date);
      if (!state.date) { return; }
      var trs = document.querySelectorAll("#table-body tr[data-index]");
      for (var t = 0; t < trs.length; t++) {
        var i = +trs[t].getAttribute("data-index"), f = asOf(i), cell = trs[t].children[3];
        if (cell) { cell.appendChild(el("span", { class: "as-of-share" }, f ? shareWords(f) : "as today")); }
      }
    };
    // the card: the band and the share as of the date, above today's evidence
    var origShow = app.detail.show;
    app.detail.show = function (i, focus) {
      origShow.call(app.detail, i, focus);
      if (!state.date) { return; }
      var why = app.detail.root.querySelector(".why"), f = asOf(i);
      var p = el("p", { class: "as-of", id: "detail-as-of" }, "As of " + state.date + ": " +
        (f ? f.band + " \u2014 " + shareWords(f) : "the same band and share as today") +
        ". The reason, the shares by country and the evidence below are today's.");
      if (why) { why.parentNode.insertBefore(p, why.nextSibling); }
    };
    function apply(date) {
      var t0 = performance.now();
      state.date = date;
      for (var r = 0; rows && r < rows.length; r++) {
        var row = rows[r], g = row.g, k = date ? at(row.from, date) : -1;
        st.band[g] = k < 0 ? todayBand[g] : row.band[k];
      }
      rebatch(app.canvas, st, nb);
      app.update();
      if (app.selected >= 0) { app.detail.show(app.selected, false); }
      requestAnimationFrame(function () {
        state.repaintMs = performance.now() - t0;
        document.documentElement.setAttribute("data-timeline", date || "today");
      });
    }
    /* while the slider is dragged, only the newest date of each frame is painted */
    var pending = null, scheduled = false;
    function request(date) {
      pending = date;
      if (scheduled) { return; }
      scheduled = true;
      requestAnimationFrame(function () { scheduled = false; apply(pending); });
    }
    function full() { return load("data/map/timeline.js", "timeline").then(function (d) { prepare(d); return d; }); }
    // the permalink carries the date
    var origParams = app.stateParams, origApply = app.applyHash;
    app.stateParams = function () { var p = origParams.call(app); if (state.date) { p.set("date", state.date); } return p; };
    app.applyHash = function (hash) {
      origApply.call(app, hash);
      var d = hashDate(hash);
      if (ui && d !== state.date) { full().then(function () { ui.show(d); apply(d); }); }
    };
    load("data/timeline-inge2.js", "timeline_summary").then(function (sum) {
      ui = buildControl(box, sum.min, sum.max, full, request);
      var d0 = hashDate(initialHash);
      if (d0) { full().then(function () { ui.show(d0); apply(d0); }); }
    });
  }

  // ---------------------------------------------------------------- INGE2 page
  function inge2Page(box) {
    // the count is the number the lead's first <strong> starts with ("21 European ports")
    var src = box.getAttribute("data-src"), n = document.querySelector("#inge2-lead strong"), note = document.getElementById("inge2-as-of");
    var judge = document.getElementById("inge2-judgement"), sar = document.getElementById("inge2-sar");
    var sarN = document.getElementById("inge2-sar-n"), sarRest = document.getElementById("inge2-sar-rest");
    var today = {n: n && n.textContent, judge: judge && judge.textContent, sar: sar && !sar.hidden,
                 sarN: sarN && sarN.textContent, sarRest: sarRest && sarRest.textContent};
    var ui;
    function apply(date) {
      state.date = date;
      // every figure of the lead as of the date: ports, the judgement, those counted only through HK/Macao
      var r = date ? inge2At(state.summary, date) : null;
      if (n) { n.textContent = r ? today.n.replace(/^\d+/, String(r[1])) : today.n; }
      if (judge) {
        judge.textContent = !r ? today.judge : r[1] >= 20
          ? "On that date the sourced data supports the Parliament's order of magnitude."
          : "On that date the sourced data supports fewer than 20.";
      }
      if (sar) { sar.hidden = r ? !r[2] : !today.sar; }
      if (sarN) { sarN.textContent = r ? String(r[2]) : today.sarN; }
      if (sarRest) { sarRest.textContent = r ? String(r[1] - r[2]) : today.sarRest; }
      if (note) {
        note.textContent = date ? "Figures as of " + date + ", from the facts dated on or before it: a stake counts " +
          "from the date of the source that states it, even if it began earlier. The table below lists today's ports." : "";
      }
      var p = new URLSearchParams(location.hash.replace(/^#/, ""));
      if (date) { p.set("date", date); } else { p.delete("date"); }
      var h = p.toString();
      history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
      document.documentElement.setAttribute("data-timeline", date || "today");
    }
    load(src, "timeline_summary").then(function (data) {
      ui = buildControl(box, data.min, data.max, function () { return Promise.resolve(data); }, apply);
      var d = hashDate(location.hash);
      if (d) { ui.show(d); apply(d); }
      window.addEventListener("hashchange", function () {
        var d2 = hashDate(location.hash);
        if (d2 !== state.date) { ui.show(d2); apply(d2); }
      });
    });
  }

  /* The map's app is made once its data files have run (app.js): wait for it, then for its last step. */
  function whenApp(fn, tries) {
    if (ir.app && ir.app.ready) { ir.app.ready.then(function () { fn(ir.app); }); return; }
    if ((tries || 0) < 2400) { setTimeout(function () { whenApp(fn, (tries || 0) + 1); }, 50); }  // up to 2 minutes
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("inge2-date");
    if (box) { inge2Page(box); return; }
    if (document.getElementById("map-data")) { whenApp(mapPage); }
  });
})();
