import { test, expect, signIn, gotoHydrated, expectNoHorizontalScroll, afterReload } from "./fixtures";
import type { Page } from "@playwright/test";

// A demo account (the demo data set is generated from a fixed seed).
const DEMO_ACCOUNT = "Northern Energy Inc.";

/** Quick create from the top bar; returns on the new lead's record page. */
async function quickCreate(
  page: Page,
  fields: { topic: string; lastName: string; company?: string; email?: string },
  saveAnyway = false,
) {
  await page.getByRole("link", { name: "New lead" }).click();
  await expect(page.getByRole("heading", { name: "New lead", level: 1 })).toBeVisible();
  await page.getByLabel("Topic").fill(fields.topic);
  await page.getByLabel("Last name").fill(fields.lastName);
  if (fields.company) await page.getByLabel("Company").fill(fields.company);
  if (fields.email) await page.getByLabel("Email").fill(fields.email);
  await page.getByLabel("Lead source").selectOption("trade_show");
  // A saved lead opens as a page of its own.
  if (saveAnyway) {
    await page.getByRole("button", { name: "Save lead" }).click();
    await expect(page.getByRole("heading", { name: "Possible duplicates" })).toBeVisible();
    await afterReload(page, () => page.getByRole("button", { name: "Save anyway" }).click());
  } else {
    await afterReload(page, () => page.getByRole("button", { name: "Save lead" }).click());
  }
  await expect(page.getByRole("heading", { name: fields.topic, level: 1 })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Lead created.");
}

test("quick-create a lead, qualify it into an existing account, land on the opportunity", async ({ page }, testInfo) => {
  const run = `${testInfo.project.name}-${Date.now()}`;
  await signIn(page, "rep@example.com");
  // The company is a customer already: saving warns, the user saves anyway.
  await quickCreate(page, { topic: `Booth ${run}`, lastName: `Visitor${run}`, company: DEMO_ACCOUNT }, true);
  await expect(page.getByText("Open · New")).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "Qualify" }).first()).toHaveAttribute("aria-current", "step");
  await expectNoHorizontalScroll(page);

  await page.getByRole("button", { name: "Qualify", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Qualify lead" });
  await expect(dialog).toBeVisible();
  const existing = dialog.getByRole("radio", { name: new RegExp(`Link existing: ${DEMO_ACCOUNT}`) });
  await existing.check();
  await expect(dialog.getByRole("radio", { name: `Create a new contact: Visitor${run}` })).toBeChecked();
  await expect(dialog.getByRole("table", { name: "What carries over" })).toContainText(`Booth ${run}`);
  await afterReload(page, () => dialog.getByRole("button", { name: "Confirm qualify" }).click());

  await expect(page).toHaveURL(/\/opportunities\/\d+$/);
  await expect(page.getByRole("status")).toContainText("Lead qualified.");
  await expect(page.getByRole("heading", { name: `Booth ${run}`, level: 1 })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "Develop" }).first()).toHaveAttribute("aria-current", "step");
  await expect(page.getByRole("link", { name: DEMO_ACCOUNT })).toBeVisible();
  await expect(page.getByRole("link", { name: `Visitor${run}` })).toBeVisible();
  await expectNoHorizontalScroll(page);

  // The lead is now qualified and read-only, linked to what it created.
  await page.getByRole("link", { name: `Booth ${run}` }).click();
  await expect(page.getByText("Qualified · Qualified")).toBeVisible();
  await expect(page.getByRole("button", { name: "Qualify", exact: true })).toHaveCount(0);
  await expect(page.getByRole("textbox", { name: "Topic" })).toBeDisabled();
});

