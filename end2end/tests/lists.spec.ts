import { test, expect, gotoHydrated, expectAccessible, openFilters, signIn, smallTouchTargets, afterReload } from "./fixtures";
import type { Page } from "@playwright/test";
import { readFile } from "node:fs/promises";

/** The number a list page's row count starts with ("57 leads"). */
async function rowCount(page: Page) {
  const text = (await page.locator(".row-count").textContent()) ?? "";
  return Number(text.split(" ")[0]);
}

/** A list page's fact ("Members", "Can be emailed"…) as the page shows it. */
async function fact(page: Page, label: string) {
  return page.locator("dl.fields dt", { hasText: new RegExp(`^${label}$`) }).locator("xpath=following-sibling::dd[1]");
}

/** The records of a CSV file (a quoted cell may hold line breaks), less the header. */
function csvRecords(text: string) {
  let records = 0;
  let quoted = false;
  for (const char of text.trim()) {
    if (char === '"') quoted = !quoted;
    else if (char === "\n" && !quoted) records++;
  }
  return records; // the last record has no line break after trim: the header is not counted
}

async function noSmallTargets(page: Page, isMobile: boolean) {
  if (isMobile) expect(await smallTouchTargets(page), "touch targets under 44 × 44 px").toEqual([]);
}

test("select all matching, add to a new list, open it, remove two, copy to another list, export", async ({ page, isMobile }, testInfo) => {
  test.setTimeout(120_000);
  const project = testInfo.project.name;
  const first = `Cold lead follow-up (${project})`;
  const second = `Cold lead mailing (${project})`;
  await signIn(page, "manager@example.com");

  // Every open cold lead: more than one page of them (no other test rates leads).
  await gotoHydrated(page, "/leads?view=all-open&rating=cold");
  const total = await rowCount(page);
  expect(total).toBeGreaterThan(25);
  await noSmallTargets(page, isMobile);
  await page.getByLabel("Select all on this page").check();
  await page.getByRole("button", { name: `Select all ${total} matching` }).click();
  const bar = page.getByRole("region", { name: "Bulk actions" });
  await expect(bar.getByText(`${total} leads selected`)).toBeVisible();
  await bar.getByLabel("Add to list").selectOption("new");
  await bar.getByLabel("New list name").fill(first);
  await bar.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("link", { name: "Open the list" }).click();

  await expect(page.getByRole("heading", { name: first, level: 1 })).toBeVisible();
  await expect(await fact(page, "Members")).toHaveText(`${total} leads`);
  await expectAccessible(page);
  await noSmallTargets(page, isMobile);

  // Its members are the lead list filtered to it: take two out.
  await page.getByRole("link", { name: "View members" }).click();
  await expect(page).toHaveURL(/\/leads\?list=\d+/);
  await expect(page.getByText(`${total} leads`, { exact: true })).toBeVisible();
  const rows = page.locator("table.data-table tbody tr");
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  await expect(bar.getByText("2 leads selected")).toBeVisible();
  await bar.getByRole("button", { name: "Remove from this list" }).click();
  await expect(page.getByText(`${total - 2} leads`, { exact: true })).toBeVisible();
  await expectAccessible(page);
  // Applying the filters keeps showing the list's members.
  await openFilters(page);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/[?&]list=\d+/);
  await expect(page.getByText(`${total - 2} leads`, { exact: true })).toBeVisible();

  // Back on the list, copy its members into a new static list.
  await page.getByRole("link", { name: "Back to the list" }).click();
  await expect(await fact(page, "Members")).toHaveText(`${total - 2} leads`);
  await page.getByLabel("New static list named").fill(second);
  await afterReload(page, () => page.getByRole("button", { name: "Make a static copy" }).click());
  await expect(page.getByRole("heading", { name: second, level: 1 })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Static copy made.");
  await expect(await fact(page, "Members")).toHaveText(`${total - 2} leads`);

  // The export for a mailing tool: every member who can be emailed, one row each.
  const emailable = Number(await (await fact(page, "Can be emailed")).textContent());
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV", exact: true }).click();
  const file = await (await download).path();
  expect(csvRecords(await readFile(file, "utf8"))).toBe(emailable);
  // The page counted the rows as they came in.
  await expect(page.getByText(`Exported ${emailable} rows.`)).toBeVisible();

  // Both lists are on /lists.
  await gotoHydrated(page, "/lists");
  await expect(page.getByRole("link", { name: first })).toBeVisible();
  await expect(page.getByRole("link", { name: second })).toBeVisible();
  await noSmallTargets(page, isMobile);
});

