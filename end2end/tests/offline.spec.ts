import { test, expect, gotoHydrated, signIn, afterReload } from "./fixtures";
import type { Page } from "@playwright/test";
import { deflateSync } from "node:zlib";

// These tests are about the service worker, which the other tests block.
test.use({ serviceWorkers: "allow" });

/** A small PNG (a grey card), made here so the test needs no fixture file. */
function cardPng(): Buffer {
  const width = 64, height = 40;
  const raw = Buffer.alloc((width * 3 + 1) * height, 0xcc);
  for (let y = 0; y < height; y++) raw[y * (width * 3 + 1)] = 0;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** Waits until the service worker controls the page and has kept the new-lead page. */
async function waitForOfflineReady(page: Page) {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          if (!navigator.serviceWorker.controller) return false;
          const pages = await caches.open("leadflow-pages");
          return !!(await pages.match(new URL("/leads/new", location.href).href));
        }),
      { timeout: 45_000 },
    )
    .toBe(true);
}

/** Captures one lead with the quick form; its last name is `lastName`, its company too. */
async function capture(page: Page, topic: string, lastName: string, email = "") {
  await page.getByLabel("Topic").fill(topic);
  await page.getByLabel("Last name").fill(lastName);
  await page.getByLabel("Company").fill(`${lastName} GmbH`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Save lead" }).click();
  await expect(page.locator("#outbox-message")).toHaveText(/Saved on this device/);
  await expect(page.getByLabel("Topic")).toHaveValue("");
}

test("leads captured offline wait in the outbox, survive a reload, and sync exactly once", async ({ page, context, allowConsole }, testInfo) => {
  test.setTimeout(90_000);
  // Offline loads fail, and the invalid lead's sync is answered 422 (both expected here).
  allowConsole(/ERR_INTERNET_DISCONNECTED|Failed to fetch|Could not reach the server|status of 422/);
  const tag = `Show${testInfo.project.name}${Date.now()}`;
  // Names unique to this run: the desktop and phone runs share one database.
  const person = (name: string) => `${name}${tag}`;
  await signIn(page, "rep@example.com");

  // Online: one lead the offline capture will look like (same email).
  await gotoHydrated(page, "/leads/new");
  await page.getByLabel("Topic").fill(`${tag} known`);
  await page.getByLabel("Last name").fill(person("Known"));
  await page.getByLabel("Email").fill(`${tag.toLowerCase()}@example.com`);
  await afterReload(page, () => page.getByRole("button", { name: "Save lead" }).click());
  await expect(page.getByRole("heading", { name: `${tag} known`, level: 1 })).toBeVisible();
  await gotoHydrated(page, "/leads/new");
  await waitForOfflineReady(page);

  // Offline: the app still opens, and says since when its copy is.
  await context.setOffline(true);
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByText(/Offline — as of \d/)).toBeVisible();

  await capture(page, `${tag} first`, person("First"));
  await page.getByLabel("Photo of card").setInputFiles({ name: "card.png", mimeType: "image/png", buffer: cardPng() });
  await expect(page.getByRole("img", { name: "The card photo to save" })).toBeVisible();
  await capture(page, `${tag} photo`, person("Photo"), `${tag.toLowerCase()}@example.com`);
  await capture(page, `${tag} broken`, person("Broken"), "not-an-email");
  await expect(page.getByText("3 leads waiting to sync")).toBeVisible();

  // A reload offline keeps them.
  await page.reload();
  await expect(page.getByText("3 leads waiting to sync")).toBeVisible();

  // The first lead's sync reaches the server but its answer is lost on the way back: the
  // server has it, the outbox does not know. Its retry with the same key must not make a
  // second lead.
  const lost = await page.evaluate(
    () =>
      new Promise<{ id: string; lead: Record<string, string>; photo: string }>((resolve) => {
        indexedDB.open("leadflow").onsuccess = (event) => {
          const db = (event.target as IDBOpenDBRequest).result;
          db.transaction("outbox").objectStore("outbox").getAll().onsuccess = (all) => {
            const items = (all.target as IDBRequest).result.sort((a: any, b: any) => a.created - b.created);
            resolve(items[0]);
          };
        };
      }),
  );
  expect(lost.lead.last_name).toBe(person("First"));
  // (page.request is Playwright's own client, outside the browser's offline emulation.)
  const form: Record<string, string> = { capture_key: lost.id, card_photo: lost.photo };
  for (const [name, value] of Object.entries(lost.lead)) form[`lead[${name}]`] = value;
  expect((await page.request.post("/api/leads/sync", { form })).ok()).toBe(true);
  // The network is back: the outbox syncs by itself.
  await context.setOffline(false);
  const outbox = page.getByRole("region", { name: "Outbox" });
  await expect(outbox.getByRole("link", { name: person("First") })).toBeVisible({ timeout: 20_000 });
  const photoRow = outbox.getByRole("listitem").filter({ has: page.getByRole("link", { name: person("Photo") }) });
  await expect(photoRow).toContainText("possible duplicate of");
  await expect(photoRow.getByRole("link", { name: person("Known") })).toHaveAttribute("href", /^\/leads\/\d+$/);

  // The invalid one stays with its message and can be fixed.
  await expect(page.getByText("1 to fix")).toBeVisible();
  await expect(outbox.getByText("Please correct the highlighted fields.")).toBeVisible();
  const fix = outbox.locator("form.outbox-fix");
  await fix.getByLabel("Email").fill(`${tag.toLowerCase()}.fixed@example.com`);
  await fix.getByRole("button", { name: "Save and sync" }).click();
  await expect(outbox.getByRole("link", { name: person("Broken") })).toBeVisible();
  await expect(page.locator("#outbox-bar")).toBeHidden();

  // Exactly once each.
  await gotoHydrated(page, `/leads?q=${tag}`);
  for (const topic of ["first", "photo", "broken", "known"]) {
    await expect(page.getByRole("link", { name: `${tag} ${topic}` })).toHaveCount(1);
  }

  // The photo travelled with its lead and shows on the record.
  await page.getByRole("link", { name: `${tag} photo` }).click();
  const photo = page.getByRole("img", { name: "Photo of the business card" });
  await expect(photo).toBeVisible();
  expect(await photo.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
});

test("offline, my open leads and a record seen before read as of then; editing is refused", async ({ page, context, allowConsole }) => {
  // Offline loads fail; the page never saved on the device answers 503 (both expected here).
  allowConsole(/ERR_INTERNET_DISCONNECTED|Failed to fetch|Could not reach the server|status of 503/);
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/leads/new");
  await waitForOfflineReady(page);
  await gotoHydrated(page, "/leads");
  const first = page.locator("main table a[href^='/leads/']").first();
  const topic = (await first.textContent())!.trim();
  const record = (await first.getAttribute("href"))!;
  // Opened as a page of its own, so the service worker keeps it.
  await gotoHydrated(page, record);
  await expect(page.getByRole("heading", { name: topic, level: 1 })).toBeVisible();

  await context.setOffline(true);
  await page.goto("/leads");
  await expect(page.getByRole("heading", { name: "Leads", level: 1 })).toBeVisible();
  await expect(page.getByText(/Offline — as of \d/)).toBeVisible();
  await expect(page.getByRole("link", { name: topic }).first()).toBeVisible();
  await page.goto("/activities");
  await expect(page.getByRole("heading", { name: "My activities", level: 1 })).toBeVisible();

  await page.goto(record);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("You are offline: this change cannot be saved now.", { exact: false })).toBeVisible();

  // A page never seen says so, and offers what works offline.
  await page.goto("/accounts/new");
  await expect(page.getByRole("heading", { name: "You are offline" })).toBeVisible();
  await expect(page.getByRole("link", { name: "New lead" })).toBeVisible();
});

test("a lead captured while the session ended syncs once the rep signs in again", async ({ page, context, allowConsole }, testInfo) => {
  // Offline loads fail; the sync without a session is answered 401 (both expected here).
  allowConsole(/ERR_INTERNET_DISCONNECTED|Failed to fetch|status of 401/);
  const topic = `Expired ${testInfo.project.name} ${Date.now()}`;
  const lastName = `Late${testInfo.project.name}${Date.now()}`;
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/leads/new");
  await waitForOfflineReady(page);
  await context.setOffline(true);
  await capture(page, topic, lastName);
  await context.clearCookies();
  await context.setOffline(false);
  const signInLink = page.getByRole("link", { name: "Sign in to sync" });
  await expect(signInLink).toBeVisible();
  await expect(page.getByText("1 lead waiting to sync")).toBeVisible();
  await signIn(page, "rep@example.com");
  await expect(page.locator("#outbox-bar")).toBeHidden();
  await gotoHydrated(page, `/leads?q=${lastName}`);
  await expect(page.getByRole("link", { name: topic })).toHaveCount(1);
});
