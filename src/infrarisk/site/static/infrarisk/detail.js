/* infrarisk detail card: one asset's band and why, its ownership graph (share, date and
   sources on each edge), control chain, look-through paths and recorded stakes; what its
   layer adds (a landing station's cables, a cable's landings, GEM's status, capacity and
   context owners); the licence of its data, marked when non-commercial.

   Built from the compact map data at once and from the asset's detail file when it has
   loaded. Every value from data becomes a text node; links from data are http(s) only. */
(function () {
  "use strict";
  var ir = window.infrarisk, el = ir.el;
  var SVG = "http://www.w3.org/2000/svg";

  function svg(tag, attrs) {
    var n = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, String(attrs[k])); });
    return n;
  }

  /* Split a name into at most `max` lines of about `width` characters. */
  function wrap(text, width, max) {
    var words = String(text).split(/\s+/), lines = [], cur = "";
    words.forEach(function (w) {
      if (cur && (cur + " " + w).length > width) { lines.push(cur); cur = w; } else { cur = cur ? cur + " " + w : w; }
    });
    if (cur) { lines.push(cur); }
    if (lines.length > max) { lines = lines.slice(0, max); lines[max - 1] = lines[max - 1].slice(0, width - 1) + "\u2026"; }
    return lines;
  }

  ir.Detail = function (root, app) {
    this.root = root;
    this.app = app;
    this.current = -1;
  };
  var P = ir.Detail.prototype;

  P.close = function () {
    this.root.hidden = true;
    ir.clear(this.root);
    this.current = -1;
  };

  P.show = function (i, focus) {
    var app = this.app, st = app.store, idx = app.index, self = this;
    this.current = i;
    var root = ir.clear(this.root);
    root.hidden = false;
    var band = idx.bands[st.band[i]];
    var host = st.host[i] >= 0 ? idx.countries[st.host[i]] : null;
    root.appendChild(el("button", { type: "button", class: "detail-close", "aria-label": "Close the details", on: { click: function () { app.select(-1); } } }, "\u00d7"));
    root.appendChild(el("h2", { id: "detail-title", tabindex: "-1" }, st.names[i]));
    root.appendChild(el("p", { class: "meta" },
      idx.types[st.type[i]][1], " \u00b7 ", host ? host[1] + " (" + host[0] + ")" : "country unknown",
      st.codes[i] ? " \u00b7 " + st.codes[i] : null, " \u00b7 ", idx.layers[st.layer[i]].label));
    var why = el("p", { class: "why" }, el("span", { class: "band band-" + band.id }, band.id), " ", el("span", { class: "reason" }, "Loading the evidence\u2026"));
    root.appendChild(why);
    var p = st.parent[i];
    if (p >= 0) {
      root.appendChild(el("p", null, "In ", this.assetButton(p), "."));
    }
    var kids = st.children.get(i);
    if (kids && kids.length) {
      root.appendChild(el("h3", null, "Terminals (the port is as exposed as its most exposed terminal)"));
      root.appendChild(el("ul", { class: "kids" }, kids.slice().sort(function (a, b) { return st.band[a] - st.band[b]; }).map(function (k) {
        return el("li", null, el("span", { class: "band band-" + idx.bands[st.band[k]].id }, idx.bands[st.band[k]].id), " ", self.assetButton(k));
      })));
    }
    var sh = st.shares[i];
    if (sh) {
      var items = [];
      for (var k = 0; k < sh.length; k += 4) {
        var c = idx.countries[sh[k]];
        items.push(el("li", null, c[1] + " (" + c[0] + "): " + ir.shareText(sh[k + 1] / idx.share_scale, sh[k + 2] / idx.share_scale) + (sh[k + 3] ? ", controls" : "")));
      }
      root.appendChild(el("h3", null, kids && kids.length ? "Largest look-through share by controlling country, in any terminal" : "Look-through share by controlling country"));
      root.appendChild(el("ul", { class: "shares" }, items));
      root.appendChild(el("p", { class: "meta" }, "Held by or through entities controlled from each country; not additive across countries."));
    }
    var body = el("div", { class: "detail-body" });
    root.appendChild(body);
    if (focus) { root.querySelector("h2").focus(); }
    var shardNo = Math.floor(i / idx.shard_size);
    ir.loadShard(shardNo).then(function (shard) {
      if (self.current !== i) { return; }
      var d = shard.assets[i - shard.first];
      ir.clear(why.querySelector(".reason")).appendChild(document.createTextNode(d.reason || ""));
      self.fill(body, i, d, shard);
      root.setAttribute("data-loaded", "1");
    }, function (err) {
      if (self.current !== i) { return; }
      ir.clear(why.querySelector(".reason")).appendChild(document.createTextNode("The evidence could not be loaded (" + err.message + ")."));
    });
  };

  P.assetButton = function (j, text) {
    var app = this.app;
    return el("button", { type: "button", class: "linklike", on: { click: function () { app.select(j, { fly: true, focus: true }); } } }, text || app.store.names[j]);
  };

  P.fill = function (body, i, d, shard) {
    var ents = shard.ents, srcs = shard.srcs, self = this, idx = this.app.index;
    var name = function (n) { return n < 0 ? self.app.store.names[i] : ents[n][1]; };
    var withCountry = function (n) { return n >= 0 && ents[n][2] ? name(n) + " (controlled from " + ents[n][2] + ")" : name(n); };
    // an entity's own page (everything it holds or controls), where the site has one: a relative link
    var ownerLink = function (n, text) {
      var u = n >= 0 && ents[n][4] && /^owners\/[a-z0-9-]+\.html$/.test(ents[n][4]) ? ents[n][4] : null;
      return u ? el("a", { href: u, class: "owner-link" }, text) : text;
    };
    // the sources numbered once for the graph, the paths and the stakes
    var used = [], num = {};
    var ref = function (s) { if (!(s in num)) { num[s] = used.length + 1; used.push(s); } return num[s]; };
    var refs = function (list) { return list.map(function (s) { return "[" + ref(s) + "]"; }).join(""); };
    if (d.edges && d.edges.length) {
      body.appendChild(el("h3", null, "Ownership chain (current holdings)"));
      body.appendChild(this.graph(i, d, ents, ref, idx));
      if (d.truncated) { body.appendChild(el("p", { class: "meta" }, "Only the first " + d.edges.length + " links are drawn.")); }
      body.appendChild(el("p", { class: "meta" }, "Arrows run from holder to holding; the label is the share, with its sources [n] below. Thick: control. Red outline: controlled from a country the risk profile (" + idx.profile + ") names."));
    }
    if (d.control) {
      var steps = d.control.steps.map(function (s) {
        return [name(s[1]) + " is controlled by " + name(s[0]) + " (" + (s[2] || "control") + (s[3] !== "undisclosed share" ? ", " + s[3] : "") + ") ", refs(s[4])];
      });
      body.appendChild(el("p", { class: "control" }, el("strong", null, "Control: "), steps.map(function (s, k) { return [s, k < steps.length - 1 ? "; " : ". "]; }),
        "Controlling country: " + (d.control.country || "unknown") + (d.control.state ? " (the chain reaches a state body)." : ".")));
    } else if (d.edges && d.edges.length) {
      body.appendChild(el("p", { class: "control" }, el("strong", null, "Control: "), "no controlling holder identified in the sources."));
    }
    (d.groups || []).forEach(function (g) {
      body.appendChild(el("p", null, el("strong", null, "Through entities controlled from " + g.label + " (" + g.share + "):"), " ",
        el("span", { class: "band band-" + g.band }, g.band), " " + g.reason));
      body.appendChild(el("ul", { class: "paths" }, g.paths.map(function (p) {
        return el("li", null, p.steps.map(function (s, k) {
          var who = k === 0 ? name(s[0]) + (p.top ? " (controlled from " + p.top + ")" : "") : "which";
          return [who + " holds " + s[2] + " of " + name(s[1]), " " + refs(s[3]), k < p.steps.length - 1 ? ", " : ""];
        }), " \u2192 " + p.look + " look-through.");
      })));
    });
    var x = d.x || {};
    if (x.via) { body.appendChild(this.via(x.via)); }
    if (d.holders && d.holders.length) {
      var rows = d.holders.map(function (h) {
        return el("tr", { class: h[6] ? null : "not-current" },
          el("td", null, ownerLink(h[0], withCountry(h[0])), h[4] !== "shareholding" ? el("em", null, " " + h[4].replace(/_/g, " ")) : null),
          el("td", null, h[1]), el("td", null, h[2] + (h[3] ? " " + h[3] : ""), self.age(h[7], h[8])), el("td", null, "[" + ref(h[5]) + "]"));
      });
      body.appendChild(el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Recorded stakes (scrolls sideways)" }, el("table", { class: "holders" },
        el("caption", null, "Recorded stakes (current and past)"),
        el("thead", null, el("tr", null, ["Holder", "Share", "Status", "Source"].map(function (h) { return el("th", { scope: "col" }, h); }))),
        el("tbody", null, rows))));
    } else if (!x.via) {
      body.appendChild(el("p", { class: "meta" }, "No ownership stake in this asset is recorded in the sources."));
    }
    this.conflicts(body, d, ents);
    if (x.ctx) {
      body.appendChild(el("p", { class: "meta" }, "Direct owners (GEM; context, not counted beside the parents): " +
        x.ctx.map(function (o) { return o[0] + (o[1] ? " " + o[1] : ""); }).join("; ") + "."));
    }
    if (x.lands) {
      body.appendChild(el("p", { class: "lands" }, el("strong", null, "Lands at"), " (" + x.lands.length + "): ",
        x.lands.map(function (l, k) { return [self.assetLink(l[0], l[1] + (l[2] ? " (" + l[2] + ")" : "")), k < x.lands.length - 1 ? "; " : "."]; })));
    }
    if (used.length) {
      body.appendChild(el("h3", null, "Sources"));
      body.appendChild(el("ol", { class: "sources" }, used.map(function (s) {
        var x = srcs[s];
        return el("li", null, ir.link(x[0], x[1] || x[0]), x[2] || x[3] ? el("span", { class: "meta" }, " (" + [x[3], x[2]].filter(Boolean).join(", ") + ")") : null,
          self.age(x[4], x[5]));
      })));
    }
    var meta = [];
    if (x.st || x.cap || x.yr) {
      meta.push([x.st ? ["Status: ", el("strong", null, x.st)] : null, x.cap ? (x.st ? " \u00b7 " : "") + x.cap[0] + " " + x.cap[1] : null,
        x.yr ? (x.st || x.cap ? " \u00b7 " : "") + x.yr[0] + " " + x.yr[1] : null, ". "]);
    }
    if (x.crosses) { meta.push("Crosses: " + x.crosses.join(", ") + ". "); }
    if (x.url) { meta.push(["Source page: ", ir.link(x.url, x.url), ". "]); }
    if (d.op) { meta.push("Operator: " + d.op + ". "); }
    if (d.wpi) { meta.push("World Port Index number " + d.wpi + ". "); }
    if (d.pos) { meta.push(["Position: " + d.pos[0], d.pos[1] ? [" (", ir.link(d.pos[1], "source"), ")"] : null, ". "]); }
    if (meta.length) { body.appendChild(el("p", { class: "meta" }, meta)); }
    if (ir.vendorSection) { ir.vendorSection(body, d, idx); }  // "built by": its own section (vendors.js)
    var lic = d.lic !== undefined ? shard.lics[d.lic] : null;
    if (lic) {
      body.appendChild(el("p", { class: "meta licence" }, "Data licence: ", ir.link(lic[1], lic[0]),
        lic[2] ? [" \u2014 ", el("strong", null, "non-commercial"), " (may not be used commercially; share alike)"] : null, "."));
    }
  };

  /* Where sources disagree on the seat country or parent of an entity on this card: every reading with its source. */
  P.conflicts = function (body, d, ents) {
    var seen = {}, list = [];
    var add = function (n) { if (n >= 0 && ents[n] && ents[n][5] && !seen[n]) { seen[n] = true; list.push(n); } };
    (d.holders || []).forEach(function (h) { add(h[0]); });
    (d.edges || []).forEach(function (e) { add(e[0]); add(e[1]); });
    if (d.control) { d.control.steps.forEach(function (s) { add(s[0]); add(s[1]); }); }
    (d.groups || []).forEach(function (g) { g.paths.forEach(function (p) { p.steps.forEach(function (s) { add(s[0]); add(s[1]); }); }); });
    if (!list.length) { return; }
    body.appendChild(el("h3", null, "Sources disagree"));
    body.appendChild(el("ul", { class: "conflicts" }, list.map(function (n) {
      var byField = {};
      ents[n][5].forEach(function (c) { (byField[c[0]] = byField[c[0]] || []).push(c); });
      return el("li", null, ents[n][1] + ": ", Object.keys(byField).map(function (f, k) {
        return [k ? "; " : "", f + " ", byField[f].map(function (c, j) {
          return [j ? " or " : "", el("strong", null, c[1]), " (", c[2] ? ir.link(c[2], c[3] || "source") : (c[3] || "source"), ")"];
        })];
      }), ". Both readings are kept" + (byField["seat country"] ? "; the band uses the country that is more exposed" : "") +
        (byField["controlling parent"] ? "; both parent links are in the ownership graph" : "") + ".");
    })));
  };

  /* A landing station's cables: the band it is shown with comes from them ("lands at", not ownership). */
  P.via = function (cables) {
    var self = this;
    var rows = cables.map(function (c) {
      return el("tr", null, el("td", null, self.assetLink(c[0], c[1])),
        el("td", null, el("span", { class: "band band-" + c[2] }, c[2]), c[3] && ["high", "elevated", "low"].indexOf(c[2]) >= 0 ? " " + c[3] : null),
        el("td", null, c[4] ? ir.link(c[4], "TeleGeography") : ""));
    });
    return el("div", { class: "via" },
      el("p", { class: "meta" }, "TeleGeography does not say who owns or operates a landing station: it is shown with the band of the most exposed cable that lands here (a \u201clands at\u201d relation, not an ownership share)."),
      el("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Cables landing here (scrolls sideways)" }, el("table", { class: "holders" },
        el("caption", null, "Cables landing here (" + cables.length + ")"),
        el("thead", null, el("tr", null, ["Cable", "Band", "Source"].map(function (h) { return el("th", { scope: "col" }, h); }))),
        el("tbody", null, rows))));
  };

  /* A button opening a mapped asset by its id, or its name as text when it is not on the map. */
  /* The age of a fact's newest evidence, and its mark when it is to be re-checked (text only). */
  P.age = function (text, mark) {
    if (!text && !mark) { return null; }
    return el("span", { class: mark ? "evidence stale" : "evidence" }, " \u00b7 " + (text || "undated"),
      mark ? el("strong", null, " \u2014 " + mark) : null);
  };

  P.assetLink = function (id, text) {
    var j = this.app.store.byId.get(id);
    return j === undefined ? el("span", null, text) : this.assetButton(j, text);
  };

  /* The ownership graph as SVG: the asset at the bottom, holders above, by longest distance. */
  P.graph = function (i, d, ents, ref, idx) {
    var edges = d.edges, level = { "-1": 0 }, nodes = [-1], k, changed = true, guard = 0;
    edges.forEach(function (e) { if (nodes.indexOf(e[0]) < 0) { nodes.push(e[0]); } if (nodes.indexOf(e[1]) < 0) { nodes.push(e[1]); } });
    while (changed && guard++ < nodes.length + 1) {  // longest path upwards, bounded on loops
      changed = false;
      edges.forEach(function (e) {
        var want = (level[e[1]] || 0) + 1;
        if (e[0] !== e[1] && (level[e[0]] === undefined || level[e[0]] < want) && want <= nodes.length) { level[e[0]] = want; changed = true; }
      });
    }
    var rows = [], maxL = 0;
    nodes.forEach(function (n) { var l = level[n] || 0; maxL = Math.max(maxL, l); (rows[l] = rows[l] || []).push(n); });
    var W = 150, H = 46, GX = 14, GY = 58, pos = {}, width = 0;
    for (k = 0; k <= maxL; k++) { rows[k] = rows[k] || []; width = Math.max(width, rows[k].length * (W + GX)); }
    // order each row by the mean position of what its nodes hold (fewer crossings)
    for (k = 0; k <= maxL; k++) {
      if (k > 0) {
        var mean = function (n) {
          var xs = edges.filter(function (e) { return e[0] === n && pos[e[1]]; }).map(function (e) { return pos[e[1]].x; });
          return xs.length ? xs.reduce(function (a, b) { return a + b; }, 0) / xs.length : 0;
        };
        rows[k].sort(function (a, b) { return mean(a) - mean(b) || a - b; });
      }
      var left = (width - rows[k].length * (W + GX)) / 2 + GX / 2;
      rows[k].forEach(function (n, j) { pos[n] = { x: left + j * (W + GX) + W / 2, y: (maxL - k) * (H + GY) + H / 2 + 4 }; });
    }
    var height = (maxL + 1) * (H + GY) - GY + 8;
    // fits the card down to 70% of its natural size, then scrolls sideways
    var root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", class: "chain", role: "img",
      style: "min-width:" + Math.round(0.7 * width) + "px;max-width:" + width + "px" });
    root.setAttribute("aria-label", "Ownership graph of " + nodes.length + " nodes and " + edges.length + " links; the same facts are listed below as text.");
    var defs = svg("defs");
    var marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    marker.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#444" }));
    defs.appendChild(marker);
    root.appendChild(defs);
    var risk = idx.risk_countries, name = this.app.store.names[i];
    edges.forEach(function (e) {
      var a = pos[e[0]], b = pos[e[1]];
      var x1 = a.x, y1 = a.y + H / 2, x2 = b.x, y2 = b.y - H / 2 - 2;
      if (e[0] === e[1] || !(y2 > y1)) { x2 = b.x + W / 2 - 10; y2 = b.y - H / 2 - 2; }
      var g = svg("g", { class: "edge" + (e[4] ? " control" : "") });
      var t = svg("title");
      t.textContent = (e[0] < 0 ? name : ents[e[0]][1]) + " holds " + e[2] + " of " + (e[1] < 0 ? name : ents[e[1]][1]);
      g.appendChild(t);
      g.appendChild(svg("line", { x1: x1, y1: y1, x2: x2, y2: y2, "marker-end": "url(#arrow)" }));
      var label = svg("text", { x: (x1 + x2) / 2, y: (y1 + y2) / 2 + 4, "text-anchor": "middle", class: "edge-label" });
      label.textContent = e[2] + " " + e[3].map(function (s) { return "[" + ref(s) + "]"; }).join("");
      g.appendChild(label);
      root.appendChild(g);
    });
    nodes.forEach(function (n) {
      var p = pos[n], isAsset = n < 0, ent = isAsset ? null : ents[n];
      var cls = "node" + (isAsset ? " asset band-fill-" + idx.bands[this.app.store.band[i]].id : "") +
        (ent && ent[2] && risk.indexOf(ent[2]) >= 0 ? " risk" : "") + (ent && ent[3] ? " state" : "");
      var g = svg("g", { class: cls });
      g.appendChild(svg("rect", { x: p.x - W / 2, y: p.y - H / 2, width: W, height: H, rx: 5 }));
      var lines = wrap(isAsset ? name : ent[1], 24, 2);
      var sub = isAsset ? "this asset" : (ent[2] ? "controlled from " + ent[2] : "") + (ent[3] ? " \u00b7 state" : "");
      if (sub) { lines.push(sub); }
      var y0 = p.y - (lines.length - 1) * 6.5 + 4;
      lines.forEach(function (line, j) {
        var t = svg("text", { x: p.x, y: y0 + j * 13, "text-anchor": "middle", class: j === lines.length - 1 && sub ? "sub" : "" });
        t.textContent = line;
        g.appendChild(t);
      });
      root.appendChild(g);
    }, this);
    return el("div", { class: "chain-wrap", tabindex: "0", role: "region", "aria-label": "Ownership chain diagram (scrolls sideways)" }, root);
  };
})();
