import { test, expect, gotoHydrated, signIn, openNavigation, expectNoHorizontalScroll } from "./fixtures";

/** WASM files one page load may fetch: the main module, and on a page with lazy islands
 * (a list's bulk bar and CSV export, an editor, an import) their splits and the chunks they
 * share with the other lazy islands (6 lazy islands: 14–26 files per page; one lazy route
 * per page once made up to 476). */
const MAX_WASM_FILES = 27;

const SECTIONS = ["Opportunities", "Pipeline", "Accounts", "Contacts", "Dashboard", "Leads"];

test("the login page shows the demo credentials", async ({ page }) => {
  await gotoHydrated(page, "/login");
  const demo = page.getByRole("table");
  for (const email of ["admin@example.com", "manager@example.com", "rep@example.com"]) {
    await expect(demo.getByRole("cell", { name: email })).toBeVisible();
  }
  await expectNoHorizontalScroll(page);
});

test("sign in with the demo credentials, navigate the shell, sign out", async ({ page }) => {
  await signIn(page, "rep@example.com");
  await expectNoHorizontalScroll(page);

  for (const section of SECTIONS) {
    const nav = await openNavigation(page);
    const link = nav.getByRole("link", { name: section });
    await link.click();
    await expect(page).toHaveURL(new RegExp(`/${section.toLowerCase()}$`));
    await expect(page.getByRole("heading", { name: section, level: 1 })).toBeVisible();
    // The phone menu closed when the link was followed; the current section is marked.
    const navAgain = await openNavigation(page);
    await expect(navAgain.getByRole("link", { name: section })).toHaveAttribute("aria-current", "page");
    await expectNoHorizontalScroll(page);
  }
  // Reps do not get user administration.
  const nav = await openNavigation(page);
  await expect(nav.getByRole("link", { name: "Users" })).toHaveCount(0);

  await page.getByRole("button", { name: "RR Riley Rep (account menu)" }).click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);

  // Signed out means signed out: the shell sends us back to the login page.
  await page.goto("/opportunities");
  await expect(page).toHaveURL(/\/login$/);
});

test("a wrong password shows an error and keeps the email typed", async ({ page, allowConsole }) => {
  allowConsole(/status of 401/);
  await gotoHydrated(page, "/login");
  await page.getByLabel("Email").fill("manager@example.com");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  await expect(page.getByLabel("Email")).toHaveValue("manager@example.com");
  await expect(page).toHaveURL(/\/login$/);
});

test("a form on its way cannot be sent again: its button waits, then the answer shows", async ({ page, allowConsole }) => {
  allowConsole(/status of 401/);
  await gotoHydrated(page, "/login");
  // A slow network: the sign-in answer takes a second.
  await page.route("**/api/auth/login", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue();
  });
  await page.getByLabel("Email").fill("manager@example.com");
  await page.getByLabel("Password").fill("not-the-password");
  const button = page.getByRole("button", { name: "Sign in" });
  await button.click();
  await expect(button).toBeDisabled();
  await expect(page.locator("form[aria-busy=true]")).toHaveCount(1);
  await expect(page.getByRole("alert")).toHaveText("The email or password is incorrect.");
  await expect(button).toBeEnabled();
});

test("navigation controls are large enough to tap", async ({ page }) => {
  await signIn(page, "manager@example.com");
  const nav = await openNavigation(page);
  for (const link of await nav.getByRole("link").all()) {
    const box = await link.boundingBox();
    expect(box?.height ?? 0).toBeGreaterThanOrEqual(44);
  }
  const userMenu = page.getByRole("button", { name: /\(account menu\)$/ });
  expect((await userMenu.boundingBox())?.height ?? 0).toBeGreaterThanOrEqual(44);
});

test("an unknown address shows the not-found page", async ({ page, allowConsole }) => {
  allowConsole(/status of 404/);
  await page.goto("/no/such/page");
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to leads" })).toBeVisible();
});

test("the account menu closes with Escape, and signing out of an ended session still lands on the login page", async ({ page, allowConsole }) => {
  allowConsole(/status of 401/);
  await signIn(page, "rep@example.com");
  const menuButton = page.getByRole("button", { name: "RR Riley Rep (account menu)" });
  await menuButton.click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Sign out" })).toBeHidden();
  await expect(menuButton).toHaveAttribute("aria-expanded", "false");

  // The session ends behind the user's back (expiry, deactivation): Sign out still works.
  await page.context().clearCookies();
  await menuButton.click();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
});

test("a page is painted before its WASM starts loading, which comes in a few files", async ({ page }) => {
  await signIn(page, "rep@example.com");
  for (const path of ["/leads", "/dashboard", "/accounts"]) {
    await gotoHydrated(page, path);
    const { painted, wasm } = await page.evaluate(() => ({
      painted: performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
      wasm: performance
        .getEntriesByType("resource")
        .filter((entry) => new URL(entry.name).pathname.endsWith(".wasm"))
        .map((entry) => entry.startTime),
    }));
    expect(painted, `${path} has a first contentful paint`).toBeDefined();
    // Readable at once: no WASM request (nor chunk preload) competes with the first paint.
    expect(Math.min(...wasm), `${path}: first WASM request after the first paint`).toBeGreaterThanOrEqual(painted!);
    // The shell and the page's area, not hundreds of one-function chunks.
    expect(wasm.length, `${path}: WASM files`).toBeLessThanOrEqual(MAX_WASM_FILES);
  }
});

test("a form sent and a menu pressed before the page is hydrated wait for it, then happen", async ({ page, isMobile }, testInfo) => {
  await signIn(page, "rep@example.com");
  // A slow network: the WASM arrives a second and a half late (routing also bypasses the cache).
  await page.route(/\.wasm$/, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.continue();
  });
  await page.goto("/accounts/new");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  const menu = isMobile
    ? page.getByRole("button", { name: "Menu", exact: true })
    : page.getByRole("button", { name: /\(account menu\)$/ });
  await menu.click();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await expect(menu).toHaveAttribute("aria-expanded", "true");

  const account = `Early Co ${testInfo.project.name} ${Date.now()}`;
  await page.goto("/accounts/new");
  await expect(page.locator("body")).not.toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Account name").fill(account);
  await page.getByRole("button", { name: "Save account" }).click();
  // Held, not posted as a plain form: once hydrated, it is sent in place and opens the account.
  await expect(page.getByRole("heading", { name: account, level: 1 })).toBeVisible();
  await expect(page).toHaveURL(/\/accounts\/\d+$/);
  await expect(page.getByRole("status")).toContainText("Account created.");
});
