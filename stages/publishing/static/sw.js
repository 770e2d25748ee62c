// The guide's service worker (the build writes `const VERSION` above this line: a hash of the site's files).
// Two caches per guide, named by the worker's scope so that two guides on one host never share one:
// - "guide <scope> <VERSION>": the shell (pages, styles, scripts, icons, offline.json) of this build alone; a new
//   build's worker fills its own, carrying over the files whose hash did not change, and deletes the old one;
// - "guide-media <scope>": the tour, put there by the pages (assets/offline.js: a narration once played, or the whole
//   tour when the visitor asks): narrations and subtitles by content-versioned URL (media/3.mp3?v=<hash8>), pictures
//   by name; kept across builds while the new build lists them with the same hash. Only the pages fill it.
"use strict";

const SCOPE = self.registration.scope;
const SHELL = "guide " + SCOPE + " ";
const CURRENT = SHELL + VERSION;
const MEDIA = "guide-media " + SCOPE;
const LISTING = "offline.json";

const address = (name) => new URL(name, SCOPE).href;

async function download(cache, names) {
  // A redirected response cannot answer a navigation (hosts that drop ".html" redirect), so it is kept as a plain one.
  await Promise.all(names.map(async (name) => {
    const response = await fetch(address(name), {cache: "no-cache"});
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
    await cache.put(address(name), response.redirected
      ? new Response(await response.blob(), {status: response.status, headers: response.headers}) : response);
  }));
}

async function previous() {
  // The newest other build's shell in this scope, and its listing: what this one may carry over.
  const names = (await caches.keys()).filter((name) => name.startsWith(SHELL) && name !== CURRENT);
  for (const name of names.reverse()) {
    const cache = await caches.open(name);
    const listing = await cache.match(address(LISTING));
    if (listing) return {cache, listing: await listing.json(), kept: new Set((await cache.keys()).map((r) => r.url))};
  }
  return null;
}

async function fill(cache, listing, folder, old) {
  // One folder's shell: what an older build has with the same hash is copied, the rest fetched.
  const before = new Map();
  for (const entries of Object.values(old ? old.listing.shell : {})) for (const [name, hash] of entries) before.set(name, hash);
  const missing = [];
  for (const [name, hash] of listing.shell[folder] || []) {
    const same = old && before.get(name) === hash && old.kept.has(address(name)) && await old.cache.match(address(name));
    if (same) await cache.put(address(name), same);
    else missing.push(name);
  }
  await download(cache, missing);
}

function kept(listing, folder, urls) {
  // A language's shell counts as kept when all of it is there (one visited page alone does not).
  const entries = folder === "" ? [] : listing.shell[folder] || [];
  return entries.length > 0 && entries.every(([name]) => urls.has(address(name)));
}

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const response = await fetch(address(LISTING), {cache: "no-cache"});
    if (!response.ok) throw new Error(`${LISTING}: ${response.status}`);
    const listing = await response.clone().json();
    const cache = await caches.open(CURRENT);
    try {
      const old = await previous();
      // The language-neutral files (a one-language guide's are all of them), and the languages the visitor kept.
      const folders = [""].concat(Object.keys(listing.shell).filter((folder) => old && kept(old.listing, folder, old.kept)));
      for (const folder of folders) await fill(cache, listing, folder, old);
      await cache.put(address(LISTING), response);
    } catch (error) {
      await caches.delete(CURRENT);  // half a shell is no shell: the old worker goes on serving
      throw error;
    }
    await self.skipWaiting();
  })());
});

function hashes(listing) {
  const tour = new Map();
  for (const entries of Object.values(listing.tour)) for (const [url, , hash] of entries) tour.set(address(url), hash);
  return tour;
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    // The saved tour outlives the build where the new one lists it unchanged; the rest of it goes, as do old shells.
    const old = await previous();
    const before = old ? hashes(old.listing) : new Map();
    for (const name of await caches.keys()) if (name.startsWith(SHELL) && name !== CURRENT) await caches.delete(name);
    const now = hashes(await (await (await caches.open(CURRENT)).match(address(LISTING))).json());
    const media = await caches.open(MEDIA);
    for (const request of await media.keys()) {
      const url = request.url;
      if (!now.has(url) || (before.has(url) && before.get(url) !== now.get(url))) await media.delete(request);
    }
    await self.clients.claim();
  })());
});

self.addEventListener("message", (event) => {
  // A page asks for its language's whole shell ({keep: its URL}); the answer, true or false, goes to its port.
  if (!event.data || !event.data.keep) return;
  const reply = (ok) => event.ports[0] && event.ports[0].postMessage(ok);
  event.waitUntil((async () => {
    const cache = await caches.open(CURRENT);
    const listing = await (await cache.match(address(LISTING))).json();
    const path = new URL(event.data.keep).href.slice(SCOPE.length);
    const folder = path.includes("/") && path.split("/")[0] in listing.shell ? path.split("/")[0] : "";
    const urls = new Set((await cache.keys()).map((r) => r.url));
    if (!kept(listing, folder, urls)) await download(cache, (listing.shell[folder] || [])
      .map(([name]) => name).filter((name) => !urls.has(address(name))));
  })().then(() => reply(true), () => reply(false)));
});

function partial(blob, range, headers) {
  // The one range a media element asks for (bytes=a-b, bytes=a-, bytes=-n) from a whole cached file, as a server
  // would answer it: 206 with Content-Range and Content-Length, 416 past the end; anything else, the whole file.
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  const size = blob.size;
  let start = Number(match[1]), end = match[2] === "" ? size - 1 : Number(match[2]);
  if (match[1] === "") [start, end] = [Math.max(0, size - end), size - 1];  // the last n bytes
  if (start >= size || (match[1] === "" && match[2] === "0")) {
    return new Response(null, {status: 416, statusText: "Range Not Satisfiable",
                               headers: {"Content-Range": `bytes */${size}`}});
  }
  if (end < start) return null;
  end = Math.min(end, size - 1);
  const body = blob.slice(start, end + 1);
  const answer = new Headers(headers);
  answer.set("Content-Range", `bytes ${start}-${end}/${size}`);
  answer.set("Content-Length", String(body.size));
  answer.set("Accept-Ranges", "bytes");
  return new Response(body, {status: 206, statusText: "Partial Content", headers: answer});
}

async function fromMedia(request) {
  // Matched by URL alone: the player's Range header must not keep a cached narration from answering.
  const cached = await (await caches.open(MEDIA)).match(request.url);
  if (!cached) return fetch(request);  // not saved: the network, ranges and all, and nothing kept here
  const range = request.headers.get("range");
  if (!range) return cached;
  return partial(await cached.blob(), range, cached.headers) || cached;
}

async function fromShell(request) {
  const cache = await caches.open(CURRENT);
  // A folder's address is its index.html, as static hosts serve it; a navigation's query string changes no page.
  const url = new URL(request.url);
  if (url.pathname.endsWith("/")) url.pathname += "index.html";
  const navigation = request.mode === "navigate";
  const cached = await cache.match(navigation ? url.href : request, {ignoreSearch: navigation})
    || await (await caches.open(MEDIA)).match(request.url);  // a picture of the saved tour
  if (cached) return cached;
  const response = await fetch(request);
  // Anything else of this build's (a page of another language, a picture) is kept once fetched, whole.
  if (response.status === 200 && !request.headers.has("range")) {
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || !request.url.startsWith(SCOPE)) return;
  const url = new URL(request.url);
  if (url.pathname === new URL(SCOPE).pathname + "sw.js") return;
  event.respondWith(url.searchParams.has("v") ? fromMedia(request) : fromShell(request));
});
