// The embedded inquiry form on another origin, with JavaScript on and off, then the lead
// worked from NEW to CONVERTED through the admin pages. Screenshots in ./screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, freePort, screenshots, OWNER } from "./harness.mjs";

let server, browser, site, siteUrl, token;

async function api(path, init = {}) {
  const res = await fetch(`${server.base}${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...(init.headers || {}) },
  });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const sitePort = await freePort();
  siteUrl = `http://127.0.0.1:${sitePort}`;
  const t = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  });
  token = (await t.json()).data.token;
  const patched = await api("/api/v1/workspaces/default", { method: "PATCH", body: JSON.stringify({ allowedOrigins: [siteUrl] }) });
  assert.equal(patched.status, 200);
  // Copy the snippet the way a user would: from the admin's embed page.
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/embed`);
  const snippet = await page.textContent("#snippet");
  await page.screenshot({ path: join(screenshots, "embed-snippet.png"), fullPage: true });
  await page.close();
  site = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><title>Acme</title>
      <style>body{font-family:sans-serif;max-width:560px;margin:2rem auto}label{display:block;margin:.6rem 0}input,textarea{display:block;width:100%}</style>
      </head><body><h1>Acme Analytics</h1><p>Talk to our sales team.</p>${snippet}</body></html>`);
  });
  await new Promise((ok) => site.listen(sitePort, "127.0.0.1", ok));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((ok) => (site ? site.close(ok) : ok()));
});

async function fill(page, who) {
  await page.fill("input[name=name]", who.name);
  await page.fill("input[name=email]", who.email);
  await page.fill("input[name=business_name]", "Analytical Engines");
  await page.fill("textarea[name=message]", "We would like a demo for 50 seats.");
}

test("with JavaScript the embedded form validates inline and sends without a reload", async () => {
  const page = await browser.newPage();
  const posts = [];
  page.on("request", (r) => { if (r.method() === "POST") posts.push(r.url()); });
  await page.goto(siteUrl);
  await page.click("form[data-leadbox-form] button[type=submit]");
  assert.ok(await page.isVisible("text=This field is required."), "inline validation");
  assert.equal(posts.length, 0, "nothing sent while invalid");
  await page.screenshot({ path: join(screenshots, "embed-inline-errors.png"), fullPage: true });
  await fill(page, { name: "Ada Lovelace", email: "ada@example.com" });
  await page.waitForTimeout(2200); // a person takes longer than the 2 s time trap
  await page.click("form[data-leadbox-form] button[type=submit]");
  await page.waitForSelector(".leadbox-success", { timeout: 15000 });
  assert.equal(new URL(page.url()).origin, siteUrl, "no navigation away from the site");
  await page.screenshot({ path: join(screenshots, "embed-js-success.png"), fullPage: true });
  const list = await api("/api/v1/inquiries?q=ada%40example.com");
  assert.equal(list.body.data.pagination.totalItems, 1, "stored and not judged spam");
  assert.equal(list.body.data.items[0].businessName, "Analytical Engines");
  await page.close();
});

test("without JavaScript the same snippet posts and lands on the thank-you page", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(siteUrl);
  await fill(page, { name: "Charles Babbage", email: "charles@example.com" });
  await Promise.all([page.waitForNavigation(), page.click("form[data-leadbox-form] button[type=submit]")]);
  assert.equal(new URL(page.url()).origin, server.base);
  assert.match(new URL(page.url()).pathname, /^\/f\/pk_.+\/thanks$/);
  assert.ok(await page.isVisible("text=Thank you!"));
  await page.screenshot({ path: join(screenshots, "embed-nojs-thanks.png"), fullPage: true });
  const list = await api("/api/v1/inquiries?q=charles%40example.com");
  assert.equal(list.body.data.pagination.totalItems, 1);
  await context.close();
});

test("without JavaScript a mistake comes back as leadbox's form page, values kept", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(siteUrl);
  // The browser accepts this address; the server wants a dotted domain.
  await fill(page, { name: "Lady Byron", email: "byron@localhost" });
  await Promise.all([page.waitForNavigation(), page.click("form[data-leadbox-form] button[type=submit]")]);
  assert.equal(new URL(page.url()).origin, server.base);
  assert.ok(await page.isVisible("text=must be a valid email address"));
  assert.equal(await page.inputValue("#lb-name"), "Lady Byron", "values kept");
  assert.equal(await page.inputValue("#lb-message"), "We would like a demo for 50 seats.");
  await page.screenshot({ path: join(screenshots, "embed-nojs-error.png"), fullPage: true });
  await page.fill("#lb-email", "byron@example.com");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  assert.ok(await page.isVisible("text=Thank you!"));
  const list = await api("/api/v1/inquiries?q=byron%40example.com");
  assert.equal(list.body.data.pagination.totalItems, 1);
  await context.close();
});

test("staff walk the inquiry from NEW to CONVERTED on the admin pages", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.click("nav >> text=Inquiries");
  await page.click("text=Ada Lovelace");
  assert.equal((await page.textContent("#status")).trim(), "New");
  await page.screenshot({ path: join(screenshots, "inquiry-new.png"), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click("#assign-me")]);
  assert.equal((await page.textContent("#status")).trim(), "Assigned");
  await page.fill("#reply-body", "Thanks Ada, the quote is attached.");
  await Promise.all([page.waitForNavigation(), page.click("#record-reply")]);
  assert.equal((await page.textContent("#status")).trim(), "Replied");
  await Promise.all([page.waitForNavigation(), page.click("#convert")]);
  assert.equal((await page.textContent("#status")).trim(), "Converted");
  const steps = await page.$$eval("#timeline li strong", (els) => els.map((e) => e.textContent.trim()));
  assert.deepEqual(steps, ["Received", "Assigned", "Replied", "Converted"]);
  assert.equal(await page.isVisible("#convert"), false, "no further actions");
  await page.screenshot({ path: join(screenshots, "inquiry-converted.png"), fullPage: true });
  await page.close();
});
