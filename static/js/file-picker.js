// File fields drawn as a translated button beside the chosen file's name (includes/file_picker.html and the visit's
// photo slots): the browser's own control speaks the browser's language ("Choose File", "No file chosen"), not
// the page's. The input stays in its form, only visually hidden, so posting, the offline queue and the keyboard
// work on it as before; this script keeps the name beside the button.
//
// A script that replaces or clears an input's files itself (the photo shrinker) dispatches "salesops:files-changed"
// on the input, since setting files from a script fires no change event.
(function () {
  "use strict";

  var INPUT = "input[type=file][data-file-picker-input]";

  function show(input) {
    var picker = input.closest("[data-file-picker]");
    var name = picker && picker.querySelector("[data-file-picker-name]");
    if (!name) {
      return;
    }
    var files = Array.prototype.slice.call(input.files || []);
    name.textContent = files.length ? files.map(function (file) { return file.name; }).join(", ") : name.dataset.empty;
    picker.toggleAttribute("data-chosen", files.length > 0);
  }

  function showAll(root) {
    root.querySelectorAll(INPUT).forEach(show);
  }

  function changed(event) {
    var input = event.target;
    if (input.matches && input.matches(INPUT)) {
      input.setCustomValidity("");
      show(input);
    }
  }

  document.addEventListener("change", changed);
  document.addEventListener("salesops:files-changed", changed);
  // A form's reset event comes before its fields are emptied.
  document.addEventListener("reset", function (event) {
    setTimeout(function () { showAll(event.target); }, 0);
  });
  // The browser's own "select a file" bubble would be in the browser's language too. The invalid event does not
  // bubble: listened for on the way down.
  document.addEventListener(
    "invalid",
    function (event) {
      var input = event.target;
      if (input.matches && input.matches(INPUT) && input.validity.valueMissing) {
        input.setCustomValidity(gettext("Choose a file first."));
      }
    },
    true
  );
  showAll(document);
})();
