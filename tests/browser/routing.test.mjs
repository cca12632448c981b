// Routing in the browser: the owner sets round robin and a first-response target on the
// routing page, a rep sets themselves away on their account page, a new lead goes to the other
// rep, and once the injected clock passes the lead's due time the owner sees a toast and the
// overdue badge in the Inbox. Screenshots are kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

let server, browser, token, key;

async function api(method, path, body, bearer = token) {
  const res = await fetch(`${server.base}${path}`, {
    method, headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function tokenFor(who) {
  const res = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(who),
  });
  assert.equal(res.status, 201);
  return (await res.json()).data;
}

function watch(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return errors;
}

/** The owner invites `name`; the invitee chooses a password through the link. */
async function invite(ownerPage, name, email, password) {
  await ownerPage.goto(`${server.base}/admin/members`);
  await ownerPage.fill("#m-name", name);
  await ownerPage.fill("#m-email", email);
  await ownerPage.click("form[action='/admin/members'] button.primary");
  const link = (await ownerPage.textContent("#reset-url")).trim();
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.goto(link);
  await p.fill("#invite-password", password);
  await Promise.all([p.waitForURL(`${server.base}/admin`), p.click("#invite-accept")]);
  await ctx.close();
  return (await tokenFor({ email, password })).userId;
}

before(async () => {
  server = await startLeadbox({ LEADBOX_TEST_CLOCK: "true" });
  browser = await launchBrowser();
  token = (await tokenFor(OWNER)).token;
  const ws = await api("PATCH", "/api/v1/workspaces/default", { rateLimits: { publicPerIpPerMinute: 0, publicPerWorkspacePerMinute: 0 } });
  key = ws.body.data.publicKey;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a rep away gets no lead, the other does, and the overdue badge appears past due", async () => {
  const owner = await browser.newPage();
  const errors = watch(owner);
  await signIn(owner, server.base);
  const rita = { email: "rita@example.com", password: "rita-pass-123" };
  const sam = { email: "sam@example.com", password: "sam-pass-1234" };
  const ritaId = await invite(owner, "Rita Rep", rita.email, rita.password);
  const samId = await invite(owner, "Sam Rep", sam.email, sam.password);

  // The rule and the target, through the routing page.
  await owner.goto(`${server.base}/admin/routing`);
  await owner.selectOption("#mode", "round_robin");
  await owner.check(`input[name=member][value="${ritaId}"]`);
  await owner.check(`input[name=member][value="${samId}"]`);
  await owner.click("#save-assignment");
  await owner.waitForSelector(".flash-success");
  await owner.check("#sla-enabled");
  await owner.fill("#minutes", "30");
  await owner.uncheck("#hours-enabled");
  await owner.click("#save-sla");
  await owner.waitForSelector(".flash-success");
  assert.equal(await owner.inputValue("#minutes"), "30");
  await owner.screenshot({ path: join(screenshots, "routing-settings.png"), fullPage: true });
  const rule = await api("GET", "/api/v1/workspaces/default/assignment");
  assert.equal(rule.body.data.mode, "round_robin");
  assert.deepEqual([...rule.body.data.memberIds].sort(), [ritaId, samId].sort());

  // Rita sets herself away on her account page.
  const rctx = await browser.newContext();
  const rp = await rctx.newPage();
  const rerrors = watch(rp);
  await signIn(rp, server.base, rita);
  await rp.goto(`${server.base}/admin/account`);
  await rp.click("#set-away");
  await rp.waitForSelector(".flash-success");
  assert.match(await rp.textContent("#availability-state"), /away since/i);
  assert.ok(await rp.isVisible("#set-back"));
  await rp.screenshot({ path: join(screenshots, "routing-away.png"), fullPage: true });

  // Two new leads: both go to Sam while Rita is away.
  const ids = [];
  for (const name of ["Quinn Quote", "Uma Urgent"]) {
    const res = await fetch(`${server.base}/api/public/forms/${key}/inquiries`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, email: `${name.split(" ")[0].toLowerCase()}@example.com`, message: "A quote, please" }),
    });
    assert.equal(res.status, 201);
    ids.push((await res.json()).data.id);
  }
  for (const id of ids) {
    const lead = await api("GET", `/api/v1/leads/${id}`);
    assert.equal(lead.body.data.assigneeId, samId, "Rita is away");
    assert.ok(lead.body.data.dueAt, "a due time");
    assert.equal(lead.body.data.overdue, false);
  }
  // The timeline says the rule did it, and why.
  await owner.goto(`${server.base}/admin/inquiries/${ids[0]}`);
  const page = await owner.textContent("main");
  assert.match(page, /Assignment rule/);
  assert.match(page, /Sam Rep \(in turn\)/);
  await owner.goto(`${server.base}/admin/leads`);
  const row = owner.locator(`tr[data-id="${ids[0]}"]`);
  assert.equal(await row.locator(".badge-overdue").count(), 0);
  assert.equal(await row.locator(".badge-due").count(), 1);

  // The clock passes the due time: the owner's open page gets the escalation as a toast, and
  // the Inbox marks both leads overdue.
  await owner.waitForTimeout(500);
  const moved = await api("POST", "/api/v1/test/clock", { advanceMinutes: 31 });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal(moved.body.data.escalated, 2);
  await owner.waitForSelector(".toast.toast-due", { timeout: 15000 });
  await owner.screenshot({ path: join(screenshots, "routing-toast.png") });
  await owner.goto(`${server.base}/admin/leads?overdue=true`);
  for (const id of ids) {
    assert.equal(await owner.locator(`tr[data-id="${id}"] .badge-overdue`).count(), 1, id);
  }
  await owner.screenshot({ path: join(screenshots, "routing-overdue.png"), fullPage: true });

  // Rita is back; the next lead goes to her turn.
  await rp.goto(`${server.base}/admin/account`);
  await rp.click("#set-back");
  await rp.waitForSelector(".flash-success");
  const res = await fetch(`${server.base}/api/public/forms/${key}/inquiries`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Vera Valid", email: "vera@example.com", message: "Back again" }),
  });
  const id = (await res.json()).data.id;
  assert.equal((await api("GET", `/api/v1/leads/${id}`)).body.data.assigneeId, ritaId);
  assert.deepEqual(errors, []);
  assert.deepEqual(rerrors, []);
  await rctx.close();
});
