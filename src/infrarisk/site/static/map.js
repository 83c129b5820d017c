/* infrarisk map layer: one GeoJSON layer of circle markers drawn on a shared canvas.
   Popup HTML is built and escaped on the server; data never reaches innerHTML unescaped. */
(function () {
  "use strict";
  var renderer = null;
  window.infrariskLayer = function (map, data, opts) {
    if (!renderer) { renderer = L.canvas({ padding: 0.5 }); }
    var layer = L.geoJSON(data, {
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        return L.circleMarker(latlng, {
          renderer: renderer, radius: p.r || opts.radius, color: "#333", weight: opts.weight,
          fillColor: p.c, fillOpacity: opts.fillOpacity
        });
      },
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(feature.properties.popup, { maxWidth: 400 });
        lyr.bindTooltip(feature.properties.t, { direction: "top" });
      }
    });
    if (opts.show) { layer.addTo(map); }
    return layer;
  };
})();
