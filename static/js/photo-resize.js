// Visit photos on a phone: each picture is shrunk on the phone before it is sent (long side at most 1,600 px,
// JPEG), so a 10 MB camera photo goes up as a few hundred kilobytes. A file that is not a picture is refused
// here, next to the field, and only that field is cleared: the rest of the form stays as typed.
(function () {
  "use strict";

  var QUALITIES = [0.82, 0.7, 0.6, 0.5];
  var TARGET_BYTES = 900 * 1024;

  // A refused form comes back with its error beside the field: bring it into view.
  var refused = document.querySelector("[data-form-error]");
  if (refused) {
    refused.scrollIntoView({ block: "center" });
  }

  var canReplaceFiles = (function () {
    try {
      return typeof DataTransfer === "function" && new DataTransfer().items !== undefined;
    } catch (error) {
      return false;
    }
  })();

  function decode(file) {
    if (window.createImageBitmap) {
      return window.createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return window.createImageBitmap(file);
      });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var image = new Image();
      image.onload = function () {
        resolve(image);
      };
      image.onerror = function () {
        URL.revokeObjectURL(url);
        reject(new Error("not an image"));
      };
      image.src = url;
    });
  }

  function encode(canvas, quality) {
    return new Promise(function (resolve) {
      canvas.toBlob(resolve, "image/jpeg", quality);
    });
  }

  // The picture drawn at most longSide px on its long side, then JPEG at the first quality under the target size.
  function shrink(file, longSide) {
    return decode(file).then(function (picture) {
      var width = picture.width;
      var height = picture.height;
      var scale = Math.min(1, longSide / Math.max(width, height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      canvas.getContext("2d").drawImage(picture, 0, 0, canvas.width, canvas.height);
      if (picture.close) {
        picture.close();
      }
      var attempt = function (index) {
        return encode(canvas, QUALITIES[index]).then(function (blob) {
          if (!blob) {
            throw new Error("not encoded");
          }
          if (blob.size <= TARGET_BYTES || index === QUALITIES.length - 1) {
            return blob;
          }
          return attempt(index + 1);
        });
      };
      return attempt(0);
    });
  }

  function fieldOf(input) {
    return input.closest("[data-photo-field]");
  }

  function showError(input, text) {
    var field = fieldOf(input);
    var box = field.querySelector("[data-photo-error]");
    box.textContent = text;
    input.classList.toggle("is-invalid", Boolean(text));
    if (text) {
      box.scrollIntoView({ block: "center", behavior: "smooth" });
    }
  }

  function setBusy(input, busy) {
    var form = input.form;
    var field = fieldOf(input);
    var pending = Number(form.dataset.photosPending || 0) + (busy ? 1 : -1);
    form.dataset.photosPending = String(Math.max(0, pending));
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = pending > 0;
    });
    field.querySelector("[data-photo-status]").textContent = pending > 0 ? gettext("Preparing the photo…") : "";
  }

  function hidden(input, suffix) {
    return input.form.elements[input.name + "_" + suffix];
  }

  function preview(input, file) {
    var image = input.closest("[data-photo-slot]").querySelector("[data-photo-preview]");
    if (!image) {
      return;
    }
    if (image.src) {
      URL.revokeObjectURL(image.src);
    }
    image.hidden = !file;
    if (file) {
      image.src = URL.createObjectURL(file);
    } else {
      image.removeAttribute("src");
    }
  }

  // When and where the photo was taken: the camera file's time, and the phone's position if already allowed.
  function note(input, original) {
    var takenAt = hidden(input, "taken_at");
    if (takenAt) {
      takenAt.value = new Date(original.lastModified || Date.now()).toISOString();
    }
    var latitude = hidden(input, "latitude");
    var longitude = hidden(input, "longitude");
    if (!latitude || !longitude || !("geolocation" in navigator) || !navigator.permissions) {
      return;
    }
    navigator.permissions.query({ name: "geolocation" }).then(function (status) {
      if (status.state !== "granted") {
        return;
      }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
        },
        function () {},
        { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 }
      );
    }, function () {});
  }

  // Files set from here fire no change event: the name beside the button (file-picker.js) hears it this way.
  function filesChanged(input) {
    input.dispatchEvent(new Event("salesops:files-changed", { bubbles: true }));
  }

  function clear(input) {
    input.value = "";
    filesChanged(input);
    preview(input, null);
    ["taken_at", "latitude", "longitude"].forEach(function (suffix) {
      var field = hidden(input, suffix);
      if (field) {
        field.value = "";
      }
    });
  }

  function handle(input) {
    var original = input.files && input.files[0];
    showError(input, "");
    if (!original) {
      clear(input);
      return;
    }
    var field = fieldOf(input);
    var maxBytes = Number(field.dataset.maxBytes);
    var longSide = Number(field.dataset.longSide) || 1600;
    var refuse = function () {
      clear(input);
      showError(input, gettext("This file is not a photo. Choose a picture (JPEG, PNG, WebP or HEIC)."));
    };
    if (original.type && original.type.indexOf("image/") !== 0) {
      refuse();
      return;
    }
    setBusy(input, true);
    shrink(original, longSide)
      .then(function (blob) {
        if (!canReplaceFiles) {
          if (original.size > maxBytes) {
            clear(input);
            showError(input, gettext("This photo is too large to send from this browser. Take it again at a lower resolution."));
          }
          return;
        }
        var name = (original.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
        var small = new File([blob], name, { type: "image/jpeg", lastModified: original.lastModified || Date.now() });
        var transfer = new DataTransfer();
        transfer.items.add(small);
        input.files = transfer.files;
        filesChanged(input);
        preview(input, small);
        note(input, original);
      })
      .catch(function () {
        // A picture this browser cannot draw (HEIC in some browsers) goes as it is when small enough.
        var kind = (original.type || "").toLowerCase();
        if (/^image\/hei[cf]/.test(kind) && original.size <= maxBytes) {
          note(input, original);
          return;
        }
        refuse();
      })
      .then(function () {
        setBusy(input, false);
      });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-photo-input]")) {
      handle(input);
    }
  });
})();
