// The visit sheet on a phone: position on check-in, extra order rows, suggested amounts.
(function () {
  "use strict";

  // Check-in: ask the browser for the position (with its accuracy); submit without it if refused or slow.
  document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.located || !("geolocation" in navigator)) {
        return;
      }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      var done = function () {
        form.dataset.located = "1";
        // requestSubmit, not submit: the offline queue (offline-page.js) takes the write from the submit event.
        form.requestSubmit();
      };
      var timer = window.setTimeout(done, 10000);
      navigator.geolocation.getCurrentPosition(
        function (position) {
          window.clearTimeout(timer);
          form.elements.latitude.value = position.coords.latitude.toFixed(6);
          form.elements.longitude.value = position.coords.longitude.toFixed(6);
          form.elements.accuracy_m.value = Math.min(position.coords.accuracy, 99999999).toFixed(1);
          done();
        },
        function () {
          window.clearTimeout(timer);
          done();
        },
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    });
  });

  // Suggest quantity × unit price as the amount, until the rep types one.
  function suggest(row) {
    var select = row.querySelector("select[name=line_product]");
    var quantity = row.querySelector("input[name=line_quantity]");
    var amount = row.querySelector("input[name=line_amount]");
    var option = select.options[select.selectedIndex];
    var price = option ? parseFloat(option.dataset.price) : NaN;
    var qty = parseFloat(quantity.value);
    if (!isNaN(price) && !isNaN(qty)) {
      amount.placeholder = "¥" + (price * qty).toFixed(2);
    }
  }

  document.addEventListener("input", function (event) {
    var row = event.target.closest("[data-order-row]");
    if (row) {
      suggest(row);
    }
  });
  document.addEventListener("change", function (event) {
    var row = event.target.closest("[data-order-row]");
    if (row) {
      suggest(row);
    }
  });

  document.querySelectorAll("[data-add-order-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var rows = button.closest("[data-order-rows]").querySelectorAll("[data-order-row]");
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll("input").forEach(function (input) {
        input.value = "";
      });
      copy.querySelector("select").selectedIndex = 0;
      button.parentNode.insertBefore(copy, button);
    });
  });
})();
