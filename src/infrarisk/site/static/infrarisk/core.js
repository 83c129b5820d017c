/* infrarisk core: the namespace, the entry point of the data files and of the map Folium
   creates, the feature store and small helpers.

   The page's Folium script creates the Leaflet map and calls infrarisk.attach(map); the
   app (app.js) runs the data files (ir.loadScripts, one task each) and draws on that map.

   Data files (data/map/*.js, data/detail/*.js) are classic scripts that call
   infrarisk.data(kind, payload), so the site also works from file://. Every string that
   comes from data reaches the page only as a text node (el(), textContent): nothing in
   these scripts parses HTML, and links from data are kept only when they are http(s). */
(function () {
  "use strict";
  var ir = window.infrarisk = window.infrarisk || {};
  ir.raw = { index: null, outline: null, layers: [] };
  ir.shards = {};
  ir.map = null;
  var waiting = {};

  /* The map Folium created (the page's own map object: the app never creates another). */
  ir.attach = function (map) { ir.map = map; };

  ir.data = function (kind, payload) {
    if (kind === "index") { ir.raw.index = payload; }
    else if (kind === "outline") { ir.raw.outline = payload; }
    else if (kind === "layer") { ir.raw.layers.push(payload); }
    else if (kind === "detail") {
      ir.shards[payload.shard] = payload;
      (waiting[payload.shard] || []).forEach(function (w) { w.ok(payload); });
      delete waiting[payload.shard];
    }
  };

  /* Run the data files srcs in their order, each in a task of its own (script elements that are
     not async run in order; they are added one per task too, as adding one costs a little):
     a promise that settles once every one has run. */
  ir.loadScripts = function (srcs) {
    var added = Promise.resolve();
    return Promise.all(srcs.map(function (src, k) {
      return new Promise(function (ok, fail) {
        added = added.then(function () {
          var s = document.createElement("script");
          s.src = src;
          s.async = false;
          s.onload = function () { ok(); };
          s.onerror = function () { fail(new Error("could not load " + src)); };
          document.head.appendChild(s);
          return k + 1 < srcs.length ? ir.nextTask() : null;
        });
      });
    }));
  };

  /* Load the detail file of shard k (a script element, so file:// works too). */
  ir.loadShard = function (k) {
    return new Promise(function (ok, fail) {
      if (ir.shards[k]) { ok(ir.shards[k]); return; }
      var first = !waiting[k];
      (waiting[k] = waiting[k] || []).push({ ok: ok, fail: fail });
      if (!first) { return; }
      var s = document.createElement("script");
      s.src = "data/detail/" + ("000" + k).slice(-4) + ".js";
      s.onerror = function () {
        (waiting[k] || []).forEach(function (w) { w.fail(new Error("could not load " + s.src)); });
        delete waiting[k];
        s.remove();
      };
      document.head.appendChild(s);
    });
  };

  /* el("a", {href: url, class: "x"}, "text", child, ...): an element whose strings are text nodes. */
  ir.el = function (tag, attrs) {
    var node = document.createElement(tag);
    var k;
    for (k in attrs || {}) {
      if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] === null || attrs[k] === undefined || attrs[k] === false) { continue; }
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "on") { Object.keys(attrs.on).forEach(function (ev) { node.addEventListener(ev, attrs.on[ev]); }); }
      else { node.setAttribute(k, attrs[k] === true ? "" : String(attrs[k])); }
    }
    for (var i = 2; i < arguments.length; i++) { ir.append(node, arguments[i]); }
    return node;
  };
  ir.append = function (node, child) {
    if (child === null || child === undefined || child === false) { return node; }
    if (Array.isArray(child)) { child.forEach(function (c) { ir.append(node, c); }); return node; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    return node;
  };
  ir.clear = function (node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; };
  /* A link whose target comes from data: http(s) only, opened without the opener. */
  ir.safeUrl = function (u) { return typeof u === "string" && /^https?:\/\//i.test(u) ? u : null; };
  ir.link = function (url, text) {
    var u = ir.safeUrl(url);
    return u ? ir.el("a", { href: u, rel: "noopener noreferrer", target: "_blank" }, text) : ir.el("span", null, text);
  };

  /* 0.2499 -> "24.99%" (as infrarisk.score.pct). */
  ir.pct = function (x) {
    var v = 100 * x;
    if (v > 0 && v < 0.01) { return "<0.01%"; }
    return v.toFixed(2).replace(/0+$/, "").replace(/\.$/, "") + "%";
  };
  ir.shareText = function (lo, hi) {
    return Math.abs(hi - lo) < 1e-9 ? ir.pct(lo) : ir.pct(lo).replace("%", "") + "\u2013" + ir.pct(hi);
  };
  ir.norm = function (s) {
    return String(s || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  };
  /* 5561 -> "5,561" (as toLocaleString("en-GB"), without starting the locale data for integers). */
  ir.fmt = function (n) {
    n = Number(n);
    return Number.isInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",") : n.toLocaleString("en-GB");
  };

  /* Web Mercator in [0, 1] (the projection of Leaflet's default CRS, divided by 256 * 2^zoom). */
  var MAXLAT = 85.0511287798;
  ir.mercX = function (lon) { return (lon + 180) / 360; };
  ir.mercY = function (lat) {
    var l = Math.max(-MAXLAT, Math.min(MAXLAT, lat)) * Math.PI / 180;
    return 0.5 - Math.log(Math.tan(Math.PI / 4 + l / 2)) / (2 * Math.PI);
  };

  function sparse(n, s, fill) {
    var out = new Array(n).fill(fill);
    for (var j = 0; j < s.i.length; j++) { out[s.i[j]] = s.v[j]; }
    return out;
  }

  /* A new task (the browser can paint and take input in between): a MessageChannel message,
     which unlike setTimeout is not clamped to 4 ms when chained. */
  ir.nextTask = function () {
    return new Promise(function (ok) {
      var c = new MessageChannel();
      c.port1.onmessage = function () { c.port1.close(); ok(); };
      c.port2.postMessage(0);
    });
  };
  /* Run step(from, to) over [0, n) in slices of about budget ms each (default 8), one task per
     slice; step is called on at most size items at a time (default 8). */
  ir.chunked = function (n, step, budget, size) {
    budget = budget || 8;
    size = size || 8;
    var from = 0;
    function slice() {
      var t0 = performance.now();
      while (from < n && performance.now() - t0 < budget) {
        var to = Math.min(n, from + size);
        step(from, to);
        from = to;
      }
      return from < n ? ir.nextTask().then(slice) : Promise.resolve();
    }
    return slice();
  };

  /* All layers in one store of columns, indexed by the global feature index: buildStore at
     once, buildStoreAsync in slices of a few milliseconds (a promise of the same store). */
  function newStore(index, layers) {
    layers = layers.slice().sort(function (a, b) { return a.offset - b.offset; });
    var n = 0;
    layers.forEach(function (l) { n += l.n; });
    var st = {
      n: n, ids: new Array(n), names: new Array(n), codes: new Array(n), layer: new Uint16Array(n),
      type: new Int16Array(n), host: new Int16Array(n), band: new Uint8Array(n), status: new Int16Array(n),
      control: new Uint8Array(n), shares: new Array(n), related: new Array(n), controller: new Int32Array(n).fill(-1),
      parent: new Int32Array(n).fill(-1), x: new Float64Array(n), y: new Float64Array(n), parts: new Array(n),
      bbox: new Float64Array(4 * n), kind: new Uint8Array(n), byId: new Map(), children: new Map(), layers: []
    };
    var lix = {};
    index.layers.forEach(function (meta, k) { lix[meta.id] = k; });
    return { st: st, layers: layers, lix: lix, parentIds: [] };
  }

  /* The columns of layer l's features [from, to) (its sparse columns unpacked once, in l._sparse). */
  function fillLayer(b, index, l, from, to) {
    var st = b.st, cs = index.coord_scale, li = b.lix[l.id], o = l.offset;
    var kind = { point: 0, line: 1, polygon: 2 }[index.layers[li].geometry];
    if (!l._sparse) {
      l._sparse = { sh: sparse(l.n, l.shares, null), rel: sparse(l.n, l.related, null),
                    ctl: sparse(l.n, l.controller, -1), par: sparse(l.n, l.parent, null) };
    }
    var sh = l._sparse.sh, rel = l._sparse.rel, ctl = l._sparse.ctl, par = l._sparse.par;
    for (var i = from; i < to; i++) {
      var g = o + i;
      st.ids[g] = l.ids[i]; st.names[g] = l.names[i]; st.codes[g] = l.codes[i];
      st.layer[g] = li; st.type[g] = l.type[i]; st.host[g] = l.host[i]; st.band[g] = l.band[i];
      st.status[g] = l.status[i]; st.control[g] = l.control[i]; st.shares[g] = sh[i]; st.related[g] = rel[i];
      st.controller[g] = ctl[i]; st.kind[g] = kind;
      if (par[i] !== null) { b.parentIds.push([g, par[i]]); }
      st.byId.set(l.ids[i], g);
      if (kind === 0) {
        var lon = l.xy[2 * i] / cs, lat = l.xy[2 * i + 1] / cs;
        st.x[g] = ir.mercX(lon); st.y[g] = ir.mercY(lat);
        st.bbox[4 * g] = st.bbox[4 * g + 2] = st.x[g]; st.bbox[4 * g + 1] = st.bbox[4 * g + 3] = st.y[g];
      } else {
        var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
        st.parts[g] = l.parts[i].map(function (flat) {
          var p = new Float64Array(flat.length);
          for (var j = 0; j < flat.length; j += 2) {
            p[j] = ir.mercX(flat[j] / cs); p[j + 1] = ir.mercY(flat[j + 1] / cs);
            if (p[j] < x0) { x0 = p[j]; } if (p[j] > x1) { x1 = p[j]; }
            if (p[j + 1] < y0) { y0 = p[j + 1]; } if (p[j + 1] > y1) { y1 = p[j + 1]; }
          }
          return p;
        });
        st.bbox[4 * g] = x0; st.bbox[4 * g + 1] = y0; st.bbox[4 * g + 2] = x1; st.bbox[4 * g + 3] = y1;
        st.x[g] = (x0 + x1) / 2; st.y[g] = (y0 + y1) / 2;
      }
    }
    if (to === l.n) { delete l._sparse; }
  }

  function finishStore(b, index) {
    var st = b.st;
    b.parentIds.forEach(function (pc) {
      var p = st.byId.get(pc[1]);
      if (p === undefined) { return; }
      st.parent[pc[0]] = p;
      if (!st.children.has(p)) { st.children.set(p, []); }
      st.children.get(p).push(pc[0]);
    });
    st.layers = index.layers;
    return st;
  }

  /* The country outlines (a GeoJSON FeatureCollection of polygons) pre-projected like the features,
     in slices: a promise of [{parts: [Float64Array], bbox: [x0, y0, x1, y1]}]. */
  ir.projectOutline = function (geojson, budget) {
    var feats = geojson ? geojson.features || [geojson] : [], out = [];
    return ir.chunked(feats.length, function (from, to) {
      for (var f = from; f < to; f++) {
        var g = feats[f].geometry || feats[f], polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
        var parts = [], bb = [Infinity, Infinity, -Infinity, -Infinity];
        polys.forEach(function (poly) {
          poly.forEach(function (ring) {
            var p = new Float64Array(2 * ring.length);
            for (var j = 0; j < ring.length; j++) {
              var x = p[2 * j] = ir.mercX(ring[j][0]), y = p[2 * j + 1] = ir.mercY(ring[j][1]);
              if (x < bb[0]) { bb[0] = x; } if (x > bb[2]) { bb[2] = x; }
              if (y < bb[1]) { bb[1] = y; } if (y > bb[3]) { bb[3] = y; }
            }
            parts.push(p);
          });
        });
        if (parts.length) { out.push({ parts: parts, bbox: bb }); }
      }
    }, budget, 1).then(function () { return out; });
  };

  ir.buildStore = function (index, layers) {
    var b = newStore(index, layers);
    b.layers.forEach(function (l) { fillLayer(b, index, l, 0, l.n); });
    return finishStore(b, index);
  };

  ir.buildStoreAsync = function (index, layers, budget) {
    var b = newStore(index, layers), chain = Promise.resolve();
    b.layers.forEach(function (l) {
      chain = chain.then(function () {
        // a line or polygon can hold thousands of points: one feature per step (points: eight)
        var size = index.layers[b.lix[l.id]].geometry === "point" ? 8 : 1;
        return ir.chunked(l.n, function (from, to) { fillLayer(b, index, l, from, to); }, budget, size);
      });
    });
    return chain.then(function () { return finishStore(b, index); });
  };
})();
