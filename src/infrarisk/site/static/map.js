/* infrarisk map layers: GeoJSON layers drawn on a shared canvas — points as circle markers,
   lines (cables, pipelines) as polylines — and a filter by status group.
   Popup HTML is built and escaped on the server; data never reaches innerHTML unescaped. */
(function () {
  "use strict";
  var renderer = null;
  var registry = [];
  var hidden = {};

  function shown(feature) {
    var s = feature.properties.s;
    return s === undefined || s === null || !hidden[s];
  }

  function filtered(data) {
    return { type: "FeatureCollection", features: data.features.filter(shown) };
  }

  window.infrariskLayer = function (map, data, opts) {
    if (!renderer) { renderer = L.canvas({ padding: 0.5 }); }
    var layer = L.geoJSON(null, {
      renderer: renderer,
      pointToLayer: function (feature, latlng) {
        var p = feature.properties;
        return L.circleMarker(latlng, {
          renderer: renderer, radius: p.r || opts.radius, color: "#333", weight: opts.weight,
          fillColor: p.c, fillOpacity: opts.fillOpacity
        });
      },
      style: function (feature) {
        if (feature.geometry.type === "Point") { return {}; }
        var p = feature.properties;
        return { color: p.c, weight: p.w || 2, opacity: 0.85 };
      },
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(feature.properties.popup, { maxWidth: 400 });
        lyr.bindTooltip(feature.properties.t, { direction: "top", sticky: feature.geometry.type !== "Point" });
      }
    });
    layer.infrariskData = data;
    layer.addData(data);
    registry.push(layer);
    if (opts.show) { layer.addTo(map); }
    return layer;
  };

  /* One checkbox per status group; unchecking one hides the features of that group in every layer
     (features without a status, such as ports, always stay). */
  window.infrariskStatusFilter = function (map, groups) {
    var control = L.control({ position: "topright" });
    control.onAdd = function () {
      var box = L.DomUtil.create("div", "status-filter leaflet-bar");
      var title = L.DomUtil.create("strong", "", box);
      title.textContent = "Status";
      groups.forEach(function (g) {
        var label = L.DomUtil.create("label", "", box);
        var input = L.DomUtil.create("input", "", label);
        input.type = "checkbox";
        input.checked = true;
        input.value = g;
        label.appendChild(document.createTextNode(" " + g));
        L.DomEvent.on(input, "change", function () {
          hidden[g] = !input.checked;
          registry.forEach(function (layer) {
            layer.clearLayers();
            layer.addData(filtered(layer.infrariskData));
          });
        });
      });
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    control.addTo(map);
    return control;
  };
})();

/* The country choropleth: polygons (and dots for small countries) filled by class, popups built
   and escaped on the server. */
(function () {
  "use strict";
  window.infrariskChoropleth = function (map, data) {
    return L.geoJSON(data, {
      style: function (feature) {
        return { color: "#666", weight: 0.7, fillColor: feature.properties.c, fillOpacity: 0.9 };
      },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: "#333", weight: 1, fillColor: feature.properties.c,
                                        fillOpacity: 1 });
      },
      onEachFeature: function (feature, lyr) {
        lyr.bindPopup(feature.properties.popup, { maxWidth: 360 });
        lyr.bindTooltip(feature.properties.t, { sticky: true });
      }
    }).addTo(map);
  };
})();
