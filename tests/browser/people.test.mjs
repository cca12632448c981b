// One buyer through all three channels: the inbox marks the second lead a possible duplicate,
// the person page shows every lead of every kind on one timeline, the export downloads, and
// erasing the person (without script: a plain form) leaves a tombstone and no trace of them
// in the inbox or in search. Screenshots are kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

const SECRET = "browser-test-user-token-secret-0123456789";
const USER = "7d9f2c1e-4b3a-4c5d-8e6f-0a1b2c3d4e5f";
const EMAIL = "mai.tran@hanoifreight.vn";
let server, browser, call, personId;

function b64(v) { return Buffer.from(JSON.stringify(v)).toString("base64url"); }
function userToken(sub, email, name) {
  const head = b64({ alg: "HS256", typ: "JWT" });
  const body = b64({ sub, email, name, company: "Hanoi Freight", exp: Math.floor(Date.now() / 1000) + 600 });
  const sig = createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const token = (await (await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  })).json()).data.token;
  call = async (method, path, body, auth = `Bearer ${token}`) => {
    const res = await fetch(`${server.base}${path}`, {
      method, headers: { "content-type": "application/json", authorization: auth }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  await call("PATCH", "/api/v1/workspaces/default", {
    userTokenSecret: SECRET, gstRate: 10,
    plans: [{ code: "PRO", userType: "industry", name: "Pro", monthlyMin: 100, monthlyMax: 200 }],
  });
  const key = (await call("GET", "/api/v1/workspaces")).data.items[0].publicKey;
  const first = await call("POST", `/api/public/forms/${key}/inquiries`, { name: "Trần Thị Mai", email: "Mai.Tran+site@HanoiFreight.vn", phone: "+84 24 3826 0000", message: "A quote for our fleet of twelve vans, please" });
  await call("POST", "/api/sales/contact-request", { plan: "annual", quantity: 50 }, `Bearer ${userToken(USER, EMAIL, "Trần Thị Mai")}`);
  await call("PUT", `/api/v1/users/${USER}`, { email: EMAIL, name: "Trần Thị Mai", company: "Hanoi Freight", signupType: "industry" });
  await call("POST", "/api/v1/pricing-selections", {
    userId: USER, userType: "industry", selectedPlanCode: "PRO", selectedAddOnCodes: [],
    pricing: { planMonthlyMin: 100, planMonthlyMax: 200, addOnsMonthlyAmount: 0, addOnsOneTimeAmount: 0, gstRate: 10,
      estimatedFirstMonthMin: 110, estimatedFirstMonthMax: 220, estimatedRecurringMin: 110, estimatedRecurringMax: 220 },
    source: "pricing_page", capturedAt: new Date().toISOString(),
  });
  personId = (await call("GET", `/api/v1/leads/${first.data.id}`)).data.personId;
  assert.ok(personId, "the inquiry names its person");
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("the inbox flags the duplicate and the person page holds all three kinds", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/leads`);
  assert.equal(await page.locator("#leads .chip-dup").count(), 2, "the two newer open leads");
  await page.screenshot({ path: join(screenshots, "people-inbox-duplicates.png"), fullPage: true });
  // From a lead's page to its person.
  await page.click("#leads tr[data-kind=contact_request] a >> nth=0");
  await page.click("#person-link");
  assert.match(page.url(), new RegExp(`/admin/people/${personId}$`));
  const kinds = await page.$$eval("#person-leads tbody tr td:nth-child(2) a", (as) => as.map((a) => a.textContent.trim()));
  assert.deepEqual(kinds.sort(), ["Contact request", "Inquiry", "Pricing selection"]);
  assert.match(await page.textContent(".facts"), /mai\.tran@hanoifreight\.vn/);
  assert.equal(await page.locator("#timeline li").count(), 3, "one merged timeline");
  await page.screenshot({ path: join(screenshots, "people-person.png"), fullPage: true });
  // Search from the top bar finds them by a word of the message, without diacritics too.
  await page.fill("#top-q", "twelve vans");
  await Promise.all([page.waitForURL(/\/admin\/leads\?s=/), page.press("#top-q", "Enter")]);
  assert.doesNotMatch(page.url(), /vans|twelve/, "the words stay out of the URL");
  assert.equal(await page.locator("#leads tbody tr[data-id]").count(), 1);
  assert.match(await page.innerHTML("#leads .hit"), /<mark>vans<\/mark>/);
  await page.close();
});

test("erasing the person without script leaves a tombstone and nothing to find", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, server.base);
  await page.goto(`${server.base}/admin/people/${personId}`);
  await page.fill("#erase-reason", "Asked by email to be forgotten");
  await Promise.all([page.waitForNavigation(), page.click("#erase-button")]);
  assert.match(await page.textContent(".flash"), /erased/i);
  assert.match(await page.textContent("#person-erased"), /Asked by email to be forgotten/);
  assert.equal((await page.textContent("#person-name")).trim(), "Erased person");
  assert.doesNotMatch(await page.content(), /Trần Thị Mai|hanoifreight|3826/);
  assert.equal(await page.locator("#person-leads tbody tr[data-id]").count(), 3, "the leads stay, blank");
  assert.equal(await page.locator("#erase").count(), 0, "nothing left to erase");
  await page.screenshot({ path: join(screenshots, "people-erased.png"), fullPage: true });
  await page.goto(`${server.base}/admin/leads`);
  assert.doesNotMatch(await page.content(), /Trần Thị Mai|hanoifreight/);
  assert.equal(await page.locator("#leads tbody tr[data-id]").count(), 3, "counts stay true");
  await page.goto(`${server.base}/admin/leads?q=vans`);
  assert.equal(await page.locator("#leads tbody tr[data-id]").count(), 0);
  await context.close();
});
