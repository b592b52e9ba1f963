import { test, expect, signIn, gotoHydrated, expectNoHorizontalScroll } from "./fixtures";

test("several files import as one job: a value mapped, the date order asked, references resolved", async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const tag = `${testInfo.project.name}${Date.now()}`;
  // A manager of its own: one import runs at a time per user, and other tests import too.
  await signIn(page, "admin@example.com");
  const email = `importer.${tag}@example.com`;
  const password = "importer-pass-1";
  const created = await page.request.post("/api/users/create", {
    form: { name: `Importer ${tag}`, email, role: "manager", password },
  });
  expect(created.ok()).toBe(true);
  await page.context().clearCookies();
  await signIn(page, email, password);

  await gotoHydrated(page, "/import");
  await page.getByLabel("CSV files").setInputFiles([
    { name: "Opportunity.csv", mimeType: "text/csv", buffer: Buffer.from(
      `Id,Name,AccountId,StageName,Amount,CloseDate,LeadSource\r\nO1${tag},Deal ${tag},A1${tag},Prospecting,"$1,200.00",03/04/2027,Carrier pigeon\r\n`) },
    { name: "Account.csv", mimeType: "text/csv", buffer: Buffer.from(`Id,Name,Industry\r\nA1${tag},Acme ${tag},Widgets\r\n`) },
  ]);
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page).toHaveURL(/\/import\/\d+$/);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  // The files run in the order their references need, whatever order they came in.
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Account.csv, Opportunity.csv");

  const check = page.getByRole("button", { name: "Check the files (dry run)" });
  const dryRun = page.getByRole("region", { name: "Dry run: nothing was written" });
  await check.click();
  await expect(dryRun.getByText("say whether the file's dates are month first or day first", { exact: false })).toBeVisible({ timeout: 30_000 });
  const pigeon = page.getByLabel("\u201cCarrier pigeon\u201d");
  await expect(pigeon).toBeVisible();
  await pigeon.selectOption({ label: "Other" });
  await page.getByLabel("Dates like 03/04/2025 are").selectOption({ label: "Month first (March 4)" });
  await check.click();
  await expect(dryRun.locator("dd").nth(5)).toHaveText("0");
  await expect(dryRun.locator("dd").nth(1)).toHaveText("2");
  await expectNoHorizontalScroll(page);

  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByRole("region", { name: "Imported" });
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(result.locator("dd").nth(1)).toHaveText("2");

  await gotoHydrated(page, `/opportunities?view=all-open&q=${encodeURIComponent(`Deal ${tag}`)}`);
  await expect(page.getByText(/^1 opportunity$/)).toBeVisible();
  await page.getByRole("link", { name: `Deal ${tag}` }).click();
  await expect(page.getByRole("heading", { name: `Deal ${tag}`, level: 1 })).toBeVisible();
  await expect(page.getByText(`Acme ${tag}`).first()).toBeVisible();
  await expect(page.getByLabel("Estimated close date")).toHaveValue("2027-03-04");
  await expect(page.getByLabel("Estimated revenue (USD)")).toHaveValue(/^1,?200(\.00)?$/);
});
