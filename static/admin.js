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
// toast per new inquiry and new rows in the inbox list. It reconnects with backoff and resumes
// from the last event it saw, so a dropped connection loses nothing.
(function () {
  "use strict";
  var body = document.body;
  if (body.getAttribute("data-live") !== "on" || !window.WebSocket) return;
  var SUBMITTED = "observation/outreach/inquiry/submitted";
  var UPDATED = "observation/outreach/inquiry/updated";
  var CONTACT = "observation/sales/contact-request/submitted";
  var CONTACT_UPDATED = "observation/sales/contact-request/updated";
  var KEY = "leadbox.lastEventId";
  var badge = document.getElementById("new-count");
  var toasts = document.getElementById("toasts");
  var backoff = 1000, offlineToast = null;

  function lastId() { var v = parseInt(sessionStorage.getItem(KEY) || "", 10); return isNaN(v) ? null : v; }
  function remember(id) { if (lastId() === null || id > lastId()) sessionStorage.setItem(KEY, String(id)); }

  function refreshBadge() {
    fetch("/api/v1/leads?status=NEW&limit=1", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) {
        if (!b || !badge) return;
        var n = b.data.pagination.totalItems;
        badge.textContent = String(n);
        badge.hidden = n === 0;
      }).catch(function () {});
  }

  function toast(data, contact) {
    var el = document.createElement("div");
    el.className = "toast";
    var strong = document.createElement("strong");
    strong.textContent = body.getAttribute(contact ? "data-t-new-contact" : "data-t-new") + ": ";
    el.appendChild(strong);
    var what = contact ? data.plan + " × " + data.quantity : data.name + (data.businessName ? " · " + data.businessName : "");
    el.appendChild(document.createTextNode(what));
    var a = document.createElement("a");
    a.href = (contact ? "/admin/contact-requests/" : "/admin/inquiries/") + encodeURIComponent(data.id);
    a.textContent = body.getAttribute("data-t-open");
    el.appendChild(a);
    toasts.appendChild(el);
    setTimeout(function () { el.remove(); }, 8000);
  }

  function addRow(data) {
    // Only the first page of the unfiltered inquiry list shows newest leads at the top.
    var table = document.getElementById("inquiries");
    if (!table || location.pathname !== "/admin/inquiries" || location.search) return;
    if (table.querySelector("tr[data-id='" + data.id + "']")) return;
    var tbody = table.tBodies[0];
    var empty = tbody.querySelector("td[colspan]");
    if (empty) empty.parentNode.remove();
    var tr = document.createElement("tr");
    tr.className = "fresh";
    tr.setAttribute("data-id", data.id);
    function cell(text) { var td = document.createElement("td"); td.textContent = text || ""; tr.appendChild(td); return td; }
    cell((data.createdAt || "").slice(0, 16).replace("T", " "));
    var who = cell("");
    var link = document.createElement("a");
    link.href = "/admin/inquiries/" + encodeURIComponent(data.id);
    link.textContent = data.name;
    who.appendChild(link);
    var mail = document.createElement("div"); mail.className = "muted"; mail.textContent = data.email; who.appendChild(mail);
    cell(data.businessName);
    cell(data.type);
    var st = cell(""); var span = document.createElement("span");
    span.className = "status status-NEW"; span.textContent = body.getAttribute("data-t-status-new"); st.appendChild(span);
    cell("");
    tbody.insertBefore(tr, tbody.firstChild);
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + location.host + "/api/v1/ws");
    ws.onopen = function () {
      backoff = 1000;
      if (offlineToast) { offlineToast.remove(); offlineToast = null; }
      [SUBMITTED, UPDATED, CONTACT, CONTACT_UPDATED].forEach(function (topic) {
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
      if (msg.topic === SUBMITTED) { toast(msg.data, false); addRow(msg.data); }
      if (msg.topic === CONTACT) toast(msg.data, true);
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
