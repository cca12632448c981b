// Every admin page on a 390 px phone and a 1366 px laptop, in light and dark mode: nothing
// scrolls sideways, no script or CSP error, the phone's menu opens without script, and the
// skip link leads to the content. Screenshots are kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createHmac } from "node:crypto";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

// axe-core from npm, evaluated through the DevTools protocol (the pages' CSP allows no
// injected script, and is left on).
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
async function axeViolations(page) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return res.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`);
}

let server;
let browser;
let pages;
let publicKey;
const SECRET = "a-very-long-end-user-token-secret-0123456789";
const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
function jwt(claims) {
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64(claims);
  return `${head}.${body}.${createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url")}`;
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  // One lead of a kind with a detail page, so detail pages are covered too.
  const token = (await (await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  })).json()).data.token;
  const ws = (await (await fetch(`${server.base}/api/v1/workspaces/default`, {
    method: "PATCH", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      rateLimits: { publicPerIpPerMinute: 0, publicPerWorkspacePerMinute: 0 }, userTokenSecret: SECRET, gstRate: 10,
      plans: [{ code: "GROWTH", userType: "industry", name: "Growth with a long plan name", monthlyMin: 1000, monthlyMax: 2000 }],
      addOns: [{ code: "HUB", name: "Diligence hub", monthlyAmount: 100, oneTimeAmount: 0 }],
    }),
  })).json()).data;
  publicKey = ws.publicKey;
  const lead = (await (await fetch(`${server.base}/api/public/forms/${ws.publicKey}/inquiries`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Nguyễn Thị Minh Khai with a rather long name", email: "minh.khai.with.a.long.address@example-company.test", businessName: "Công ty TNHH Thương mại Dịch vụ", message: "Xin chào, chúng tôi muốn biết thêm." }),
  })).json()).data;
  // A form of the workspace's own, and a lead to it from a site not allowed yet (held in
  // quarantine, with answers and where the visitor came from).
  const form = (await (await fetch(`${server.base}/api/v1/forms`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ name: "Yêu cầu demo cho đội ngũ bán hàng khu vực miền Nam", allowedOrigins: ["https://www.example-company.test"],
      fields: [{ key: "budget", label: { en: "Budget for the first year", vi: "Ngân sách cho năm đầu tiên" }, type: "select", options: ["Dưới 10 triệu", "Trên 10 triệu"], required: true },
        { key: "consent", label: { en: "I agree to be contacted", vi: "Tôi đồng ý được liên hệ" }, type: "checkbox" }] }),
  })).json()).data;
  const held = (await (await fetch(`${server.base}/api/public/forms/${form.publicKey}/inquiries`, {
    method: "POST", headers: { "content-type": "application/json", origin: "https://a-very-long-subdomain.not-allowed-yet.example-company.test" },
    body: JSON.stringify({ name: "Lê Văn Tám", email: "tam@example-company.test", message: "Cho tôi xin báo giá.", budget: "Trên 10 triệu", consent: true,
      attribution: { firstTouch: { utm_source: "google", utm_campaign: "mua-he-2026", landing_page: "https://www.example-company.test/a/very/long/landing/page?utm_source=google&utm_campaign=mua-he-2026" } } }),
  })).json()).data;
  const hook = (await (await fetch(`${server.base}/api/v1/webhooks`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ url: "https://hooks.example-company.test/a/very/long/path/for/leadbox/webhooks", topics: ["*"] }),
  })).json()).data;
  // A snapshot, so the backup page has a row.
  await fetch(`${server.base}/api/v1/backups`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  // A contact request and a pricing selection, with end-user tokens signed here (HS256).
  const user = "550e8400-e29b-41d4-a716-446655440000";
  const now = Math.floor(Date.now() / 1000);
  const endUser = jwt({ sub: user, exp: now + 600, iat: now, email: "buyer@example-company.test", name: "Trần Thị Bích Ngọc",
    company: "Công ty Cổ phần Vận tải Biển", signup_type: "industry" });
  const contact = await (await fetch(`${server.base}/api/sales/contact-request`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${endUser}` },
    body: JSON.stringify({ source: "dashboard_pricing", plan: "annual", quantity: 100000, contactRequired: true, page: "/pricing" }),
  })).json();
  const selection = (await (await fetch(`${server.base}/api/v1/pricing-selections`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${endUser}` },
    body: JSON.stringify({ userId: user, userType: "industry", selectedPlanCode: "GROWTH", selectedAddOnCodes: ["HUB"],
      pricing: { planMonthlyMin: 1000, planMonthlyMax: 2000, addOnsMonthlyAmount: 100, addOnsOneTimeAmount: 0, gstRate: 10,
        estimatedFirstMonthMin: 1210, estimatedFirstMonthMax: 2310, estimatedRecurringMin: 1210, estimatedRecurringMax: 2310 },
      source: "pricing_page", capturedAt: new Date().toISOString() }),
  })).json()).data;
  pages = ["/admin", "/admin/leads", "/admin/inquiries", `/admin/inquiries/${lead.id}`,
    `/admin/contact-requests/${contact.requestId}`, "/admin/pricing", `/admin/pricing/${selection.id}`,
    "/admin/settings", "/admin/settings/form", "/admin/settings/contact", "/admin/settings/catalogue",
    "/admin/settings/limits", "/admin/settings/tokens", "/admin/members", "/admin/tokens", "/admin/embed",
    "/admin/webhooks", `/admin/webhooks/${hook.id}`, "/admin/account", "/admin/backups", "/admin/routing",
    "/admin/forms", "/admin/forms/new", `/admin/forms/${form.id}`, "/admin/inquiries?quarantined=true", `/admin/inquiries/${held.id}`,
    "/admin/people", `/admin/people/${(await (await fetch(`${server.base}/api/v1/leads/${lead.id}`, { headers: { authorization: `Bearer ${token}` } })).json()).data.personId}`];
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const [w, h] of [[360, 740], [390, 844], [1366, 800]]) {
  for (const scheme of ["light", "dark"]) {
    test(`every admin page fits ${w} px in ${scheme} mode`, async () => {
      const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
      const page = await ctx.newPage();
      const errors = [];
      const csp = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() !== "error") return;
        (/Content Security Policy/i.test(m.text()) ? csp : errors).push(m.text());
      });
      await signIn(page, server.base);
      const wide = [];
      const axe = [];
      for (const path of pages) {
        const res = await page.goto(`${server.base}${path}`);
        assert.equal(res.status(), 200, path);
        const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (sw > iw) wide.push(`${path}: ${sw} > ${iw}`);
        for (const v of await axeViolations(page)) axe.push(`${path}: ${v}`);
        const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/-(inq|wh|ps|salesreq)-[0-9a-f-]+/g, "-detail").replace(/^-|-$/g, "") || "home";
        await page.screenshot({ path: join(screenshots, `layout-${w}-${scheme}-${name}.png`), fullPage: true });
      }
      assert.deepEqual(wide, [], "no page scrolls sideways");
      assert.deepEqual(axe, [], "no serious or critical axe-core violation");
      assert.deepEqual(csp, [], "no CSP violations");
      assert.deepEqual(errors, [], "no script errors");
      await ctx.close();
    });
  }
}

