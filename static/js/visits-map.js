// The day's map (Leaflet): check-ins in time order, customers' positions and the proposed route.
// With no tile server set it draws on a blank background, so it works without internet.
(function () {
  "use strict";

  var element = document.getElementById("day-map");
  var source = document.getElementById("day-map-data");
  if (!element || !source || !window.L) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var map = L.map(element, { zoomSnap: 0.5 });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
  }
  var bounds = [];
  function point(item) {
    var latlng = [item.lat, item.lon];
    bounds.push(latlng);
    return latlng;
  }
  function label(marker, text) {
    marker.bindTooltip(text, { direction: "top" });
  }

  data.customers.forEach(function (customer) {
    label(
      L.circleMarker(point(customer), { radius: 7, color: "#198754", weight: 2, fillColor: "#fff", fillOpacity: 1 }).addTo(map),
      customer.name
    );
  });

  if (data.route && data.route.stops.length) {
    var route = data.route.stops.map(point);
    if (data.route.start) {
      route.unshift(point({ lat: data.route.start[0], lon: data.route.start[1] }));
    }
    L.polyline(route, { color: "#fd7e14", weight: 3, dashArray: "6 6" }).addTo(map);
    data.route.stops.forEach(function (stop, index) {
      label(L.circleMarker([stop.lat, stop.lon], { radius: 3, color: "#fd7e14" }).addTo(map), index + 1 + ". " + stop.name);
    });
  }

  if (data.track.length) {
    L.polyline(data.track.map(point), { color: "#0d6efd", weight: 3 }).addTo(map);
    data.track.forEach(function (stop, index) {
      var colour = stop.doubtful ? "#dc3545" : "#0d6efd";
      if (stop.doubtful && stop.customer) {
        // How far off the check-in was: a thin line to the customer's stored position.
        L.polyline([[stop.lat, stop.lon], stop.customer], { color: colour, weight: 1, dashArray: "2 4" }).addTo(map);
      }
      label(
        L.circleMarker([stop.lat, stop.lon], { radius: 6, color: colour, fillColor: colour, fillOpacity: 0.9 }).addTo(map),
        index + 1 + ". " + stop.time + " " + stop.name
      );
    });
  }

  if (bounds.length) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
  } else {
    map.setView([31.23, 121.47], 10);
  }
})();
