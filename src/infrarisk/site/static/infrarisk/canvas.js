/* infrarisk canvas layer: every feature of every layer drawn on one canvas, coloured by band.

   One Leaflet layer object for all features (per-feature Leaflet layers stop being usable
   past a few thousand): coordinates are pre-projected to Web Mercator in [0, 1], so a
   redraw is a multiply-add per point; features are batched by layer and band into one path
   per colour. Points are circles (overlaps filled), lines are polylines (wider for the more
   severe bands), polygons are filled rings (even-odd). The first paint can run in slices of a few
   milliseconds (options.sliced), so that rasterizing the whole of Europe is not one long task.
   Hit-testing (click, hover) scans the visible features: a few milliseconds at 100,000. */
(function () {
  "use strict";
  var ir = window.infrarisk;
  var TAU = 2 * Math.PI;

  ir.FeatureCanvas = L.Layer.extend({
    options: { pane: "overlayPane", hitTolerance: 3 },

    initialize: function (store, bands, options) {
      L.setOptions(this, options);
      this.store = store;
      this.colours = bands.map(function (b) { return b.colour; });
      this.lineFactor = bands.map(function (b) { return b.line || 1; });  // the most exposed lines are wider
      this.visible = new Uint8Array(store.n).fill(1);
      this.layerOn = store.layers.map(function (l) { return l.shown ? 1 : 0; });
      this.sizes = store.layers.map(function (l) { return l.size; });
      this.selected = -1;
      this.outline = (options && options.outline) || [];  // from ir.projectOutline, drawn under the features
      this.drawn = 0;
      this.paints = 0;
      this._gen = 0;
      // draw order: layer by layer, least severe band first (most exposed on top)
      var order = store.layers.map(function () { return bands.map(function () { return []; }); });
      for (var i = 0; i < store.n; i++) { order[store.layer[i]][store.band[i]].push(i); }
      var sev = bands.map(function (b, k) { return k; }).reverse();  // bands are listed most severe first
      this.batches = [];
      for (var li = 0; li < order.length; li++) {
        for (var s = 0; s < sev.length; s++) {
          var b = sev[s];
          if (order[li][b].length) { this.batches.push({ layer: li, band: b, idx: Int32Array.from(order[li][b]) }); }
        }
      }
    },

    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "ir-canvas leaflet-zoom-animated");
      this._canvas.setAttribute("aria-hidden", "true");
      this.getPane().appendChild(this._canvas);
      map.on("moveend zoomend viewreset resize", this._reset, this);
      map.on("zoomanim", this._animateZoom, this);
      map.on("click", this._onClick, this);
      map.on("mousemove", this._onMove, this);
      map.on("mouseout", this._hideTip, this);
      // the first paint in slices (options.sliced: its budget in ms), a promise in this.painting
      if (this.options.sliced) { this._size(); this.painting = this.paintSliced(this.options.sliced); }
      else { this._reset(); }
    },

    onRemove: function (map) {
      map.off("moveend zoomend viewreset resize", this._reset, this);
      map.off("zoomanim", this._animateZoom, this);
      map.off("click", this._onClick, this);
      map.off("mousemove", this._onMove, this);
      map.off("mouseout", this._hideTip, this);
      L.DomUtil.remove(this._canvas);
    },

    setVisible: function (mask) { this.visible = mask; this.redraw(); },
    setLayerOn: function (on) { this.layerOn = on; this.redraw(); },
    select: function (i) { this.selected = i; this.redraw(); },

    _reset: function () {
      this._size();
      this.redraw();
    },

    _size: function () {
      var map = this._map, size = map.getSize(), r = window.devicePixelRatio || 1;
      this._topLeft = map.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, this._topLeft);
      this._canvas.width = Math.round(size.x * r);
      this._canvas.height = Math.round(size.y * r);
      this._canvas.style.width = size.x + "px";
      this._canvas.style.height = size.y + "px";
      this._ratio = r;
    },

    _animateZoom: function (e) {
      var map = this._map, scale = map.getZoomScale(e.zoom, map.getZoom());
      var offset = map._latLngToNewLayerPoint(map.containerPointToLatLng([0, 0]), e.zoom, e.center);
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },

    /* The transform from Mercator [0, 1] to canvas pixels for the current view. */
    _view: function () {
      var map = this._map, z = map.getZoom(), s = map.options.crs.scale(z), o = map.getPixelOrigin();
      return { s: s, ox: o.x + this._topLeft.x, oy: o.y + this._topLeft.y, w: map.getSize().x, h: map.getSize().y };
    },

    /* Draw the current view at once (after a move, a filter, a selection). */
    redraw: function () {
      if (!this._map || !this._canvas) { return; }
      this._gen++;  // a sliced paint under way stops
      var p = this._painter();
      while (!p.done()) { p.next(Infinity); }
      this._finish(p);
    },

    /* Draw the current view in slices of about budget ms each (default 6), one task per slice:
       a promise settled once it is all drawn, or once a redraw took over. The canvas rasterizes
       what a task drew when the task ends, outside the script, so a slice costs the script's
       time plus that raster time. Each kind of step (outline fill, point strokes...) learns its
       raster time per unit from the gap until the next slice starts (a new kind: a small probe,
       measured alone), and a slice draws only what its estimate fits in the budget. */
    paintSliced: function (budget) {
      var self = this, gen = ++this._gen, p = this._painter(), rate = {}, js = {}, last = null, tEnd = 0;
      budget = budget || 6;
      this.slices = 0;
      return new Promise(function (ok) {
        function learn(gap) {
          var est = 0, k;
          for (k in last) { est += last[k] * rate[k] || 0; }
          for (k in last) {
            if (last[k] < 1) { continue; }
            // one kind: its own rate; several: each rate scaled by what the whole slice took
            var r = rate[k] === undefined || est <= 0 ? gap / last[k] : rate[k] * gap / est;
            rate[k] = rate[k] === undefined ? r : (rate[k] + r) / 2;
          }
        }
        function slice() {
          if (gen !== self._gen || !self._map) { ok(); return; }
          var t0 = performance.now();
          if (last) { learn(Math.max(t0 - tEnd, 0.01)); }
          var drew = {}, est = 0, any = false;
          while (!p.done()) {
            var key = p.key(), now = performance.now(), left = budget - (now - t0) - est;
            if (rate[key] === undefined) {
              if (any) { break; }  // a new kind starts a slice of its own
              drew[key] = p.next(p.probe());
              break;
            }
            if (left <= 0) { break; }
            var per = rate[key] + (js[key] || 0);
            var u = p.next(per > 0 ? Math.max(1, left / per) : Infinity), t1 = performance.now();
            if (u >= 1) { js[key] = js[key] ? (js[key] + (t1 - now) / u) / 2 : (t1 - now) / u; }
            drew[key] = (drew[key] || 0) + u;
            est += u * rate[key];
            any = true;
          }
          last = drew;
          self.slices++;
          if (p.done()) { self._finish(p); ok(); return; }
          tEnd = performance.now();
          ir.nextTask().then(slice);
        }
        slice();
      });
    },

    _finish: function (p) {
      this.drawn = p.drawn();
      this.paints++;
      this.fire("painted", { drawn: this.drawn });
    },

    /* A painter of the current view (the canvas cleared): the steps are the outline's fill and
       its borders, then per batch (layer and band, least severe first) the features' fill and
       their stroke (lines: the stroke), then the selection. next(max) draws the next piece of
       the current step, at most about max units (a point, or a segment of a line or ring), and
       returns the units it drew. */
    _painter: function () {
      var self = this, ctx = this._canvas.getContext("2d"), v = this._view(), st = this.store, vis = this.visible;
      ctx.setTransform(this._ratio, 0, 0, this._ratio, 0, 0);
      ctx.clearRect(0, 0, v.w, v.h);
      var steps = [], s = 0, j = 0, drawn = 0;
      if (this.outline.length) { steps.push({ key: "of" }, { key: "os" }); }
      this.batches.forEach(function (bt) {
        if (!self.layerOn[bt.layer]) { return; }
        var kind = st.kind[bt.idx[0]];
        if (kind === 1) { steps.push({ key: "l", bt: bt, kind: 1, count: true }); }
        else { steps.push({ key: kind ? "gf" : "pf", bt: bt, kind: kind, count: true }, { key: kind ? "gs" : "ps", bt: bt, kind: kind }); }
      });
      // borders of at most one device pixel: drawn as hairlines, about half the raster time of
      // a stroke just over a pixel wide (0.6 px on a 1.75x phone screen)
      var thin = function (w) { return Math.min(w, 0.99 / self._ratio); };
      var sel = this.selected;
      if (sel >= 0 && vis[sel] && this.layerOn[st.layer[sel]]) { steps.push({ key: "sel" }); }
      return {
        done: function () { return s >= steps.length; },
        key: function () { return steps[s].key; },
        probe: function () { return steps[s].kind === 0 ? 50 : 400; },
        drawn: function () { return drawn; },
        next: function (max) {
          var step = steps[s], units = 0, n;
          if (step.key === "sel") { self._highlight(ctx, sel, v); s++; return 1; }
          ctx.beginPath();
          if (!step.bt) {
            n = self.outline.length;
            for (; j < n && units < max; j++) {
              var o = self.outline[j], b = o.bbox;
              if (b[2] * v.s - v.ox < 0 || b[0] * v.s - v.ox > v.w || b[3] * v.s - v.oy < 0 || b[1] * v.s - v.oy > v.h) { continue; }
              units += self._path(ctx, o.parts, v, true);
            }
            if (step.key === "of") { ctx.fillStyle = "#f3f1ec"; ctx.fill("evenodd"); }
            else { ctx.lineWidth = thin(0.6); ctx.strokeStyle = "#8a8a8a"; ctx.stroke(); }
          } else {
            var bt = step.bt, idx = bt.idx, kind = step.kind, size = self.sizes[bt.layer], pad = size + 2;
            n = idx.length;
            for (; j < n && units < max; j++) {
              var i = idx[j];
              if (!vis[i]) { continue; }
              var k = 4 * i;
              var x0 = st.bbox[k] * v.s - v.ox, y0 = st.bbox[k + 1] * v.s - v.oy;
              var x1 = st.bbox[k + 2] * v.s - v.ox, y1 = st.bbox[k + 3] * v.s - v.oy;
              if (x1 < -pad || x0 > v.w + pad || y1 < -pad || y0 > v.h + pad) { continue; }
              if (step.count) { drawn++; }
              if (kind === 0) {
                ctx.moveTo(x0 + size, y0);
                ctx.arc(x0, y0, size, 0, TAU);
                units++;
              } else {
                units += self._path(ctx, st.parts[i], v, kind === 2);
              }
            }
            var c = self.colours[bt.band];
            if (kind === 1) {
              ctx.lineWidth = size * self.lineFactor[bt.band]; ctx.strokeStyle = c; ctx.lineCap = "round"; ctx.stroke();
            } else if (step.count) {
              // points: overlapping circles both filled (one path or two slices: the same picture)
              ctx.fillStyle = c; ctx.globalAlpha = kind === 2 ? 0.55 : 0.9; ctx.fill(kind === 2 ? "evenodd" : "nonzero"); ctx.globalAlpha = 1;
            } else {
              ctx.lineWidth = thin(kind === 2 ? 0.8 : 0.6); ctx.strokeStyle = "#333"; ctx.stroke();
            }
          }
          if (j >= n) { s++; j = 0; }
          return units;
        }
      };
    },

    /* A path through the parts' points, leaving out steps of under half a pixel (invisible). */
    _path: function (ctx, parts, v, close) {
      var segs = 0;
      for (var p = 0; p < parts.length; p++) {
        var c = parts[p], n = c.length;
        var lx = c[0] * v.s - v.ox, ly = c[1] * v.s - v.oy;
        ctx.moveTo(lx, ly);
        for (var q = 2; q < n; q += 2) {
          var x = c[q] * v.s - v.ox, y = c[q + 1] * v.s - v.oy;
          if (q < n - 2 && Math.abs(x - lx) < 0.5 && Math.abs(y - ly) < 0.5) { continue; }
          ctx.lineTo(x, y); lx = x; ly = y; segs++;
        }
        if (close) { ctx.closePath(); }
      }
      return segs + 1;
    },

    _highlight: function (ctx, i, v) {
      var st = this.store, size = this.sizes[st.layer[i]];
      ctx.beginPath();
      if (st.kind[i] === 0) {
        ctx.arc(st.x[i] * v.s - v.ox, st.y[i] * v.s - v.oy, size + 4, 0, TAU);
      } else {
        this._path(ctx, st.parts[i], v, st.kind[i] === 2);
      }
      ctx.lineWidth = 3; ctx.strokeStyle = "#000"; ctx.stroke();
      ctx.lineWidth = 1.5; ctx.strokeStyle = "#fff"; ctx.stroke();
    },

    /* The topmost visible feature under a layer point, or -1. */
    hit: function (layerPoint) {
      var v = this._view(), st = this.store, px = layerPoint.x - this._topLeft.x, py = layerPoint.y - this._topLeft.y;
      var tol = this.options.hitTolerance;
      for (var k = this.batches.length - 1; k >= 0; k--) {
        var bt = this.batches[k];
        if (!this.layerOn[bt.layer]) { continue; }
        var size = this.sizes[bt.layer], idx = bt.idx, best = -1, bestD = Infinity;
        for (var j = idx.length - 1; j >= 0; j--) {
          var i = idx[j];
          if (!this.visible[i]) { continue; }
          var d = this._distance(i, px, py, v);
          if (d <= (st.kind[i] === 1 ? size * this.lineFactor[bt.band] / 2 : st.kind[i] === 0 ? size : 0) + tol && d < bestD) { best = i; bestD = d; }
        }
        if (best >= 0) { return best; }
      }
      return -1;
    },

    _distance: function (i, px, py, v) {
      var st = this.store, b = 4 * i;
      if (st.kind[i] === 0) {
        var dx = st.x[i] * v.s - v.ox - px, dy = st.y[i] * v.s - v.oy - py;
        return Math.sqrt(dx * dx + dy * dy);
      }
      var pad = 12;
      if (px < st.bbox[b] * v.s - v.ox - pad || px > st.bbox[b + 2] * v.s - v.ox + pad ||
          py < st.bbox[b + 1] * v.s - v.oy - pad || py > st.bbox[b + 3] * v.s - v.oy + pad) { return Infinity; }
      var parts = st.parts[i], best = Infinity, inside = false;
      for (var p = 0; p < parts.length; p++) {
        var c = parts[p];
        for (var q = 2; q < c.length; q += 2) {
          var ax = c[q - 2] * v.s - v.ox, ay = c[q - 1] * v.s - v.oy, bx = c[q] * v.s - v.ox, by = c[q + 1] * v.s - v.oy;
          best = Math.min(best, segDist(px, py, ax, ay, bx, by));
          if (st.kind[i] === 2 && ((ay > py) !== (by > py)) && px < (bx - ax) * (py - ay) / (by - ay) + ax) { inside = !inside; }
        }
      }
      return inside ? 0 : best;
    },

    _onClick: function (e) {
      var i = this.hit(e.layerPoint);
      if (i >= 0) { this.fire("featureclick", { index: i }); }
    },

    _onMove: function (e) {
      var self = this;
      this._lastMove = e;
      if (this._moveQueued) { return; }
      this._moveQueued = true;
      L.Util.requestAnimFrame(function () {
        self._moveQueued = false;
        var ev = self._lastMove, i = self.hit(ev.layerPoint);
        self._map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
        if (i < 0) { self._hideTip(); return; }
        if (!self._tip) { self._tip = L.tooltip({ direction: "top", offset: [0, -6] }); }
        var node = document.createElement("span");
        node.textContent = self.store.names[i];
        self._tip.setLatLng(ev.latlng).setContent(node);
        if (!self._map.hasLayer(self._tip)) { self._tip.addTo(self._map); }
      });
    },

    _hideTip: function () { if (this._tip && this._map) { this._map.removeLayer(this._tip); } }
  });

  function segDist(px, py, ax, ay, bx, by) {
    var dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
    var t = len ? Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len)) : 0;
    var x = ax + t * dx - px, y = ay + t * dy - py;
    return Math.sqrt(x * x + y * y);
  }
})();
