import { test, expect, signIn, openNavigation, expectNoHorizontalScroll } from "./fixtures";

test("an admin adds a user, with field errors for bad input", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  await signIn(page, "admin@example.com");
  const nav = await openNavigation(page);
  await nav.getByRole("link", { name: "Users" }).click();
  await expect(page.getByRole("heading", { name: "Users", level: 1 })).toBeVisible();

  // Unique per project: both projects share one database.
  const email = `new.rep.${testInfo.project.name}@example.com`;
  await page.getByLabel("Name", { exact: true }).fill("New Rep");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Initial password").fill("short");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByText("Use at least 10 characters for the password.")).toBeVisible();
  // Nothing typed is lost.
  await expect(page.getByLabel("Email")).toHaveValue(email);

  await page.getByLabel("Initial password").fill("a long enough password");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.getByRole("status")).toContainText("Created New Rep.");
  await expect(page.getByText(email)).toBeVisible();
  await expectNoHorizontalScroll(page);
});
