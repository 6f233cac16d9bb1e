// The page's side of the offline queue (offline-queue.js): its forms go through the queue, it says what is waiting
// and what failed, and it sends on load, when the phone is back online and when the rep taps "Send now".
//
// Another script that must work on a form before it is sent (a photo to shrink) handles the submit event first,
// calls preventDefault(), and then either calls form.requestSubmit() again or SalesOpsQueue.submitForm(form, data).
(function () {
  "use strict";

  var root = document.querySelector("[data-offline-queue]");
  var status = document.querySelector("[data-queue-status]");
  var queue = window.SalesOpsQueue;
  if (!root || !queue) {
    return;
  }
  var user = root.dataset.offlineQueue;
  var SENT_NOTES = "salesops-queue-sent";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  // A tap target of at least 44 × 44 px, as every button a rep taps on a phone.
  function tapButton(className, text, onTap) {
    var button = el("button", className, text);
    button.type = "button";
    button.style.minHeight = "44px";
    button.style.minWidth = "44px";
    button.addEventListener("click", onTap);
    return button;
  }

  function labelFor(form, submitter) {
    var card = form.closest("[data-customer]");
    var button = submitter || form.querySelector("button[type=submit], button:not([type])");
    var action = button ? (button.dataset.label || button.textContent).trim() : "";
    return card ? [action, card.dataset.customer].filter(Boolean).join(" · ") : action;
  }

  // Forms that add one more of something (a planned or unplanned visit, an order) are emptied for the next one once
  // their write is kept; the others (a check-in, a check-out, the submission) act once.
  var REPEATABLE = /\/(plan|unplanned|order)\/$/;

  function repeatable(form) {
    return REPEATABLE.test(new URL(form.action, location.href).pathname);
  }

  // Forms whose write is waiting: their button says so and cannot send the same thing twice.
  function markForms(items) {
    var waiting = {};
    items.forEach(function (item) {
      if (item.state === "waiting") {
        waiting[new URL(item.url, location.href).pathname] = true;
      }
    });
    root.querySelectorAll("form[method=post]").forEach(function (form) {
      if (repeatable(form)) {
        return;
      }
      var path = new URL(form.action, location.href).pathname;
      var button = form.querySelector("button[type=submit], button:not([type])");
      var held = Boolean(waiting[path]);
      form.toggleAttribute("data-queued", held);
      if (button) {
        if (held && !button.dataset.label) {
          button.dataset.label = button.textContent;
          button.textContent = gettext("Waiting to sync");
        } else if (!held && button.dataset.label) {
          button.textContent = button.dataset.label;
          delete button.dataset.label;
        }
        button.disabled = held;
      }
    });
  }

  function render(items, note) {
    if (!status) {
      return;
    }
    var mine = items.filter(function (item) { return !item.user || item.user === user; });
    var waiting = mine.filter(function (item) { return item.state === "waiting"; });
    var failed = mine.filter(function (item) { return item.state === "failed"; });
    status.replaceChildren();
    status.hidden = !waiting.length && !failed.length && !note;
    status.dataset.waiting = String(waiting.length);
    status.dataset.failed = String(failed.length);
    if (note) {
      status.appendChild(el("div", "small mb-1", note));
    }
    if (waiting.length) {
      var head = el("div", "d-flex align-items-center gap-2");
      var count = el(
        "strong",
        "me-auto",
        interpolate(ngettext("%s waiting to sync", "%s waiting to sync", waiting.length), [waiting.length])
      );
      count.dataset.testid = "queue-waiting";
      head.appendChild(count);
      head.appendChild(tapButton("btn btn-sm btn-outline-dark", gettext("Send now"), function () { run(true); }));
      status.appendChild(head);
      status.appendChild(
        el("div", "small", navigator.onLine ? gettext("Sending…") : gettext("No signal: kept on this phone, sent when the network is back."))
      );
      var list = el("ul", "small mb-0 ps-3");
      waiting.forEach(function (item) { list.appendChild(el("li", "", item.label)); });
      status.appendChild(list);
    }
    if (failed.length) {
      var title = el("strong", "d-block mt-1 text-danger", interpolate(ngettext("%s not accepted", "%s not accepted", failed.length), [failed.length]));
      title.dataset.testid = "queue-failed";
      status.appendChild(title);
      failed.forEach(function (item) {
        var row = el("div", "d-flex align-items-center gap-2 small");
        row.appendChild(el("span", "me-auto", item.label + ": " + item.error));
        row.appendChild(
          tapButton("btn btn-sm btn-outline-secondary", gettext("Discard"), function () { queue.remove(item.key).then(refresh); })
        );
        status.appendChild(row);
      });
    }
  }

  function refresh(note) {
    return queue.all().then(function (items) {
      render(items, typeof note === "string" ? note : "");
      markForms(items);
      return items;
    });
  }

  function typing() {
    var active = document.activeElement;
    return active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) && active.type !== "submit";
  }

  // A sent write's fragment (the changed visit's card, the totals, the messages: htmx out-of-band swaps) goes into
  // the page in place. A card the page already has is replaced rather than added twice; a new card whose neighbour
  // the page lacks goes at the end of the list.
  function apply(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    template.content.querySelectorAll("[hx-swap-oob^=before]").forEach(function (wrapper) {
      var card = wrapper.firstElementChild;
      if (card && card.id && document.getElementById(card.id)) {
        card.setAttribute("hx-swap-oob", "true");
        wrapper.replaceWith(card);
        return;
      }
      var target = wrapper.getAttribute("hx-swap-oob").split(":")[1];
      if (!document.querySelector(target)) {
        wrapper.setAttribute("hx-swap-oob", "beforeend:#visit-list");
      }
    });
    window.htmx.swap(document.body, template.innerHTML, { swapStyle: "none" });
    document.dispatchEvent(new CustomEvent("salesops:sheet-changed"));
  }

  function applyAll(fragments) {
    if (!window.htmx || !document.getElementById("visit-list") || !fragments.length || !fragments.every(Boolean)) {
      return false;
    }
    fragments.forEach(apply);
    return true;
  }

  // Send what is waiting; what was sent shows in place (or, for a write without a fragment, by loading the page
  // again, so it shows the server's state).
  function run(fromTap) {
    return queue.flush(user).then(function (report) {
      if (report.login) {
        sessionStorage.setItem(SENT_NOTES, gettext("Logged in again: what you entered is being sent."));
        window.location.assign(report.login);
        return;
      }
      if (report.sent.length && applyAll(report.sent.map(function (sent) { return sent.fragment; }))) {
        return refresh();
      }
      if (report.sent.length && (fromTap || !typing())) {
        window.location.reload();
        return;
      }
      return refresh();
    });
  }

  function schedule() {
    if (navigator.serviceWorker && navigator.serviceWorker.ready) {
      navigator.serviceWorker.ready
        .then(function (registration) {
          return registration.sync ? registration.sync.register(queue.SYNC_TAG) : null;
        })
        .catch(function () {});
    }
  }

  function submitForm(form, data, submitter) {
    return queue
      .add({ url: form.action, data: data, user: user, label: labelFor(form, submitter), page: location.pathname + location.search })
      .then(function () {
        if (repeatable(form)) {
          form.reset();
        }
        schedule();
        return refresh();
      })
      .then(function () { return run(true); });
  }
  queue.submitForm = submitForm;

  root.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post" || form.hasAttribute("data-no-queue")) {
      return;
    }
    event.preventDefault();
    if (form.hasAttribute("data-queued")) {
      return;
    }
    submitForm(form, new FormData(form, event.submitter || null), event.submitter);
  });

  // Logging out forgets the pages kept for use without signal (the phone may be shared); waiting writes stay.
  document.addEventListener("submit", function (event) {
    if (/\/accounts\/logout\/$/.test(event.target.action || "") && window.caches) {
      caches.keys().then(function (names) {
        names.forEach(function (name) { caches.delete(name); });
      });
    }
  });

  window.addEventListener("online", function () { run(false); });
  window.addEventListener("offline", refresh);
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data === "salesops-queue-changed") {
        refresh();
      } else if (event.data && event.data.type === "salesops-queue-sent") {
        // Sent by the service worker's background sync: its fragments go into the page as well.
        applyAll(event.data.fragments || []);
        refresh();
      }
    });
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }

  var note = sessionStorage.getItem(SENT_NOTES) || "";
  sessionStorage.removeItem(SENT_NOTES);
  refresh(note).then(function (items) {
    if (items.some(function (item) { return item.state === "waiting"; })) {
      run(false);
    }
  });
})();
