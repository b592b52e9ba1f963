// Leadflow's service worker. The server fills in VERSION and PRECACHE from the build's
// files at start (never by hand): the app shell's hashed assets are cached on install, pages
// are fetched from the network first and kept so the last one seen opens offline.
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const ASSETS = `leadflow-assets-${VERSION}`;
const PAGES = "leadflow-pages";
// Pages kept for offline reading; more would keep stale copies of records around.
const MAX_PAGES = 40;

// Files fetched at once while installing. A browser opens about six connections per server:
// hundreds of requests at once would queue the page's own requests (its WASM chunk) behind
// the precache, and the page would hydrate only when the precache is done.
const PRECACHE_AT_ONCE = 2;

// Each file is cached on its own, retried twice: one failed request among hundreds must not
// leave the phone without a worker (a file still missing is fetched when needed).
self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSETS).then(precache));
});

async function precache(cache) {
  const queue = [...PRECACHE];
  const worker = async () => {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await cache.add(url);
          break;
        } catch {
          // Retried; after the third failure the file is fetched when a page needs it.
        }
      }
    }
  };
  await Promise.all(Array.from({ length: PRECACHE_AT_ONCE }, worker));
}

// A new version waits until the page says so ("new version — reload"), so one page never
// mixes old and new assets.
self.addEventListener("message", (event) => {
  if (event.data === "skip-waiting") self.skipWaiting();
  if (event.data && event.data.type === "keep-pages") {
    event.waitUntil(keepPages(event.data.urls));
  }
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("leadflow-assets-") && key !== ASSETS)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.match(url.pathname).then((hit) => hit || fetch(request)),
    );
  }
});

async function page(request) {
  try {
    const response = await fetch(request);
    if (isPage(response)) await keep(request.url, response.clone());
    return response;
  } catch (offline) {
    const cache = await caches.open(PAGES);
    const hit = await cache.match(request.url);
    return hit || offlinePage();
  }
}

// Only app pages are kept: not redirects (to the login page), errors or downloads (CSV).
function isPage(response) {
  return (
    response.ok &&
    !response.redirected &&
    response.type === "basic" &&
    (response.headers.get("Content-Type") ?? "").startsWith("text/html")
  );
}

async function keep(url, response) {
  const cache = await caches.open(PAGES);
  await cache.delete(url);
  await cache.put(url, response);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) {
    await cache.delete(old);
  }
}

// The pages a rep needs on a show floor, fetched while online so they open offline.
async function keepPages(urls) {
  for (const url of urls) {
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (isPage(response)) await keep(new URL(url, self.location.origin).href, response);
    } catch (offline) {
      return;
    }
  }
}

function offlinePage() {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · Leadflow</title>
<style>body{font:16px system-ui,sans-serif;margin:0;padding:24px;color:#1b2430;background:#f5f7fa}
a{display:inline-block;margin:8px 8px 0 0;padding:12px 16px;min-height:44px;box-sizing:border-box;background:#1f3a5f;color:#fff;border-radius:6px;text-decoration:none}</style>
</head><body><main><h1>You are offline</h1>
<p>This page was not saved on this device. New leads can still be captured; they sync when the network returns.</p>
<p><a href="/leads/new">New lead</a><a href="/leads">My open leads</a><a href="/activities">My activities</a></p>
</main></body></html>`;
  return new Response(html, {
    status: 503,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}
