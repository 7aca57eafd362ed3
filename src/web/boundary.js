// @ts-check
// The JS half of the numeric boundary (wasm/src/lib.rs): the wasm exports, the scratch buffer in
// wasm memory, and the interned names and keys. Shared by the JS API and the fetch wrapper.
// Also the engine's transports (one module fewer for a page to load) and `copyAnswered`, which
// copies a failed body back into wasm memory.

// Numbers shared with the engine (core/layout.rs; tests/boundary_constants.rs checks every JS
// declaration of one): the string area's offset, pt_count's codes, pt_start's parent codes.
const STRING_AT = 544;
// pt_answered's flags.
const ANSWER_PROBED = 1, ANSWER_GZIPPED = 2;
export const COUNT_CONVERSION_ERROR = 0;
const COUNT_NAME_CUT = 1;
export const PARENT_IMPLICIT = 0;
export const PARENT_ACTIVE_ONLY = 1;
export const PARENT_ROOT = 2;
export const PARENT_GIVEN = 3;

export let X; // the wasm instance's exports
export let BASE = 0; // the scratch buffer's address; words [BASE/4, BASE/4 + 8) are a context
export let W = 0; // BASE / 4
let U32 = new Uint32Array(0);
export let U8 = new Uint8Array(0);
let STR = new Uint8Array(0); // the string area of the scratch buffer, as far as the engine made room
let room = 0; // bytes of string area the engine has made room for (pt_scratch); it never shrinks
const MAX_INTERNED = 4096; // names and keys interned at once; the table starts over past it
const MAX_INTERNED_CHARS = 1 << 20; // and characters of them
export const MAX_NAME_CHARS = 1024; // a longer name or key is cut to this (stats().namesCut)
const IDS = new Map(); // interned names and keys -> IDs
let internedChars = 0;
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

function views(base) {
  BASE = base;
  W = base >>> 2;
  const buffer = X.memory.buffer;
  U32 = new Uint32Array(buffer);
  U8 = new Uint8Array(buffer);
  STR = new Uint8Array(buffer, base + STRING_AT, room);
}

// Views of a grown memory are detached (length 0) and are made again.
export function words() {
  if (U32.length === 0) views(BASE);
  return U32;
}

/** Writes `s` as UTF-8 into the string area at byte `at` (default 0); returns its length. */
export function put(s, at = 0) {
  if (typeof s !== "string") s = text(s);
  const n = s.length;
  if (STR.length === 0 || at + n * 3 > STR.length) {
    room = Math.max(room, at + n * 3);
    views(X.pt_scratch(room));
  }
  const area = STR;
  // Short ASCII, the usual attribute value (and a traceparent, 55), is copied by hand: cheaper
  // than a TextEncoder call, which costs microseconds to set up.
  if (n <= 64) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      area[at + i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(s, at === 0 ? area : area.subarray(at)).written;
}

/** `v` as a string, or `fallback` (counted) when its conversion throws: a throwing
 * `toString`, a Proxy. Game code never sees the error. */
export function text(v, fallback = "") {
  if (typeof v === "string") return v;
  try {
    return String(v);
  } catch {
    counted(COUNT_CONVERSION_ERROR);
    return fallback;
  }
}

/** A string, or "" for anything else. */
export const str = (v) => (typeof v === "string" ? v : "");

// Longer stacks are cut here rather than copied whole; the span limits cut further.
const MAX_STACK = 8192;

/**
 * Writes what the engine records of a thrown or given error to the string area: its type
 * (`fallbackType` where it has none), message (`fallbackMessage` where it has none; a thrown
 * string's or number's text) and stack. Returns their lengths. Reading it may throw (a getter, a
 * Proxy, a Symbol): the caller guards.
 */
export function putError(value, fallbackType = "", fallbackMessage = "") {
  let type = "", message = fallbackMessage, stack = "";
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    type = str(value.name);
    message = typeof value.message === "string" ? value.message : message;
    stack = str(value.stack).slice(0, MAX_STACK);
  } else if (value !== undefined && value !== null) {
    message = String(value);
  }
  const t = put(type || fallbackType), m = put(message, t);
  return [t, m, put(stack, t + m)];
}

/**
 * Writes the context of `v` where the engine reads a parent or a link: a span of this tracer
 * (it has `_put`), or a context from `extract()` or another SDK (a `SpanContextInfo`, or anything
 * with a `spanContext()` method), whose IDs the engine checks (`pt_context`). False where `v` is
 * not a valid context.
 */
