// Leadflow in the field: the service worker, the offline marker, and the outbox of leads
// captured without a network (IndexedDB), synced in order with retries once it returns.
// Plain JavaScript beside the WASM so it works before hydration and when the WASM cannot load.

const DB_NAME = "leadflow";
const QUICK_FIELDS = [
  ["topic", "Topic"],
  ["first_name", "First name"],
  ["last_name", "Last name"],
  ["company_name", "Company"],
  ["email", "Email"],
  ["business_phone", "Phone"],
];
const MAX_BACKOFF_MS = 60_000;
// A duplicate's kind (as the server names it) → where its record lives.
const RECORD_PATHS = { lead: "leads", contact: "contacts", account: "accounts" };
const PHOTO_EDGE = 1280;

// ---- storage -----------------------------------------------------------------------------

let dbPromise;
function db() {
  dbPromise ??= new Promise((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("outbox", { keyPath: "id" });
      open.result.createObjectStore("synced", { keyPath: "id" });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return dbPromise;
}

async function store(name, mode, work) {
  const tx = (await db()).transaction(name, mode);
  const result = work(tx.objectStore(name));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return result.result ?? result;
}

const all = (name) => store(name, "readonly", (s) => s.getAll());
const put = (name, record) => store(name, "readwrite", (s) => s.put(record));
const remove = (name, id) => store(name, "readwrite", (s) => s.delete(id));

async function waiting() {
  return (await all("outbox")).sort((a, b) => a.created - b.created);
}

// ---- capture -----------------------------------------------------------------------------

function fieldsOf(form) {
  const lead = {};
  for (const [name, value] of new FormData(form)) {
    const match = /^lead\[(\w+)\]$/.exec(name);
    if (match && typeof value === "string") lead[match[1]] = value;
  }
  return lead;
}

async function enqueue(form) {
  const id = crypto.randomUUID();
  const photo = form.querySelector("input[name=card_photo]")?.value ?? "";
  await put("outbox", { id, lead: fieldsOf(form), photo, created: Date.now(), attempts: 0 });
  form.reset();
  const hidden = form.querySelector("input[name=card_photo]");
  if (hidden) hidden.value = "";
  const preview = form.querySelector("#card-photo-preview");
  if (preview) preview.hidden = true;
  say("Saved on this device. It will sync by itself when the network returns.");
  await render();
  sync();
}

// Offline, the quick-create form saves into the outbox; any other form is refused plainly.
window.addEventListener(
  "submit",
  (event) => {
    if (navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const form = event.target;
    if (form.matches("[data-outbox=lead]")) {
      enqueue(form);
    } else {
      say("You are offline: this change cannot be saved now. New leads can still be captured offline.");
    }
  },
  true,
);

// Online, a save that never reached the server (the page says so) goes to the outbox too.
let lastQuickForm;
window.addEventListener("submit", (event) => {
  if (event.target.matches("[data-outbox=lead]")) lastQuickForm = event.target;
}, true);
window.addEventListener("leadflow-network-failed", () => {
  if (lastQuickForm) enqueue(lastQuickForm);
});

// Offline, links load whole pages so the service worker can answer with the saved copy.
window.addEventListener(
  "click",
  (event) => {
    if (navigator.onLine || event.defaultPrevented) return;
    const link = event.target.closest?.("a[href]");
    if (!link || link.origin !== location.origin || link.hasAttribute("download")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    location.assign(link.href);
  },
  true,
);

// The card photo is downscaled on the device before it is kept or sent.
document.addEventListener("change", async (event) => {
  const input = event.target;
  if (!input.matches?.("#card-photo-file") || !input.files?.[0]) return;
  const form = input.form;
  try {
    const bitmap = await createImageBitmap(input.files[0]);
    const scale = Math.min(1, PHOTO_EDGE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const dataUrl = canvas.toDataURL("image/jpeg", 0.8);
    form.querySelector("input[name=card_photo]").value = dataUrl;
    const preview = form.querySelector("#card-photo-preview");
    preview.src = dataUrl;
    preview.hidden = false;
  } catch (unreadable) {
    say("That file is not a photo this phone can read.");
  }
  input.value = "";
});

// ---- sync --------------------------------------------------------------------------------

let running = false;
let retryTimer;
let signedOut = false;
// The signed-in layout's top bar when the session was found ended: a new one means the rep
// has signed in again.
let topbarWhenSignedOut = null;

async function sync() {
  if (running || !navigator.onLine) return;
  running = true;
  try {
    if (navigator.locks) {
      await navigator.locks.request("leadflow-outbox", syncAll);
    } else {
      await syncAll();
    }
  } finally {
    running = false;
    render();
  }
}

async function syncAll() {
  for (const item of await waiting()) {
    if (item.error) continue;
    const outcome = await send(item);
    if (outcome === "stop") return;
  }
}

async function send(item) {
  const body = new URLSearchParams();
  body.set("capture_key", item.id);
  for (const [name, value] of Object.entries(item.lead)) body.set(`lead[${name}]`, value);
  body.set("card_photo", item.photo ?? "");
  let response;
  try {
    response = await fetch("/api/leads/sync", {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
  } catch (network) {
    return retryLater(item);
  }
  if (response.ok) {
    const synced = await response.json();
    await put("synced", {
      id: item.id,
      leadId: synced.id,
      name: nameOf(item.lead),
      duplicates: synced.possible_duplicates.map((d) => ({
        title: d.title,
        href: `/${RECORD_PATHS[String(d.kind).toLowerCase()]}/${d.id}`,
      })),
      synced: Date.now(),
    });
    await remove("outbox", item.id);
    signedOut = false;
    return "next";
  }
  if (response.status === 401) {
    signedOut = true;
    topbarWhenSignedOut = document.querySelector(".topbar");
    return "stop";
  }
  if (response.status >= 500 || response.status === 429) return retryLater(item);
  // Refused (a field, a conflict): kept with the reason until the rep fixes it.
  const error = await response.json().catch(() => null);
  item.error = messageOf(error);
  item.fieldErrors = error?.Validation ?? {};
  await put("outbox", item);
  return "next";
}

async function retryLater(item) {
  item.attempts = (item.attempts ?? 0) + 1;
  await put("outbox", item);
  clearTimeout(retryTimer);
  retryTimer = setTimeout(sync, Math.min(MAX_BACKOFF_MS, 1000 * 2 ** item.attempts));
  return "stop";
}

function messageOf(error) {
  if (error?.Validation) return "Please correct the highlighted fields.";
  if (error?.Conflict) return error.Conflict.message;
  if (typeof error?.BadRequest === "string") return error.BadRequest;
  return "The server refused this lead.";
}

const nameOf = (lead) =>
  [lead.first_name, lead.last_name].filter(Boolean).join(" ") || lead.company_name || lead.topic || "Lead";

// ---- what the rep sees -------------------------------------------------------------------

// A notice for the rep: in the outbox on the new-lead page, in the status bar elsewhere.
let notice = "";
function say(message) {
  const status = document.getElementById("outbox-message");
  if (status) {
    status.textContent = message;
  } else {
    notice = message;
    render();
  }
}

function text(tag, content, attrs = {}) {
  const element = document.createElement(tag);
  if (content) element.textContent = content;
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  return element;
}

async function render() {
  const items = await waiting();
  const bar = document.getElementById("outbox-bar");
  if (bar) {
    const needFixing = items.filter((i) => i.error).length;
    const parts = [];
    const waitingCount = items.length - needFixing;
    if (waitingCount) parts.push(`${waitingCount} ${waitingCount === 1 ? "lead" : "leads"} waiting to sync`);
    if (needFixing) parts.push(`${needFixing} to fix`);
    bar.replaceChildren();
    if (parts.length) {
      bar.append(text("span", parts.join(" · ")));
      if (signedOut) {
        bar.append(" — ", text("a", "Sign in to sync", { href: "/login" }));
      } else {
        bar.append(" ", text("a", "See outbox", { href: "/leads/new#outbox" }));
      }
    }
    if (notice) bar.append(text("span", notice));
    bar.hidden = parts.length === 0 && !offlineSince() && !notice;
    if (offlineSince()) bar.prepend(text("strong", offlineSince()), parts.length ? " · " : "");
  }
  renderPanel(items);
}

// The outbox on the new-lead page is part of the app: filled in only once it is hydrated.
async function renderPanel(items) {
  const panel = document.getElementById("outbox");
  if (!panel || document.body.dataset.hydrated !== "true") return;
  panel.dataset.shown = "true";
  const list = text("ul", "", { class: "outbox-list" });
  for (const item of items) {
    const row = text("li", "", { class: item.error ? "outbox-item error" : "outbox-item" });
    row.append(text("strong", nameOf(item.lead)), " ");
    row.append(text("span", item.error ? item.error : "Waiting to sync"));
    if (item.photo) row.append(" · ", text("span", "with card photo"));
    if (item.error) row.append(fixForm(item));
    list.append(row);
  }
  const synced = (await all("synced")).sort((a, b) => b.synced - a.synced).slice(0, 10);
  for (const done of synced) {
    const row = text("li", "", { class: "outbox-item synced" });
    row.append(text("a", done.name, { href: `/leads/${done.leadId}` }), " synced");
    for (const duplicate of done.duplicates) {
      row.append(" — possible duplicate of ", text("a", duplicate.title, { href: duplicate.href }));
    }
    list.append(row);
  }
  panel.querySelector(".outbox-list")?.remove();
  panel.append(list);
  panel.querySelector(".outbox-empty").hidden = items.length + synced.length > 0;
}

function fixForm(item) {
  const form = text("form", "", { class: "outbox-fix", novalidate: "" });
  for (const [name, label] of QUICK_FIELDS) {
    const id = `fix-${item.id}-${name}`;
    const field = text("div", "", { class: "field" });
    field.append(text("label", label, { for: id }));
    const input = text("input", "", { id, name, type: name === "email" ? "email" : "text" });
    input.value = item.lead[name] ?? "";
    field.append(input);
    const problem = item.fieldErrors?.[name];
    if (problem) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", `${id}-error`);
      field.append(text("p", problem, { class: "field-error", id: `${id}-error` }));
    }
    form.append(field);
  }
  form.append(text("button", "Save and sync", { type: "submit", class: "button primary" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    event.stopImmediatePropagation();
    for (const [name] of QUICK_FIELDS) item.lead[name] = form.elements[name].value;
    delete item.error;
    delete item.fieldErrors;
    item.attempts = 0;
    await put("outbox", item);
    await render();
    sync();
  });
  return form;
}

function offlineSince() {
  if (navigator.onLine) return "";
  const rendered = document.querySelector("meta[name=rendered-at]")?.content;
  const at = rendered ? new Date(rendered) : null;
  const time = at && !Number.isNaN(at.getTime())
    ? at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : "";
  return time ? `Offline — as of ${time}` : "Offline";
}

// ---- service worker and start --------------------------------------------------------------

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").then((registration) => {
    // Registration can be refused (a browser policy, or a test that blocks workers).
    if (!registration) return;
    const offerReload = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      const prompt = document.getElementById("update-bar");
      if (!prompt) return;
      prompt.hidden = false;
      prompt.querySelector("button").onclick = () => worker.postMessage("skip-waiting");
    };
    offerReload(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed") offerReload(worker);
      });
    });
    // The pages a rep reads on a show floor, saved while online.
    if (document.querySelector(".topbar") && navigator.onLine) {
      navigator.serviceWorker.ready.then((ready) =>
        ready.active?.postMessage({ type: "keep-pages", urls: ["/leads/new", "/leads", "/activities"] }),
      );
    }
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !document.getElementById("update-bar")?.dataset.accepted) return;
    reloading = true;
    location.reload();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest?.("#update-bar button")) {
      document.getElementById("update-bar").dataset.accepted = "true";
    }
  });
}

window.addEventListener("online", () => { render(); sync(); });
window.addEventListener("offline", render);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") sync();
});
document.addEventListener("click", (event) => {
  if (event.target.closest?.("#outbox-sync")) sync();
});

// The outbox page appears after hydration or on navigation within the app.
// After signing in again (the app navigates without reloading), the waiting leads sync.
new MutationObserver(() => {
  const panel = document.getElementById("outbox");
  if (panel && !panel.dataset.shown && document.body.dataset.hydrated === "true") render();
  const topbar = document.querySelector(".topbar");
  if (signedOut && topbar && topbar !== topbarWhenSignedOut) {
    signedOut = false;
    sync();
  }
}).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });

// The worker (and its precache) waits for the page itself to finish loading.
if (document.readyState === "complete") {
  registerWorker();
} else {
  window.addEventListener("load", registerWorker);
}
render();
sync();
