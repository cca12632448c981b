// leadbox admin: progressive enhancement only. Every page works without this file.
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change; the button stays for no-JS.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
    var button = sel.form && sel.form.querySelector("button[type=submit]");
    if (button) button.hidden = true;
    sel.addEventListener("change", function () { sel.form.submit(); });
  });
  // Buttons marked data-confirm ask first.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
  // Copy buttons copy the text of the element they name.
  document.querySelectorAll("[data-copy]").forEach(function (el) {
    el.addEventListener("click", function () {
      var target = document.getElementById(el.getAttribute("data-copy"));
      if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
      el.textContent = "✓";
    });
  });
  // Double submits: a form's buttons are disabled once it is sent.
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
})();

// Live updates: a socket to /api/v1/ws (the session cookie authenticates it), a NEW badge, a
// toast per new lead of any kind and new rows in the inbox and the inquiry list. The topics
// come from the page (every lead kind the viewer may read); a new lead is looked up once as an
// inbox row, so every kind is shown the same way. It reconnects with backoff and resumes from
// the last event it saw, so a dropped connection loses nothing.
(function () {
  "use strict";
  var body = document.body;
  if (body.getAttribute("data-live") !== "on" || !window.WebSocket) return;
  var TOPICS = (body.getAttribute("data-topics") || "").split(" ").filter(Boolean);
  var lang = body.getAttribute("data-lang") === "vi" ? "vi" : "en";
  var KEY = "leadbox.lastEventId";
  var badge = document.getElementById("new-count");
  var toasts = document.getElementById("toasts");
  var backoff = 1000, offlineToast = null;

  function lastId() { var v = parseInt(sessionStorage.getItem(KEY) || "", 10); return isNaN(v) ? null : v; }
  function remember(id) { if (lastId() === null || id > lastId()) sessionStorage.setItem(KEY, String(id)); }
  function getJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function refreshBadge() {
    getJson("/api/v1/leads/new-count").then(function (b) {
      if (!b || !badge) return;
      var n = b.data.count;
      badge.textContent = String(n);
      badge.hidden = n === 0;
    }).catch(function () {});
  }

  function toast(row) {
    var el = document.createElement("div");
    el.className = "toast";
    var strong = document.createElement("strong");
    strong.textContent = body.getAttribute("data-t-new") + " · " + row.kindLabel[lang] + ": ";
    el.appendChild(strong);
    el.appendChild(document.createTextNode((row.name || row.id) + (row.company ? " · " + row.company : "")));
    var a = document.createElement("a");
    a.href = row.adminUrl;
    a.textContent = body.getAttribute("data-t-open");
    el.appendChild(a);
    toasts.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  function cell(tr, text) { var td = document.createElement("td"); td.textContent = text || ""; tr.appendChild(td); return td; }
  function who(tr, row) {
    var td = cell(tr, "");
    var link = document.createElement("a");
    link.href = row.adminUrl;
    link.textContent = row.name || row.id;
    td.appendChild(link);
    var mail = document.createElement("div"); mail.className = "muted"; mail.textContent = row.email || ""; td.appendChild(mail);
  }
  function pill(tr, row) {
    var td = cell(tr, ""); var span = document.createElement("span");
    span.className = "status status-" + row.status; span.textContent = row.statusLabel[lang]; td.appendChild(span);
  }
  function time(tr, row) {
    var td = cell(tr, ""); var t = document.createElement("time");
    t.setAttribute("datetime", row.createdAt); t.textContent = (row.createdAt || "").slice(0, 16).replace("T", " ");
    td.appendChild(t);
  }

  // Only the first page of an unfiltered list shows the newest leads at the top.
  function addRow(row) {
    var inbox = location.pathname === "/admin/leads" && !location.search;
    var inquiries = location.pathname === "/admin/inquiries" && !location.search && row.kind === "inquiry";
    var table = document.getElementById(inbox ? "leads" : inquiries ? "inquiries" : "");
    if (!table || table.querySelector("tr[data-id='" + row.id + "']")) return;
    var tbody = table.tBodies[0];
    var empty = tbody.querySelector("td[colspan]");
    if (empty) empty.parentNode.remove();
    var tr = document.createElement("tr");
    tr.className = "fresh";
    tr.setAttribute("data-id", row.id);
    tr.setAttribute("data-kind", row.kind);
    time(tr, row);
    if (inbox) {
      var k = cell(tr, ""); var span = document.createElement("span"); span.className = "kind"; span.textContent = row.kindLabel[lang]; k.appendChild(span);
      who(tr, row); cell(tr, row.company); pill(tr, row);
    } else {
      who(tr, row); cell(tr, row.company); cell(tr, ""); pill(tr, row); cell(tr, "");
    }
    tbody.insertBefore(tr, tbody.firstChild);
  }

  function arrived(id) {
    getJson("/api/v1/leads/" + encodeURIComponent(id)).then(function (b) {
      if (!b) return;
      toast(b.data);
      addRow(b.data);
    }).catch(function () {});
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/api/v1/ws");
    ws.onopen = function () {
      backoff = 1000;
      if (offlineToast) { offlineToast.remove(); offlineToast = null; }
      TOPICS.forEach(function (topic) {
        var msg = { action: "subscribe", topic: topic, room: "collection" };
        if (lastId() !== null) msg.lastEventId = lastId();
        ws.send(JSON.stringify(msg));
      });
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (msg.type === "subscribed" && lastId() === null) remember(msg.lastEventId);
      if (typeof msg.eventId !== "number") return;
      remember(msg.eventId);
      if (/\/submitted$/.test(msg.topic) && msg.data && msg.data.id) arrived(msg.data.id);
      refreshBadge();
    };
    ws.onclose = function () {
      if (leaving) return;
      if (!offlineToast) {
        offlineToast = document.createElement("div");
        offlineToast.className = "toast offline";
        offlineToast.textContent = body.getAttribute("data-t-offline");
        toasts.appendChild(offlineToast);
      }
      var wait = backoff + Math.floor(Math.random() * 500);
      backoff = Math.min(backoff * 2, 30000);
      setTimeout(connect, wait);
    };
  }
  var leaving = false;
  window.addEventListener("pagehide", function () { leaving = true; });
  connect();
})();

// Browser push: the account page's "allow notifications" control. Without JavaScript, or in a
// browser without Web Push, the page says what is needed instead.
(function () {
  var box = document.getElementById("push-control");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.fetch) return;
  var needs = document.getElementById("push-needs-js");
  if (needs) needs.hidden = true;
  box.hidden = false;
  var status = document.getElementById("push-status");
  var say = function (key) { status.textContent = box.getAttribute("data-" + key) || ""; };
  function keyBytes(b64) {
    var s = b64.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var raw = atob(s), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  document.getElementById("push-allow").addEventListener("click", function () {
    Notification.requestPermission().then(function (p) {
      if (p !== "granted") { say("denied"); return null; }
      return navigator.serviceWorker.register("/admin/sw.js", { scope: "/admin/" })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (reg) {
          return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(box.getAttribute("data-vapid")) });
        })
        .then(function (sub) {
          return fetch("/api/v1/me/push-subscriptions", {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": box.getAttribute("data-csrf") },
            body: JSON.stringify(sub.toJSON())
          });
        })
        .then(function (res) {
          if (!res || !res.ok) throw new Error("subscribe");
          say("ok");
          var n = document.getElementById("push-count");
          if (n) n.textContent = String((parseInt(n.textContent, 10) || 0) + 1);
        });
    }).catch(function () { say("failed"); });
  });
})();