test("disqualify needs a reason; reactivate reopens the lead", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  const run = `${testInfo.project.name}-${Date.now()}`;
  await signIn(page, "rep@example.com");
  await quickCreate(page, { topic: `Cold call ${run}`, lastName: `Nobody${run}` });

  await page.getByRole("button", { name: "Disqualify" }).click();
  const dialog = page.getByRole("dialog", { name: "Disqualify lead" });
  await dialog.getByRole("button", { name: "Confirm disqualify" }).click();
  await expect(dialog.getByText(/Choose why/)).toBeVisible();
  await dialog.getByLabel("Reason").selectOption({ label: "Cannot Contact" });
  await afterReload(page, () => dialog.getByRole("button", { name: "Confirm disqualify" }).click());
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Disqualified · Cannot Contact")).toBeVisible();
  await expect(page.getByText("Lead disqualified.")).toHaveCount(1);

  await gotoHydrated(page, `/leads?view=closed&q=${encodeURIComponent(`Nobody${run}`)}`);
  await expect(page.getByText(/^1 lead$/)).toBeVisible();
  await page.getByRole("link", { name: `Cold call ${run}` }).click();
  await afterReload(page, () => page.getByRole("button", { name: "Reactivate" }).click());
  await expect(page.getByText("Open · New")).toBeVisible();
  await expect(page.getByRole("button", { name: "Disqualify" })).toBeVisible();
  await page.getByRole("tab", { name: "History" }).click();
  const history = page.getByRole("table", { name: /Changes to this lead/ });
  await expect(history).toContainText("Cannot Contact");
});

test("a matching email shows a duplicate warning; nothing typed is lost", async ({ page }, testInfo) => {
  const run = `${testInfo.project.name}-${Date.now()}`;
  const email = `dup-${run}@booth.example`;
  await signIn(page, "rep@example.com");
  await quickCreate(page, { topic: `First ${run}`, lastName: `Dup${run}`, email });

  await page.getByRole("link", { name: "New lead" }).click();
  await page.getByLabel("Topic").fill(`Second ${run}`);
  await page.getByLabel("Last name").fill(`Other${run}`);
  await page.getByLabel("Email").fill(email.toUpperCase());
  await page.getByRole("button", { name: "Save lead" }).click();
  const warning = page.getByRole("alert").filter({ hasText: "Possible duplicates" });
  await expect(warning).toBeVisible();
  await expect(warning.getByRole("link", { name: `Lead Dup${run}` })).toHaveAttribute("href", /\/leads\/\d+$/);
  await expect(warning).toContainText("Same email");
  await expect(page.getByLabel("Topic")).toHaveValue(`Second ${run}`);
  await expectNoHorizontalScroll(page);
  await afterReload(page, () => page.getByRole("button", { name: "Save anyway" }).click());
  await expect(page.getByRole("heading", { name: `Second ${run}`, level: 1 })).toBeVisible();
});

test("an edit saves, and a stale edit gets a conflict naming the changed field", async ({ page, browser, allowConsole }, testInfo) => {
  allowConsole(/status of 409/);
  const run = `${testInfo.project.name}-${Date.now()}`;
  await signIn(page, "manager@example.com");
  await quickCreate(page, { topic: `Edit ${run}`, lastName: `Editor${run}` });
  const url = page.url();

  // Someone else changes the city in another session.
  const otherSession = await browser.newContext();
  const other = await otherSession.newPage();
  await signIn(other, "admin@example.com");
  await gotoHydrated(other, url);
  await other.getByLabel("City").fill("Bergen");
  await afterReload(other, () => other.getByRole("button", { name: "Save", exact: true }).click());
  await expect(other.getByRole("status")).toContainText("Lead saved.");
  await otherSession.close();

  await page.getByLabel("Job title").fill("Buyer");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByRole("alert")).toContainText("Changed: City.");
  await expect(page.getByLabel("Job title")).toHaveValue("Buyer");

  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(page.getByLabel("City")).toHaveValue("Bergen");
  await page.getByLabel("Job title").fill("Buyer");
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Lead saved.");
  await page.getByRole("tab", { name: "History" }).click();
  await expect(page.getByRole("table", { name: /Changes to this lead/ })).toContainText("Buyer");
});
