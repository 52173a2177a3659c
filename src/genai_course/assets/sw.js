// The course's service worker: keeps what the learner uses, and the whole course on request.
//
// The build puts the list of the site's files ahead of this code, each with its size and a
// revision (the start of its sha256): self.__genaiCourseOffline = {build, totalBytes, files}.
// Workbox routes the requests and runs the strategies; what is ours is the bookkeeping Workbox's
// precaching cannot do without downloading the whole list at install (on a metered phone the
// learner chooses that, with "Save the course for offline use"):
//   - a stored copy is keyed by its URL and its revision and is checked against that revision,
//     so a new build never gets an old copy, and copies of files not in the list are removed;
//   - pages go to the network first (never stale when it is there), other files come from the
//     copy first (they change only with the list, and then their key changes);
//   - a page from the network that differs from this build's list means a newer build is
//     published and this worker is still in charge: from then on it goes to the network for
//     everything until the new worker (fetched at once) takes over, when the course's tabs close;
//   - a page it can answer neither from the network nor from its copy is answered with the
//     course's offline page (kept, with the files it loads, from the install on), which lists
//     the pages kept on this device.
/* global workbox */
"use strict";

importScripts("vendor/workbox-sw/workbox-sw.js");
workbox.setConfig({ debug: false, modulePathCb: (name) => `vendor/${name}/${name}.prod.js` });
const { registerRoute } = workbox.routing;
const { CacheFirst, NetworkFirst } = workbox.strategies;

const LIST = self.__genaiCourseOffline;
const CACHE = "genai-course-files";
const scope = new URL(self.registration.scope);
// written into the cache when the learner has saved the whole course, with the build saved
const SAVED_KEY = new URL("__genai-course-saved__", scope).href;

// one entry per file; a folder's index.html is also found under the folder's URL
const entries = LIST.files.map(([path, size, revision], index) => {
  const url = new URL(path.replace(/(^|\/)index\.html$/, "$1"), scope);
  return { index, path, size, revision, url: url.href, key: `${url.href}?rev=${revision}` };
});
const byPath = new Map();
for (const entry of entries) {
  byPath.set(new URL(entry.url).pathname, entry);
  byPath.set(new URL(entry.path, scope).pathname, entry);
}
const entryOf = (request) => byPath.get(new URL(request.url).pathname);
const isPage = (entry) => entry.path.endsWith(".html");
// the offline page, then the files it loads; the Python files, and the code editor with them
const offlineEntries = (LIST.offline || [])
  .map((path) => byPath.get(new URL(path, scope).pathname))
  .filter(Boolean);
const pythonEntries = entries.filter((entry) => /^(pyodide|vendor\/codemirror)\//.test(entry.path));

let outdated = false; // a newer build is published: go to the network until the new worker runs

async function revisionOf(body) {
  const digest = await crypto.subtle.digest("SHA-256", body);
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

// A copy whose body does not arrive in time is not kept: the strategy's waitUntil must end, or a
// new worker waiting to take over would wait for this one (and hold the next navigation) too.
const withinTime = (promise, ms) =>
  Promise.race([promise, new Promise((resolve) => setTimeout(() => resolve(null), ms))]);

function noticeNewBuild() {
  if (outdated) return;
  outdated = true;
  self.registration.update().catch(() => {});
}

// Workbox plugin: the cache key carries the revision; only checked copies are stored
const revisioned = {
  cacheKeyWillBeUsed: async ({ request }) => {
    const entry = entryOf(request);
    return entry ? entry.key : request;
  },
  fetchDidSucceed: async ({ request, response }) => {
    // a page is checked before the browser sees it, so its files come from the right build
    const entry = entryOf(request);
    if (entry && isPage(entry) && response.status === 200) {
      const body = await withinTime(response.clone().arrayBuffer(), 20000);
      if (body && (await revisionOf(body)) !== entry.revision) noticeNewBuild();
    }
    return response;
  },
  cacheWillUpdate: async ({ request, response }) => {
    const entry = entryOf(request);
    if (outdated || !entry || response.status !== 200) return null;
    const body = await withinTime(response.arrayBuffer(), 60000);
    if (!body) return null;
    // not this build's file: not kept (a page checked it before, and noticed a new build)
    if ((await revisionOf(body)) !== entry.revision) return null;
    return new Response(body, { status: 200, statusText: "OK", headers: response.headers });
  },
};

// pages are revalidated with the server even when the browser's HTTP cache thinks them fresh
const revalidated = {
  requestWillFetch: async ({ request }) =>
    new Request(request.url, { cache: "no-cache", credentials: request.credentials }),
};
const pages = new NetworkFirst({ cacheName: CACHE, plugins: [revisioned, revalidated] });
// what comes from the network is revalidated too: the HTTP cache may hold an older build's copy
const revalidate = { cache: "no-cache" };
const network = new NetworkFirst({ cacheName: CACHE, plugins: [revisioned], fetchOptions: revalidate });
const files = new CacheFirst({ cacheName: CACHE, plugins: [revisioned], fetchOptions: revalidate });

// Pyodide's WebAssembly (pyodide.asm.wasm) comes from the browser's HTTP cache or the network, as
// it would without this worker, and the kept copy only when neither answers (offline). Chrome keeps
// the machine code it compiled from that file next to its HTTP cache entry and reuses it on the
// next visit (Python is then ready about 0.5 s sooner, and runs faster while it starts); for a
// copy this worker hands over from its own cache, it does so only from the third visit on.
async function compiled({ request, event }) {
  const entry = entryOf(request);
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      event.waitUntil(keepCopy(cache, entry, response.clone()));
      return response;
    }
  } catch (error) {
    // offline: the kept copy, below
  }
  return (await cache.match(entry.key)) || Response.error();
}

