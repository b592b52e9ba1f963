import { test as base, expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "leadflow-demo";

type Fixtures = {
  /** Console messages matching one of these are expected by the test (e.g. a 401 it provokes). */
  allowConsole: (pattern: RegExp) => void;
};

/** Every test fails on a browser console error or an uncaught exception (hydration mismatches show up there). */
export const test = base.extend<Fixtures & { consoleGuard: void }>({
  allowConsole: async ({}, use, testInfo) => {
    const allowed: RegExp[] = [];
    (testInfo as unknown as { allowed: RegExp[] }).allowed = allowed;
    await use((pattern) => allowed.push(pattern));
  },
  consoleGuard: [
    async ({ page }, use, testInfo) => {
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error") errors.push(`console: ${message.text()}`);
      });
      await use();
      const allowed = (testInfo as unknown as { allowed?: RegExp[] }).allowed ?? [];
      const unexpected = errors.filter((e) => !allowed.some((pattern) => pattern.test(e)));
      expect(unexpected, "browser console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Opens a page and waits until it is hydrated: clicks before that would be lost. */
export async function gotoHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await gotoHydrated(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/leads$/);
  await expect(page.getByRole("heading", { name: "Leads", level: 1 })).toBeVisible();
}

/** On a phone the navigation sits behind the Menu button. */
export async function openNavigation(page: Page) {
  const menu = page.getByRole("button", { name: "Menu", exact: true });
  if ((await menu.isVisible()) && (await menu.getAttribute("aria-expanded")) !== "true") {
    await menu.click();
    await expect(menu).toHaveAttribute("aria-expanded", "true");
  }
  return page.getByRole("navigation", { name: "Main" });
}

export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow, "page is wider than the screen").toBeLessThanOrEqual(0);
}

/** Quick-creates a lead and qualifies it (new account and contact); returns on the opportunity. */
export async function newOpportunity(page: Page, topic: string) {
  await page.getByRole("link", { name: "New lead" }).click();
  await page.getByLabel("Topic").fill(topic);
  await page.getByLabel("Last name").fill(`Buyer ${topic}`);
  await page.getByLabel("Company").fill(`Company ${topic}`);
  await page.getByRole("button", { name: "Save lead" }).click();
  await expect(page.getByRole("heading", { name: topic, level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Qualify", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Qualify lead" });
  await dialog.getByRole("radio", { name: /Create a new account/ }).check();
  await dialog.getByRole("button", { name: "Confirm qualify" }).click();
  await expect(page).toHaveURL(/\/opportunities\/\d+$/);
  await expect(page.getByText("Open · Develop")).toBeVisible();
}