export function putContext(v) {
  if (v === null || typeof v !== "object") return false;
  if (typeof v._put === "function") {
    v._put();
    return true;
  }
  const info = typeof v.spanContext === "function" ? v.spanContext() : v;
  if (info === null || typeof info !== "object") return false;
  const t = put(str(info.traceId)), s = put(str(info.spanId), t);
  const flags = typeof info.traceFlags === "number" ? info.traceFlags : -1;
  return X.pt_context(t, s, put(str(info.traceState), t + s), flags, info.sampled === true ? 1 : 0, info.isRemote === false ? 0 : 1) === 1;
}

// The handle that gives attributes to the next event, link or resource rather than to a span,
// and pt_attr_list's kinds.
export const PENDING = -1;
const LIST_NONE = 0, LIST_STRINGS = 1, LIST_BOOLS = 2, LIST_NUMBERS = 3, LIST_INT64 = 4;

/**
 * Sets attribute `key` to `value` on the span with handle `h`, or with PENDING keeps it for the
 * next event, link or resource. A string, number, boolean, BigInt of 64 bits or an array of one
 * of the first three has an attribute type; anything else is dropped, and counted by the engine.
 * False if dropped. An array is copied before anything is handed over, so a Proxy that throws
 * leaves nothing half given; the caller guards.
 */
export function setValue(h, key, value) {
  const k = intern(key);
  switch (typeof value) {
    case "number": X.pt_attr_num(h, k, value); return true;
    case "string": X.pt_attr_str(h, k, put(value)); return true;
    case "boolean": X.pt_attr_bool(h, k, value ? 1 : 0); return true;
  }
  let kind = LIST_NONE, items = [];
  if (typeof value === "bigint") {
    if (BigInt.asIntN(64, value) === value) {
      kind = LIST_INT64;
      items = [Number(value >> BigInt(32)), Number(BigInt.asUintN(32, value))];
    }
  } else if (Array.isArray(value)) {
    items = Array.from(value);
    const type = items.length === 0 ? "string" : typeof items[0];
    if (items.every((v) => typeof v === type)) {
      kind = type === "string" ? LIST_STRINGS : type === "boolean" ? LIST_BOOLS : type === "number" ? LIST_NUMBERS : LIST_NONE;
    }
  }
  if (kind !== LIST_NONE) giveItems(items);
  X.pt_attr_list(h, k, kind);
  return kind !== LIST_NONE;
}

/** Hands the engine the items of a list (`pt_item`): strings through the string area, anything
 * else as a number (a boolean as 1 or 0). The export that follows takes them. */
export function giveItems(items) {
  for (const v of items) typeof v === "string" ? X.pt_item(put(v), 1) : X.pt_item(+v, 0);
}

/**
 * The attributes of `attributes` (none unless it is an object) as [key, value] pairs, read and
 * with arrays copied, so that giving them (`setValue` with PENDING) runs no game code. Reading
 * may throw (a getter, a Proxy): the caller guards.
 * @returns {[string, unknown][]}
 */
export function readAttributes(attributes) {
  if (attributes === null || typeof attributes !== "object" || Array.isArray(attributes)) return [];
  return Object.entries(attributes).map(([k, v]) => [k, Array.isArray(v) ? Array.from(v) : v]);
}

/** Keeps `pairs` (from readAttributes) for the next event or link (pt_event, pt_link). */
export function pend(pairs) {
  for (const [k, v] of pairs) setValue(PENDING, k, v);
}

// The counters of `stats()`, in the order the engine gives them (`core::stats::Stats::NAMES`,
// checked equal by tests/boundary_constants.rs); the early tracer's are these, all zero.
export const STATS = "spansStarted,spansEnded,sampledOut,timedOut,trimmed,droppedQueueFull,droppedTooLarge,droppedSendFailed,droppedStorageFull,queued,sending,waiting,exported,beaconed,bodiesSent,bytesSent,bodiesGzipped,beaconsSent,beaconsRefused,fetchKeepalive,fetchPlain,fetchLater,sendFailures,retries,persisted,recovered,printed,errorsRecorded,errorsSuppressed,hookErrors,conversionErrors,namesCut".split(",");

/** `stats()` of the engine numbered `e`: its counters (pt_stats), named. */
export function stats(e) {
  const bytes = X.pt_stats(e), out = {};
  const values = bytes instanceof Uint8Array ? new Float64Array(bytes.slice().buffer) : new Float64Array(STATS.length);
  STATS.forEach((key, i) => { out[key] = values[i]; });
  return out;
}

