// The sheet's check-in aids: the distance from the phone to each customer before checking in, and the day's
// route started from where the rep is.
(function () {
  "use strict";

  var hints = document.querySelectorAll("[data-distance-to]");
  var fromHere = document.querySelector("[data-route-from-here]");
  if (!("geolocation" in navigator)) {
    return;
  }

  function metres(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b[0] - a[0]) * rad;
    var dLon = (b[1] - a[1]) * rad;
    var h = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function label(distance) {
    if (Math.round(distance) < 1000) {
      return interpolate(gettext("%s m"), [Math.round(distance)]);
    }
    return interpolate(gettext("%s km"), [(distance / 1000).toFixed(distance < 10000 ? 1 : 0)]);
  }

  function show(position) {
    var here = [position.coords.latitude, position.coords.longitude];
    hints.forEach(function (hint) {
      var target = hint.dataset.distanceTo.split(",").map(parseFloat);
      var distance = metres(here, target);
      var radius = parseFloat(hint.dataset.radius);
      var imprecise = position.coords.accuracy > parseFloat(hint.dataset.maxAccuracy);
      var text = interpolate(gettext("You are %s from the customer."), [label(distance)]);
      if (imprecise) {
        text = interpolate(gettext("You are %s from the customer, but your position is imprecise: the check-in will be marked so."), [label(distance)]);
      } else if (distance > radius) {
        text = interpolate(gettext("You are %s from the customer, beyond %s: the check-in will be marked out of range."), [label(distance), label(radius)]);
      }
      hint.textContent = text;
      var doubtful = distance > radius || imprecise;
      hint.classList.toggle("text-danger", doubtful);
      hint.classList.toggle("text-muted", !doubtful);
      hint.hidden = false;
    });
  }

  // Only when the rep already allowed the position: no permission prompt on opening the sheet.
  var ask = function () {
    navigator.geolocation.getCurrentPosition(show, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  };
  var hint = function () {
    hints = document.querySelectorAll("[data-distance-to]");
    if (hints.length && navigator.permissions && navigator.permissions.query) {
      navigator.permissions.query({ name: "geolocation" }).then(function (status) {
        if (status.state === "granted") {
          ask();
        }
      }, function () {});
    }
  };
  hint();
  // A card swapped in after a write (offline-page.js) gets its distance too.
  document.addEventListener("salesops:sheet-changed", hint);

  if (fromHere) {
    fromHere.hidden = false;
    fromHere.addEventListener("click", function () {
      fromHere.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var url = new URL(window.location.href);
          url.searchParams.set("from", position.coords.latitude.toFixed(6) + "," + position.coords.longitude.toFixed(6));
          url.hash = "route";
          window.location.assign(url.toString());
        },
        function () {
          fromHere.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
      );
    });
  }
})();
