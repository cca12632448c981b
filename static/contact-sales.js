/* leadbox Contact Sales widget: LeadboxContactSales.attach(button, options).
 *
 * States: idle → submitting → submitted | failed; a click while submitting is ignored; a click
 * after a failure retries the same intent with the same Idempotency-Key; a click after success
 * is a new intent with a new key. After success it tries Crisp (if window.$crisp exists), else
 * the scheduler URL, else the mailto from the server's answer. If the request itself fails
 * (network, timeout, 5xx) it still offers a mailto, so the button always leads somewhere.
 * No personal data goes into URLs or analytics. Works as a browser global or a CommonJS module. */
(function (root, factory) {
  var api = factory();
  if (typeof module === "object" && module.exports) module.exports = api;
  if (root) root.LeadboxContactSales = api;
})(typeof window !== "undefined" ? window : null, function () {
  "use strict";

  var STATES = ["idle", "submitting", "submitted", "failed"];

  /** The next state for an event, or the same state when the event does not apply. */
  function transition(state, event) {
    switch (state + ":" + event) {
      case "idle:click":
      case "failed:click":
      case "submitted:click":
        return "submitting";
      case "submitting:success":
        return "submitted";
      case "submitting:failure":
        return "failed";
      default:
        return state;
    }
  }

  /** What to do after a success: Crisp, then the scheduler, then the mailto. */
  function pickAction(actions, env) {
    actions = actions || [];
    var find = function (kind) { return actions.filter(function (a) { return a.kind === kind; })[0]; };
    var crisp = find("crisp");
    if (crisp && env && env.crisp) return { kind: "crisp", websiteId: crisp.websiteId };
    var scheduler = find("scheduler");
    if (scheduler && scheduler.url) return { kind: "scheduler", url: scheduler.url };
    var mailto = find("mailto");
    if (mailto && mailto.url) return { kind: "mailto", url: mailto.url };
    return null;
  }

  /** The widget's language: `options.lang`, else the page's, else English. */
  function langOf(options) {
    var lang = (options.lang || (typeof document !== "undefined" && document.documentElement.lang) || "en").slice(0, 2);
    return TEXT[lang] ? lang : "en";
  }

  /** A mailto for when the request itself failed: names no person, only the plan. */
  function fallbackMailto(salesEmail, plan, lang) {
    var t = TEXT[lang] || TEXT.en;
    var subject = encodeURIComponent(t.subject + (plan ? " (" + t.plan.replace("{plan}", plan) + ")" : ""));
    return "mailto:" + (salesEmail || "") + "?subject=" + subject;
  }

  function randomKey() {
    if (typeof crypto !== "undefined" && crypto.randomUUID) return crypto.randomUUID();
    return "k-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
  }

  function bucketless(options) {
    return { plan: options.plan, quantity: options.quantity, source: options.source || "dashboard_pricing" };
  }

  /**
   * The widget's logic without the page: deps = {fetch, setTimeout, clearTimeout, newKey,
   * crisp, open, navigate}. onChange(state, detail) is called on every state change.
   */
  function createController(options, deps, onChange) {
    var state = "idle";
    var key = null;
    var detail = null;
    var endpoint = options.endpoint || "/api/sales/contact-request";
    var newKey = deps.newKey || randomKey;
    var lang = langOf(options);

    function set(next, d) {
      state = next;
      detail = d || null;
      if (onChange) onChange(state, detail);
    }

    function headers() {
      var h = { "Content-Type": "application/json", Accept: "application/json" };
      var token = typeof options.getToken === "function" ? options.getToken() : options.token;
      if (token) h.Authorization = "Bearer " + token;
      if (options.csrfToken) h["X-CSRF-Token"] = options.csrfToken;
      if (options.merchantId) h["x-merchant-id"] = options.merchantId;
      h["Accept-Language"] = lang; // the server's mailto is written in it
      return h;
    }

    function track() {
      if (!options.analyticsEndpoint) return;
      try {
        var body = bucketless(options);
        body.event = "pricing_contact_sales_clicked";
        Promise.resolve(deps.fetch(options.analyticsEndpoint, { method: "POST", headers: headers(), body: JSON.stringify(body) }))
          .catch(function () {});
      } catch (e) { /* analytics never blocks the button */ }
    }

    function followUp(actions) {
      var action = pickAction(actions, { crisp: deps.crisp });
      if (!action) return null;
      if (action.kind === "crisp") {
        deps.crisp.push(["do", "chat:open"]);
      } else if (action.kind === "scheduler") {
        deps.open(action.url);
      } else {
        deps.navigate(action.url);
      }
      return action;
    }

    function click() {
      if (state === "submitting") return Promise.resolve(state);
      if (state !== "failed" || !key) key = newKey(); // a retry keeps its intent's key
      set(transition(state, "click"), { key: key });
      track();
      var timedOut = false;
      var timer = null;
      var timeout = new Promise(function (resolve) {
        timer = deps.setTimeout(function () { timedOut = true; resolve({ timeout: true }); }, options.timeoutMs || 10000);
      });
      var request = Promise.resolve()
        .then(function () {
          return deps.fetch(endpoint, {
            method: "POST",
            headers: Object.assign(headers(), { "Idempotency-Key": key }),
            body: JSON.stringify({
              source: options.source || "dashboard_pricing",
              plan: options.plan,
              quantity: options.quantity,
              contactRequired: options.contactRequired !== false,
              page: options.page || "/pricing",
            }),
          });
        })
        .then(function (res) {
          return res.json().then(function (body) { return { res: res, body: body }; }, function () { return { res: res, body: {} }; });
        })
        .catch(function (error) { return { network: true, error: error }; });
      return Promise.race([request, timeout]).then(function (r) {
        if (timer !== null && deps.clearTimeout) deps.clearTimeout(timer);
        if (timedOut || r.timeout) {
          set(transition(state, "failure"), { reason: "timeout", key: key, mailto: fallbackMailto(options.salesEmail, options.plan, lang) });
        } else if (r.network) {
          set(transition(state, "failure"), { reason: "network", key: key, mailto: fallbackMailto(options.salesEmail, options.plan, lang) });
        } else if (r.res.status === 201 && r.body && r.body.ok) {
          var action = followUp(r.body.actions);
          set(transition(state, "success"), { requestId: r.body.requestId, action: action, key: key });
        } else {
          var mailto = pickAction(r.body && r.body.actions, {}) || { url: fallbackMailto(options.salesEmail, options.plan, lang) };
          set(transition(state, "failure"), {
            reason: (r.body && r.body.error) || "http_" + r.res.status,
            message: r.body && r.body.message,
            key: key,
            mailto: mailto.url,
          });
        }
        return state;
      });
    }

    return {
      click: click,
      get state() { return state; },
      get detail() { return detail; },
      get key() { return key; },
    };
  }

  var TEXT = {
    en: { sending: "Sending your request…", sent: "Thanks! Our sales team will be in touch. Reference: ",
          failed: "We could not send your request.", mail: "Email sales instead", timeout: "The request timed out.",
          limited: "Too many requests; please wait a moment.",
          subject: "Sales request", plan: "{plan} plan" },
    vi: { sending: "Đang gửi yêu cầu…", sent: "Cảm ơn! Bộ phận bán hàng sẽ liên hệ với bạn. Mã tham chiếu: ",
          failed: "Không gửi được yêu cầu.", mail: "Gửi email cho bộ phận bán hàng", timeout: "Yêu cầu quá thời gian chờ.",
          limited: "Quá nhiều yêu cầu; vui lòng đợi một chút.",
          subject: "Yêu cầu tư vấn bán hàng", plan: "gói {plan}" },
  };

  /** Renders a state into the button and its notice (plain objects in tests, DOM in pages). */
  function render(view, state, detail, lang) {
    var t = TEXT[lang] || TEXT.en;
    view.button.disabled = state === "submitting";
    view.button.setAttribute && view.button.setAttribute("aria-busy", state === "submitting" ? "true" : "false");
    view.setNotice(state, detail, t);
  }

  /** Wires the widget to a real button. Returns the controller. */
  function attach(button, options) {
    var lang = langOf(options);
    var notice = document.createElement("div");
    notice.className = "leadbox-notice";
    notice.setAttribute("role", "status");
    notice.setAttribute("aria-live", "polite");
    button.insertAdjacentElement("afterend", notice);
    var view = {
      button: button,
      setNotice: function (state, detail, t) {
        notice.textContent = "";
        notice.setAttribute("data-state", state);
        if (state === "submitting") notice.textContent = t.sending;
        if (state === "submitted") notice.textContent = t.sent + detail.requestId;
        if (state === "failed") {
          var why = detail.reason === "timeout" ? t.timeout : detail.reason === "rate_limited" ? t.limited : t.failed;
          notice.appendChild(document.createTextNode(why + " "));
          var a = document.createElement("a");
          a.href = detail.mailto;
          a.className = "leadbox-mailto";
          a.textContent = t.mail;
          notice.appendChild(a);
        }
      },
    };
    var controller = createController(options, {
      fetch: function (u, o) { return window.fetch(u, Object.assign({ credentials: "same-origin" }, o)); },
      setTimeout: window.setTimeout.bind(window),
      clearTimeout: window.clearTimeout.bind(window),
      crisp: window.$crisp,
      open: function (url) { window.open(url, "_blank", "noopener"); },
      navigate: function (url) { window.location.href = url; },
    }, function (state, detail) {
      render(view, state, detail, lang);
      if (options.onStateChange) options.onStateChange(state, detail);
    });
    button.addEventListener("click", function (ev) { ev.preventDefault(); controller.click(); });
    return controller;
  }

  return { STATES: STATES, transition: transition, pickAction: pickAction, fallbackMailto: fallbackMailto,
           createController: createController, render: render, attach: attach };
});
