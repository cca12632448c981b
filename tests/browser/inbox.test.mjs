// The unified Inbox: every lead kind with its own label, status and working link; the kind
// filter lists every kind; a contact request and a pricing selection submitted while the
// Inbox is open appear as live rows with a toast that names the lead.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomUUID } from "node:crypto";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

const SECRET = "browser-test-user-token-secret-0123456789";
let server, browser, call;

function b64(v) { return Buffer.from(JSON.stringify(v)).toString("base64url"); }
function userToken(sub, email, name) {
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64({ sub, email, name, company: "Contoso", exp: Math.floor(Date.now() / 1000) + 600 });
  const sig = createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const t = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  });
  const token = (await t.json()).data.token;
  call = async (method, path, body, auth = `Bearer ${token}`) => {
    const res = await fetch(`${server.base}${path}`, {
      method, headers: { "content-type": "application/json", authorization: auth }, body: JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  await call("PATCH", "/api/v1/workspaces/default", {
    userTokenSecret: SECRET,
    gstRate: 10,
    plans: [{ code: "PRO", userType: "industry", name: "Pro", monthlyMin: 100, monthlyMax: 200 }],
  });
  const key = (await call("GET", "/api/v1/workspaces")).data.items[0].publicKey;
  await call("POST", `/api/public/forms/${key}/inquiries`, { name: "Ivy Inquiry", email: "ivy@example.com", message: "A quote please" });
  await call("POST", "/api/sales/contact-request", { plan: "annual", quantity: 50 }, `Bearer ${userToken(randomUUID(), "cora@example.com", "Cora Contact")}`);
  await pricing(randomUUID(), "Petra Pricing");
});

async function pricing(id, name) {
  await call("PUT", `/api/v1/users/${id}`, { email: `${id}@example.com`, name, company: "Acme", signupType: "industry" });
  await call("POST", "/api/v1/pricing-selections", {
    userId: id, userType: "industry", selectedPlanCode: "PRO", selectedAddOnCodes: [],
    pricing: { planMonthlyMin: 100, planMonthlyMax: 200, addOnsMonthlyAmount: 0, addOnsOneTimeAmount: 0, gstRate: 10,
      estimatedFirstMonthMin: 110, estimatedFirstMonthMax: 220, estimatedRecurringMin: 110, estimatedRecurringMax: 220 },
    source: "pricing_page", capturedAt: new Date().toISOString(),
  });
}

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("every kind has its label, status and a link that opens its page", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/leads`);
  const kinds = await page.$$eval("#f-kind option", (os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(kinds, ["inquiry", "contact_request", "pricing_selection"]);
  const expected = {
    inquiry: ["Inquiry", "New", "Ivy Inquiry", /\/admin\/inquiries\/inq_/],
    contact_request: ["Contact request", "New", "Cora Contact", /\/admin\/contact-requests\/salesreq_/],
    pricing_selection: ["Pricing selection", "Pending", "Petra Pricing", /\/admin\/pricing\/ps_/],
  };
  await page.screenshot({ path: join(screenshots, "inbox-kinds.png"), fullPage: true });
  for (const [kind, [label, status, name, href]] of Object.entries(expected)) {
    const row = page.locator(`#leads tr[data-kind=${kind}]`);
    assert.equal(await row.count(), 1, kind);
    assert.equal((await row.locator(".kind").textContent()).trim(), label);
    assert.equal((await row.locator(".status").textContent()).trim(), status);
    assert.match(await row.locator("a").getAttribute("href"), href);
    await Promise.all([page.waitForNavigation(), row.locator("a").click()]);
    const res = await page.evaluate(() => document.title);
    assert.ok(!/Not found|404/.test(res), `${kind} opens: ${res}`);
    assert.ok(await page.isVisible("#status"), `${kind} detail shows its status`);
    await page.goBack();
  }
  await page.selectOption("#f-kind", "pricing_selection");
  await Promise.all([page.waitForNavigation(), page.click(".filters button[type=submit]")]);
  assert.equal(await page.locator("#leads tbody tr[data-kind]").count(), 1);
  await page.close();
});

test("a contact request and a pricing selection arrive live, with a toast naming the lead", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/leads`);
  await page.waitForTimeout(500);
  await call("POST", "/api/sales/contact-request", { plan: "monthly", quantity: 3 }, `Bearer ${userToken(randomUUID(), "liam@example.com", "Liam Live")}`);
  await page.waitForSelector("#leads tr.fresh[data-kind=contact_request]", { timeout: 10000 });
  await page.waitForSelector("#toasts .toast >> text=Liam Live");
  await pricing(randomUUID(), "Lena Live");
  await page.waitForSelector("#leads tr.fresh[data-kind=pricing_selection]", { timeout: 10000 });
  const toast = await page.locator("#toasts .toast", { hasText: "Lena Live" }).textContent();
  assert.match(toast, /Pricing selection/);
  const fresh = await page.$$eval("#leads tr.fresh a", (as) => as.map((a) => a.textContent.trim()));
  assert.deepEqual(fresh.sort(), ["Lena Live", "Liam Live"]);
  assert.equal((await page.textContent("#new-count")).trim(), "5", "the badge counts every kind");
  // The new rows read like the server's ("just now", the exact time on hover), and the list's
  // count grows with them.
  const times = await page.$$eval("#leads tr.fresh time", (ts) => ts.map((t) => [t.textContent, t.title]));
  for (const [text, title] of times) {
    assert.equal(text, "just now");
    assert.match(title, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  }
  assert.equal((await page.textContent("#list-total")).trim(), "5");
  await page.screenshot({ path: join(screenshots, "inbox-live.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
