import AxeBuilder from "@axe-core/playwright";
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

/** Opens a page and waits until it is hydrated: clicks before that would be lost. Every page
 * opened this way is checked by axe-core. */
export async function gotoHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expectAccessible(page);
}

/** No axe-core violations (WCAG 2.1 A and AA and best practices) on the page as it is now. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const violations = results.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(violations, `axe-core on ${new URL(page.url()).pathname}`).toEqual([]);
}

/** Interactive elements smaller than 44 × 44 px. A checkbox or radio counts with its label
 * (tapping either toggles it). Exempt, as in WCAG's target-size rule: links inside running
 * text, and the dashboard's chart marks, whose figures and links the same page offers at
 * full size in its table view. */
export async function smallTouchTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const selector = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex='0']";
    const target = (el: HTMLElement) => {
      const label = (el as HTMLInputElement).labels?.[0];
      const toggles = el.matches("input[type=checkbox], input[type=radio]");
      return toggles && label ? label.getBoundingClientRect() : el.getBoundingClientRect();
    };
    return [...document.querySelectorAll<HTMLElement>(selector)]
      .filter((el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden")
      .filter((el) => !el.closest(".skip-link, .visually-hidden, p, figcaption, svg"))
      .map((el) => ({ el, box: target(el) }))
      .filter(({ box }) => box.height < 44 || box.width < 44)
      .map(({ el, box }) => `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute("aria-label") || el.id).trim().slice(0, 30)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
  });
}

export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await gotoHydrated(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/leads$/);
  await expect(page.getByRole("heading", { name: "Leads", level: 1 })).toBeVisible();
  // Signing in loads the leads page anew: its controls answer once it is hydrated.
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** Runs `action`, which makes the page load again (a form the server answers by rendering
 * the page anew), and waits until the new page is hydrated. */
export async function afterReload(page: Page, action: () => Promise<void>) {
  const navigated = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() });
  await action();
  await navigated;
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
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

/** On a phone a list's filters fold behind the Filters button: open them to use them. */
export async function openFilters(page: Page) {
  // The form is there (folded or not) once the list has rendered.
  await page.locator("form[role=search]").waitFor({ state: "attached" });
  const toggle = page.getByRole("button", { name: /^Filters/ });
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) !== "true") {
    await toggle.click();
    await expect(toggle).toHaveAttribute("aria-expanded", "true");
  }
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
  await afterReload(page, () => page.getByRole("button", { name: "Save lead" }).click());
  await expect(page.getByRole("heading", { name: topic, level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Qualify", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Qualify lead" });
  await dialog.getByRole("radio", { name: /Create a new account/ }).check();
  await afterReload(page, () => dialog.getByRole("button", { name: "Confirm qualify" }).click());
  await expect(page).toHaveURL(/\/opportunities\/\d+$/);
  await expect(page.getByText("Open · Develop")).toBeVisible();
}

/** Ticks a checkbox step of the stage bar and waits until the page has loaded again with
 * the saved tick in the steps' count: acting before that acts on a page about to be replaced. */
export async function tickStep(page: Page, stage: string, step: string) {
  const title = page.getByRole("heading", { name: new RegExp(`^${stage} steps · \\d+ of \\d+ done$`) });
  const done = Number((await title.textContent())?.match(/· (\d+) of/)?.[1]);
  await afterReload(page, () => page.getByRole("checkbox", { name: step }).check());
  await expect(title).toHaveText(new RegExp(`· ${done + 1} of \\d+ done$`));
  await expect(page.getByRole("checkbox", { name: step })).toBeChecked();
}