/** Counts a value the API skipped or cut (core::layout COUNT_*). */
export function counted(what) {
  if (X !== undefined) X.pt_count(what);
}

/** The interned ID of a name or key (any value: converted with `text`). Names longer than
 * MAX_NAME_CHARS are cut to it, and the table is bounded in entries and characters. */
export function intern(s) {
  let id = IDS.get(s);
  if (id === undefined) {
    if (typeof s !== "string") return intern(text(s));
    if (s.length > MAX_NAME_CHARS) {
      counted(COUNT_NAME_CUT);
      return intern(s.slice(0, MAX_NAME_CHARS));
    }
    if (IDS.size >= MAX_INTERNED || internedChars + s.length > MAX_INTERNED_CHARS) {
      IDS.clear();
      internedChars = 0;
      X.pt_intern_clear();
    }
    id = X.pt_intern(put(s));
    IDS.set(s, id);
    internedChars += s.length;
  }
  return id;
}

// WebSocket tracing ships apart (`import "playtrace/websocket"`, websocket.js), so a game without
// sockets does not download it; importing it hands its two functions here.
export let sockets;

/** Called by `playtrace/websocket` as it loads: traces one socket, and wraps the constructor. */
export function useSockets(instrument, wrap) {
  sockets = { instrument, wrap };
}

/** Binds this module to the wasm instance (once, by `init`). */
export function bind(exports, scratch) {
  X = exports;
  views(scratch);
}

/** JavaScript's shortest round-trip text of a number, written to the string area: the engine
 * writes doubles with it. Returns its length. */
export function numberText(v) {
  return put(String(v));
}

// pageFact's facts.
const FACT_ORIGIN = 0, FACT_HREF = 1, FACT_USER_AGENT = 2, FACT_LANGUAGE = 3;

/** A fact of the page for the engine (FACT_*), written to the string area (`scratch::page_fact`).
 * Returns its length, or -1 where there is none. */
export function pageFact(code) {
  try {
    const g = globalThis;
    const t = code === FACT_ORIGIN ? g.location.origin : code === FACT_HREF ? g.location.href
      : code === FACT_USER_AGENT ? g.navigator.userAgent : code === FACT_LANGUAGE ? g.navigator.language : undefined;
    return typeof t === "string" ? put(t) : -1;
  } catch {
    return -1;
  }
}

/** The page's `fetch` as it is now (read when the engine starts, so later wrappers never see
 * the exporter's own requests), if it has one. */
export function pageFetch() {
  const f = globalThis.fetch;
  return typeof f === "function" ? f : undefined;
}

/** Whether the document is hidden (a worker never is). */
export function pageHidden() {
  return typeof document !== "undefined" && document.visibilityState === "hidden";
}

/** The length of the text the engine has just written for JS (`scratch::write_text`, in the
 * first context word), with the views bound again: writing a long text may have moved the
 * buffer. */
export function written() {
  views(X.pt_scratch(room));
  const len = U32[W];
  if (len > room) {
    room = len; // the engine made room for it
    views(BASE);
  }
  return len;
}

/** Reads a string of `len` bytes the engine wrote to the string area (`written()` first). */
export function taken(len) {
  return decoder.decode(STR.subarray(0, len));
}

let answering = new Uint8Array(0); // the body whose answer `pt_answered` is being told

/** Copies the body being answered (transport/fetch.rs) back into wasm memory at `at`. */
export function copyAnswered(memory, at) {
  new Uint8Array(memory.buffer, at, answering.length).set(answering);
}

// The engine's transports (transport/*.rs): each does the IO and says what happened.

function request(body, type, keepalive, credentials, gzip) {
  const headers = { "content-type": type };
  if (gzip) headers["content-encoding"] = "gzip";
  // With credentials on, a fetch carries them as a beacon does, so that a 2xx proves the
  // credentialed CORS a beacon needs when the page goes away.
  return { method: "POST", body, headers, keepalive, credentials: credentials ? "include" : "omit" };
}

/** `navigator.sendBeacon` with a typed Blob (read when called: a game may wrap it); false
 * where the browser refused it (quota) or has none. */
export function beacon(url, bytes, type) {
  try {
    return navigator.sendBeacon(url, new Blob([bytes], { type })) === true;
  } catch {
    return false;
  }
}

/** `fetchLater`, a request the browser sends after the page is gone; false where there is none
 * or it refused. */
