// Contact Sales on the example pricing page: once against a working server (success notice,
// scheduler opened), once with the server stopped (a mailto is still offered).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

let server, browser, page;
const SCHEDULER = "https://cal.example.test/acme-sales";

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const t = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  });
  const token = (await t.json()).data.token;
  const res = await fetch(`${server.base}/api/v1/workspaces/default`, {
    method: "PATCH",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ schedulerUrl: SCHEDULER, salesEmail: "sales@acme.test" }),
  });
  assert.equal(res.status, 200);
  page = await browser.newPage();
  // The scheduler is another site; serve a stand-in for it (this machine has no network).
  await page.context().route("https://cal.example.test/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<h1>Book a call</h1>" }));
  await signIn(page, server.base);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("against a working server: a success notice, then the scheduler opens", async () => {
  await page.goto(`${server.base}/examples/pricing`);
  await page.fill("#qty-annual", "250");
  const [popup] = await Promise.all([
    page.context().waitForEvent("page", { timeout: 10000 }),
    page.click("#contact-annual"),
  ]);
  await popup.waitForLoadState();
  assert.equal(popup.url(), SCHEDULER, "the scheduler opened");
  assert.ok(await popup.isVisible("text=Book a call"));
  await page.waitForSelector(".leadbox-notice[data-state=submitted]");
  const notice = await page.textContent(".leadbox-notice[data-state=submitted]");
  assert.match(notice, /Reference: salesreq_/);
  assert.equal(await page.isDisabled("#contact-annual"), false);
  await page.bringToFront();
  await page.screenshot({ path: join(screenshots, "contact-sales-success.png"), fullPage: true });
  await popup.close();
  // The request is in the inbox with the plan and quantity chosen.
  await page.goto(`${server.base}/admin/leads`);
  assert.ok(await page.isVisible("#leads >> text=Contact request"));
});

test("with the server stopped: a failure notice and a mailto to sales", async () => {
  await page.goto(`${server.base}/examples/pricing`);
  await page.waitForFunction(() => !!window.LeadboxContactSales);
  await server.stop(); // the server is gone; the page stays
  server = null;
  await page.click("#contact-monthly");
  await page.waitForSelector(".leadbox-notice[data-state=failed]", { timeout: 15000 });
  const link = await page.getAttribute(".leadbox-notice[data-state=failed] a.leadbox-mailto", "href");
  assert.match(link, /^mailto:sales@acme\.test\?subject=/);
  assert.ok(!link.includes("owner@example.com"), "no personal data in the mailto");
  assert.equal(await page.isDisabled("#contact-monthly"), false, "the button is usable again");
  await page.screenshot({ path: join(screenshots, "contact-sales-offline.png"), fullPage: true });
});
