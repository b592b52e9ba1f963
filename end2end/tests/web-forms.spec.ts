import { test, expect, signIn, gotoHydrated, expectAccessible, openNavigation, expectNoHorizontalScroll, afterReload } from "./fixtures";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A company website on another origin: a server of its own on another port, whose pages
// embed the form; Leadflow gets the posts. (On loopback like Leadflow: Chromium refuses a
// public site's requests to a loopback server.)
const pages = new Map<string, string>();
let site: Server;
let SITE = "";

test.beforeAll(async () => {
  site = createServer((request, response) => {
    const body = pages.get((request.url ?? "/").split("?")[0]);
    response.writeHead(body ? 200 : 204, { "content-type": "text/html; charset=utf-8" });
    response.end(body ?? "");
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  SITE = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise((resolve) => site.close(resolve));
});

/** Puts a page on the website at `path`. */
function websitePage(path: string, title: string, body: string) {
  pages.set(
    path,
    `<!DOCTYPE html><html lang="en"><head><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>`,
  );
}

test("a website's plain form and iframe create leads routed round-robin, and a repeat logs an activity", async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const project = testInfo.project.name;
  const formName = `Contact us ${project}`;
  const email = `vera.${project}@buyer.example`;

  // The admin makes the form: round-robin over Riley then Morgan, embeddable on the shop.
  await signIn(page, "admin@example.com");
  await gotoHydrated(page, "/settings/forms");
  await page.getByRole("link", { name: "New form" }).click();
  await expect(page.getByRole("heading", { name: "New web form" })).toBeVisible();
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Name", { exact: true }).fill(formName);
  const reps = page.getByRole("group", { name: "Reps taking turns" });
  await reps.getByLabel("Riley Rep").check();
  await reps.getByLabel("Morgan Manager").check();
  await page.getByLabel("Websites allowed to embed it").fill(SITE);
  await page.getByLabel("Minimum fill time (seconds)").fill("0");
  await page.getByRole("button", { name: "Save form" }).click();
  await expect(page).toHaveURL(/\/settings\/forms\/\d+$/);
  const formId = page.url().split("/").pop();
  await expect(page.getByRole("heading", { name: "Edit web form" })).toBeVisible();
  await expectAccessible(page);
  await expectNoHorizontalScroll(page);
  const htmlForm = await page.getByLabel("HTML form (works with JavaScript off)", { exact: true }).inputValue();
  const iframe = await page.getByLabel("Iframe", { exact: true }).inputValue();
  expect(htmlForm).toContain("<form method=\"post\"");
  await expect(page.getByRole("button", { name: "Copy iframe" })).toBeVisible();
  // The snippet goes to the clipboard, and the page says so.
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.getByRole("button", { name: "Copy iframe" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Copied." })).toBeVisible();
  await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(iframe);

  // A visitor fills the plain form on the shop's landing page.
  websitePage("/landing", "Talk to sales", htmlForm);
  await page.goto(`${SITE}/landing?utm_source=newsletter&utm_campaign=spring`);
  await expect(page.locator("form[data-leadflow-ready=true]")).toBeAttached();
  await expectAccessible(page);
  await page.getByLabel("First name").fill("Vera");
  await page.getByLabel("Last name").fill(`Okafor ${project}`);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("heading", { name: formName })).toBeVisible();
  await expect(page.getByRole("status")).toContainText("Thank you");
  await expectAccessible(page);

  // Another visitor uses the iframe on another page.
  websitePage("/events", "Our events", iframe);
  await page.goto(`${SITE}/events?utm_source=ads`);
  // The embed script passes the page and its UTM parameters to the hosted page.
  await expect.poll(() => page.frames().some((frame) => frame.url().includes("utm_source=ads"))).toBe(true);
  const frame = page.frameLocator("iframe[data-leadflow-form]");
  await frame.getByLabel("Last name (required)").fill(`Iyer ${project}`);
  await frame.getByLabel("Email (required)").fill(`iyer.${project}@buyer.example`);
  await frame.getByRole("button", { name: "Send" }).click();
  await expect(frame.getByRole("status")).toContainText("Thank you");

  // The same person again through the plain form: no second lead.
  await page.goto(`${SITE}/landing?utm_source=newsletter`);
  await expect(page.locator("form[data-leadflow-ready=true]")).toBeAttached();
  await page.getByLabel("Last name").fill(`Okafor ${project}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Company").fill("Okafor Shipping");
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("status")).toContainText("Thank you");

  // The form's leads: one each for Riley and Morgan, with source, form, page and UTM.
  await gotoHydrated(page, `/leads?view=all-open&form=${formId}`);
  await expect(page.getByText(/^2 leads$/)).toBeVisible();
  await page.getByRole("link", { name: formName }).first().waitFor();
  await gotoHydrated(page, `/leads?view=all-open&form=${formId}&utm_source=newsletter`);
  await expect(page.getByText(/^1 lead$/)).toBeVisible();
  await page.getByRole("link", { name: formName }).click();
  await expect(page.getByText("Owner: Riley Rep")).toBeVisible();
  const origin = page.getByRole("region", { name: "From the website" });
  await expect(origin.getByText(formName, { exact: true })).toBeVisible();
  await expect(origin.getByText("newsletter", { exact: true })).toBeVisible();
  await expect(origin.getByText("spring", { exact: true })).toBeVisible();
  await expect(origin.getByText(`${SITE}/landing?utm_source=newsletter&utm_campaign=spring`, { exact: true })).toBeVisible();
  await expect(page.getByText(`Web form submission: ${formName}`)).toBeVisible();
  await gotoHydrated(page, `/leads?view=all-open&form=${formId}&utm_source=ads`);
  await page.getByRole("link", { name: formName }).click();
  await expect(page.getByText("Owner: Morgan Manager")).toBeVisible();

  // The submissions log: created, created, matched.
  await gotoHydrated(page, `/settings/forms/${formId}`);
  const log = page.getByRole("table", { name: `Submissions: ${formName}` });
  await expect(log.getByText("Matched", { exact: true })).toHaveCount(1);
  await expect(log.getByText("Created", { exact: true })).toHaveCount(2);

  // Riley hears about it: a badge on Leads and the follow-up in My activities.
  await page.context().clearCookies();
  await signIn(page, "rep@example.com");
  const nav = await openNavigation(page);
  await expect(nav.getByRole("link", { name: /^Leads\s*,\s*\d+ new web leads?$/ })).toBeVisible();
  await nav.getByRole("link", { name: "My activities" }).click();
  await expect(page.getByRole("heading", { name: "My activities", level: 1 })).toBeVisible();
  await expect(page.getByText(`Follow up: new web lead (${formName})`)).toBeVisible();
  await expect(page.getByText(`Follow up: web form submission (${formName})`)).toBeVisible();
});

test("a paused form is resumed; a submission sent too fast waits in quarantine until released", async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  const project = testInfo.project.name;
  const formName = `Quarantine ${project} ${Date.now()}`;
  const lastName = `Hasty${project}${Date.now()}`;
  await signIn(page, "admin@example.com");
  await gotoHydrated(page, "/settings/forms/new");
  await page.getByLabel("Name", { exact: true }).fill(formName);
  await page.getByRole("group", { name: "Reps taking turns" }).getByLabel("Riley Rep").check();
  await page.getByRole("button", { name: "Save form" }).click();
  await expect(page.getByRole("heading", { name: "Edit web form" })).toBeVisible();
  const formPage = new URL(page.url()).pathname;

  await gotoHydrated(page, formPage);
  await afterReload(page, () => page.getByRole("button", { name: "Pause form" }).click());
  await expect(page.getByRole("status")).toContainText("Form paused.");
  await expect(page.getByText("Paused: visitors see that the form is not taking submissions.")).toBeVisible();
  await afterReload(page, () => page.getByRole("button", { name: "Resume form" }).click());
  await expect(page.getByRole("status")).toContainText("Form resumed.");
  await expect(page.getByText("Live: submissions create leads.")).toBeVisible();

  // Sent within the form's minimum fill time (3 s by default): it looks like a bot.
  const hosted = await page.getByLabel("Hosted page address", { exact: true }).inputValue();
  await page.goto(hosted);
  await page.getByLabel("Last name (required)").fill(lastName);
  await page.getByLabel("Email (required)").fill(`${lastName.toLowerCase()}@buyer.example`);
  await page.getByRole("button", { name: "Send" }).click();
  await expect(page.getByRole("status")).toContainText("Thank you");

  await gotoHydrated(page, "/settings/forms");
  const quarantine = page.getByRole("region", { name: "Quarantine" });
  const release = quarantine.getByRole("button", { name: new RegExp(`^Release .*${lastName}`, "i") });
  await afterReload(page, () => release.click());
  await expect(page.getByRole("status")).toContainText("Released: a lead was created.");
  await expect(release).toHaveCount(0);
  await gotoHydrated(page, `/leads?view=all-open&q=${lastName}`);
  await expect(page.getByRole("link", { name: formName })).toHaveCount(1);
});
