// Unit tests of the Contact Sales widget's state machine and fallback order (node --test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const widget = require("../../static/contact-sales.js");

const OPTIONS = { plan: "annual", quantity: 100000, salesEmail: "sales@acme.test", timeoutMs: 50 };

function response(status, body) {
  return Promise.resolve({ status, json: () => Promise.resolve(body) });
}

function deps(fetchImpl, extra = {}) {
  const calls = { fetch: [], open: [], navigate: [], crisp: [] };
  let n = 0;
  return {
    calls,
    deps: {
      fetch: (url, init) => { calls.fetch.push({ url, init }); return fetchImpl(url, init, calls.fetch.length); },
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (t) => clearTimeout(t),
      newKey: () => `key-${++n}`,
      open: (u) => calls.open.push(u),
      navigate: (u) => calls.navigate.push(u),
      ...extra,
    },
  };
}

const ok = (actions) => () => response(201, { ok: true, requestId: "salesreq_1", message: "Sales request submitted", actions });

test("the transition table", () => {
  const t = widget.transition;
  assert.equal(t("idle", "click"), "submitting");
  assert.equal(t("submitting", "click"), "submitting", "clicks while submitting change nothing");
  assert.equal(t("submitting", "success"), "submitted");
  assert.equal(t("submitting", "failure"), "failed");
  assert.equal(t("failed", "click"), "submitting", "retry");
  assert.equal(t("submitted", "click"), "submitting", "a new intent");
  assert.equal(t("idle", "success"), "idle");
  assert.deepEqual(widget.STATES, ["idle", "submitting", "submitted", "failed"]);
});

test("a success goes idle → submitting → submitted and opens the scheduler", async () => {
  const { calls, deps: d } = deps(ok([{ kind: "scheduler", url: "https://cal.test/x" }, { kind: "mailto", url: "mailto:s@a.test" }]));
  const seen = [];
  const c = widget.createController(OPTIONS, d, (s) => seen.push(s));
  const end = await c.click();
  assert.equal(end, "submitted");
  assert.deepEqual(seen, ["submitting", "submitted"]);
  assert.equal(c.detail.requestId, "salesreq_1");
  assert.deepEqual(calls.open, ["https://cal.test/x"]);
  assert.deepEqual(calls.navigate, []);
  const sent = JSON.parse(calls.fetch[0].init.body);
  assert.deepEqual(sent, { source: "dashboard_pricing", plan: "annual", quantity: 100000, contactRequired: true, page: "/pricing" });
  assert.equal(calls.fetch[0].init.headers["Idempotency-Key"], "key-1");
});

test("clicks while submitting send nothing more", async () => {
  let release;
  const { calls, deps: d } = deps(() => new Promise((r) => { release = () => r({ status: 201, json: () => Promise.resolve({ ok: true, requestId: "r", actions: [] }) }); }));
  const c = widget.createController({ ...OPTIONS, timeoutMs: 5000 }, d);
  const first = c.click();
  await c.click();
  await c.click();
  assert.equal(calls.fetch.length, 1);
  assert.equal(c.state, "submitting");
  release();
  assert.equal(await first, "submitted");
});

test("fallback order: Crisp, then scheduler, then mailto", async () => {
  const all = [{ kind: "crisp", websiteId: "w1" }, { kind: "scheduler", url: "https://cal.test" }, { kind: "mailto", url: "mailto:s@a.test?subject=x" }];
  assert.deepEqual(widget.pickAction(all, { crisp: [] }), { kind: "crisp", websiteId: "w1" });
  assert.deepEqual(widget.pickAction(all, {}), { kind: "scheduler", url: "https://cal.test" }, "no $crisp on the page");
  assert.deepEqual(widget.pickAction(all.slice(2), { crisp: [] }), { kind: "mailto", url: "mailto:s@a.test?subject=x" });
  assert.equal(widget.pickAction([], {}), null);
  const crisp = [];
  const { calls, deps: d } = deps(ok(all), { crisp });
  await widget.createController(OPTIONS, d).click();
  assert.deepEqual(crisp, [["do", "chat:open"]]);
  assert.deepEqual(calls.open, []);
  const m = deps(ok(all.slice(2)));
  await widget.createController(OPTIONS, m.deps).click();
  assert.deepEqual(m.calls.navigate, ["mailto:s@a.test?subject=x"]);
});

