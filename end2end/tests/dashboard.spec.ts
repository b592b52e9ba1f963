import { test, expect, signIn, gotoHydrated, expectNoHorizontalScroll, openFilters } from "./fixtures";

// The dashboard is filtered to Ada Admin's deals: no other test creates or moves hers, so
// the counts hold still while this test compares them with the lists.
test("dashboard: charts, table view, and a funnel stage leads to the list with the same count", async ({ page }) => {
  // Four fresh loads of the dashboard, each checked by axe-core, and five lists.
  test.setTimeout(60_000);
  await signIn(page, "manager@example.com");
  await gotoHydrated(page, "/dashboard");
  await expect(page.getByRole("heading", { name: "Dashboard", level: 1 })).toBeVisible();
  for (const heading of ["Funnel", "Open pipeline by month", "Won revenue by month", "Lead sources", "Win rate", "Lost reasons", "Stages"]) {
    await expect(page.getByRole("heading", { name: heading, level: 2 })).toBeVisible();
  }
  await expectNoHorizontalScroll(page);

  await openFilters(page);
  await page.getByLabel("Owner").selectOption({ label: "Ada Admin" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/\/dashboard\?owner=\d+/);
  // A fresh load of the filtered dashboard: no figures of the previous filter linger.
  const dashboardUrl = page.url();
  await gotoHydrated(page, dashboardUrl);

  // The chart: each funnel stage is a link named with its count.
  const stageLink = page.getByRole("link", { name: /^Close: \d+ open/ });
  await expect(stageLink).toBeVisible();
  const chartCount = Number((await stageLink.getAttribute("aria-label"))!.match(/^Close: (\d+) open/)![1]);

  // The same figures as tables.
  const toggle = page.getByRole("button", { name: "Table view" });
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-pressed", "true");
  const funnel = page.getByRole("table", { name: "Funnel" });
  await expect(funnel).toBeVisible();
  await expect(page.getByRole("table", { name: "Lead sources" })).toBeVisible();
  const row = funnel.getByRole("row", { name: /^Close/ });
  const link = row.getByRole("link");
  await expect(link).toHaveText(String(chartCount));
  await expectNoHorizontalScroll(page);

  await link.click();
  await expect(page).toHaveURL(/\/opportunities\?view=all-open&stage=\d+&owner=\d+$/);
  await expect(page.getByRole("heading", { name: "Opportunities", level: 1 })).toBeVisible();
  const noun = chartCount === 1 ? "opportunity" : "opportunities";
  await expect(page.getByText(`${chartCount} ${noun}`, { exact: true })).toBeVisible();
  await expect(page.getByLabel("Stage")).toHaveValue(/\d+/);

  // Back on the charts (a fresh load starts in chart view), the bar itself leads there too.
  await gotoHydrated(page, dashboardUrl);
  const chartLink = page.getByRole("link", { name: /^Close: \d+ open/ });
  await chartLink.click();
  await expect(page).toHaveURL(/\/opportunities\?view=all-open&stage=\d+&owner=\d+$/);
  await expect(page.getByText(`${chartCount} ${noun}`, { exact: true })).toBeVisible();

  // The opportunities stalled in Close lead to their list, with the same count.
  await gotoHydrated(page, dashboardUrl);
  const stalledLink = page.getByRole("link", { name: /stalled in Close/ });
  const stalled = Number((await stalledLink.textContent())!.trim());
  await stalledLink.click();
  await expect(page).toHaveURL(/[?&]stalled=true/);
  await expect(page.getByText(`${stalled} ${stalled === 1 ? "opportunity" : "opportunities"}`, { exact: true })).toBeVisible();

  // Stage conversion leads to every opportunity (any status) that went on from Propose.
  // (Its count is the last recompute's; other tests move deals meanwhile, so the exact
  // figure is checked against the list in the integration tests.)
  await gotoHydrated(page, dashboardUrl);
  await page.getByRole("link", { name: /went on from Propose$/ }).click();
  await expect(page).toHaveURL(/[?&]view=all&.*entered=\d+&went_on=true/);
  await expect(page.getByRole("link", { name: "All opportunities" })).toHaveAttribute("aria-current", "page");
  await expect(page.getByText(/^\d+ opportunit(y|ies)$/)).toBeVisible();
});

test("dashboard: a backwards month range is named next to its field", async ({ page, allowConsole }) => {
  allowConsole(/status of 422/);
  await signIn(page, "manager@example.com");
  await gotoHydrated(page, "/dashboard?from=2026-05&to=2026-04");
  await expect(page.getByText("The end month is before the start month.")).toBeVisible();
  await expect(page.getByLabel("To month")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("From month")).toHaveValue("2026-05");
});
