import { test, expect, signIn, gotoHydrated, expectNoHorizontalScroll, openFilters, afterReload } from "./fixtures";

const total = async (page: import("@playwright/test").Page) => {
  const text = await page.getByText(/^\d+ leads?$/).textContent();
  return Number.parseInt(text ?? "0", 10);
};

test("lead views: switch view, search, sort and page, kept in the URL", async ({ page }) => {
  await signIn(page, "rep@example.com");
  await expect(page.getByRole("link", { name: "My open leads" })).toHaveAttribute("aria-current", "page");
  const mine = await total(page);
  expect(mine).toBeGreaterThan(0);

  await page.getByRole("link", { name: "All open leads" }).click();
  await expect(page).toHaveURL(/view=all-open/);
  await expect(page.getByRole("link", { name: "All open leads" })).toHaveAttribute("aria-current", "page");
  await expect.poll(() => total(page)).toBeGreaterThan(mine);
  const allOpen = await total(page);
  await expectNoHorizontalScroll(page);

  // Search, sort and order go into the URL and survive a reload.
  await openFilters(page);
  await page.getByLabel("Search").fill("tanaka");
  await page.getByLabel("Sort by").selectOption("topic");
  await page.getByLabel("Order").selectOption("asc");
  await page.getByRole("button", { name: "Apply" }).click();
  for (const param of [/q=tanaka/, /sort=topic/, /dir=asc/]) await expect(page).toHaveURL(param);
  // The previous rows stay on screen until the new page arrives: wait for the new count.
  await expect.poll(() => total(page)).toBeLessThan(allOpen);
  const found = await total(page);
  expect(found).toBeGreaterThan(0);
  await expect(page.getByRole("cell", { name: /Tanaka/ }).first()).toBeVisible();
  await gotoHydrated(page, page.url().replace(/^https?:\/\/[^/]+/, ""));
  await expect(page.getByLabel("Search")).toHaveValue("tanaka");
  await expect(page.getByLabel("Sort by")).toHaveValue("topic");
  expect(await total(page)).toBe(found);

  // Paging through all open leads.
  await page.getByRole("link", { name: "All open leads" }).click();
  await expect(page.getByText(/^Page 1 of \d+$/)).toBeVisible();
  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByText(/^Page 2 of \d+$/)).toBeVisible();
  await expectNoHorizontalScroll(page);
});

test("the closed view lists qualified and disqualified leads", async ({ page }) => {
  await signIn(page, "manager@example.com");
  await page.getByRole("link", { name: "Closed leads" }).click();
  await expect(page).toHaveURL(/view=closed/);
  await openFilters(page);
  await page.getByLabel("Status").selectOption("qualified");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/reason=qualified/);
  // Cell text (on phones each cell's accessible name also carries its column label).
  const rows = page.getByRole("table").locator("tbody");
  await expect(rows.getByText("Qualified", { exact: true }).first()).toBeVisible();
  for (const other of ["New", "Lost", "Cannot Contact", "No Longer Interested", "Canceled"]) {
    await expect(rows.getByText(other, { exact: true })).toHaveCount(0);
  }
});

test("quick create a lead in one tap, with field errors that keep what was typed", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  await signIn(page, "rep@example.com");
  await page.getByRole("link", { name: "New lead" }).click();
  await expect(page.getByRole("heading", { name: "New lead", level: 1 })).toBeVisible();

  const company = `Booth ${testInfo.project.name} Robotics`;
  await page.getByLabel("Company").fill(company);
  await page.getByLabel("Email").fill("visitor@");
  await page.getByRole("button", { name: "Save lead" }).click();
  await expect(page.getByText("Enter a topic: what is this lead about?")).toBeVisible();
  await expect(page.getByText("Enter a valid email address, like name@example.com.")).toBeVisible();
  await expect(page.getByLabel("Company")).toHaveValue(company);

  await page.getByLabel("Topic").fill("Met at booth 14");
  await page.getByLabel("Last name").fill("Visitor");
  await page.getByLabel("Email").fill(`visitor-${testInfo.project.name}@booth.example`);
  await page.getByLabel("Lead source").selectOption("trade_show");
  await afterReload(page, () => page.getByRole("button", { name: "Save lead" }).click());
  await expect(page.getByRole("status")).toContainText("Lead created.");
  await expect(page).toHaveURL(/\/leads\/\d+$/);
  await expect(page.getByRole("heading", { name: "Met at booth 14", level: 1 })).toBeVisible();
  // The new lead is scored at once: source Trade Show and an email give no points by default.
  await expect(page.getByRole("region", { name: "Score" }).getByText(/grade [A-D]/)).toBeVisible();
  await gotoHydrated(page, "/leads?view=my-open");
  await openFilters(page);
  await page.getByLabel("Search").fill(company);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText(/^1 lead$/)).toBeVisible();
  await expect(page.getByRole("link", { name: "Met at booth 14" })).toBeVisible();
  await expectNoHorizontalScroll(page);
});
