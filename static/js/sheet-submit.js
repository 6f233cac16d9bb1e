// Submitting a sheet with planned visits not done: a dialog asks for a reason for each before it is sent.
// Without the script the server asks the same (the form comes back with the dialog open). Listened to on the
// document, so a submit form swapped in after a write (offline-page.js) works the same.
(function () {
  "use strict";

  function open(dialog) {
    var reasons = dialog.querySelectorAll("[data-undone-reason]");
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
  }

  function dialogOf(button) {
    var dialog = document.getElementById(button.dataset.opensDialog);
    return dialog && typeof dialog.showModal === "function" ? dialog : null;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-opens-dialog]");
    var dialog = button && dialogOf(button);
    if (dialog) {
      event.preventDefault();
      open(dialog);
      return;
    }
    var close = event.target.closest("[data-dialog-close]");
    if (close && close.closest("dialog")) {
      close.closest("dialog").close();
    }
  });

  document.querySelectorAll("[data-opens-dialog]").forEach(function (button) {
    var dialog = dialogOf(button);
    if (dialog && dialog.hasAttribute("open")) {
      open(dialog);
    }
  });
})();
