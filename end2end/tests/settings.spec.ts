import { test, expect, signIn, gotoHydrated, openNavigation, expectNoHorizontalScroll, afterReload } from "./fixtures";

test("an admin adds a lost reason and a competitor, then deactivates the reason", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  const suffix = `${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "admin@example.com");
  const nav = await openNavigation(page);
  await nav.getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(/\/settings$/);
  await expect(page.getByRole("heading", { name: "Settings", level: 1 })).toBeVisible();
  // Each change is saved, then the page is loaded again with it.

  const reasons = page.getByRole("region", { name: "Lost reasons" });
  await reasons.getByLabel("New lost reason").fill(`Budget cut ${suffix}`);
  await afterReload(page, () => reasons.getByRole("button", { name: "Add to lost reasons" }).click());
  await expect(page.getByRole("status")).toContainText("Added.");
  const list = reasons.getByRole("list", { name: "Lost reasons" });
  await expect(list).toContainText(`Budget cut ${suffix} · Offered`);
  await expect(list).toContainText("Out-Sold · Built in");

  // The same name again is refused next to the field.
  await reasons.getByLabel("New lost reason").fill(`budget cut ${suffix}`);
  await reasons.getByRole("button", { name: "Add to lost reasons" }).click();
  await expect(reasons.getByText("is already on the list.")).toBeVisible();
  // What was typed stays, marked as the field in error.
  await expect(reasons.getByLabel("New lost reason")).toHaveValue(`budget cut ${suffix}`);
  await expect(reasons.getByLabel("New lost reason")).toHaveAttribute("aria-invalid", "true");

  const competitors = page.getByRole("region", { name: "Competitors" });
  await competitors.getByLabel("New competitor").fill(`Initech ${suffix}`);
  await afterReload(page, () => competitors.getByRole("button", { name: "Add to competitors" }).click());
  await expect(competitors.getByRole("list", { name: "Competitors" })).toContainText(`Initech ${suffix}`);

  await afterReload(page, () => reasons.getByRole("button", { name: `Deactivate Budget cut ${suffix}` }).click());
  await expect(list).toContainText(`Budget cut ${suffix} · Inactive`);
  await expectNoHorizontalScroll(page);
});

test("reps cannot open the settings", async ({ page, allowConsole }) => {
  allowConsole(/status of 403/);
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/settings");
  await expect(page.getByText("You do not have permission to do that.")).toBeVisible();
});