// the copy for offline use, as the other files are kept when first used
async function keepCopy(cache, entry, response) {
  if (await cache.match(entry.key)) return;
  const body = await withinTime(response.arrayBuffer(), 60000);
  if (!body || (await revisionOf(body)) !== entry.revision) return;
  await cache.put(entry.key, keptResponse(body, response));
}

// what is kept of a checked file: its body and its type
function keptResponse(body, response) {
  const headers = { "Content-Type": response.headers.get("Content-Type") || "" };
  return new Response(body, { status: 200, statusText: "OK", headers });
}

// a page the learner goes to that neither the network nor the copy has: the offline page, at the
// address asked for (its links start from the site's root); a page fetched by the theme's
// instant navigation fails instead, and the theme then goes to it, which lands here
async function offlinePage() {
  const copy = offlineEntries.length && (await (await caches.open(CACHE)).match(offlineEntries[0].key));
  return copy || Response.error();
}
const isNavigation = ({ request, url }) =>
  request.method === "GET" && request.mode === "navigate" && url.href.startsWith(scope.href);

registerRoute(
  ({ request, url }) =>
    request.method === "GET" && url.origin === scope.origin && byPath.has(url.pathname),
  (options) => {
    const entry = entryOf(options.request);
    if (isPage(entry) && isNavigation(options)) return pages.handle(options).catch(offlinePage);
    if (isPage(entry)) return pages.handle(options);
    if (entry.path.endsWith(".wasm") && !outdated) return compiled(options);
    return (outdated ? network : files).handle(options);
  },
);
// an address that is not the course's (a mistyped one): the network's answer (the 404 page)
registerRoute(isNavigation, ({ request }) => fetch(request).catch(offlinePage));

// ---- install, update, clean up --------------------------------------------------------------

async function isSaved() {
  const cache = await caches.open(CACHE);
  const marker = await cache.match(SAVED_KEY);
  return marker ? (await marker.json()).build : null;
}

// Download one file of the list into the cache (unless it is there), checked against its revision.
async function store(entry) {
  const cache = await caches.open(CACHE);
  if (await cache.match(entry.key)) return false;
  // from the browser's HTTP cache when it has this build's file (a revalidation there would make
  // Chrome drop the compiled code it keeps with pyodide.asm.wasm), else from the server
  let response;
  let body;
  for (const mode of ["default", "no-cache"]) {
    try {
      response = await fetch(entry.url, { cache: mode });
    } catch (error) {
      throw new Error(`${entry.path} could not be downloaded (no network?).`);
    }
    if (!response.ok) {
      throw new Error(`${entry.path} could not be downloaded (the server answered ${response.status}).`);
    }
    body = await response.arrayBuffer();
    if ((await revisionOf(body)) === entry.revision) break;
    if (mode === "no-cache") {
      throw new Error(`${entry.path} on the server is not the one of this build: the course was updated. Reload the page and save again.`);
    }
  }
  await cache.put(entry.key, keptResponse(body, response));
  return true;
}

async function markSaved() {
  const cache = await caches.open(CACHE);
  const body = JSON.stringify({ build: LIST.build });
  await cache.put(SAVED_KEY, new Response(body, { headers: { "Content-Type": "application/json" } }));
}

