import { test, expect, signIn, gotoHydrated, expectNoHorizontalScroll, openFilters } from "./fixtures";
import type { Page } from "@playwright/test";

const total = async (page: Page) => {
  const text = await page.getByText(/^\d+ opportunit(y|ies)$/).textContent();
  return Number.parseInt(text ?? "0", 10);
};

test("opportunity views: switch view, filter by stage, sort, page, kept in the URL", async ({ page }) => {
  await signIn(page, "manager@example.com");
  await gotoHydrated(page, "/opportunities");
  await expect(page.getByRole("link", { name: "My open opportunities" })).toHaveAttribute("aria-current", "page");

  await page.getByRole("link", { name: "All open opportunities" }).click();
  await expect(page).toHaveURL(/view=all-open/);
  await expect.poll(() => total(page)).toBeGreaterThan(25);
  const allOpen = await total(page);
  await expect(page.getByText(/^Page 1 of \d+$/)).toBeVisible();
  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByText(/^Page 2 of \d+$/)).toBeVisible();

  // A stage filter and a sort go into the URL and survive a reload.
  await openFilters(page);
  await page.getByLabel("Stage").selectOption({ label: "Propose" });
  await page.getByLabel("Sort by").selectOption({ label: "Revenue" });
  await page.getByLabel("Order").selectOption("desc");
  await page.getByRole("button", { name: "Apply" }).click();
  for (const param of [/stage=\d+/, /sort=revenue/, /dir=desc/]) await expect(page).toHaveURL(param);
  await expect.poll(() => total(page)).toBeLessThan(allOpen);
  const proposing = await total(page);
  expect(proposing).toBeGreaterThan(0);
  const rows = page.getByRole("table").locator("tbody");
  await expect(rows.getByText("Develop", { exact: true })).toHaveCount(0);
  await gotoHydrated(page, page.url().replace(/^https?:\/\/[^/]+/, ""));
  await expect(page.getByLabel("Sort by")).toHaveValue("revenue");
  expect(await total(page)).toBe(proposing);
  await expectNoHorizontalScroll(page);

  // Won lists closed deals, latest first; the row opens the record.
  await page.getByRole("link", { name: "Won opportunities" }).click();
  await expect(page).toHaveURL(/view=won/);
  await openFilters(page);
  await expect(page.getByLabel("Closed from")).toBeVisible();
  const first = rows.getByRole("link").first();
  const topic = (await first.textContent()) ?? "";
  await first.click();
  await expect(page.getByRole("heading", { name: topic, level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Closed as won" })).toBeVisible();
});
