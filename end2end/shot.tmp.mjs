import { chromium } from "@playwright/test";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
async function shot(viewport, file, path, email) {
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  await page.goto("http://127.0.0.1:3500/login");
  await page.waitForSelector("body[data-hydrated=true]", { state: "attached" });
  if (email) {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill("leadflow-demo");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/leads/);
    await page.goto("http://127.0.0.1:3500" + path);
    await page.waitForSelector("body[data-hydrated=true]", { state: "attached" });
  }
  await page.screenshot({ path: file });
}
await shot({ width: 1280, height: 720 }, "/tmp/lf/desktop-users.png", "/users", "admin@example.com");
await shot({ width: 360, height: 740 }, "/tmp/lf/mobile-login.png", "/login", null);
await shot({ width: 360, height: 740 }, "/tmp/lf/mobile-users.png", "/users", "admin@example.com");
await browser.close();
