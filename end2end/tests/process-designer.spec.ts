import { test, expect, gotoHydrated, expectAccessible, signIn, smallTouchTargets, newOpportunity, tickStep, afterReload } from "./fixtures";
import type { Page } from "@playwright/test";

// This spec changes the default sales process every other spec walks through, so it runs in
// its own projects after theirs (playwright.config.ts): desktop, then phone.

async function noSmallTargets(page: Page, isMobile: boolean) {
  if (isMobile) expect(await smallTouchTargets(page), "touch targets under 44 × 44 px").toEqual([]);
}

async function saveProcess(page: Page, change: string) {
  await page.getByRole("button", { name: "Save process" }).click();
  // The editor reloads the new version, whose changes head the Versions list.
  await expect(page.getByRole("region", { name: "Versions" }).getByText(change)).toBeVisible();
}

async function openEditor(page: Page, isMobile: boolean) {
  await page.getByRole("link", { name: "Edit process" }).click();
  await expect(page.getByRole("heading", { name: "Lead to Opportunity Sales Process", level: 1 })).toBeVisible();
  await expectAccessible(page);
  await noSmallTargets(page, isMobile);
}

test("an admin adds a required step and a stage, and archives the stage choosing where its records go", async ({ page, isMobile, allowConsole }, testInfo) => {
  allowConsole(/status of 409/);
  allowConsole(/status of 422/);
  test.setTimeout(180_000);
  const project = testInfo.project.name;
  const step = `Legal review ${project}`;
  const stage = `Negotiate ${project}`;
  await signIn(page, "admin@example.com");

  // An opportunity at Propose with Propose's own required steps done.
  await newOpportunity(page, `Designer ${project} ${Date.now()}`);
  const record = new URL(page.url()).pathname;
  await page.getByRole("textbox", { name: "Customer need", exact: true }).fill("Coffee for 300 staff");
  await page.getByRole("textbox", { name: "Proposed solution", exact: true }).fill("Ten machines");
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Opportunity saved.");
  await afterReload(page, () => page.getByRole("button", { name: "Next Stage" }).click());
  await expect(page.getByText("Open · Propose")).toBeVisible();
  for (const name of ["Develop proposal", "Present proposal"]) await tickStep(page, "Propose", name);

  // From the stage bar to the editor: Propose gets a required step with guidance.
  await openEditor(page, isMobile);
  const propose = page.getByRole("group", { name: "Propose", exact: true });
  await propose.getByRole("button", { name: "Add step to Propose" }).click();
  await propose.getByLabel("Step name").last().fill(step);
  await propose.getByLabel("Required").last().check();
  await propose.getByLabel("Guidance").last().fill("Legal signs the contract off.");
  await saveProcess(page, `Added step ${step} (required) to Propose`);

  // It blocks Next Stage on the opportunity, and its guidance shows under it.
  await gotoHydrated(page, record);
  await expect(page.getByText("Legal signs the contract off.").first()).toBeVisible();
  await page.getByRole("button", { name: "Next Stage" }).click();
  await expect(page.getByRole("alert")).toContainText(step);
  await expect(page.getByText("Open · Propose")).toBeVisible();

  // A new stage after Propose becomes a board column.
  await openEditor(page, isMobile);
  await page.getByRole("button", { name: "Add stage" }).click();
  await page.getByRole("group", { name: "New stage" }).getByLabel("Stage name").fill(stage);
  const added = page.getByRole("group", { name: stage });
  await added.getByRole("button", { name: `Move ${stage} up` }).click();
  await saveProcess(page, `Added stage ${stage}`);
  await gotoHydrated(page, "/pipeline");
  await expect(page.getByRole("heading", { name: stage, level: 2 })).toBeVisible();
  await noSmallTargets(page, isMobile);

  // The opportunity moves into it once the new step is ticked (and the one an earlier run of
  // this test added, which is required too).
  await gotoHydrated(page, record);
  const legal = page.getByRole("checkbox", { name: /^Legal review/ });
  const steps = await legal.count();
  expect(steps).toBeGreaterThan(0);
  for (let i = 0; i < steps; i++) {
    await afterReload(page, () => legal.nth(i).check());
    await expect(legal.nth(i)).toBeChecked();
  }
  await afterReload(page, () => page.getByRole("button", { name: "Next Stage" }).click());
  await expect(page.getByText(`Open · ${stage}`)).toBeVisible();

  // Archiving the stage asks where its open opportunity goes, and moves it there.
  await openEditor(page, isMobile);
  const archived = page.getByRole("group", { name: stage });
  await archived.getByLabel("Archived").check();
  await page.getByRole("button", { name: "Save process" }).click();
  await expect(archived.getByText("Choose where its 1 open opportunity goes.")).toBeVisible();
  await archived.getByLabel("Move its 1 open opportunity to").selectOption({ label: "Close" });
  await saveProcess(page, `Moved 1 open opportunity from ${stage} to Close`);
  await gotoHydrated(page, record);
  await expect(page.getByText("Open · Close")).toBeVisible();
  await gotoHydrated(page, "/pipeline");
  await expect(page.getByRole("heading", { name: "Close", level: 2 })).toBeVisible();
  await expect(page.getByRole("heading", { name: stage, level: 2 })).toHaveCount(0);
});
