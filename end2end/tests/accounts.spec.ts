import { test, expect, signIn, gotoHydrated, openNavigation, expectNoHorizontalScroll, newOpportunity, openFilters, afterReload } from "./fixtures";
import type { Page } from "@playwright/test";

/** Creates an account and a contact of it through the forms; returns on the contact. */
async function accountWithContact(page: Page, account: string, lastName: string) {
  await gotoHydrated(page, "/accounts/new");
  await page.getByLabel("Account name").fill(account);
  await page.getByLabel("Industry").fill("Robotics");
  // A saved account opens as a page of its own.
  await afterReload(page, () => page.getByRole("button", { name: "Save account" }).click());
  await expect(page.getByRole("heading", { name: account, level: 1 })).toBeVisible();

  await gotoHydrated(page, "/contacts/new");
  await page.getByLabel("First name").fill("Ann");
  await page.getByLabel("Last name").fill(lastName);
  await page.getByLabel("Account", { exact: true }).fill(account);
  await page.getByRole("button", { name: `Choose ${account}` }).click();
  await afterReload(page, () => page.getByRole("button", { name: "Save contact" }).click());
  await expect(page.getByRole("heading", { name: `Ann ${lastName}`, level: 1 })).toBeVisible();
}

test("from an account open a contact, log a call, see it on the account's timeline", async ({ page }, testInfo) => {
  const stamp = `${testInfo.project.name} ${Date.now()}`;
  const account = `Harbour Robotics ${stamp}`;
  const lastName = `Quorvik ${stamp}`;
  await signIn(page, "rep@example.com");
  await accountWithContact(page, account, lastName);

  // Find the account in the list, open it, open its contact.
  const nav = await openNavigation(page);
  await nav.getByRole("link", { name: "Accounts" }).click();
  await openFilters(page);
  await page.getByLabel("Search").fill(account);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("1 account", { exact: true })).toBeVisible();
  await page.getByRole("link", { name: account }).click();
  await expect(page.getByRole("heading", { name: account, level: 1 })).toBeVisible();
  await page.getByRole("table", { name: "Contacts of this account" }).getByRole("link", { name: `Ann ${lastName}` }).click();
  await expect(page.getByRole("heading", { name: `Ann ${lastName}`, level: 1 })).toBeVisible();

  // A call in two taps: the kind, then Save (outbound is preselected).
  await page.getByRole("radio", { name: "Phone call" }).check();
  await page.getByLabel("Subject").fill("Asked for a demo");
  await page.getByLabel("Outcome").fill("Demo on Friday");
  await afterReload(page, () => page.getByRole("button", { name: "Save activity" }).click());
  await expect(page.getByRole("status")).toContainText("Activity logged.");
  const timeline = page.getByRole("list", { name: "Timeline entries, newest first" });
  await expect(timeline).toContainText("Asked for a demo");
  await expect(page.getByLabel("Subject")).toHaveValue("");
  await expectNoHorizontalScroll(page);

  await page.getByRole("link", { name: account }).first().click();
  await expect(page.getByRole("heading", { name: account, level: 1 })).toBeVisible();
  const entry = page.getByRole("list", { name: "Timeline entries, newest first" }).getByRole("listitem").filter({ hasText: "Asked for a demo" });
  await expect(entry).toContainText("Outbound call");
  await expect(entry.getByRole("link", { name: `Ann ${lastName}` })).toBeVisible();
  await expectNoHorizontalScroll(page);
});

