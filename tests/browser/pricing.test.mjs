// Staff open a pending pricing selection, mark it contacted with a note, then converted, and
// see the timeline.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

let server, browser;
const USER = "550e8400-e29b-41d4-a716-446655440000";

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const t = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  });
  const token = (await t.json()).data.token;
  const call = async (method, path, body) => {
    const res = await fetch(`${server.base}${path}`, {
      method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body),
    });
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.text()}`);
  };
  await call("PATCH", "/api/v1/workspaces/default", {
    gstRate: 18,
    plans: [{ code: "INDUSTRY_GROWTH", userType: "industry", name: "Growth", monthlyMin: 12000, monthlyMax: 20000 }],
    addOns: [{ code: "DILIGIENCE_HUB", name: "Diligence hub", monthlyAmount: 999, oneTimeAmount: 499 }],
  });
  await call("PUT", `/api/v1/users/${USER}`, { email: "jo@acme.test", name: "Jo Buyer", company: "Acme Industries", signupType: "industry" });
  await call("POST", "/api/v1/pricing-selections", {
    userId: USER, userType: "industry", selectedPlanCode: "INDUSTRY_GROWTH", selectedAddOnCodes: ["DILIGIENCE_HUB"],
    pricing: { planMonthlyMin: 12000, planMonthlyMax: 20000, addOnsMonthlyAmount: 999, addOnsOneTimeAmount: 499, gstRate: 18,
      estimatedFirstMonthMin: 15928, estimatedFirstMonthMax: 25368, estimatedRecurringMin: 15339, estimatedRecurringMax: 24779 },
    source: "pricing_page", capturedAt: "2024-01-15T10:30:00Z",
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a pending selection is contacted with a note, then converted, with its timeline", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.click("nav >> text=Pricing selections");
  await page.click("#selections tbody a");
  assert.equal(await page.getAttribute("#status", "data-status"), "pending");
  assert.equal((await page.textContent("#status")).trim(), "Pending");
  assert.match(await page.textContent("#quote-check"), /Matches the catalogue/);
  await page.screenshot({ path: join(screenshots, "pricing-pending.png"), fullPage: true });
  await page.fill("#contact-notes", "Called Jo, demo on Friday");
  await Promise.all([page.waitForNavigation(), page.click("#mark-contacted")]);
  assert.equal(await page.getAttribute("#status", "data-status"), "contacted");
  assert.equal((await page.textContent("#status")).trim(), "Contacted");
  assert.equal((await page.textContent("#notes")).trim(), "Called Jo, demo on Friday");
  await Promise.all([page.waitForNavigation(), page.click("#mark-converted")]);
  assert.equal(await page.getAttribute("#status", "data-status"), "converted");
  assert.equal((await page.textContent("#status")).trim(), "Converted");
  const steps = await page.$$eval("#timeline li strong", (els) => els.map((e) => e.textContent.trim()));
  assert.deepEqual(steps, ["Received", "Contacted", "Converted"]);
  assert.ok(await page.isVisible("#timeline >> text=Called Jo, demo on Friday"));
  assert.equal(await page.isVisible("#mark-converted"), false);
  await page.screenshot({ path: join(screenshots, "pricing-converted.png"), fullPage: true });
  // It is in the unified inbox too.
  await page.click("nav >> text=Inbox");
  assert.ok(await page.isVisible("#leads >> text=Jo Buyer"));
  // And on the Overview's chart.
  await page.click("nav >> text=Overview");
  assert.equal(await page.locator("svg.chart rect.bar-pricing_selection").count(), 1);
  await page.screenshot({ path: join(screenshots, "overview-dashboard.png"), fullPage: true });
  await page.close();
});
