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

test("every page has no axe-core violations and touch targets of at least 44 px", async ({ page, isMobile }) => {
  // Some 30 pages, each checked by axe-core.
  test.setTimeout(180_000);
  const small: string[] = [];
  const check = async (path: string) => {
    await gotoHydrated(page, path);
    if (isMobile) small.push(...(await smallTouchTargets(page)).map((target) => `${path}: ${target}`));
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
});

test("on a phone every list shows its records first, its filters behind a button that counts them", async ({ page, isMobile }) => {
  test.skip(!isMobile, "the filters fold on phones only");
  // Eight page loads: more than the default 30 s on a slow machine.
  test.setTimeout(90_000);
  await signIn(page, "rep@example.com");
  for (const path of ["/leads", "/opportunities", "/accounts", "/contacts", "/pipeline", "/dashboard", "/activities/all"]) {
    await gotoHydrated(page, path);
    const toggle = page.getByRole("button", { name: /^Filters/ });
    await expect(toggle).toHaveText("Filters");
    await expect(page.getByRole("search")).toBeHidden();
  }
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