test("a network failure fails and still offers a mailto without personal data", async () => {
  const { deps: d } = deps(() => Promise.reject(new TypeError("Failed to fetch")));
  const c = widget.createController({ ...OPTIONS, token: "secret.jwt.token" }, d);
  assert.equal(await c.click(), "failed");
  assert.equal(c.detail.reason, "network");
  assert.equal(c.detail.mailto, "mailto:sales@acme.test?subject=Sales%20request%20(annual%20plan)");
  assert.ok(!c.detail.mailto.includes("secret"));
});

test("in Vietnamese the request asks for a Vietnamese mailto and the fallback is one", async () => {
  const { calls, deps: d } = deps(() => Promise.reject(new TypeError("Failed to fetch")));
  const c = widget.createController({ ...OPTIONS, lang: "vi-VN" }, d);
  assert.equal(await c.click(), "failed");
  assert.equal(calls.fetch[0].init.headers["Accept-Language"], "vi");
  assert.equal(decodeURIComponent(c.detail.mailto.split("subject=")[1]), "Yêu cầu tư vấn bán hàng (gói annual)");
  const en = deps(() => Promise.reject(new TypeError("Failed to fetch")));
  const e = widget.createController({ ...OPTIONS, lang: "fr" }, en.deps);
  await e.click();
  assert.equal(en.calls.fetch[0].init.headers["Accept-Language"], "en", "a language leadbox lacks falls back to English");
});

test("a timeout fails and offers the mailto", async () => {
  const { deps: d } = deps(() => new Promise(() => {}));
  const c = widget.createController(OPTIONS, d);
  const started = Date.now();
  assert.equal(await c.click(), "failed");
  assert.ok(Date.now() - started < 1000);
  assert.equal(c.detail.reason, "timeout");
  assert.match(c.detail.mailto, /^mailto:sales@acme\.test/);
});

test("server errors keep their word; a 5xx still leads somewhere", async () => {
  const limited = deps(() => response(429, { ok: false, error: "rate_limited", message: "slow down" }));
  const c = widget.createController(OPTIONS, limited.deps);
  assert.equal(await c.click(), "failed");
  assert.equal(c.detail.reason, "rate_limited");
  const down = deps(() => Promise.resolve({ status: 502, json: () => Promise.reject(new Error("html")) }));
  const c2 = widget.createController(OPTIONS, down.deps);
  assert.equal(await c2.click(), "failed");
  assert.equal(c2.detail.reason, "http_502");
  assert.match(c2.detail.mailto, /^mailto:/);
});

test("one idempotency key per intent, reused on retry", async () => {
  const { calls, deps: d } = deps((url, init, n) => (n === 1 ? Promise.reject(new TypeError("offline")) : ok([])()));
  const c = widget.createController(OPTIONS, d);
  assert.equal(await c.click(), "failed");
  assert.equal(await c.click(), "submitted");
  const keys = calls.fetch.map((f) => f.init.headers["Idempotency-Key"]);
  assert.deepEqual(keys, ["key-1", "key-1"], "the retry keeps the key");
  await c.click();
  assert.equal(calls.fetch[2].init.headers["Idempotency-Key"], "key-2", "a new intent gets a new key");
});

test("the click is reported without personal data", async () => {
  const { calls, deps: d } = deps((url) => (url.includes("analytics") ? response(201, {}) : ok([])()));
  await widget.createController({ ...OPTIONS, analyticsEndpoint: "/api/v1/analytics/events", token: "t" }, d).click();
  const report = calls.fetch.find((f) => f.url.includes("analytics"));
  assert.deepEqual(JSON.parse(report.init.body), { plan: "annual", quantity: 100000, source: "dashboard_pricing", event: "pricing_contact_sales_clicked" });
});

test("render disables the button only while submitting", () => {
  const button = { disabled: false, attrs: {}, setAttribute(k, v) { this.attrs[k] = v; } };
  const notices = [];
  const view = { button, setNotice: (s, d, t) => notices.push([s, t.sending]) };
  widget.render(view, "submitting", {}, "vi");
  assert.equal(button.disabled, true);
  assert.equal(button.attrs["aria-busy"], "true");
  assert.equal(notices[0][1], "Đang gửi yêu cầu…");
  widget.render(view, "failed", { mailto: "mailto:x" }, "en");
  assert.equal(button.disabled, false);
});
