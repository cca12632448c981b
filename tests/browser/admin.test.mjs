// The admin shell in a real browser: sign in through the page, walk the navigation, change
// a setting, switch language, keep screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the bootstrap owner signs in through the page and sees the admin shell", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(`${server.base}/admin`);
  assert.equal(new URL(page.url()).pathname, "/login", "signed-out visitors land on sign-in");
  await page.screenshot({ path: join(screenshots, "login.png"), fullPage: true });
  await signIn(page, server.base);
  assert.match(await page.textContent("h1"), /Welcome, Owner/);
  for (const label of ["Overview", "Settings", "Members", "API tokens"]) {
    assert.ok(await page.isVisible(`nav >> text=${label}`), `nav shows ${label}`);
  }
  assert.ok(await page.isVisible("text=pk_"), "the public form key is shown");
  await page.screenshot({ path: join(screenshots, "admin-home.png"), fullPage: true });
  assert.deepEqual(errors, [], "no script or CSP errors on the page");
  await page.close();
});

test("settings are saved through the form and errors name the field", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.click("nav >> text=Settings");
  await page.fill("#name", "Acme Sales");
  await page.fill("#allowed_origins", "https://www.acme.test");
  await page.fill("#sales_email", "sales@acme.test");
  await Promise.all([page.waitForURL(`${server.base}/admin/settings`), page.click("button.primary")]);
  assert.ok(await page.isVisible("text=Settings saved."));
  assert.equal(await page.inputValue("#name"), "Acme Sales");
  // A value the browser accepts but the server refuses: the page comes back naming the field.
  await page.fill("#allowed_origins", "https://www.acme.test/with/a/path");
  await page.click("button.primary");
  await page.waitForSelector(".flash-error");
  assert.match(await page.textContent(".flash-error"), /allowedOrigins\[0\]/);
  assert.equal(await page.inputValue("#allowed_origins"), "https://www.acme.test/with/a/path", "the typed value is kept");
  await page.screenshot({ path: join(screenshots, "settings-error.png"), fullPage: true });
  await page.close();
});

test("an API token is created on the page and shown once", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.click("nav >> text=API tokens");
  await page.fill("#token-name", "CRM sync");
  await page.click("button.primary");
  const token = (await page.textContent("#new-token")).trim();
  assert.match(token, /^lbx_[A-Za-z0-9]{40}$/);
  const res = await fetch(`${server.base}/api/v1/workspaces`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  await page.screenshot({ path: join(screenshots, "tokens.png"), fullPage: true });
  await page.close();
});

test("switching to Vietnamese changes the whole shell", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await Promise.all([page.waitForNavigation(), page.selectOption("#lang", "vi")]);
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  assert.ok(await page.isVisible("nav >> text=Tổng quan"));
  assert.ok(await page.isVisible("text=Đăng xuất"));
  await page.screenshot({ path: join(screenshots, "admin-home-vi.png"), fullPage: true });
  await Promise.all([page.waitForNavigation(), page.selectOption("#lang", "en")]);
  await page.close();
});

test("signing out returns to the sign-in page", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await Promise.all([page.waitForURL(`${server.base}/login`), page.click("text=Sign out")]);
  await page.goto(`${server.base}/admin`);
  assert.equal(new URL(page.url()).pathname, "/login");
  await page.close();
});