test("a record page shows the lists it is in and its consent, and both can change", async ({ page, isMobile }, testInfo) => {
  test.setTimeout(90_000);
  await signIn(page, "rep@example.com");
  // A new lead of the rep's own.
  await page.getByRole("link", { name: "New lead" }).click();
  const topic = `List member ${testInfo.project.name} ${Date.now()}`;
  await page.getByLabel("Topic").fill(topic);
  await page.getByLabel("Last name").fill("Moreau");
  await afterReload(page, () => page.getByRole("button", { name: "Save lead" }).click());
  await expect(page.getByRole("heading", { name: topic, level: 1 })).toBeVisible();
  const memberOf = page.getByRole("region", { name: "Member of" });
  await expect(memberOf.getByText("Not on any list.")).toBeVisible();

  // The rep makes a list and puts the lead in it from the record.
  const name = `Booth callbacks (${testInfo.project.name} ${Date.now()})`;
  const leadUrl = page.url();
  await gotoHydrated(page, "/lists/new");
  await noSmallTargets(page, isMobile);
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create list" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await gotoHydrated(page, new URL(leadUrl).pathname);
  await noSmallTargets(page, isMobile);
  await memberOf.getByLabel("Add to list").selectOption({ label: name });
  await afterReload(page, () => memberOf.getByRole("button", { name: "Add", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Added to the list.");
  await expect(memberOf.getByRole("link", { name })).toBeVisible();
  await expect(memberOf.getByText(/from Record page/)).toBeVisible();

  // Opting out of email is saved, with history.
  const consent = page.getByRole("region", { name: "Consent" });
  await consent.getByLabel("Do not email").check();
  // The consent card sits below the fold: the page loads again where it was.
  await consent.getByRole("button", { name: "Save consent" }).scrollIntoViewIfNeeded();
  const scrolled = await page.evaluate(() => window.scrollY);
  expect(scrolled).toBeGreaterThan(0);
  await afterReload(page, () => consent.getByRole("button", { name: "Save consent" }).click());
  await expect(page.getByText("Consent saved.")).toBeVisible();
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(scrolled / 2);
  // As saved, the page loaded again: the box is ticked, the others are not.
  await expect(consent.getByLabel("Do not email")).toBeChecked();
  await expect(consent.getByLabel("Do not phone")).not.toBeChecked();
  await page.getByRole("tab", { name: "History" }).click();
  await expect(page.getByRole("cell", { name: "Do not email" })).toBeVisible();

  // And taken out of the list again.
  await afterReload(page, () => memberOf.getByRole("button", { name: `Remove from ${name}` }).click());
  await expect(memberOf.getByText("Not on any list.")).toBeVisible();
});

test("a bulk action runs on the server with its progress, then reports what it did", async ({ page, isMobile }) => {
  test.setTimeout(90_000);
  await signIn(page, "manager@example.com");
  // The manager's own open leads, given to the manager: each is "already so", nothing changes
  // for the other tests.
  await gotoHydrated(page, "/leads?view=my-open");
  const total = await rowCount(page);
  expect(total).toBeGreaterThan(0);
  await page.getByLabel("Select all on this page").check();
  const selectAll = page.getByRole("button", { name: `Select all ${total} matching` });
  if (await selectAll.isVisible()) await selectAll.click();
  const bar = page.getByRole("region", { name: "Bulk actions" });
  await expect(bar.getByText(`${total} leads selected`)).toBeVisible();
  await bar.getByLabel("New owner").selectOption({ label: "Morgan Manager" });
  await bar.getByRole("button", { name: "Assign owner" }).click();
  await expect(page.getByText(`0 leads changed, ${total} already so.`)).toBeVisible();
  await expect(page.getByLabel("Bulk action progress")).toHaveCount(0);
  await expectAccessible(page);
  await noSmallTargets(page, isMobile);
});

test("a new list with errors keeps what was typed and names each field, then opens when saved", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/lists/new");
  // No name, and a description over the limit: both named by their fields.
  await page.getByLabel("Purpose").fill("Booth follow-up");
  await page.getByLabel("Description").fill("x".repeat(2001));
  await page.getByRole("button", { name: "Create list" }).click();
  await expect(page.getByText("Give the list a name.")).toBeVisible();
  await expect(page.getByText("Keep this to 2000 characters.")).toBeVisible();
  await expect(page.getByLabel("Name")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Name")).toBeFocused();
  await expect(page.getByLabel("Purpose")).toHaveValue("Booth follow-up");
  await expect(page.getByLabel("Purpose")).not.toHaveAttribute("aria-invalid", "true");

  const name = `Callbacks ${testInfo.project.name} ${Date.now()}`;
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description").fill("Who asked for a call at the show.");
  await page.getByRole("button", { name: "Create list" }).click();
  await expect(page).toHaveURL(/\/lists\/\d+$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("List created.");
});

test("a list's members copied into another list, taken out of it again, and the list deleted", async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const run = `${testInfo.project.name} ${Date.now()}`;
  const source = `Two cold leads (${run})`;
  const target = `Copy target (${run})`;
  await signIn(page, "manager@example.com");

  // A list of two leads, from the lead list's bulk bar.
  await gotoHydrated(page, "/leads?view=all-open&rating=cold");
  const rows = page.locator("table.data-table tbody tr");
  await rows.nth(0).getByRole("checkbox").check();
  await rows.nth(1).getByRole("checkbox").check();
  const bar = page.getByRole("region", { name: "Bulk actions" });
  await bar.getByLabel("Add to list").selectOption("new");
  await bar.getByLabel("New list name").fill(source);
  await bar.getByRole("button", { name: "Add", exact: true }).click();
  await page.getByRole("link", { name: "Open the list" }).click();
  await expect(page.getByRole("heading", { name: source, level: 1 })).toBeVisible();
  const sourceUrl = new URL(page.url()).pathname;

  // An empty static list to copy into.
  await gotoHydrated(page, "/lists/new?type=lead&kind=static");
  await page.getByLabel("Name").fill(target);
  await afterReload(page, () => page.getByRole("button", { name: "Create list" }).click());
  const targetUrl = new URL(page.url()).pathname;

  await gotoHydrated(page, sourceUrl);
  await page.getByLabel("Copy members into").selectOption({ label: target });
  await page.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("2 added to the other list.");

  await gotoHydrated(page, targetUrl);
  await expect(await fact(page, "Members")).toHaveText("2 leads");
  await page.getByLabel("Remove the members of").selectOption({ label: source });
  await afterReload(page, () => page.getByRole("button", { name: "Remove", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("2 removed from this list.");
  await expect(await fact(page, "Members")).toHaveText("0 leads");

  await afterReload(page, () => page.getByRole("button", { name: "Delete list" }).click());
  await expect(page).toHaveURL(/\/lists$/);
  await expect(page.getByRole("status")).toContainText("List deleted.");
  await expect(page.getByRole("link", { name: target })).toHaveCount(0);
  await expect(page.getByRole("link", { name: source })).toBeVisible();
});
