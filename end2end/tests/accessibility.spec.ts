import { test, expect, gotoHydrated, signIn, smallTouchTargets } from "./fixtures";
import type { Page } from "@playwright/test";

/** The first record link a list page shows (a lead, an account…). */
async function firstRecord(page: Page, list: string, pattern: RegExp) {
  await gotoHydrated(page, list);
  const href = await page.locator("main a[href]").evaluateAll(
    (links, source) => links.map((a) => a.getAttribute("href") ?? "").find((h) => new RegExp(source).test(h)),
    pattern.source,
  );
  expect(href, `a record on ${list}`).toBeTruthy();
  return href as string;
}

// Lists whose records come first on a phone, their filters folded behind a button.
const LISTS = ["/leads", "/opportunities", "/accounts", "/contacts", "/pipeline", "/dashboard", "/activities/all"];

// One walk over every page, each loaded directly (so each must render on the server and
// hydrate: `gotoHydrated` waits for it) and checked by axe-core.
test("every page hydrates when loaded directly, with no axe-core violations and touch targets of at least 44 px", async ({ page, isMobile }) => {
  // Some 30 pages, each checked by axe-core.
  test.setTimeout(180_000);
  const small: string[] = [];
  const accountMenu = page.getByRole("button", { name: "AA Ada Admin (account menu)" });
  const check = async (path: string) => {
    await gotoHydrated(page, path);
    await expect(page.getByRole("heading", { level: 1 }), path).toBeVisible();
    if (isMobile) small.push(...(await smallTouchTargets(page)).map((target) => `${path}: ${target}`));
    if (path === "/login") return;
    await expect(accountMenu, path).toBeVisible();
    if (isMobile && LISTS.includes(path)) {
      await expect(page.getByRole("button", { name: /^Filters/ }), path).toHaveText("Filters");
      await expect(page.getByRole("search"), path).toBeHidden();
    }
  };
  await check("/login");
  await signIn(page, "admin@example.com");
  const records = [
    await firstRecord(page, "/leads", /^\/leads\/\d+$/),
    await firstRecord(page, "/opportunities", /^\/opportunities\/\d+$/),
    await firstRecord(page, "/accounts", /^\/accounts\/\d+$/),
    await firstRecord(page, "/contacts", /^\/contacts\/\d+$/),
  ];
  for (const path of [
    "/leads",
    "/leads/new",
    "/leads/new?form=full",
    "/opportunities",
    "/pipeline",
    "/accounts",
    "/accounts/new",
    "/contacts",
    "/contacts/new",
    "/activities",
    "/activities/all",
    "/dashboard",
    "/users",
    "/settings",
    "/settings/forms",
    "/settings/forms/new",
    // The demo's web form: its editor, snippets and submissions log.
    "/settings/forms/1",
    "/import",
    ...records,
  ]) {
    await check(path);
  }
  expect(small, "touch targets under 44 × 44 px").toEqual([]);
  // A hydrated page reacts to clicks: the account menu opens.
  await accountMenu.click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
});

// That every list folds its filters on a phone is checked in the walk above.
test("on a phone the Filters button counts the active filters, and open filters stay open while the list reloads", async ({ page, isMobile }) => {
  test.skip(!isMobile, "the filters fold on phones only");
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/leads?rating=hot&q=a");
  const toggle = page.getByRole("button", { name: /^Filters/ });
  await expect(toggle).toHaveText("Filters (2 active)");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByLabel("Rating")).toHaveValue("hot");
  // Open filters stay open while the list reloads (here for another view).
  await page.getByRole("navigation", { name: "Lead views" }).getByRole("link", { name: "All open leads" }).click();
  await expect(page).toHaveURL(/view=all-open/);
  await expect(page.getByRole("link", { name: "All open leads" })).toHaveAttribute("aria-current", "page");
  await expect(toggle).toHaveAttribute("aria-expanded", "true");
  await expect(page.getByRole("search")).toBeVisible();
});

test("on a desktop the sidebar's background runs the full height of a long page", async ({ page, isMobile }) => {
  test.skip(isMobile, "the sidebar is a menu on phones");
  await signIn(page, "admin@example.com");
  await gotoHydrated(page, "/dashboard?tables=1");
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const sidebar = await page.getByRole("navigation", { name: "Main" }).boundingBox();
  const viewport = page.viewportSize()!;
  expect(sidebar!.y + sidebar!.height).toBeGreaterThanOrEqual(viewport.height - 1);
});
