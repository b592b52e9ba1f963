import { test, expect, signIn, gotoHydrated, expectNoHorizontalScroll, newOpportunity, openFilters, tickStep, afterReload } from "./fixtures";
import type { Page } from "@playwright/test";

/** The History tab's table (each change loads the record's page again, on its Timeline). */
async function history(page: Page) {
  await page.getByRole("tab", { name: "History" }).click();
  return page.getByRole("table", { name: /Changes to this opportunity/ });
}

async function nextStage(page: Page, expected: string) {
  await afterReload(page, () => page.getByRole("button", { name: "Next Stage" }).click());
  await expect(page.getByText(`Open · ${expected}`)).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: expected }).first()).toHaveAttribute("aria-current", "step");
}

test("advance through every stage, close as won, reopen, close as lost to a competitor", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 409/);
  allowConsole(/status of 422/);
  const topic = `Fleet ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);

  // Develop's required steps are fields: the gate names them.
  await page.getByRole("button", { name: "Next Stage" }).click();
  await expect(page.getByRole("alert")).toContainText("Complete the required steps of Develop first: Customer need, Proposed solution.");
  await page.getByRole("textbox", { name: "Customer need", exact: true }).fill("Coffee for 300 staff");
  await page.getByRole("textbox", { name: "Proposed solution", exact: true }).fill("Ten machines with service");
  await page.getByLabel("Estimated revenue (USD)").fill("48,000");
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Opportunity saved.");
  // The edit is in the History tab, by label and with the formatted amount.
  await expect((await history(page)).getByRole("row").filter({ hasText: "Estimated revenue" })).toContainText("USD 48,000.00");
  await nextStage(page, "Propose");
  await expect(page.getByText("50% · Best case (from the stage)")).toBeVisible();

  // Propose's required steps are checkboxes.
  for (const step of ["Develop proposal", "Present proposal"]) await tickStep(page, "Propose", step);
  await nextStage(page, "Close");
  await tickStep(page, "Close", "Complete final proposal");

  await page.getByRole("button", { name: "Close as Won" }).click();
  const won = page.getByRole("dialog", { name: "Close as won" });
  await expect(won.getByLabel("Actual revenue (USD)")).toHaveValue("48000.00");
  await afterReload(page, () => won.getByRole("button", { name: "Confirm won" }).click());
  await expect(page.getByRole("heading", { name: "Closed as won" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Closed as won" })).toContainText("USD 48,000.00");
  await expect(page.getByText("Closed as won.")).toHaveCount(1);

  await afterReload(page, () => page.getByRole("button", { name: "Reopen" }).click());
  await expect(page.getByText("Open · Close")).toBeVisible();

  await page.getByRole("button", { name: "Close as Lost" }).click();
  const lost = page.getByRole("dialog", { name: "Close as lost" });
  await lost.getByLabel("Reason").selectOption({ label: "Out-Sold" });
  await lost.getByRole("button", { name: "Confirm lost" }).click();
  await expect(lost.getByText("Out-Sold: choose the competitor who won.")).toBeVisible();
  await lost.getByLabel("Competitor (for Out-Sold)").selectOption({ label: "Contoso" });
  await afterReload(page, () => lost.getByRole("button", { name: "Confirm lost" }).click());
  await expect(page.getByRole("heading", { name: "Closed as lost" })).toBeVisible();
  await expect(page.getByRole("region", { name: "Closed as lost" })).toContainText("Contoso");
  await expect(await history(page)).toContainText("Won");
  // The timeline tells the same story as system events.
  await page.getByRole("tab", { name: "Timeline" }).click();
  const timeline = page.getByRole("list", { name: "Timeline entries, newest first" });
  await expect(timeline).toContainText("Closed as lost");
  await expect(timeline).toContainText("Reopened");
  await expect(timeline).toContainText("Stage changed: Propose → Close");
});

test("steps ticked in quick succession on a slow network are all saved before the page loads again", async ({ page }, testInfo) => {
  const topic = `Slow ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);
  await page.getByRole("textbox", { name: "Customer need", exact: true }).fill("Coffee");
  await page.getByRole("textbox", { name: "Proposed solution", exact: true }).fill("Machines");
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Opportunity saved.");
  await nextStage(page, "Propose");

  // From here each tick takes 800 ms to be saved, as on a show floor's network: the first
  // answer arrives while the others are still on their way, and loading the page again
  // then would cancel them.
  await page.route(/\/api\/opportunities\/step/, async (route) => {
    await new Promise((arrived) => setTimeout(arrived, 800));
    await route.continue();
  });
  const steps = ["Develop proposal", "Present proposal", "Identify sales team"];
  await afterReload(page, async () => {
    for (const step of steps) await page.getByRole("checkbox", { name: step }).check();
  });
  await expect(page.getByRole("heading", { name: /^Propose steps · 3 of \d+ done$/ })).toBeVisible();
  for (const step of steps) await expect(page.getByRole("checkbox", { name: step })).toBeChecked();
  await nextStage(page, "Close");
});

