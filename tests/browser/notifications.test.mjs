// Webhooks and notifications in a real browser: a webhook created on a phone-sized page with
// its secret shown once; the account page's "allow notifications" control, with and without
// JavaScript. Chromium here cannot reach a real push service, so the test goes as far as the
// service worker's registration and the subscribe attempt, and checks the page says what
// happened.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startLeadbox({ LEADBOX_SMTP_URL: "smtp://127.0.0.1:9" });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a webhook is added from a 360 px page and its secret is shown once", async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 780 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/webhooks`);
  await page.fill("#wh-url", "https://crm.example.com/leadbox");
  await page.fill("#wh-desc", "CRM");
  await page.selectOption("#wh-format", "standard");
  await Promise.all([page.waitForLoadState("load"), page.click("button.primary")]);
  const secret = await page.textContent("#new-secret");
  assert.match(secret, /^whsec_[A-Za-z0-9+/=]+$/);
  assert.ok(await page.isVisible("text=Send test event"));
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `no sideways scrolling at 360 px (scrollWidth ${width})`);
  await page.screenshot({ path: join(screenshots, "webhook-created-360.png"), fullPage: true });
  await page.click("text=Send test event");
  await page.waitForSelector("text=Test event queued");
  await page.reload();
  assert.ok(await page.isVisible("td >> text=leadbox.test"), "the test message is in the log");
  await page.screenshot({ path: join(screenshots, "webhook-deliveries-360.png"), fullPage: true });
  await page.goto(`${server.base}/admin/webhooks`);
  assert.equal(await page.locator("text=whsec_").count(), 0, "the secret is not shown again");
  assert.deepEqual(errors, []);
  await ctx.close();
});

test("the account page offers browser notifications with JavaScript and explains without", async () => {
  const ctx = await browser.newContext();
  await ctx.grantPermissions(["notifications"], { origin: server.base });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/account`);
  assert.ok(await page.isVisible("#push-allow"), "the control is shown when the browser can push");
  assert.ok(!(await page.isVisible("#push-needs-js")));
  assert.ok(await page.isVisible("input[name=email_new_leads]"), "email choices with SMTP set");
  await page.check("input[name=push_new_leads]");
  await Promise.all([page.waitForLoadState("load"), page.click("form[action=\"/admin/account/notifications\"] button.primary")]);
  assert.ok(await page.isVisible("text=Notification choices saved."));
  assert.ok(await page.isChecked("input[name=push_new_leads]"));
  await page.click("#push-allow");
  await page.waitForFunction(() => document.getElementById("push-status").textContent.length > 0, null, { timeout: 15000 });
  const reg = await page.evaluate(async () => {
    const r = await navigator.serviceWorker.getRegistration("/admin/");
    return r ? r.scope : null;
  });
  assert.equal(reg, `${server.base}/admin/`, "leadbox's service worker is registered for the admin");
  const said = await page.textContent("#push-status");
  // With a push service the page says notifications are on; here none is reachable.
  assert.ok(["Notifications are on in this browser.", "Could not turn on notifications here."].includes(said), said);
  await page.screenshot({ path: join(screenshots, "account-notifications.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await ctx.close();

  const plain = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await plain.newPage();
  await signIn(p2, server.base);
  await p2.goto(`${server.base}/admin/account`);
  assert.ok(await p2.isVisible("#push-needs-js"), "without JavaScript the page says what is needed");
  assert.ok(!(await p2.isVisible("#push-allow")));
  await p2.screenshot({ path: join(screenshots, "account-no-js.png"), fullPage: true });
  await plain.close();
});
