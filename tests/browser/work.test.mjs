// Working leads and accounts in the browser: an internal note on the timeline, bulk actions
// from the inbox, keyboard shortcuts that never fire inside fields, a password change, and an
// owner's one-time reset link used by the member. Screenshots are kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

let server, browser, token, key;

async function api(method, path, body) {
  const res = await fetch(`${server.base}${path}`, {
    method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function submit(name) {
  const res = await fetch(`${server.base}/api/public/forms/${key}/inquiries`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, email: "work@example.com", businessName: "Work Co", message: "Hello there" }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).data.id;
}

function watch(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return errors;
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  token = (await (await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  })).json()).data.token;
  const ws = await api("PATCH", "/api/v1/workspaces/default", { rateLimits: { publicPerIpPerMinute: 0, publicPerWorkspacePerMinute: 0 } });
  key = ws.body.data.publicKey;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("an internal note is added on the timeline", async () => {
  const id = await submit("Nadia Note");
  const page = await browser.newPage();
  const errors = watch(page);
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/inquiries/${id}`);
  await page.fill("#note-body", "Called her: wants a demo on Friday");
  await Promise.all([page.waitForURL(/#timeline$/), page.click("#add-note")]);
  const note = page.locator("#timeline li.note");
  assert.equal(await note.count(), 1);
  assert.match(await note.textContent(), /wants a demo on Friday/);
  assert.match(await note.textContent(), /Internal note/);
  await page.screenshot({ path: join(screenshots, "work-note.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("bulk actions assign and lose several leads from the inbox", async () => {
  const ids = [await submit("Bulk One"), await submit("Bulk Two"), await submit("Bulk Three")];
  const page = await browser.newPage();
  const errors = watch(page);
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/leads?limit=50`);
  for (const id of ids.slice(0, 2)) await page.check(`tr[data-id="${id}"] input[name=ids]`);
  await page.selectOption("#bulk-action", "assign_me");
  // Only the field the action needs is shown.
  assert.ok(!(await page.isVisible("#bulk-assignee")) && !(await page.isVisible("#bulk-reason")));
  await page.selectOption("#bulk-action", "assign");
  assert.ok((await page.isVisible("#bulk-assignee")) && !(await page.isVisible("#bulk-reason")));
  await page.selectOption("#bulk-action", "assign_me");
  await Promise.all([page.waitForURL(/\/admin\/leads\?limit=50$/), page.click("#bulk-apply")]);
  assert.match(await page.textContent(".flash"), /2 updated, 0 skipped/);
  for (const id of ids.slice(0, 2)) assert.match(await page.textContent(`tr[data-id="${id}"] .status`), /Assigned/);
  assert.match(await page.textContent(`tr[data-id="${ids[2]}"] .status`), /New/);
  // Select all on the page (script), then lose them with a reason.
  await page.check("#pick-all");
  assert.ok(await page.isChecked(`tr[data-id="${ids[2]}"] input[name=ids]`));
  await page.uncheck("#pick-all");
  for (const id of ids) await page.check(`tr[data-id="${id}"] input[name=ids]`);
  await page.selectOption("#bulk-action", "lose");
  await page.fill("#bulk-reason", "Chose another vendor");
  await Promise.all([page.waitForURL(/\/admin\/leads\?limit=50$/), page.click("#bulk-apply")]);
  assert.match(await page.textContent(".flash"), /3 updated/);
  for (const id of ids) assert.match(await page.textContent(`tr[data-id="${id}"] .status`), /Lost/);
  await page.screenshot({ path: join(screenshots, "work-bulk.png"), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(screenshots, "work-bulk-phone.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("keyboard shortcuts move, open, assign and search, and never fire inside fields", async () => {
  const id = await submit("Kim Keys");
  const page = await browser.newPage();
  const errors = watch(page);
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/leads`);
  await page.keyboard.press("?");
  assert.ok(await page.isVisible("#shortcuts"), "? shows the list");
  await page.screenshot({ path: join(screenshots, "work-shortcuts.png") });
  await page.keyboard.press("?");
  assert.ok(!(await page.isVisible("#shortcuts")));
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "f-q", "/ focuses the search");
  await page.keyboard.type("j k a");
  assert.equal(await page.inputValue("#f-q"), "j k a", "letters typed in a field stay in the field");
  assert.equal(await page.locator("tr.current").count(), 0, "no row moved while typing");
  await page.keyboard.press("Escape");
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press("j");
  assert.equal(await page.getAttribute("tr.current", "data-id"), id, "j picks the newest lead");
  await page.keyboard.press("j");
  await page.keyboard.press("k");
  assert.equal(await page.getAttribute("tr.current", "data-id"), id, "k goes back up");
  await Promise.all([page.waitForURL(new RegExp(`/admin/inquiries/${id}$`)), page.keyboard.press("Enter")]);
  await Promise.all([page.waitForURL(new RegExp(`/admin/inquiries/${id}$`)), page.keyboard.press("a")]);
  assert.match(await page.textContent("#status"), /Assigned/, "a assigned it to me");
  await page.keyboard.press("r");
  assert.equal(await page.evaluate(() => document.activeElement.id), "reply-body", "r goes to the reply");
  await page.keyboard.type("a");
  assert.equal(await page.inputValue("#reply-body"), "a", "a inside the reply is just a letter");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a password is changed, and an owner's reset link lets a member choose a new one", async () => {
  const member = { email: "member@example.com", password: "member-start-1" };
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const errors = watch(page);
  await signIn(page, server.base);
  // An invitation: the new member gets a one-time link and chooses their own password.
  await page.goto(`${server.base}/admin/members`);
  await page.fill("#m-name", "Mai Member");
  await page.fill("#m-email", member.email);
  await page.click("form[action='/admin/members'] button.primary");
  const invite = (await page.textContent("#reset-url")).trim();
  assert.match(invite, /\/invite\//);
  assert.match(await page.textContent("#invitations"), /member@example\.com/);
  {
    const ictx = await browser.newContext();
    const i = await ictx.newPage();
    const ierrors = watch(i);
    await i.goto(invite);
    assert.match(await i.textContent("h1"), /Join Default/);
    await i.screenshot({ path: join(screenshots, "work-invite.png"), fullPage: true });
    await i.fill("#invite-password", member.password);
    await Promise.all([i.waitForURL(`${server.base}/admin`), i.click("#invite-accept")]);
    assert.ok(await i.isVisible(".flash-success"));
    assert.deepEqual(ierrors, []);
    await ictx.close();
  }
  // The owner changes their own password: a wrong current one is refused first.
  await page.goto(`${server.base}/admin/account`);
  await page.fill("#pw-current", "not-my-password");
  await page.fill("#pw-new", "owner-new-pass-1");
  await page.fill("#pw-confirm", "owner-new-pass-1");
  await page.click("#change-password");
  await page.waitForSelector(".flash-error");
  await page.fill("#pw-current", OWNER.password);
  await page.fill("#pw-new", "owner-new-pass-1");
  await page.fill("#pw-confirm", "owner-new-pass-1");
  await page.click("#change-password");
  await page.waitForSelector(".flash-success");
  assert.match(await page.textContent("#session-list"), /This browser/);
  await page.screenshot({ path: join(screenshots, "work-account.png"), fullPage: true });
  // A reset link for the member, from the members page.
  await page.goto(`${server.base}/admin/members`);
  await page.click(`button[data-reset="${member.email}"]`);
  const link = (await page.textContent("#reset-url")).trim();
  assert.notEqual(link, invite);
  await ctx.close();
  // The member, in a browser of their own.
  const mctx = await browser.newContext();
  const m = await mctx.newPage();
  const merrors = watch(m);
  await m.goto(link);
  await m.fill("#password", "member-chosen-1");
  await m.fill("#confirm", "member-chosen-1");
  await Promise.all([m.waitForURL(`${server.base}/login`), m.click("#reset-save")]);
  assert.ok(await m.isVisible(".flash-success"));
  await signIn(m, server.base, { email: member.email, password: "member-chosen-1" });
  await m.goto(link);
  assert.ok(await m.isVisible("text=This link has been used or has expired"), "a link works once");
  await m.screenshot({ path: join(screenshots, "work-reset-used.png"), fullPage: true });
  // The owner signs in with the new password only.
  const octx = await browser.newContext();
  const o = await octx.newPage();
  await o.goto(`${server.base}/login`);
  await o.fill("#email", OWNER.email);
  await o.fill("#password", OWNER.password);
  await o.click("button[type=submit]");
  await o.waitForSelector(".flash-error");
  await signIn(o, server.base, { email: OWNER.email, password: "owner-new-pass-1" });
  // The used link answers 410 Gone on purpose; anything else is an error.
  assert.deepEqual(errors.concat(merrors).filter((e) => !/status of 410/.test(e)), []);
  await mctx.close();
  await octx.close();
});