test("move a card on the board and see the column totals change", async ({ page, isMobile }, testInfo) => {
  const topic = `Board ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);
  await page.getByRole("textbox", { name: "Customer need", exact: true }).fill("Coffee");
  await page.getByRole("textbox", { name: "Proposed solution", exact: true }).fill("Machines");
  await page.getByLabel("Estimated revenue (USD)").fill("10,000");
  // A close date of its own keeps tests running in parallel out of this board's totals.
  const day = isMobile ? "2020-01-02" : "2020-01-01";
  await page.getByLabel("Estimated close date").fill(day);
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Opportunity saved.");

  await gotoHydrated(page, "/pipeline");
  await openFilters(page);
  await page.getByLabel("Owner").selectOption({ label: "Riley Rep" });
  await page.getByLabel("Close date from").fill(day);
  await page.getByLabel("Close date to").fill(day);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/owner=\d+/);
  await expect(page).toHaveURL(new RegExp(`to=${day}`));
  // A fresh load of the filtered board: the totals read below must not be the unfiltered
  // board's, which stays on screen while the filtered one loads.
  await gotoHydrated(page, page.url());
  const develop = page.getByRole("region", { name: "Develop", exact: true });
  const propose = page.getByRole("region", { name: "Propose", exact: true });
  const card = develop.getByRole("listitem").filter({ hasText: topic });
  await expect(card).toBeVisible();
  const count = async (column: typeof develop) =>
    Number.parseInt((await column.locator(".column-totals").textContent()) ?? "0", 10);
  const developBefore = await count(develop);
  const proposeBefore = await count(propose);

  if (isMobile) {
    await card.getByRole("combobox", { name: `Move ${topic} to` }).selectOption({ label: "Propose" });
    await card.getByRole("button", { name: "Move" }).click();
  } else {
    // Drag by the card's own text, in small steps, as a hand would.
    const from = await card.locator(":scope > p").last().boundingBox();
    const to = await propose.locator(".column-totals").boundingBox();
    if (!from || !to) throw new Error("card or column not on screen");
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
    await page.mouse.up();
  }
  await expect(page.getByRole("status")).toContainText("Opportunity moved.");
  await expect(propose.getByRole("listitem").filter({ hasText: topic })).toBeVisible();
  await expect.poll(() => count(propose)).toBe(proposeBefore + 1);
  expect(await count(develop)).toBe(developBefore - 1);
  await expectNoHorizontalScroll(page);
});

test("change the potential customer, add a stakeholder and a competitor", async ({ page, allowConsole }, testInfo) => {
  allowConsole(/status of 422/);
  const topic = `Picker ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);
  const customer = page.getByRole("group", { name: "Potential customer" });
  await customer.getByRole("button", { name: `Remove contact Buyer ${topic}` }).click();
  await customer.getByRole("button", { name: `Remove account Company ${topic}` }).click();

  // Neither: the form says who is missing.
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(customer.getByText("Choose an account or a contact: who would buy?")).toBeVisible();

  await customer.getByLabel("Account", { exact: true }).fill(`company ${topic}`);
  await customer.getByRole("button", { name: `Choose Company ${topic}` }).click();
  await expect(customer.getByRole("link", { name: `Company ${topic}` })).toBeVisible();
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Opportunity saved.");
  await expect((await history(page)).getByRole("row").filter({ hasText: "Contact" }).first()).toContainText(`Buyer ${topic}`);
  await expect(customer.getByRole("button", { name: `Remove contact Buyer ${topic}` })).toHaveCount(0);

  const parties = page.getByRole("region", { name: "Stakeholders and competitors" });
  await parties.getByLabel("Stakeholder contact").fill(`buyer ${topic}`);
  await parties.getByRole("button", { name: `Choose Buyer ${topic} (Company ${topic})` }).click();
  await parties.getByLabel("Role").selectOption({ label: "Champion" });
  await afterReload(page, () => parties.getByRole("button", { name: "Add stakeholder" }).click());
  await expect(page.getByRole("status")).toContainText("Stakeholders updated.");
  await expect(parties.getByRole("list", { name: "Stakeholders" })).toContainText(`Buyer ${topic} · Champion`);

  await parties.getByLabel("Competitor", { exact: true }).selectOption({ label: "Contoso" });
  await afterReload(page, () => parties.getByRole("button", { name: "Add competitor" }).click());
  await expect(parties.getByRole("list", { name: "Competitors" })).toContainText("Contoso");
  await afterReload(page, () => parties.getByRole("button", { name: "Remove competitor Contoso" }).click());
  await expect(parties.getByText("No competitors yet.")).toBeVisible();
  await expect(await history(page)).toContainText("Stakeholder");
  await expectNoHorizontalScroll(page);
});

