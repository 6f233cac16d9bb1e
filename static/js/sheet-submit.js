// Submitting a sheet with planned visits not done: a dialog asks for a reason for each before it is sent.
// Without the script the server asks the same (the form comes back with the dialog open).
(function () {
  "use strict";

  document.querySelectorAll("[data-opens-dialog]").forEach(function (button) {
    var dialog = document.getElementById(button.dataset.opensDialog);
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    var reasons = dialog.querySelectorAll("[data-undone-reason]");
    var open = function () {
      reasons.forEach(function (input) {
        input.required = true;
      });
      if (dialog.open) {
        dialog.close();
      }
      dialog.showModal();
      var empty = Array.prototype.find.call(reasons, function (input) {
        return !input.value.trim();
      });
      (empty || reasons[0]).focus();
    };
    button.addEventListener("click", function (event) {
      event.preventDefault();
      open();
    });
    dialog.querySelectorAll("[data-dialog-close]").forEach(function (close) {
      close.addEventListener("click", function () {
        dialog.close();
      });
    });
    if (dialog.hasAttribute("open")) {
      open();
    }
  });
})();
