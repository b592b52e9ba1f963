import { readFile } from "node:fs/promises";
import { test, expect, signIn, openNavigation, expectNoHorizontalScroll, openFilters, gotoHydrated, newOpportunity, afterReload } from "./fixtures";

test("the activity list filters by type in the URL and exports exactly its view", async ({ page }) => {
  await signIn(page, "manager@example.com");
  const nav = await openNavigation(page);
  await nav.getByRole("link", { name: "My activities" }).click();
  await expect(page.getByRole("heading", { name: "My activities", level: 1 })).toBeVisible();
  await page.getByRole("link", { name: "All activities" }).click();
  await expect(page.getByRole("heading", { name: "Activities", level: 1 })).toBeVisible();

  await page.getByRole("navigation", { name: "Activity views" }).getByRole("link", { name: "All activities" }).click();
  await expect(page).toHaveURL(/view=all/);
  await openFilters(page);
  await page.getByLabel("Type").selectOption({ label: "Phone call" });
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/type=phone_call/);
  // A fresh load of the filtered list: the unfiltered rows stay on screen while it loads.
  await gotoHydrated(page, page.url());
  const count = page.getByText(/^\d+ activit(y|ies)$/);
  await expect(count).toBeVisible();
  const total = Number((await count.textContent())?.split(" ")[0]);
  expect(total).toBeGreaterThan(0);
  const types = await page.locator('td[data-label="Type"]').allTextContents();
  expect(types.length).toBe(Math.min(total, 25));
  expect(new Set(types)).toEqual(new Set(["Phone call"]));
  await expectNoHorizontalScroll(page);

  const exportLink = page.getByRole("link", { name: "Export CSV" });
  await expect(exportLink).toHaveAttribute("href", /\/api\/activities\/export\.csv\?.*type=phone_call/);
  const download = page.waitForEvent("download");
  await exportLink.click();
  const [header, ...rows] = csvRecords((await readFile(await (await download).path())).toString());
  expect(header).toContain("Person");
  expect(rows.length).toBe(total);
  expect(new Set(rows.map((row) => row[header.indexOf("Activity type")]))).toEqual(new Set(["Phone call"]));
});

test("an activity about an opportunity links to that opportunity's page", async ({ page }, testInfo) => {
  // Its own opportunity and activity, found by subject: other tests add activities too.
  const topic = `Linked ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "manager@example.com");
  await newOpportunity(page, topic);
  const subject = `Call about ${topic}`;
  await page.getByLabel("Subject").fill(subject);
  await afterReload(page, () => page.getByRole("button", { name: "Save activity" }).click());
  await gotoHydrated(page, `/activities/all?view=all&q=${encodeURIComponent(subject)}`);
  await page.getByRole("link", { name: `Opportunity: ${topic}` }).click();
  await expect(page).toHaveURL(/\/opportunities\/\d+$/);
  await expect(page.getByRole("heading", { name: topic, level: 1 })).toBeVisible();
});

/** The records of a CSV file (quoted values may hold commas, quotes and line breaks). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let value = "";
  let quoted = false;
  for (let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        value += '"';
        i++;
      } else if (c === '"') quoted = false;
      else value += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(value);
      value = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      record.push(value);
      records.push(record);
      record = [];
      value = "";
    } else value += c;
  }
  if (value !== "" || record.length > 0) records.push([...record, value]);
  return records;
}