self.addEventListener("install", (event) => {
  // a learner who saved the course gets the new build's changed files before this worker takes
  // over; if that fails (no network), the install fails and the old worker keeps its full copy.
  // No skipWaiting: the new worker takes over when the learner's tabs of the course are closed
  // (the old one, knowing it is outdated, sends them to the network until then).
  // The offline page and its files are kept from the start (the theme's style and scripts, which
  // the page that registered this worker has just loaded: mostly from the browser's HTTP cache).
  event.waitUntil(
    (async () => {
      for (const entry of offlineEntries) await store(entry);
      if (!(await isSaved())) return;
      for (const entry of entries) await store(entry);
      await markSaved();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SAVED_KEY, ...entries.map((entry) => entry.key)]);
      const cache = await caches.open(CACHE);
      for (const request of await cache.keys()) {
        if (!keep.has(request.url)) await cache.delete(request);
      }
    })(),
  );
});
workbox.core.clientsClaim();

// ---- the page's "Save the course for offline use" -------------------------------------------

async function status() {
  return { ok: true, build: LIST.build, totalBytes: LIST.totalBytes, count: entries.length, saved: (await isSaved()) === LIST.build };
}

// what a page's <title> says, as text (the theme writes it with &amp;, &#39; and the like)
const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
function titleOf(html) {
  const title = /<title>([^<]*)<\/title>/.exec(html);
  return title
    ? title[1].trim().replace(/&(?:#(x?)([0-9a-f]+)|([a-z]+));/gi, (whole, hex, code, name) =>
        code ? String.fromCodePoint(parseInt(code, hex ? 16 : 10)) : ENTITIES[name] || whole)
    : null;
}

// the course's pages kept on this device, in the list's order, with their titles
async function keptPages(cache) {
  const kept = [];
  for (const entry of entries) {
    if (!isPage(entry) || offlineEntries.includes(entry) || entry.path === "404.html") continue;
    const copy = await cache.match(entry.key);
    if (copy) kept.push({ url: entry.url, title: titleOf(await copy.text()) || entry.path });
  }
  return kept;
}

async function handle(message) {
  const cache = await caches.open(CACHE);
  if (message.type === "genai-course:status") return status();
  if (message.type === "genai-course:remove") {
    // all but the offline page and its files, which this worker has kept since its install
    const offline = new Set(offlineEntries.map((entry) => entry.key));
    for (const request of await cache.keys()) if (!offline.has(request.url)) await cache.delete(request);
    return status();
  }
  if (message.type === "genai-course:kept-pages") return { ok: true, pages: await keptPages(cache) };
  // a newer build is published: this build's files are not worth keeping (each would be fetched
  // twice and refused), and a long keep would hold up the new worker's start
  if (message.type === "genai-course:keep" && outdated) return { ok: true, kept: 0 };
  if (message.type === "genai-course:keep") {
    // what a page loaded before this worker was in charge, or, once Python ran there, the
    // Python files and the code editor (an exercise opened offline gets it): kept now, mostly
    // from the browser's HTTP cache
    const wanted = message.python
      ? pythonEntries
      : message.urls.map((url) => byPath.get(new URL(url).pathname)).filter(Boolean);
    const kept = await Promise.all(wanted.map((entry) => store(entry).then(() => true, () => false)));
    return { ok: true, kept: kept.filter(Boolean).length };
  }
  if (message.build !== LIST.build) {
    return { ok: false, error: "The course was updated while saving. Reload the page and save again." };
  }
  switch (message.type) {
    case "genai-course:save-file": {
      const entry = entries[message.index];
      return { ok: true, added: await store(entry), bytes: entry.size };
    }
    case "genai-course:save-abort":
      // what this attempt added goes; what the learner had kept before stays
      for (const index of message.added) await cache.delete(entries[index].key);
      return { ok: true };
    case "genai-course:save-done":
      await markSaved();
      return status();
    default:
      return { ok: false, error: `unknown request ${message.type}` };
  }
}

self.addEventListener("message", (event) => {
  const port = event.ports && event.ports[0];
  const message = event.data || {};
  if (!port || typeof message.type !== "string" || !message.type.startsWith("genai-course:")) return;
  event.waitUntil(
    handle(message).then(
      (answer) => port.postMessage(answer),
      (error) => port.postMessage({ ok: false, error: error.message || String(error) }),
    ),
  );
});
