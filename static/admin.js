// leadbox admin: progressive enhancement only. Every page works without this file.

// Times: the server writes them in the zone the user chose, or in UTC when they chose none;
// then the browser's own zone is used here.
function localTime(iso) {
  var d = new Date(iso);
  if (isNaN(d.getTime())) return iso || "";
  var tz = document.body.getAttribute("data-tz") || undefined;
  try {
    var parts = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(d);
    var v = {}; parts.forEach(function (p) { v[p.type] = p.value; });
    return v.year + "-" + v.month + "-" + v.day + " " + v.hour + ":" + v.minute;
  } catch (e) { return iso; }
}
(function () {
  "use strict";
  if (document.body.getAttribute("data-tz")) return;
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var local = localTime(t.getAttribute("datetime"));
    if (t.hasAttribute("data-rel")) t.title = local; else t.textContent = local;
  });
})();

// Keyboard: / search, j and k move through a list, Enter opens, a assigns to me, r replies,
// ? lists them. Never while typing in a field.
(function () {
  "use strict";
  var help = document.getElementById("shortcuts");
  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }
  var current = -1;
  function move(by) {
    var all = rows();
    if (!all.length) return;
    if (current >= 0 && all[current]) all[current].classList.remove("current");
    current = Math.max(0, Math.min(all.length - 1, current + by));
    var row = all[current];
    row.classList.add("current");
    var link = row.querySelector("a[href]");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }
  function click(id) { var el = document.getElementById(id); if (el) { el.click(); return true; } return false; }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.defaultPrevented) return;
    if (typing(ev.target)) return;
    if (help && help.open && ev.key !== "?") return;
    var k = ev.key;
    if (k === "/") {
      var search = document.querySelector("main [data-shortcut=search]") || document.querySelector("[data-shortcut=search]");
      if (search) { ev.preventDefault(); search.focus(); search.select(); }
    } else if (k === "j") { ev.preventDefault(); move(1); }
    else if (k === "k") { ev.preventDefault(); move(-1); }
    else if (k === "a") { if (click("assign-me")) ev.preventDefault(); }
    else if (k === "r") {
      var reply = document.getElementById("reply-body") || document.getElementById("note-body");
      if (reply) { ev.preventDefault(); reply.focus(); reply.scrollIntoView({ block: "center" }); }
    } else if (k === "?") {
      if (help && help.showModal) { ev.preventDefault(); if (help.open) help.close(); else help.showModal(); }
    }
  });
  if (help) {
    var close = help.querySelector("button");
    if (close) close.addEventListener("click", function () { help.close(); });
  }
  // The bulk box shows only the field its action needs (without script it shows both).
  var bulkAction = document.getElementById("bulk-action");
  if (bulkAction) {
    var needs = { assign: "bulk-assignee", lose: "bulk-reason" };
    var showNeeded = function () {
      ["bulk-assignee", "bulk-reason"].forEach(function (id) {
        var field = document.getElementById(id);
        if (field) field.parentNode.hidden = needs[bulkAction.value] !== id;
      });
    };
    bulkAction.addEventListener("change", showNeeded);
    showNeeded();
  }
  // The select-all box of a bulk list.
  var all = document.getElementById("pick-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = all.checked; });
    });
  }
})();

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

  function toast(row, head) {
    var el = document.createElement("div");
    el.className = "toast" + (head ? " toast-due" : "");
    var strong = document.createElement("strong");
    strong.textContent = (head || body.getAttribute("data-t-new")) + " · " + row.kindLabel[lang] + ": ";
    el.appendChild(strong);
    el.appendChild(document.createTextNode((row.name || row.id) + (row.company ? " · " + row.company : "")));
    var a = document.createElement("a");
    a.href = row.adminUrl;
    a.textContent = body.getAttribute("data-t-open");
    el.appendChild(a);
    toasts.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  function cell(tr, text, label) {
    var td = document.createElement("td"); td.textContent = text || "";
    if (label) td.setAttribute("data-label", label);
    tr.appendChild(td); return td;
  }
  function heads(table) { return Array.prototype.map.call(table.tHead.rows[0].cells, function (th) { return th.textContent; }); }
  function who(tr, row, label) {
    var td = cell(tr, "", label);
    var link = document.createElement("a");
    link.href = row.adminUrl;
    link.textContent = row.name || row.id;
    td.appendChild(link);
    var mail = document.createElement("div"); mail.className = "muted"; mail.textContent = row.email || ""; td.appendChild(mail);
  }
  function pill(tr, row, label) {
    var td = cell(tr, "", label); var span = document.createElement("span");
    span.className = "status status-" + row.status; span.textContent = row.statusLabel[lang]; td.appendChild(span);
  }
  // Like the rows the server drew: "just now", the exact time on hover.
  function time(tr, row, label) {
    var td = cell(tr, "", label); var t = document.createElement("time");
    t.setAttribute("datetime", row.createdAt); t.setAttribute("data-rel", "");
    t.textContent = body.getAttribute("data-t-now") || localTime(row.createdAt);
    t.title = localTime(row.createdAt);
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
    var h = heads(table);
    var tr = document.createElement("tr");
    tr.className = "fresh";
    tr.setAttribute("data-id", row.id);
    tr.setAttribute("data-kind", row.kind);
    tr.setAttribute("data-href", row.adminUrl);
    if (inbox) {
      var picks = table.querySelector("th.pick") ? 1 : 0;
      if (picks) {
        var p = cell(tr, ""); p.className = "pick";
        var box = document.createElement("input"); box.type = "checkbox"; box.name = "ids"; box.value = row.id;
        box.setAttribute("aria-label", (row.name || row.id)); p.appendChild(box);
      }
      who(tr, row, h[picks]);
      var k = cell(tr, "", h[picks + 1]); var span = document.createElement("span"); span.className = "kind"; span.textContent = row.kindLabel[lang]; k.appendChild(span);
      cell(tr, row.company, h[picks + 2]); pill(tr, row, h[picks + 3]); time(tr, row, h[picks + 4]);
    } else {
      time(tr, row, h[0]); who(tr, row, h[1]); cell(tr, row.company, h[2]); cell(tr, "", h[3]); pill(tr, row, h[4]); cell(tr, "", h[5]);
    }
    tbody.insertBefore(tr, tbody.firstChild);
    var total = document.getElementById("list-total");
    var n = total && parseInt(total.textContent, 10);
    if (total && !isNaN(n)) total.textContent = String(n + 1);
  }

  // The first-run checklist ticks its step when the first lead arrives.
  function tick(step) {
    var li = document.querySelector("#checklist li[data-step=" + step + "]");
    if (!li || li.classList.contains("done")) return;
    li.classList.add("done");
    var state = li.querySelector("[data-state]");
    if (state) state.textContent = li.parentNode.getAttribute("data-done") || "";
  }

  // The Overview's counts of what needs attention grow with each new lead.
  function bump() {
    ["att-new", "att-unassigned"].forEach(function (id) {
      var n = document.querySelector("#" + id + " strong");
      if (n) n.textContent = String((parseInt(n.textContent, 10) || 0) + 1);
    });
  }

  function arrived(id) {
    getJson("/api/v1/leads/" + encodeURIComponent(id)).then(function (b) {
      if (!b) return;
      toast(b.data);
      addRow(b.data);
    }).catch(function () {});
  }

  // A reminder reaches its assignee, an escalation the owners and admins; each as a toast.
  function due(topic, data) {
    var late = /overdue$/.test(topic);
    if (late ? body.getAttribute("data-escalations") !== "on" : data.assigneeId !== body.getAttribute("data-me")) return;
    getJson("/api/v1/leads/" + encodeURIComponent(data.id)).then(function (b) {
      if (b) toast(b.data, body.getAttribute(late ? "data-t-overdue" : "data-t-due-soon"));
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
      if (/\/submitted$/.test(msg.topic) && msg.data && msg.data.id) { arrived(msg.data.id); tick("lead"); bump(); }
      if (/\/lead\/(due-soon|overdue)$/.test(msg.topic) && msg.data && msg.data.id) due(msg.topic, msg.data);
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
