// Never lose what the rep typed: every write on the visit sheet and the meeting check-in is kept on the phone
// first (IndexedDB, with its photo) and sent when the network allows, each with an Idempotency-Key so a retry never
// records anything twice, and with the time of the tap. It runs in the page (WeChat's and WeCom's browsers on iOS
// have no service worker: the page sends on load and when the phone is back online) and in the service worker
// (background sync where the browser has it).
(function (scope) {
  "use strict";

  var STORE_DB = "salesops-offline";
  var SYNC_TAG = "salesops-queue";
  var kv = scope.idbKeyval;
  var store = kv.createStore(STORE_DB, "writes");

  function newKey() {
    if (scope.crypto && scope.crypto.randomUUID) {
      return scope.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    scope.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function all() {
    return kv.values(store).then(function (items) {
      return items.sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0; });
    });
  }

  // The form's fields as [name, value] pairs; files stay File objects (IndexedDB keeps them). The CSRF token is
  // left out: after a new login it would be stale, so the current one is sent with the write.
  function add(entry) {
    var item = {
      key: newKey(),
      url: entry.url,
      user: entry.user || "",
      label: entry.label || "",
      page: entry.page || "",
      createdAt: new Date().toISOString(),
      state: "waiting",
      attempts: 0,
      error: "",
      fields: [],
    };
    entry.data.forEach(function (value, name) {
      var noFile = value instanceof Blob && !value.size && !value.name;  // a file field left empty
      if (name !== "csrfmiddlewaretoken" && !noFile) {
        item.fields.push([name, value]);
      }
    });
    if (!entry.data.has("acted_at")) {
      item.fields.push(["acted_at", item.createdAt]);
    }
    return kv.set(item.key, item, store).then(function () { return item; });
  }

  function remove(key) {
    return kv.del(key, store);
  }

  function csrfToken() {
    if (typeof document !== "undefined") {
      var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
      return Promise.resolve(match ? decodeURIComponent(match[1]) : "");
    }
    if (scope.cookieStore) {
      return scope.cookieStore.get("csrftoken").then(function (cookie) { return cookie ? cookie.value : ""; });
    }
    return Promise.resolve("");
  }

  // The time of the tap goes with a write that could not be sent at once; one sent at once is timed by the server
  // (so a phone whose clock is wrong does not matter while it has signal).
  function body(item) {
    var data = new FormData();
    item.fields.forEach(function (pair) {
      var value = pair[1];
      if (pair[0] === "acted_at" && !item.attempts) {
        return;
      }
      if (value instanceof Blob) {
        data.append(pair[0], value, value.name || "photo.jpg");
      } else {
        data.append(pair[0], value);
      }
    });
    return data;
  }

  // Send one write. The outcome: "sent", "failed" (the server refused it: kept with the reason), "login" (the
  // session has ended: kept, sent after the login) or "offline" (no answer: kept, sent later).
  function send(item, token) {
    return fetch(item.url, {
      method: "POST",
      body: body(item),
      credentials: "same-origin",
      // HX-Request: a write on the visit sheet is answered with the fragment of what it changed (the visit's card and
      // the totals), the same whether it is sent at once or from the queue later.
      headers: { "Idempotency-Key": item.key, "X-Queued-Write": "1", "X-CSRFToken": token, "HX-Request": "true" },
    }).then(
      function (response) {
        var type = response.headers.get("Content-Type") || "";
        var json = type.indexOf("application/json") === 0;
        var fragment = type.indexOf("text/html") === 0 && response.headers.has("X-Messages");
        var read = json
          ? response.json()
          : fragment
            ? response.text().then(function (html) {
                return { fragment: html, messages: JSON.parse(response.headers.get("X-Messages") || "[]") };
              })
            : Promise.resolve(null);
        return read.then(function (answer) {
          if (response.status === 401) {
            return { outcome: "login", login: answer && answer.login };
          }
          if (response.status >= 500 || response.status === 408 || response.status === 429) {
            return { outcome: "offline" };
          }
          if (response.ok) {
            return { outcome: "sent", messages: (answer && answer.messages) || [], fragment: (answer && answer.fragment) || "" };
          }
          var texts = answer && answer.messages ? answer.messages.map(function (m) { return m.text; }) : [];
          return { outcome: "failed", error: texts.join(" ") || String(response.status) };
        });
      },
      function () {
        return { outcome: "offline" };
      }
    );
  }

  var running = null;

  // Send the waiting writes in the order they were made (of one user when given); stops at the first that gets no
  // answer or needs a login, so that a check-out is never sent before its check-in.
  function flush(user) {
    if (running) {
      // A write added meanwhile goes in the next round.
      return running.then(function (report) {
        return report.login || report.offline ? report : flush(user);
      });
    }
    var report = { sent: [], failed: 0, login: null, offline: false };
    running = Promise.all([all(), csrfToken()])
      .then(function (loaded) {
        var items = loaded[0].filter(function (item) {
          return item.state === "waiting" && (!user || !item.user || item.user === user);
        });
        var token = loaded[1];
        var next = function (index) {
          if (index >= items.length) {
            return report;
          }
          var item = items[index];
          return send(item, token).then(function (result) {
            if (result.outcome === "sent") {
              report.sent.push({ label: item.label, messages: result.messages, fragment: result.fragment });
              return remove(item.key).then(function () { return next(index + 1); });
            }
            if (result.outcome === "failed") {
              report.failed += 1;
              item.state = "failed";
              item.error = result.error;
              return kv.set(item.key, item, store).then(function () { return next(index + 1); });
            }
            if (result.outcome === "login") {
              report.login = result.login || "/accounts/login/";
            } else {
              report.offline = true;
            }
            item.attempts = (item.attempts || 0) + 1;
            return kv.set(item.key, item, store).then(function () { return report; });
          });
        };
        return next(0);
      })
      .finally(function () {
        running = null;
      });
    return running;
  }

  scope.SalesOpsQueue = { add: add, all: all, remove: remove, flush: flush, SYNC_TAG: SYNC_TAG };
})(self);
