import { defineConfig, devices } from "@playwright/test";

// The server under test: the release binary on its own port with a fresh database per run
// (the Makefile removes .tmp first). Override with LEADFLOW_BIN / LEPTOS_SITE_ROOT.
const port = Number(process.env.E2E_PORT ?? 3300);
const baseURL = `http://127.0.0.1:${port}`;
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
};

export default defineConfig({
  testDir: "./tests",
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: "retain-on-failure",
    // Each test's fresh browser would install the service worker and precache hundreds of
    // WASM chunks while the test runs; only the offline tests, which are about it, allow it.
    serviceWorkers: "block",
    launchOptions: chromium,
  },
  projects: [
    { name: "desktop", testIgnore: /-designer/, use: { ...devices["Desktop Chrome"], launchOptions: chromium } },
    // The phone reps carry: 360 × 740 CSS pixels, touch.
    {
      name: "mobile",
      testIgnore: /-designer/,
      use: {
        userAgent: devices["Pixel 7"].userAgent,
        viewport: { width: 360, height: 740 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        launchOptions: chromium,
      },
    },
    // The process designer changes the default process every other spec walks through:
    // it runs after them, desktop then phone.
    {
      name: "designer-desktop",
      testMatch: /-designer/,
      dependencies: ["desktop", "mobile"],
      use: { ...devices["Desktop Chrome"], launchOptions: chromium },
    },
    {
      name: "designer-mobile",
      testMatch: /-designer/,
      dependencies: ["designer-desktop"],
      use: {
        userAgent: devices["Pixel 7"].userAgent,
        viewport: { width: 360, height: 740 },
        deviceScaleFactor: 3,
        isMobile: true,
        hasTouch: true,
        launchOptions: chromium,
      },
    },
  ],
  webServer: {
    command: process.env.LEADFLOW_BIN ?? "../target/release/leadflow",
    url: `${baseURL}/login`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      DATABASE_URL: "sqlite://.tmp/e2e.db",
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT ?? "../target/site",
      LEADFLOW_DEMO: "true",
      // Every test signs in from 127.0.0.1; the address limit has its own integration test.
      LEADFLOW_SIGNINS_PER_MINUTE: "600",
      RUST_LOG: "warn",
    },
  },
});
