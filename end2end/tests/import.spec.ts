import { readFile } from "node:fs/promises";
import { test, expect, signIn, gotoHydrated, openNavigation, expectNoHorizontalScroll } from "./fixtures";

// Each project imports as its own user: one import runs at a time per user.
const importer = { desktop: "manager@example.com", mobile: "admin@example.com" } as Record<string, string>;

test("a lead file is uploaded, mapped, dry-run, imported with a progress bar and undone", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const tag = `e2e${testInfo.project.name}${Date.now()}`;
  const rows = 5_000;
  // A header of its own: the mapping a user confirms is remembered for the next file.
  const header = `Reach ${tag}`;
  const lines = [`Topic,Last Name,${header},City`];
  for (let n = 0; n < rows; n++) lines.push(`Expo ${tag},Visitor${n},visitor${n}.${tag}@example.org,Lisbon`);
  lines.push(`Expo ${tag},Broken,not-an-email,Porto`);
  await signIn(page, importer[testInfo.project.name]);
  const nav = await openNavigation(page);
  await nav.getByRole("link", { name: "Import" }).click();
  await expect(page.getByRole("heading", { name: "Import", level: 1 })).toBeVisible();
  await expectNoHorizontalScroll(page);

  await page.getByLabel("CSV files").setInputFiles({
    name: `${tag}.csv`,
    mimeType: "text/csv",
    buffer: Buffer.from(lines.join("\r\n") + "\r\n"),
  });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page).toHaveURL(/\/import\/\d+$/);
  const jobUrl = new URL(page.url()).pathname;
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByRole("heading", { name: new RegExp(`Import #\\d+: ${tag}.csv`), level: 1 })).toBeVisible();

  // The header maps to nothing on its own: the user picks Email.
  const mail = page.getByLabel(header);
  await expect(mail).toHaveValue("");
  await mail.selectOption({ label: "Email" });
  await page.getByRole("button", { name: "Check the files (dry run)" }).click();
  const dryRun = page.getByRole("region", { name: "Dry run: nothing was written" });
  await expect(dryRun.getByText("To create")).toBeVisible({ timeout: 30_000 });
  await expect(dryRun.locator("dd").nth(1)).toHaveText(String(rows));
  await expect(dryRun.locator("dd").nth(5)).toHaveText("1");
  await expect(dryRun.getByRole("cell", { name: header })).toBeVisible();
  await expectNoHorizontalScroll(page);

  const download = page.waitForEvent("download");
  await dryRun.getByRole("link", { name: "Download the error file" }).click();
  const errorFile = await readFile(await (await download).path());
  expect(errorFile.toString()).toContain("Import error");
  expect(errorFile.toString()).toContain("not-an-email");

  // The run is quick: note every progress bar the page shows while it runs.
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      const bar = document.querySelector("progress");
      if (bar) seen.push(`${bar.getAttribute("aria-label")} ${bar.getAttribute("value")}/${bar.getAttribute("max")}`);
    }).observe(document.body, { childList: true, subtree: true, attributes: true });
  });
  await page.getByRole("button", { name: "Import", exact: true }).click();
  const result = page.getByRole("region", { name: "Imported" });
  await expect(result).toBeVisible({ timeout: 90_000 });
  await expect(result.locator("dd").nth(1)).toHaveText(String(rows));
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  expect(seen.length, "a progress bar showed while the import ran").toBeGreaterThan(0);
  expect(seen[0]).toMatch(new RegExp(`^Import #\\d+ progress \\d+/${rows + 1}$`));
  await expectNoHorizontalScroll(page);

  // The records are there.
  await gotoHydrated(page, `/leads?view=all-open&q=visitor7.${tag}`);
  await expect(page.getByText(/^1 lead$/)).toBeVisible();
  await expect(page.getByText("Visitor7", { exact: true })).toBeVisible();

  await gotoHydrated(page, jobUrl);
  await page.getByRole("button", { name: "Undo this import" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Deleted ${rows} created records` })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole("heading", { name: "Undone", level: 2 })).toBeVisible();
});

// As a user no other test imports as: an upload is refused while the user's own import runs.
test("a file that is not a table is refused with the reason on the import page", async ({ page }) => {
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/import");
  await page.getByLabel("CSV files").setInputFiles({ name: "book.xlsx", mimeType: "application/zip", buffer: Buffer.from("PK\x03\x04rest") });
  await page.getByRole("button", { name: "Upload" }).click();
  await expect(page).toHaveURL(/\/import\?refused=/);
  await expect(page.getByRole("alert")).toContainText("zip file");
  await expectNoHorizontalScroll(page);
});