// The pages shown before sign-in, at the narrowest phone, light and dark, in Vietnamese (the
// browser's language picks it).
for (const scheme of ["light", "dark"]) {
  test(`public pages fit 360 px in ${scheme} mode, in Vietnamese`, async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: scheme, locale: "vi-VN" });
    const page = await ctx.newPage();
    // The 404 and 410 pages answer with those statuses on purpose; anything else is an error.
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => { if (m.type() === "error" && !/status of (404|410)/.test(m.text())) errors.push(m.text()); });
    const wide = [];
    const axe = [];
    for (const path of ["/login", "/forgot", "/reset/not-a-link", "/invite/not-a-link", "/setup/not-a-link", `/f/${publicKey}?lang=vi`, "/no-such-page"]) {
      await page.goto(`${server.base}${path}`);
      assert.equal(await page.getAttribute("html", "lang"), "vi", path);
      const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (sw > iw) wide.push(`${path}: ${sw} > ${iw}`);
      for (const v of await axeViolations(page)) axe.push(`${path}: ${v}`);
      const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/pk-[A-Za-z0-9]+/, "form").replace(/^-|-$/g, "");
      await page.screenshot({ path: join(screenshots, `public-360-${scheme}-${name}.png`), fullPage: true });
    }
    assert.deepEqual(wide, [], "no page scrolls sideways");
    assert.deepEqual(axe, [], "no serious or critical axe-core violation");
    assert.deepEqual(errors, [], "no script or CSP errors");
    await ctx.close();
  });
}

test("on a phone the menu opens without script and the skip link reaches the content", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await signIn(page, server.base);
  assert.ok(!(await page.isVisible("nav >> text=Settings")), "the menu starts closed on a phone");
  const bar = await page.evaluate(() => document.querySelector(".topbar").getBoundingClientRect().height);
  assert.ok(bar < 844 / 8, `the top bar is compact (${bar} px)`);
  await page.click("label.menu-button");
  assert.ok(await page.isVisible("nav >> text=Settings"), "the menu opens");
  await page.screenshot({ path: join(screenshots, "layout-390-menu-open.png"), fullPage: true });
  await page.goto(`${server.base}/admin`);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
  await ctx.close();
});

// The admin in Vietnamese (the viewer's own language, chosen in the top bar), at the
// narrowest phone in dark mode: the longer words still fit, and every page speaks it.
test("every admin page fits 360 px in dark mode, in Vietnamese", async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: "dark" });
  const page = await ctx.newPage();
  await signIn(page, server.base);
  // The top bar's language form, posted as the browser would (on a phone it sits in the menu).
  const speak = async (locale) => {
    const csrf = await page.getAttribute("body", "data-csrf");
    const res = await page.request.post(`${server.base}/admin/locale`, { form: { _csrf: csrf, locale }, maxRedirects: 0 });
    assert.equal(res.status(), 303, `language ${locale}`);
  };
  await speak("vi");
  const wide = [];
  const axe = [];
  try {
    for (const path of pages) {
      const res = await page.goto(`${server.base}${path}`);
      assert.equal(res.status(), 200, path);
      assert.equal(await page.getAttribute("html", "lang"), "vi", path);
      const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (sw > iw) wide.push(`${path}: ${sw} > ${iw}`);
      for (const v of await axeViolations(page)) axe.push(`${path}: ${v}`);
      const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/-(inq|wh|ps|salesreq)-[0-9a-f-]+/g, "-detail").replace(/^-|-$/g, "") || "home";
      await page.screenshot({ path: join(screenshots, `layout-360-dark-vi-${name}.png`), fullPage: true });
    }
  } finally {
    // The owner's language goes back to English for whatever runs next.
    await speak("en");
  }
  assert.deepEqual(wide, [], "no page scrolls sideways");
  assert.deepEqual(axe, [], "no serious or critical axe-core violation");
  await ctx.close();
});
