/* infrarisk countries page: the choropleth drawn on the map Folium created.

   infrarisk.choropleth(map, data) is called by the page's Folium script with the country
   polygons (and dots for small countries) as GeoJSON; the outlines of data/map/outline.js
   are drawn under them. Popups and tooltips are DOM nodes made of text: nothing from data
   is parsed as HTML. */
(function () {
  "use strict";
  var ir = window.infrarisk, el = ir.el;

  function popup(cc, p) {
    var types = p.types.map(function (t) {
      return el("li", null, t[0] + ": " + t[1] + (t[2] ? ", " + t[2] + " controlled" : ""));
    });
    return el("div", { class: "popup" },
      el("h3", null, p.name + " (" + cc + ")"),
      el("p", null, el("strong", null, String(p.n)), " of " + p.assets + " critical assets controlled from a foreign high-risk country" +
        (p.domestic ? " (" + p.domestic + " controlled from within, counted apart)" : "") + "; " +
        p.high + " in the high band, " + p.elevated + " elevated, " + p.unknown + " unknown."),
      types.length ? el("ul", null, types) : null,
      p.vendor && p.vendor[1] ? el("p", null, "Built by (separate from ownership): " + p.vendor[0] + " of " + p.vendor[1] +
        " mobile networks on a high-risk vendor's radio equipment" + (p.vendor[2].length ? " (" + p.vendor[2].join("; ") + ")" : "") + ".") : null,
      el("p", null, el("a", { href: "#country-" + cc }, "List of its assets")));
  }

  ir.choropleth = function (map, data) {
    ir.map = map;  // the map Folium created (its script runs inside a function, once the deferred scripts have run)
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Countries: Natural Earth (public domain)");
    if (ir.raw.outline) {
      L.geoJSON(ir.raw.outline, {
        interactive: false, style: { color: "#8a8a8a", weight: 0.6, fillColor: "#f3f1ec", fillOpacity: 1 }
      }).addTo(map);
    }
    return L.geoJSON(data, {
      style: function (feature) {
        return { color: "#666", weight: 0.7, fillColor: feature.properties.c, fillOpacity: 0.9 };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#333", weight: 1, fillColor: feature.properties.c, fillOpacity: 1 });
      },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties;
        lyr.bindPopup(function () { return popup(p.cc, p.p); }, { maxWidth: 360 });
        lyr.bindTooltip(function () { return el("span", null, p.t); }, { sticky: true });
      }
    }).addTo(map);
  };
})();
