// Live updates on the admin pages: an inquiry submitted elsewhere shows up as a toast, a new
// badge count and a new row, without a reload; the socket reconnects and resumes after a drop.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

let server, browser, key;

async function submit(name) {
  const res = await fetch(`${server.base}/api/public/forms/${key}/inquiries`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, email: "live@example.com", businessName: "Live Co", message: "Hello" }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).data.id;
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const t = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  });
  const token = (await t.json()).data.token;
  const ws = await fetch(`${server.base}/api/v1/workspaces`, { headers: { authorization: `Bearer ${token}` } });
  key = (await ws.json()).data.items[0].publicKey;
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a new inquiry appears as a toast, a badge and a row without a reload", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await signIn(page, server.base);
  await page.click("nav >> text=Inquiries");
  assert.equal(await page.isVisible("#new-count"), false, "no NEW leads yet");
  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  await page.waitForTimeout(500); // the socket connects and subscribes
  const id = await submit("Live Lead");
  await page.waitForSelector(".toast >> text=Live Lead", { timeout: 5000 });
  await page.waitForSelector(`#inquiries tr[data-id='${id}']`, { timeout: 5000 });
  await page.waitForFunction(() => document.getElementById("new-count").textContent.trim() === "1");
  assert.equal(await page.isVisible("#new-count"), true);
  assert.equal(navigations, 0, "no reload");
  await page.screenshot({ path: join(screenshots, "live-toast.png"), fullPage: true });
  await submit("Second Lead");
  await page.waitForFunction(() => document.getElementById("new-count").textContent.trim() === "2");
  assert.deepEqual(errors, []);
  await page.close();
});

test("after the server restarts, the page reconnects and shows what it missed", async () => {
  const page = await browser.newPage();
  await signIn(page, server.base);
  await page.click("nav >> text=Inquiries");
  await page.waitForTimeout(500);
  server = await server.restart(); // the socket really drops
  await page.waitForSelector(".toast.offline", { timeout: 5000 });
  const missed = await submit("Created After Restart");
  await page.waitForSelector(`#inquiries tr[data-id='${missed}']`, { timeout: 20000 });
  await page.waitForSelector(".toast.offline", { state: "detached", timeout: 5000 });
  assert.equal(new URL(page.url()).pathname, "/admin/inquiries", "never reloaded");
  await page.screenshot({ path: join(screenshots, "live-resumed.png"), fullPage: true });
  await page.close();
});
