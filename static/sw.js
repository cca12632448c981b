// leadbox service worker: shows a push (lead kind and name) and opens the lead's page.
"use strict";

self.addEventListener("push", (event) => {
  let msg = {};
  try {
    msg = event.data ? event.data.json() : {};
  } catch (_) {
    msg = { title: "leadbox", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(msg.title || "leadbox", {
      body: msg.body || "",
      tag: msg.tag || undefined,
      data: { url: msg.url || "/admin/leads" },
      icon: "/static/favicon.svg",
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || "/admin/leads", self.location.origin);
  // Only this leadbox's pages are opened.
  if (url.origin !== self.location.origin) return;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((list) => {
      for (const c of list) {
        if (c.url === url.href && "focus" in c) return c.focus();
      }
      return self.clients.openWindow(url.href);
    })
  );
});
