{% load static %}// SalesOps service worker: the pages a rep has opened keep working without signal, and the writes kept on the phone
// (static/js/offline-queue.js) are sent by background sync where the browser has it.
"use strict";

importScripts("{% static 'vendor/idb-keyval.js' %}", "{% static 'js/offline-queue.js' %}");

var CACHE = "salesops-{{ version }}";
var ASSETS = [
  "{% static 'vendor/bootstrap.min.css' %}",
  "{% static 'css/app.css' %}",
  "{% static 'vendor/bootstrap.bundle.min.js' %}",
  "{% static 'vendor/htmx.min.js' %}",
  "{% static 'js/base.js' %}",
  "{% static 'js/file-picker.js' %}",
  "{% static 'vendor/idb-keyval.js' %}",
  "{% static 'js/offline-queue.js' %}",
  "{% static 'js/offline-page.js' %}",
  "{% static 'js/visits-sheet.js' %}",
  "{% static 'js/visits-checkins.js' %}",
  "{% static 'js/photo-resize.js' %}",
  "{% static 'js/sheet-submit.js' %}",
];
// Pages that hold someone's data or change state are never kept.
var NEVER_KEPT = /^\/(api|admin|accounts|i18n)\//;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.addAll(ASSETS); }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromNetworkKept(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || NEVER_KEPT.test(url.pathname)) {
    return;
  }
  if (url.pathname.indexOf("{% get_static_prefix %}") === 0) {
    // Static files: the kept copy first (their names change with their content in production).
    event.respondWith(caches.match(request).then(function (kept) { return kept || fromNetworkKept(request); }));
    return;
  }
  // Pages and the translation catalogue: the network first, the copy last seen when there is no signal.
  event.respondWith(
    fromNetworkKept(request).catch(function () {
      return caches.match(request).then(function (kept) {
        return kept || new Response("", { status: 503, statusText: "Offline" });
      });
    })
  );
});

function tellPages(report) {
  var fragments = report.sent.map(function (sent) { return sent.fragment; });
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) {
      page.postMessage(report.sent.length ? { type: "salesops-queue-sent", fragments: fragments } : "salesops-queue-changed");
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === SalesOpsQueue.SYNC_TAG) {
    event.waitUntil(
      SalesOpsQueue.flush().then(function (report) {
        if (report.offline) {
          throw new Error("still offline");  // the browser tries the sync again later
        }
        return tellPages(report);
      })
    );
  }
});
