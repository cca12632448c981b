// A newcomer's first five minutes, in a real browser: a fresh data folder and the setup link
// from the log, the first-run checklist, the site's origin allowed, the snippet pasted into a
// page served from another origin, a test lead sent from it, and the lead arriving live on the
// Overview while the checklist ticks its step by itself. Screenshots are kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { startLeadbox, launchBrowser, freePort, screenshots } from "./harness.mjs";

let server, browser, site, sitePort;
let snippet = "";

before(async () => {
  server = await startLeadbox({ LEADBOX_BOOTSTRAP_EMAIL: null, LEADBOX_BOOTSTRAP_PASSWORD: null });
  browser = await launchBrowser();
  // "Their marketing site": another origin (localhost, not 127.0.0.1, on its own port).
  sitePort = await freePort();
  site = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme</title>
<style>body{font-family:Georgia,serif;margin:2rem;max-width:40rem}</style></head>
<body><h1>Talk to Acme sales</h1>${snippet}</body></html>`);
  });
  await new Promise((ok) => site.listen(sitePort, "127.0.0.1", ok));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  site?.close();
});

function setupLink() {
  const line = server.log.join("").split("\n").find((l) => l.includes("/setup/"));
  assert.ok(line, "the log prints a setup link");
  return line.match(/https?:\/\/\S+\/setup\/\S+/)[0];
}

test("from the setup link to a live first lead, with the checklist ticking itself", async () => {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  // 1. The setup link creates the owner and signs them in.
  await page.goto(setupLink());
  await page.fill("#name", "Ada Owner");
  await page.fill("#email", "ada@acme.test");
  await page.fill("#password", "ada-first-pass-1");
  await page.fill("#confirm", "ada-first-pass-1");
  await Promise.all([page.waitForURL(`${server.base}/admin`), page.click("button.primary")]);

  // 2. The Overview opens with the checklist, nothing done yet.
  const step = (s) => page.locator(`#checklist li[data-step=${s}]`);
  assert.ok(await page.isVisible("#checklist"));
  for (const s of ["origin", "snippet", "lead", "teammate"]) {
    assert.ok(!(await step(s).getAttribute("class")).includes("done"), `${s} starts undone`);
  }
  await page.screenshot({ path: join(screenshots, "newcomer-1-checklist.png"), fullPage: true });

  // 3. Allow the site's origin, straight from the checklist.
  await Promise.all([page.waitForURL(`${server.base}/admin/settings/form`), step("origin").locator("a").click()]);
  await page.fill("#allowed_origins", `http://localhost:${sitePort}`);
  await Promise.all([page.waitForURL(`${server.base}/admin/settings/form`), page.click("#settings-save")]);
  assert.ok(await page.isVisible(".flash-success"));

  // 4. Copy the snippet from the Embed page (reached from the checklist).
  await page.goto(`${server.base}/admin`);
  assert.ok((await step("origin").getAttribute("class")).includes("done"), "the origin step ticked");
  await Promise.all([page.waitForURL(`${server.base}/admin/embed`), step("snippet").locator("a").click()]);
  assert.equal(await page.getAttribute("#set-origins", "href"), "/admin/settings/form", "the Embed page links to the origin setting");
  snippet = await page.textContent("#snippet");
  assert.match(snippet, /data-leadbox-form/);
  await page.screenshot({ path: join(screenshots, "newcomer-2-embed.png"), fullPage: true });

  // 5. Back on the Overview, waiting; the site's visitor sends a lead from the other origin.
  await page.goto(`${server.base}/admin`);
  assert.ok((await step("snippet").getAttribute("class")).includes("done"));
  assert.ok(!(await step("lead").getAttribute("class")).includes("done"));
  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const v = await visitor.newPage();
  const verrors = [];
  v.on("pageerror", (e) => verrors.push(String(e)));
  v.on("console", (m) => { if (m.type() === "error") verrors.push(m.text()); });
  await v.goto(`http://localhost:${sitePort}/`);
  // The form takes the site's font from its own scoped stylesheet.
  const font = await v.evaluate(() => getComputedStyle(document.querySelector("form[data-leadbox-form] input")).fontFamily);
  assert.match(font, /Georgia/);
  await v.screenshot({ path: join(screenshots, "newcomer-3-site-form.png"), fullPage: true });
  // An empty submit is stopped with styled messages, then the real one goes through.
  await v.click("form[data-leadbox-form] button[type=submit]");
  await v.waitForSelector(".leadbox-err");
  const errColour = await v.evaluate(() => getComputedStyle(document.querySelector(".leadbox-err")).color);
  assert.notEqual(errColour, "rgb(0, 0, 0)", "errors are styled");
  await v.screenshot({ path: join(screenshots, "newcomer-4-site-errors.png"), fullPage: true });
  // A person takes a few seconds to type; faster than 2 s is the spam folder's (by design).
  await v.waitForTimeout(2500);
  await v.fill("input[name=name]", "Grace First");
  await v.fill("input[name=email]", "grace@example.org");
  await v.fill("input[name=business_name]", "First Co");
  await v.fill("textarea[name=message]", "We would like a demo.");
  // 6. The lead appears live on the Overview, and the checklist step ticks itself.
  const toast = page.waitForSelector(".toast", { timeout: 20000 });
  await v.click("form[data-leadbox-form] button[type=submit]");
  await v.waitForSelector(".leadbox-success", { timeout: 20000 });
  await toast;
  assert.match(await page.textContent("#toasts"), /Grace First/);
  await page.waitForSelector("#checklist li[data-step=lead].done", { timeout: 5000 });
  assert.equal(await page.textContent("#att-new strong"), "1", "the new-lead count grew too");
  await v.screenshot({ path: join(screenshots, "newcomer-5-site-thanks.png"), fullPage: true });
  await page.screenshot({ path: join(screenshots, "newcomer-6-live.png"), fullPage: true });
  assert.deepEqual(errors, [], "no script or CSP errors in the admin");
  assert.deepEqual(verrors, [], "no script or CSP errors on the site");
  await visitor.close();
  await ctx.close();
});
