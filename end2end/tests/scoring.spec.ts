import { test, expect, gotoHydrated, expectAccessible, signIn, expectNoHorizontalScroll } from "./fixtures";

test("a rep sorts My open leads by score, opens the top one and reads its breakdown", async ({ page, isMobile }) => {
  await signIn(page, "rep@example.com");
  if (isMobile) {
    // The phone list is cards: the sort is in the filters, which the URL carries.
    await gotoHydrated(page, "/leads?view=my-open&sort=score&dir=desc");
  } else {
    await gotoHydrated(page, "/leads?view=my-open");
    await page.getByRole("link", { name: "Score" }).click();
    // The URL changes at the click, the rows when the sorted page arrives: the header says
    // "descending" only once it has, as it is drawn with them.
    await expect(page.getByRole("columnheader", { name: /^Score/ })).toHaveAttribute("aria-sort", "descending");
  }
  await expect(page).toHaveURL(/sort=score&dir=desc/);
  const scores = page.locator('td[data-label="Score"]');
  await expect(scores.first()).toHaveText(/^\d+ · [A-D]$/);
  const texts = await scores.allTextContents();
  const values = texts.map((text) => Number(text.split(" · ")[0]));
  expect(values).toEqual([...values].sort((a, b) => b - a));
  await expectAccessible(page);
  await expectNoHorizontalScroll(page);

  await page.locator('td[data-label="Topic"] a').first().click();
  const card = page.getByRole("region", { name: "Score" });
  await expect(card.locator("strong")).toHaveText(String(values[0]));
  await expect(card.getByRole("list", { name: "Score breakdown" }).getByRole("listitem").first()).toHaveText(/^[+-]\d+ /);
  await expectAccessible(page);
});
