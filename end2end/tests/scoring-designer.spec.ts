import { test, expect, gotoHydrated, expectAccessible, signIn, afterReload } from "./fixtures";

// Publishing rescores every lead: this spec runs in the designer projects, after the others.

test("an admin adds a rule, backtests, publishes, and the list order changes", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  test.setTimeout(120_000);
  const name = `Zyxwood${testInfo.project.name.replace(/\W/g, "")}`;
  await signIn(page, "admin@example.com");
  // A lead no rule favours yet.
  await gotoHydrated(page, "/leads/new");
  await page.getByLabel("Topic").fill("Scoring check");
  await page.getByLabel("Last name").fill(name);
  await afterReload(page, () => page.getByRole("button", { name: "Save lead" }).click());
  await expect(page).toHaveURL(/\/leads\/\d+$/);
  await gotoHydrated(page, "/leads?view=all-open&sort=score&dir=desc");
  await expect(page.locator('td[data-label="Name"]').first()).not.toHaveText(name);

  await gotoHydrated(page, "/settings/scoring");
  await expect(page.getByRole("heading", { name: "Lead scoring", level: 1 })).toBeVisible();
  await expectAccessible(page);
  await page.getByRole("button", { name: "Add rule" }).click();
  const rule = page.locator("fieldset.rule-editor").last();
  // A bad value is named next to its input and what was typed stays.
  await rule.getByLabel("Rule name").fill(`Name is ${name}`);
  await rule.getByLabel("Condition").selectOption("contains");
  await rule.getByLabel("Field").selectOption("last_name");
  await rule.getByLabel("Value (several: commas between)").fill(name);
  await rule.getByLabel("Points (−100 to 100)").fill("150");
  await page.getByRole("button", { name: "Backtest" }).click();
  await expect(rule.getByText("Points must be a whole number from -100 to 100.")).toBeVisible();
  await expect(rule.getByLabel("Points (−100 to 100)")).toHaveValue("150");
  await rule.getByLabel("Points (−100 to 100)").fill("100");
  await page.getByRole("button", { name: "Backtest" }).click();
  const backtest = page.getByRole("region", { name: "Backtest" });
  await expect(backtest.getByRole("row", { name: /^A / })).toBeVisible();
  await expectAccessible(page);

  await expect(page.getByRole("button", { name: "Publish" })).toBeDisabled();
  // A saved draft loads the page again.
  await afterReload(page, () => page.getByRole("button", { name: "Save draft" }).click());
  await expect(page.getByText("the draft has changes")).toBeVisible();
  await page.getByRole("button", { name: "Publish" }).click();
  const published = page.getByRole("status").filter({ hasText: /Version \d+ published/ });
  await expect(published).toBeVisible();
  const version = (await published.textContent())!.match(/Version (\d+) published/)![1];
  await expect(page.getByRole("status").filter({ hasText: `open leads scored with version ${version}` })).toBeVisible({ timeout: 60_000 });

  await gotoHydrated(page, "/leads?view=all-open&sort=score&dir=desc");
  await expect(page.locator('td[data-label="Name"]').first()).toHaveText(name);
  // 100 from the new rule, 10 off for the missing email.
  await expect(page.locator('td[data-label="Score"]').first()).toHaveText("90 · A");
});
