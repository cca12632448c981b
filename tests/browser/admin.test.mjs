// The admin shell in a real browser: sign in through the page, walk the navigation, change
// a setting, switch language, keep screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

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
  assert.ok(await page.isVisible("#checklist"), "a newcomer sees the first-run checklist");
  assert.ok(await page.isVisible("#att-new"), "and what needs attention");
  await page.screenshot({ path: join(screenshots, "admin-home.png"), fullPage: true });
  assert.deepEqual(errors, [], "no script or CSP errors on the page");
  await page.close();
});

test("settings are saved section by section and errors name the field in words", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.click("nav >> text=Settings");
  await page.fill("#name", "Acme Sales");
  await Promise.all([page.waitForURL(`${server.base}/admin/settings`), page.click("#settings-save")]);
  assert.ok(await page.isVisible("text=Settings saved."));
  assert.equal(await page.inputValue("#name"), "Acme Sales");
  await page.click(".settings-tabs >> text=Form and origins");
  await page.fill("#allowed_origins", "https://www.acme.test");
  await Promise.all([page.waitForURL(`${server.base}/admin/settings/form`), page.click("#settings-save")]);
  assert.ok(await page.isVisible("text=Settings saved."));
  // A value the browser accepts but the server refuses: the page comes back naming the field.
  await page.fill("#allowed_origins", "https://www.acme.test/with/a/path");
  await page.click("#settings-save");
  await page.waitForSelector(".flash-error");
  assert.match(await page.textContent(".flash-error"), /Allowed origins, line 1/);
  assert.doesNotMatch(await page.textContent(".flash-error"), /allowedOrigins/);
  assert.equal(await page.inputValue("#allowed_origins"), "https://www.acme.test/with/a/path", "the typed value is kept");
  await page.screenshot({ path: join(screenshots, "settings-error.png"), fullPage: true });
  await page.close();
});

test("the plan editor creates, edits and removes plans without JSON", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/settings/catalogue`);
  assert.equal(await page.locator("textarea").count(), 0, "no JSON boxes");
  const blank = await page.locator("#plan-rows fieldset.row").count() - 2;
  await page.fill(`#plan-code-${blank}`, "TEAM");
  await page.fill(`#plan-name-${blank}`, "Team");
  await page.selectOption(`#plan-type-${blank}`, "service_vendor");
  await page.fill(`#plan-min-${blank}`, "1,000");
  await page.fill(`#plan-max-${blank}`, "2500");
  await page.fill("#currency", "usd");
  await Promise.all([page.waitForURL(`${server.base}/admin/settings/catalogue`), page.click("#settings-save")]);
  assert.ok(await page.isVisible("text=Settings saved."));
  assert.equal(await page.inputValue(`#plan-code-${blank}`), "TEAM");
  assert.equal(await page.inputValue(`#plan-min-${blank}`), "1000");
  assert.equal(await page.inputValue("#currency"), "USD");
  // Edit it: a maximum below the minimum is refused, named in words, and kept as typed.
  await page.fill(`#plan-max-${blank}`, "10");
  await page.click("#settings-save");
  await page.waitForSelector(".flash-error");
  assert.match(await page.textContent(".flash-error"), new RegExp(`Plan ${blank + 1}: monthly up to`));
  assert.equal(await page.inputValue(`#plan-max-${blank}`), "10");
  await page.screenshot({ path: join(screenshots, "plan-editor-error.png"), fullPage: true });
  await page.fill(`#plan-max-${blank}`, "3000");
  await page.fill(`#plan-name-${blank}`, "Team plus");
  await Promise.all([page.waitForURL(`${server.base}/admin/settings/catalogue`), page.click("#settings-save")]);
  assert.equal(await page.inputValue(`#plan-name-${blank}`), "Team plus");
  assert.equal(await page.inputValue(`#plan-max-${blank}`), "3000");
  // Remove it.
  await page.check(`#plan-rows fieldset[data-row="${blank}"] input[name=plan_remove]`);
  await Promise.all([page.waitForURL(`${server.base}/admin/settings/catalogue`), page.click("#settings-save")]);
  const codes = await page.locator("input[name=plan_code]").evaluateAll((els) => els.map((e) => e.value));
  assert.ok(!codes.includes("TEAM"), "the plan is gone");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(screenshots, "plan-editor-phone.png"), fullPage: true });
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

test("a link to an admin page opened while signed out opens that page after signing in", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/admin/members`);
  assert.equal(new URL(page.url()).pathname, "/login");
  assert.equal(new URL(page.url()).searchParams.get("next"), "/admin/members");
  await page.fill("#email", OWNER.email);
  await page.fill("#password", OWNER.password);
  await Promise.all([page.waitForURL(`${server.base}/admin/members`), page.click("button[type=submit]")]);
  assert.equal(new URL(page.url()).pathname, "/admin/members");
  await context.close();
});
