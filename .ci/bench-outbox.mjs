// `make bench`: the time from the browser's `online` event to 100 leads captured offline
// being synced (the outbox's real path: IndexedDB → /api/leads/sync, one by one, in order).
// Usage: node .ci/bench-outbox.mjs http://127.0.0.1:3400
import { createRequire } from "node:module";
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const base = process.argv[2];
const count = 100;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
const page = await context.newPage();
await page.goto(`${base}/login`);
await page.waitForSelector("body[data-hydrated=true]");
await page.getByLabel("Email").fill("rep@example.com");
await page.getByLabel("Password").fill("leadflow-demo");
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(/\/leads$/);
await page.goto(`${base}/leads/new`);
await page.waitForSelector("body[data-hydrated=true]");
await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 20_000 });

await context.setOffline(true);
const stamp = Date.now();
for (let i = 0; i < count; i++) {
  await page.getByLabel("Topic").fill(`Bench ${stamp} ${i}`);
  await page.getByLabel("Last name").fill(`Visitor${i}`);
  await page.getByLabel("Company").fill(`Booth ${i} Ltd`);
  await page.getByRole("button", { name: "Save lead" }).click();
  await page.waitForFunction((n) => document.getElementById("outbox-bar")?.textContent.includes(`${n} lead`), i + 1);
}
const started = Date.now();
await context.setOffline(false);
await page.waitForFunction(() => document.getElementById("outbox-bar")?.hidden === true, null, {
  timeout: 300_000,
  polling: 20,
});
const elapsed = Date.now() - started;
console.log(`${count} queued leads synced ${elapsed} ms after going online (${(count / (elapsed / 1000)).toFixed(1)} leads/s)`);
await browser.close();