test("complete an overdue task from My activities", async ({ page }, testInfo) => {
  const stamp = `${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/accounts/new");
  await page.getByLabel("Account name").fill(`Task Co ${stamp}`);
  await afterReload(page, () => page.getByRole("button", { name: "Save account" }).click());
  await expect(page.getByRole("heading", { name: `Task Co ${stamp}`, level: 1 })).toBeVisible();

  const subject = `Send the quote ${stamp}`;
  await page.getByRole("radio", { name: "Task" }).check();
  await page.getByLabel("Subject").fill(subject);
  await page.getByLabel("Due date").fill("2020-01-15");
  await afterReload(page, () => page.getByRole("button", { name: "Save activity" }).click());
  await expect(page.getByRole("status")).toContainText("Activity logged.");

  const nav = await openNavigation(page);
  await nav.getByRole("link", { name: "My activities" }).click();
  await expect(page.getByRole("heading", { name: "My activities", level: 1 })).toBeVisible();
  const task = page.getByRole("listitem").filter({ hasText: subject });
  await expect(task).toContainText("Overdue");
  await expect(task).toContainText("Due 2020-01-15");
  await afterReload(page, () => task.getByRole("button", { name: `Mark done: ${subject}` }).click());
  await expect(page.getByRole("status")).toContainText("Task done.");
  await expect(page.getByRole("listitem").filter({ hasText: subject })).toHaveCount(0);
  await expectNoHorizontalScroll(page);
});

test("an account with open opportunities cannot be deactivated, and says why", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 409/);
  const topic = `Keep ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);
  await page.getByRole("group", { name: "Potential customer" }).getByRole("link", { name: `Company ${topic}` }).click();
  await expect(page.getByRole("heading", { name: `Company ${topic}`, level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Opportunities of this account" })).toContainText(topic);
  await page.getByRole("button", { name: "Deactivate" }).click();
  await expect(page.getByRole("alert")).toContainText("This account cannot be deactivated: 1 open opportunity is for it.");
  await expect(page.getByText("Active", { exact: true })).toBeVisible();
});

test("a new account's errors show by their fields, and a likely duplicate asks before it is saved", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  const name = `Twin Harbour ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/accounts/new");
  await afterReload(page, async () => {
    await page.getByLabel("Account name").fill(name);
    await page.getByRole("button", { name: "Save account" }).click();
  });
  const first = page.url();

  // The same name again, with a bad number: the field says so and keeps what was typed.
  await gotoHydrated(page, "/accounts/new");
  await page.getByLabel("Number of employees").fill("about forty");
  await page.getByRole("button", { name: "Save account" }).click();
  const nameInput = page.getByLabel("Account name");
  await expect(nameInput).toHaveAttribute("aria-invalid", "true");
  await expect(nameInput).toBeFocused();
  await expect(page.getByText("Enter the account name.")).toBeVisible();
  await expect(page.getByText("Enter the number of employees as a whole number, 0 or more.")).toBeVisible();
  await expect(page.getByLabel("Number of employees")).toHaveValue("about forty");

  await nameInput.fill(name);
  await page.getByLabel("Number of employees").fill("40");
  await page.getByRole("button", { name: "Save account" }).click();
  const warning = page.getByRole("alert").filter({ hasText: "Possible duplicates" });
  await expect(warning.getByRole("link", { name: `Account ${name}` })).toBeVisible();
  await expect(warning).toContainText("Same company name");
  await expect(nameInput).not.toHaveAttribute("aria-invalid", "true");
  expect(page.url()).toMatch(/\/accounts\/new$/);

  // Saved anyway: a second account of that name opens.
  await afterReload(page, () => warning.getByRole("button", { name: "Save anyway" }).click());
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Account created.");
  expect(page.url()).toMatch(/\/accounts\/\d+$/);
  expect(page.url()).not.toBe(first);
  await expect(page.getByLabel("Number of employees")).toHaveValue("40");
});

test("an account changed in another tab is not overwritten: the save says what changed and keeps what was typed", async ({ page, context, allowConsole }, testInfo) => {
  allowConsole(/status of 409/);
  const name = `Two Tabs ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/accounts/new");
  await page.getByLabel("Account name").fill(name);
  await afterReload(page, () => page.getByRole("button", { name: "Save account" }).click());
  const other = await context.newPage();
  await gotoHydrated(other, new URL(page.url()).pathname);

  await other.getByLabel("Industry").fill("Shipping");
  await afterReload(other, () => other.getByRole("button", { name: "Save", exact: true }).click());
  await expect(other.getByRole("status")).toContainText("Account saved.");
  await expect(other.getByLabel("Industry")).toHaveValue("Shipping");

  await page.getByLabel("Industry").fill("Logistics");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("changed this account after you opened it. Changed: Industry.");
  await expect(page.getByLabel("Industry")).toHaveValue("Logistics");
  await other.close();
});

test("a long timeline shows its newest entries, and Show older loads the page with more", async ({ page }, testInfo) => {
  const account = `Busy Co ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await gotoHydrated(page, "/accounts/new");
  await page.getByLabel("Account name").fill(account);
  await afterReload(page, () => page.getByRole("button", { name: "Save account" }).click());
  const id = page.url().match(/\/accounts\/(\d+)$/)![1];
  // 26 notes and the account's creation: one more than a timeline shows at first (25).
  for (let n = 1; n <= 26; n++) {
    const form = { regarding: "account", record_id: id, "activity[kind]": "note", "activity[subject]": `Note ${n}` };
    expect((await page.request.post("/api/activities/log", { form })).ok()).toBe(true);
  }
  await gotoHydrated(page, `/accounts/${id}`);
  const entries = page.getByRole("list", { name: "Timeline entries, newest first" }).getByRole("listitem");
  const firstNote = page.locator(".timeline-title", { hasText: /Note 1$/ });
  await expect(entries).toHaveCount(25);
  await expect(entries.first()).toContainText("Note 26");
  await expect(firstNote).toHaveCount(0);
  await afterReload(page, () => page.getByRole("link", { name: "Show older" }).click());
  await expect(page).toHaveURL(new RegExp(`/accounts/${id}\\?timeline=50#timeline-title$`));
  await expect(firstNote).toHaveCount(1);
  expect(await entries.count()).toBeGreaterThan(25);
  await expect(page.getByRole("link", { name: "Show older" })).toHaveCount(0);
});
