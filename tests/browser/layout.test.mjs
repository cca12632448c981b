// Every admin page on a 390 px phone and a 1366 px laptop, in light and dark mode: nothing
// scrolls sideways, no script or CSP error, the phone's menu opens without script, and the
// skip link leads to the content. Screenshots are kept.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { startLeadbox, launchBrowser, signIn, screenshots, OWNER } from "./harness.mjs";

// axe-core from npm, evaluated through the DevTools protocol (the pages' CSP allows no
// injected script, and is left on).
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
async function axeViolations(page) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return res.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`);
}

let server;
let browser;
let pages;

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  // One lead of a kind with a detail page, so detail pages are covered too.
  const token = (await (await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  })).json()).data.token;
  const ws = (await (await fetch(`${server.base}/api/v1/workspaces/default`, {
    method: "PATCH", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ rateLimits: { publicPerIpPerMinute: 0, publicPerWorkspacePerMinute: 0 } }),
  })).json()).data;
  const lead = (await (await fetch(`${server.base}/api/public/forms/${ws.publicKey}/inquiries`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Nguyễn Thị Minh Khai with a rather long name", email: "minh.khai.with.a.long.address@example-company.test", businessName: "Công ty TNHH Thương mại Dịch vụ", message: "Xin chào, chúng tôi muốn biết thêm." }),
  })).json()).data;
  const hook = (await (await fetch(`${server.base}/api/v1/webhooks`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ url: "https://hooks.example-company.test/a/very/long/path/for/leadbox/webhooks", topics: ["*"] }),
  })).json()).data;
  pages = ["/admin", "/admin/leads", "/admin/inquiries", `/admin/inquiries/${lead.id}`, "/admin/pricing",
    "/admin/settings", "/admin/members", "/admin/tokens", "/admin/embed", "/admin/webhooks",
    `/admin/webhooks/${hook.id}`, "/admin/account"];
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const [w, h] of [[390, 844], [1366, 800]]) {
  for (const scheme of ["light", "dark"]) {
    test(`every admin page fits ${w} px in ${scheme} mode`, async () => {
      const ctx = await browser.newContext({ viewport: { width: w, height: h }, colorScheme: scheme });
      const page = await ctx.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      await signIn(page, server.base);
      const wide = [];
      const axe = [];
      for (const path of pages) {
        const res = await page.goto(`${server.base}${path}`);
        assert.equal(res.status(), 200, path);
        const [sw, iw] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (sw > iw) wide.push(`${path}: ${sw} > ${iw}`);
        for (const v of await axeViolations(page)) axe.push(`${path}: ${v}`);
        const name = path.replace(/[^a-z0-9]+/gi, "-").replace(/-(inq|wh)-[0-9a-f-]+/g, "-detail").replace(/^-|-$/g, "") || "home";
        await page.screenshot({ path: join(screenshots, `layout-${w}-${scheme}-${name}.png`), fullPage: true });
      }
      assert.deepEqual(wide, [], "no page scrolls sideways");
      assert.deepEqual(axe, [], "no serious or critical axe-core violation");
      assert.deepEqual(errors, [], "no script or CSP errors");
      await ctx.close();
    });
  }
}

test("on a phone the menu opens without script and the skip link reaches the content", async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
  const page = await ctx.newPage();
  await signIn(page, server.base);
  assert.ok(!(await page.isVisible("nav >> text=Settings")), "the menu starts closed on a phone");
  const bar = await page.evaluate(() => document.querySelector(".topbar").getBoundingClientRect().height);
  assert.ok(bar < 844 / 8, `the top bar is compact (${bar} px)`);
  await page.click("label.menu-button");
  assert.ok(await page.isVisible("nav >> text=Settings"), "the menu opens");
  await page.screenshot({ path: join(screenshots, "layout-390-menu-open.png"), fullPage: true });
  await page.goto(`${server.base}/admin`);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
  await ctx.close();
});