test("a manager reassigns an opportunity from its page; the history says so", async ({ page }, testInfo) => {
  const topic = `Reassign ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "manager@example.com");
  await newOpportunity(page, topic);
  await expect(page.getByText(/Owner: Morgan Manager/)).toBeVisible();
  await page.getByLabel("Assign to").selectOption({ label: "Riley Rep" });
  await afterReload(page, () => page.getByRole("button", { name: "Assign", exact: true }).click());
  await expect(page.getByRole("status")).toContainText("Opportunity reassigned.");
  await expect(page.getByText(/Owner: Riley Rep/)).toBeVisible();
  await expect((await history(page)).getByRole("row").filter({ hasText: "Owner" })).toContainText("Riley Rep");
  await expectNoHorizontalScroll(page);
});

test("a rep sees no Assign control", async ({ page }, testInfo) => {
  const topic = `No assign ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);
  await expect(page.getByLabel("Assign to")).toHaveCount(0);
});

test("Move to Won on the board opens the record with Close as won; Cancel closes it, the tabs answer the arrow keys", async ({ page }, testInfo) => {
  const topic = `Board won ${testInfo.project.name} ${Date.now()}`;
  await signIn(page, "rep@example.com");
  await newOpportunity(page, topic);
  const record = new URL(page.url()).pathname;
  // A close date of its own keeps this card on a board of its own.
  const day = testInfo.project.name === "mobile" ? "2019-03-02" : "2019-03-01";
  await page.getByLabel("Estimated close date").fill(day);
  await afterReload(page, () => page.getByRole("button", { name: "Save", exact: true }).click());

  await gotoHydrated(page, `/pipeline?from=${day}&to=${day}`);
  const card = page.getByRole("listitem").filter({ hasText: topic });
  await card.getByRole("combobox", { name: `Move ${topic} to` }).selectOption({ label: "Won" });
  await afterReload(page, () => card.getByRole("button", { name: "Move" }).click());
  const won = page.getByRole("dialog", { name: "Close as won" });
  await expect(won).toBeVisible();
  // Once: the address drops the request, so the page loaded again (after a save) stays closed.
  await expect(page).toHaveURL(new RegExp(`${record}$`));
  await won.getByRole("button", { name: "Cancel" }).click();
  await expect(won).toBeHidden();
  await expect(page.getByText("Open · Develop")).toBeVisible();
  await page.reload();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(won).toBeHidden();

  // Timeline first; the arrow keys move between the tabs and show each one's panel.
  const timelineTab = page.getByRole("tab", { name: "Timeline" });
  const historyTab = page.getByRole("tab", { name: "History" });
  const history = page.getByRole("table", { name: /Changes to this opportunity/ });
  await expect(timelineTab).toHaveAttribute("aria-selected", "true");
  await expect(history).toBeHidden();
  await timelineTab.focus();
  await page.keyboard.press("ArrowRight");
  await expect(historyTab).toBeFocused();
  await expect(historyTab).toHaveAttribute("aria-selected", "true");
  await expect(history).toBeVisible();
  await expect(page.getByRole("list", { name: "Timeline entries, newest first" })).toBeHidden();
  await page.keyboard.press("ArrowLeft");
  await expect(timelineTab).toHaveAttribute("aria-selected", "true");
  await expect(history).toBeHidden();
});