export function later(url, bytes, type, credentials) {
  try {
    globalThis.fetchLater(url, request(bytes, type, false, credentials));
    return true;
  } catch {
    return false;
  }
}

// Bodies waiting for their gzip: sent as they are, at once, if the page goes away first (the
// compression's promise may never settle on a page that is gone); and a page going away
// compresses nothing more.
const compressing = new Set();
let away = false;
const leaving = () => {
  away = true;
  // A copy: a send may make more (a game's fetch wrapper that records a span).
  for (const send of [...compressing]) send();
};
if (typeof document !== "undefined") {
  addEventListener("pagehide", leaving, true);
  addEventListener("pageshow", () => { away = false; }, true);
  document.addEventListener("visibilitychange", () => {
    if (pageHidden()) leaving();
    else away = false;
  }, true);
}

/** POSTs a body with `fetch` (the page's, as it was at init): gzipped where `gzip` asks, the
 * browser has `CompressionStream` and it makes the body smaller. Then tells the engine numbered
 * `engine` how `attempt` went, once, as `settled` says (`pt_answered`: the status, the
 * Retry-After header, whether a probe reached the server, the bytes sent, whether gzipped, and
 * the body's length, which the engine copies back with `copyAnswered` if it keeps it). */
export function post(fetch, url, bytes, type, keepalive, credentials, gzip, probe, engine, attempt) {
  let sent = bytes.length, zipped = false;
  const send = (body, z) => {
    sent = body.length;
    zipped = z;
    try {
      return fetch.call(globalThis, url, request(body, type, keepalive, credentials, z));
    } catch (e) {
      return Promise.reject(e); // a bad URL, a blocked scheme: a network error
    }
  };
  let answer;
  if (gzip && !away && typeof CompressionStream === "function") {
    answer = new Promise((resolve) => {
      const plain = () => compressing.delete(plain) && resolve(send(bytes, false));
      compressing.add(plain);
      new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer().then((z) => {
        if (z.byteLength >= bytes.length) return plain();
        if (compressing.delete(plain)) resolve(send(new Uint8Array(z), true));
      }, plain);
    });
  } else {
    answer = send(bytes, false);
  }
  settled(answer, (status, retryAfter, answered) => {
    answering = bytes;
    try {
      const flags = (answered ? ANSWER_PROBED : 0) | (zipped ? ANSWER_GZIPPED : 0);
      X.pt_answered(engine, attempt, status, put(retryAfter), flags, sent, bytes.length);
    } finally {
      answering = new Uint8Array(0);
    }
  }, probe, url);
}

let debugging; // Promise of debug.js, imported at debug's first need

/** debug.js, the texts and the probe of `debug`, which a page without it never loads. */
function debugModule() {
  if (debugging === undefined) debugging = import("./debug.js");
  return debugging;
}

/** `debug`: says decision `code` (core::diagnostics) with `detail` on the console, once its
 * text has loaded, in the order said. The engine's state is not borrowed by then. */
export function say(code, detail) {
  const line = (text) => console.info(`[playtrace] ${text}${detail ? ` (${detail})` : ""}`);
  debugModule().then((m) => line(m.TEXTS[code]), () => line(`decision ${code}: debug.js did not load`));
}

/** `debug`: whether the endpoint's CORS preflight is kept (transport/preflight.rs); the
 * requests are in debug.js, loaded only then, and their times go to `pt_preflight`. */
export function probePreflight(fetch, url, body, type, credentials, laterMs) {
  debugModule().then((m) => m.probe(fetch, url, body, type, credentials, laterMs, X.pt_preflight), () => {});
}

/** Calls `done(status, retryAfter, answered)` once a request settles. A request that got no
 * answer, when `probe` (the page's fetch) is given, is followed by a `no-cors` GET of the same
 * URL: its opaque answer cannot be read but is seen to arrive, which tells a CORS refusal (the
 * server is there) from nothing listening. */
function settled(p, done, probe, url) {
  Promise.resolve(p).then((r) => {
    let status = 0, retryAfter = "";
    try { status = r.status; retryAfter = r.headers.get("retry-after") || ""; } catch {}
    done(status, retryAfter, false);
  }, () => {
    if (!probe) return done(0, "", false);
    try {
      Promise.resolve(probe.call(globalThis, url, { mode: "no-cors", credentials: "omit", cache: "no-store" }))
        .then(() => done(0, "", true), () => done(0, "", false));
    } catch { done(0, "", false); }
  });
}
