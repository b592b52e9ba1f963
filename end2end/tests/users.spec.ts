import { test, expect, signIn, openNavigation, expectNoHorizontalScroll, gotoHydrated, afterReload } from "./fixtures";

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

test("an admin changes a role, deactivates and activates a user and resets a password, each in place", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  await signIn(page, "admin@example.com");
  await gotoHydrated(page, "/users");
  const name = `Changing Rep ${testInfo.project.name}`;
  const email = `changing.rep.${testInfo.project.name}@example.com`;
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Initial password").fill("a long enough password");
  await afterReload(page, () => page.getByRole("button", { name: "Add user" }).click());
  const row = page.getByRole("listitem").filter({ hasText: email });

  // The role is saved as soon as it is chosen; the page shows it saved.
  await afterReload(page, async () => {
    await row.getByLabel(`Role of ${name}`).selectOption("manager");
  });
  await expect(page.getByRole("status")).toContainText("User updated.");
  await expect(row.getByLabel(`Role of ${name}`)).toHaveValue("manager");

  await afterReload(page, () => row.getByRole("button", { name: `Deactivate ${name}` }).click());
  await expect(row.getByText("Deactivated")).toBeVisible();
  await afterReload(page, () => row.getByRole("button", { name: `Activate ${name}` }).click());
  await expect(row.getByText("Deactivated")).toHaveCount(0);

  // A bad password is named by its field, and what was typed stays.
  const password = row.getByLabel(`New password for ${name}`);
  await password.fill("short");
  await row.getByRole("button", { name: "Reset password" }).click();
  await expect(row.getByText("Use at least 10 characters for the password.")).toBeVisible();
  await expect(password).toHaveValue("short");
  await password.fill("another long password");
  await row.getByRole("button", { name: "Reset password" }).click();
  await expect(page.getByRole("status")).toContainText("Password changed. The user's sessions have ended.");
  await expect(row.getByText("Use at least 10 characters for the password.")).toHaveCount(0);

  // An admin cannot demote themself: the message is by the role, and nothing changed.
  const own = page.getByRole("listitem").filter({ hasText: "admin@example.com" });
  await own.getByLabel("Role of Ada Admin").selectOption("rep");
  await expect(own.getByText("You cannot remove your own admin role or deactivate yourself.")).toBeVisible();
  await gotoHydrated(page, "/users");
  await expect(own.getByLabel("Role of Ada Admin")).toHaveValue("admin");
});
