// Shared harness: starts the real leadbox binary on a fresh data folder and a free port, and
// launches Debian's Chromium through playwright-core (never a downloaded browser).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "..", "..");
export const screenshots = join(here, "screenshots");
export const OWNER = { email: "owner@example.com", password: "owner-password-1" };

export function binary() {
  const candidates = [process.env.LEADBOX_BIN, join(root, "target/debug/leadbox"), join(root, "target/release/leadbox")];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error("build leadbox first (cargo build)");
  return found;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
    srv.on("error", fail);
  });
}

async function waitReady(base, child) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`leadbox exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("leadbox did not become ready");
}

/** Starts leadbox; returns {base, port, stop, restart, dataDir, log}. */
export async function startLeadbox(env = {}, reuse = null) {
  const dataDir = reuse ? reuse.dataDir : mkdtempSync(join(tmpdir(), "leadbox-browser-"));
  const port = reuse ? reuse.port : await freePort();
  const log = [];
  const vars = {
    PATH: process.env.PATH,
    LEADBOX_DATA_DIR: dataDir,
    LEADBOX_PORT: String(port),
    LEADBOX_ADDRESS: "127.0.0.1",
    LEADBOX_BOOTSTRAP_EMAIL: OWNER.email,
    LEADBOX_BOOTSTRAP_PASSWORD: OWNER.password,
    LEADBOX_LOG_FILTER: "info",
    ...env,
  };
  // A null value leaves a variable out (a fresh install without a bootstrap owner, say).
  for (const k of Object.keys(vars)) if (vars[k] === null) delete vars[k];
  const child = spawn(binary(), [], { env: vars, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.on("data", (d) => log.push(String(d)));
  child.stderr.on("data", (d) => log.push(String(d)));
  const base = `http://127.0.0.1:${port}`;
  await waitReady(base, child);
  const halt = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  };
  const stop = async () => {
    await halt();
    rmSync(dataDir, { recursive: true, force: true });
  };
  // Stops and starts again on the same port and data; returns the new handle.
  const restart = async () => {
    await halt();
    return startLeadbox(env, { dataDir, port });
  };
  return { base, port, stop, restart, dataDir, log, child };
}

/** Launches headless Debian Chromium. */
export async function launchBrowser() {
  if (!existsSync(screenshots)) mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Signs in through the real form. */
export async function signIn(page, base, who = OWNER) {
  await page.goto(`${base}/login`);
  await page.fill("#email", who.email);
  await page.fill("#password", who.password);
  await Promise.all([page.waitForURL(`${base}/admin`), page.click("button[type=submit]")]);
}
