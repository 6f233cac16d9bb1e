// The visit sheet on a phone: position on check-in, extra order rows, suggested amounts.
(function () {
  "use strict";

  // Check-in: ask the browser for the position (with its accuracy); submit without it if refused or slow. Listened
  // to on the document while capturing, so it runs before the offline queue takes the write, and for a card
  // swapped in after a write as well.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.matches("form[data-geolocate]") || form.dataset.located || !("geolocation" in navigator)) {
        return;
      }
      event.preventDefault();
      event.stopPropagation();
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
      }
      var done = function () {
        form.dataset.located = "1";
        if (button) {
          button.disabled = false;
        }
        // requestSubmit, not submit: the offline queue (offline-page.js) takes the write from the submit event.
        form.requestSubmit(button || undefined);
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
    },
    true
  );

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

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-order-row]");
    if (!button) {
      return;
    }
    var rows = button.closest("[data-order-rows]").querySelectorAll("[data-order-row]");
    var copy = rows[rows.length - 1].cloneNode(true);
    copy.querySelectorAll("input").forEach(function (input) {
      input.value = "";
    });
    copy.querySelector("select").selectedIndex = 0;
    button.parentNode.insertBefore(copy, button);
  });
})();
