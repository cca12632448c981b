// Forms in the browser: the owner builds a form with its own question in the admin editor,
// pastes its snippet on a site, and a visitor who first came from a Google campaign and
// later from a newsletter sends it; the lead keeps both touches. Then a site whose origin is
// not allowed posts the default form, with JavaScript on and off: both are held in
// quarantine, the visitor sees the thank-you page, and the owner allows the origin from the
// offer and finds both leads in the inbox. Screenshots in ./screenshots.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { startLeadbox, launchBrowser, signIn, freePort, screenshots, OWNER } from "./harness.mjs";

let server, browser, token, site, siteUrl, stranger, strangerUrl, formSnippet, defaultSnippet;

async function api(method, path, body) {
  const res = await fetch(`${server.base}${path}`, {
    method, headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><title>${title}</title>
    <style>body{font-family:sans-serif;max-width:560px;margin:2rem auto}label{display:block;margin:.6rem 0}input,textarea,select{display:block;width:100%}</style>
    </head><body>${body}</body></html>`;
}

function serve(routes) {
  return createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end((routes[path] || routes["/"])());
  });
}

before(async () => {
  server = await startLeadbox();
  browser = await launchBrowser();
  const t = await fetch(`${server.base}/api/v1/auth/token`, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(OWNER),
  });
  token = (await t.json()).data.token;
  await api("PATCH", "/api/v1/workspaces/default", { rateLimits: { publicPerIpPerMinute: 0, publicPerWorkspacePerMinute: 0 } });
  const [p1, p2] = [await freePort(), await freePort()];
  siteUrl = `http://127.0.0.1:${p1}`;
  strangerUrl = `http://127.0.0.1:${p2}`;
  site = serve({
    "/": () => page("Acme", `<h1>Acme</h1><p>Spring offer.</p><a id="to-contact" href="/contact?utm_source=newsletter&utm_medium=email">Contact sales</a>
      <script src="${server.base}/embed.js" async></script>`),
    "/contact": () => page("Contact Acme", `<h1>Talk to sales</h1>${formSnippet}`),
  });
  stranger = serve({ "/": () => page("New site", `<h1>Our new site</h1>${defaultSnippet}`) });
  await new Promise((ok) => site.listen(p1, "127.0.0.1", ok));
  await new Promise((ok) => stranger.listen(p2, "127.0.0.1", ok));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  for (const s of [site, stranger]) await new Promise((ok) => (s ? s.close(ok) : ok()));
});

test("the owner builds a form in the editor, without JavaScript", async () => {
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const p = await ctx.newPage();
  await signIn(p, server.base);
  await p.goto(`${server.base}/admin/forms`);
  await p.click("#new-form");
  await p.fill("#fe-name", "Demo request");
  await p.fill("#fe-origins", siteUrl);
  await p.fill("#q0-key", "budget");
  await p.fill("#q0-en", "Budget");
  await p.fill("#q0-vi", "Ngân sách");
  await p.selectOption("#q0-type", "select");
  await p.fill("#q0-options", "Under $1k\n$1k-$10k\nOver $10k");
  await p.check("#q0-req");
  await Promise.all([p.waitForNavigation(), p.click("#save-form")]);
  assert.ok(await p.isVisible(".flash-success"), "created");
  // A mistake in the second row is named there, and nothing else is lost.
  await p.fill("#q1-key", "Bad Key");
  await p.fill("#q1-en", "Oops");
  await Promise.all([p.waitForNavigation(), p.click("#save-form")]);
  assert.ok(await p.isVisible("#q1 .err"), "the row's mistake is shown in the row");
  assert.equal(await p.inputValue("#q0-key"), "budget");
  assert.match(await p.textContent("#hosted"), /\/f\/pk_/, "the live form's page, while the mistake is fixed");
  assert.match(await p.textContent("#snippet"), /\/api\/public\/forms\/pk_/, "and its snippet");
  await p.screenshot({ path: join(screenshots, "form-editor-error.png"), fullPage: true });
  await p.check("#q1-rm").catch(() => {});
  await p.fill("#q1-key", "");
  await Promise.all([p.waitForNavigation(), p.click("#save-form")]);
  formSnippet = await p.textContent("#snippet");
  assert.match(formSnippet, /name="budget"/);
  await p.screenshot({ path: join(screenshots, "form-editor.png"), fullPage: true });
  // The Vietnamese half of a bilingual site gets the same form in Vietnamese, unfolded
  // without any script.
  assert.equal(await p.isVisible("#snippet-other"), false, "folded at first");
  await p.click("details.other-lang > summary");
  assert.ok(await p.isVisible("#snippet-other"));
  const vi = await p.textContent("#snippet-other");
  assert.match(vi, /data-lang="vi"/);
  assert.match(vi, /Ngân sách/);
  assert.equal(vi.match(/action="([^"]+)"/)[1], formSnippet.match(/action="([^"]+)"/)[1], "the same form");
  await p.locator("details.other-lang").screenshot({ path: join(screenshots, "form-editor-vietnamese-snippet.png") });
  await p.goto(`${server.base}/admin/embed`);
  defaultSnippet = await p.textContent("#snippet");
  await ctx.close();
});

test("first and last touch are kept across two page views and stored on the lead", async () => {
  const p = await browser.newPage();
  const errors = [];
  p.on("pageerror", (e) => errors.push(String(e)));
  await p.goto(`${siteUrl}/?utm_source=google&utm_campaign=spring&gclid=abc123`);
  await p.waitForFunction(() => window.LeadboxEmbed);
  await Promise.all([p.waitForNavigation(), p.click("#to-contact")]);
  await p.fill("input[name=name]", "Grace Hopper");
  await p.fill("input[name=email]", "grace@example.com");
  await p.selectOption("select[name=budget]", "$1k-$10k");
  await p.fill("textarea[name=message]", "We want routing for a team of forty.");
  await p.waitForTimeout(2200);
  await p.click("form[data-leadbox-form] button[type=submit]");
  await p.waitForSelector(".leadbox-success", { timeout: 15000 });
  assert.deepEqual(errors, []);
  const list = await api("GET", "/api/v1/inquiries?q=grace%40example.com");
  assert.equal(list.body.data.pagination.totalItems, 1, JSON.stringify(list.body));
  const lead = list.body.data.items[0];
  assert.equal(lead.fields.budget, "$1k-$10k");
  assert.equal(lead.attribution.firstTouch.utmSource, "google");
  assert.equal(lead.attribution.firstTouch.utmCampaign, "spring");
  assert.equal(lead.attribution.firstTouch.gclid, "abc123");
  assert.equal(lead.attribution.lastTouch.utmSource, "newsletter");
  assert.equal(lead.attribution.lastTouch.utmMedium, "email");
  assert.match(lead.attribution.lastTouch.landingPage, /\/contact\?/);
  const filtered = await api("GET", "/api/v1/leads?source=google");
  assert.equal(filtered.body.data.pagination.totalItems, 1);
  const owner = await browser.newPage();
  await signIn(owner, server.base);
  await owner.goto(`${server.base}/admin/inquiries/${lead.id}`);
  assert.ok(await owner.isVisible("#attribution"));
  assert.ok(await owner.isVisible("#answers >> text=$1k-$10k"));
  await owner.screenshot({ path: join(screenshots, "lead-attribution.png"), fullPage: true });
  await owner.goto(`${server.base}/admin`);
  assert.ok(await owner.isVisible("#sources >> text=google"));
  await owner.close();
  await p.close();
});

test("an unlisted site's posts are held, with JavaScript on and off, and released on allow", async () => {
  const fill = async (p, name, email) => {
    await p.fill("input[name=name]", name);
    await p.fill("input[name=email]", email);
    await p.fill("textarea[name=message]", "Please send a quote for our new office.");
  };
  // With JavaScript: the script cannot reach leadbox from this origin and posts plainly.
  const js = await browser.newPage();
  await js.goto(strangerUrl);
  await fill(js, "Js Visitor", "js@example.com");
  await js.waitForTimeout(2200);
  await Promise.all([js.waitForURL(/\/thanks/, { timeout: 15000 }), js.click("form[data-leadbox-form] button[type=submit]")]);
  assert.ok(await js.isVisible("text=Thank you!"));
  await js.screenshot({ path: join(screenshots, "quarantine-js-thanks.png"), fullPage: true });
  await js.close();
  // Without JavaScript.
  const ctx = await browser.newContext({ javaScriptEnabled: false });
  const nojs = await ctx.newPage();
  await nojs.goto(strangerUrl);
  await fill(nojs, "Plain Visitor", "plain@example.com");
  await Promise.all([nojs.waitForNavigation(), nojs.click("form[data-leadbox-form] button[type=submit]")]);
  assert.ok(await nojs.isVisible("text=Thank you!"));
  await ctx.close();

  const held = await api("GET", "/api/v1/inquiries?quarantined=true");
  assert.equal(held.body.data.pagination.totalItems, 2, JSON.stringify(held.body));
  const inbox = await api("GET", "/api/v1/inquiries?q=visitor");
  assert.equal(inbox.body.data.pagination.totalItems, 0, "not in the inbox yet");

  const owner = await browser.newPage();
  await signIn(owner, server.base);
  await owner.goto(`${server.base}/admin/inquiries`);
  const offer = owner.locator(".quarantine-offer");
  assert.match(await offer.textContent(), new RegExp(`A form on ${strangerUrl} sent 2 leads`));
  await owner.screenshot({ path: join(screenshots, "quarantine-offer.png"), fullPage: true });
  await Promise.all([owner.waitForNavigation(), offer.locator("button").click()]);
  assert.ok(await owner.isVisible(".flash-success"));
  assert.ok(await owner.isVisible("#inquiries >> text=Js Visitor"));
  assert.ok(await owner.isVisible("#inquiries >> text=Plain Visitor"));
  await owner.screenshot({ path: join(screenshots, "quarantine-released.png"), fullPage: true });
  await owner.close();
  const after = await api("GET", "/api/v1/inquiries?q=visitor");
  assert.equal(after.body.data.pagination.totalItems, 2);
});
