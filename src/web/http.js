// @ts-check
// HTTP client instrumentation, fetch and XMLHttpRequest: a client span for every request, and
// trace headers for the page's own origin and the `propagateTo` targets only. The wrappers keep
// every call's meaning: the caller's `init` and `Headers` are copied, never changed; request
// bodies and responses are never read or cloned; fetch's promise settles with the very Response
// or rejection the browser gave. Which requests are traced, their parent, attributes and headers
// are decided by the engine (http_span.rs), called with numbers and scratch-buffer strings.
// How a request's URL, method and Resource Timing are read is exported for the early tracer
// (early.js), whose recorded requests the engine replays.

import { X, written, put, putContext, taken, PARENT_IMPLICIT, PARENT_ROOT, PARENT_GIVEN } from "./boundary.js";

const MARK = "__playtrace_wrapped";
// `pt_http_start`'s flags (core/layout.rs): the caller set its own traceparent; a request made
// before the engine loaded.
const HTTP_CALLER_TRACEPARENT = 1, HTTP_BEFORE_READY = 2;
// and the URL matched one of `ignoreUrls`' or `propagateTo`'s RegExps.
const HTTP_IGNORE_MATCHED = 4, HTTP_PROPAGATE_MATCHED = 8;

/** @type {RegExp[]} */
let propagatePatterns = [];
/** @type {RegExp[]} */
let ignorePatterns = [];

/** The RegExps of the config's `propagateTo` and `ignoreUrls` (config.js, at init). */
export function usePatterns(propagate, ignore) {
  propagatePatterns = propagate;
  ignorePatterns = ignore;
}

// Looks for a request's Resource Timing entry, in ms after it settled; its body may still be
// arriving. Responses that never get one (cache, service worker) cost four looks.
export const TIMING_WAITS = [50, 200, 1000];

/** The absolute URL of a fetch's input, if it has one. */
export function absolute(input) {
  try {
    if (typeof input === "string") return new URL(input, location.href).href;
    if (input instanceof URL) return input.href;
    if (typeof Request !== "undefined" && input instanceof Request) return input.url;
  } catch {
    // not a URL: the browser's fetch rejects it, and there is nothing to trace
  }
  return undefined;
}

/** A fetch's method: `init.method`, else the Request's, else GET. */
export function requestMethod(input, init) {
  return init !== null && typeof init === "object" && typeof init.method === "string" ? init.method
    : typeof Request !== "undefined" && input instanceof Request ? input.method : "GET";
}

/** The Resource Timing entry of the request to `url` made at `startMs`, once it has one. */
export function resourceTiming(url, startMs) {
  const entries = performance.getEntriesByName(url, "resource");
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = /** @type {PerformanceResourceTiming} */ (entries[i]);
    if (e.startTime + 1 >= startMs && e.responseEnd > 0) return e;
  }
  return undefined;
}

/** The parent rule for `init.playtraceParent`, with a given context written for the engine. */
function parentRule(init) {
  if (init === null || typeof init !== "object") return PARENT_IMPLICIT;
  const parent = init.playtraceParent;
  if (parent === undefined) return PARENT_IMPLICIT;
  return parent !== null && putContext(parent) ? PARENT_GIVEN : PARENT_ROOT;
}

/** A copy of the headers the request will carry, or undefined where they cannot be read. */
function headersOf(input, init) {
  const given = init !== null && typeof init === "object" ? init.headers : undefined;
  try {
    return given !== undefined && given !== null ? new Headers(given)
      : typeof Request !== "undefined" && input instanceof Request ? new Headers(input.headers) : new Headers();
  } catch {
    return undefined;
  }
}

/** A copy of `init` with `headers` (a copy of the caller's) and the trace headers added. */
function withHeaders(init, headers, lines) {
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (!headers.has(lines[i])) headers.set(lines[i], lines[i + 1]);
  }
  const copy = Object.assign({}, init !== null && typeof init === "object" ? init : undefined);
  delete copy.playtraceParent;
  copy.headers = headers;
  return copy;
}

/** The request got no response (at `endMs`, NaN: now): the engine tells an abort from a
 * failure by the name. */
function failed(h, error, endMs = NaN) {
  const name = error !== null && typeof error === "object" && typeof error.name === "string" ? error.name : "Error";
  const message = error !== null && typeof error === "object" && typeof error.message === "string" ? error.message : "";
  const n = put(name);
  X.pt_http_failed(h, n, put(message, n), endMs);
}

/**
 * Starts the span of a request to the absolute `url` (at `startMs`, NaN: now; `flags` the
 * HTTP_* above): -1 when it is not traced, else its handle (0: not sampled), with the trace
 * headers it should carry as [name, value, ...] in `out`.
 */
function startRequest(url, method, rule, flags, out, startMs = NaN) {
  const matched = (list) => list.some((re) => re.test(url));
  if (matched(ignorePatterns)) flags |= HTTP_IGNORE_MATCHED;
  if (matched(propagatePatterns)) flags |= HTTP_PROPAGATE_MATCHED;
  const n = put(url);
  const h = X.pt_http_start(n, put(method, n), rule, flags, startMs);
  const headerBytes = written();
  if (h >= 0 && headerBytes > 0) out.push(...taken(headerBytes).split("\n"));
  return h;
}

/** Hands Resource Timing entry `e` (undefined: none) to the engine, which then ends the span. */
function timed(h, e) {
  if (e !== undefined) {
    X.pt_http_settle(h, 1, e.domainLookupStart, e.domainLookupEnd, e.connectStart, e.secureConnectionStart,
      e.connectEnd, e.requestStart, e.responseStart, e.responseEnd);
  } else {
    X.pt_http_settle(h, 0); // no entry: the phases are not read
  }
}

/** Hands the request's Resource Timing to the engine once it is there (or looked for long
 * enough), which then ends the span. */
function settle(h, url, startMs, look) {
  const e = resourceTiming(url, startMs);
  if (e !== undefined || look === TIMING_WAITS.length) timed(h, e);
  else setTimeout(() => settle(h, url, startMs, look + 1), TIMING_WAITS[look]);
}

/**
 * A `fetch` the game made before the engine loaded, as the package's early
 * tracer recorded it (`{url, method, parent, start, end, status, error, timing}`: `parent` a
 * span, a context, null for none or undefined for the implicit one; `status` 0 when `error` says
 * why there was no response; `timing` its Resource Timing entry, if any), replayed as its span.
 */
export function replayRequest(r) {
  const rule = parentRule({ playtraceParent: r.parent });
  const h = startRequest(r.url, r.method, rule, HTTP_CALLER_TRACEPARENT | HTTP_BEFORE_READY, [], r.start);
  if (h <= 0) return;
  if (r.status > 0) {
    X.pt_http_response(h, r.status, r.end);
    timed(h, r.timing);
  } else {
    failed(h, r.error, r.end);
  }
}

/** Wraps the global `fetch`; returns the function that restores it, or undefined. */
function install_fetch() {
  const g = globalThis;
  const original = g.fetch;
  if (typeof original !== "function" || original[MARK]) return undefined; // ours already
  const wrapper = function fetch(input, init) {
    let url, h = -1;
    try {
      url = absolute(input);
      if (url !== undefined) {
        // With the caller's own traceparent (or headers that cannot be read), the engine
        // decides no trace headers for the request, as for XHR.
        const headers = headersOf(input, init);
        const lines = [];
        const own = headers === undefined || headers.has("traceparent");
        h = startRequest(url, requestMethod(input, init), parentRule(init), own ? HTTP_CALLER_TRACEPARENT : 0, lines);
        if (lines.length > 0) init = withHeaders(init, headers, lines);
      }
    } catch {
      // Never break the game's request: it goes out as the game made it.
    }
    if (h < 0) return original.call(g, input, init);
    const startMs = performance.now();
    let promise;
    try {
      promise = original.call(g, input, init);
    } catch (error) {
      if (h > 0) failed(h, error);
      throw error;
    }
    if (h === 0) return promise; // not sampled: nothing to record
    return promise.then(
      (response) => {
        X.pt_http_response(h, response.status, NaN);
        settle(h, url, startMs, 0);
        return response;
      },
      (error) => {
        failed(h, error);
        throw error;
      },
    );
  };
  wrapper[MARK] = true;
  g.fetch = wrapper;
  return () => {
    if (g.fetch === wrapper) g.fetch = original;
  };
}

/** Patches `XMLHttpRequest.prototype`; returns the function that restores it, or undefined. */
function install_xhr() {
  if (typeof XMLHttpRequest === "undefined") return undefined;
  const P = XMLHttpRequest.prototype;
  if (P.open[MARK]) return undefined; // ours already
  const orig = { open: P.open, send: P.send, setRequestHeader: P.setRequestHeader };
  const notes = new WeakMap(); // request -> { method, url, callerTraceparent }
  const open = function (method, url, ...rest) {
    notes.set(this, { method: String(method), url: String(url), callerTraceparent: false });
    return orig.open.call(this, method, url, ...rest);
  };
  const setRequestHeader = function (name, value) {
    const note = notes.get(this);
    if (note !== undefined && String(name).toLowerCase() === "traceparent") note.callerTraceparent = true;
    return orig.setRequestHeader.call(this, name, value);
  };
  const send = function (body) {
    const note = notes.get(this);
    let h = -1, url;
    try {
      url = note === undefined ? undefined : absolute(note.url);
      if (url !== undefined) {
        const lines = [];
        h = startRequest(url, note.method, PARENT_IMPLICIT, note.callerTraceparent ? HTTP_CALLER_TRACEPARENT : 0, lines);
        for (let i = 0; i + 1 < lines.length; i += 2) orig.setRequestHeader.call(this, lines[i], lines[i + 1]);
      }
    } catch {
      // Never break the game's request.
    }
    if (h > 0) {
      const startMs = performance.now();
      let outcome = "load";
      for (const type of ["abort", "error", "timeout"]) this.addEventListener(type, () => { outcome = type; });
      this.addEventListener("loadend", () => {
        if (outcome === "load") {
          X.pt_http_response(h, this.status, NaN);
          settle(h, url, startMs, 0);
        } else {
          X.pt_http_failed(h, put(outcome), 0, NaN);
        }
      }, { once: true });
    }
    return orig.send.call(this, body);
  };
  open[MARK] = true;
  P.open = open;
  P.send = send;
  P.setRequestHeader = setRequestHeader;
  return () => {
    if (P.open === open) P.open = orig.open;
    if (P.send === send) P.send = orig.send;
    if (P.setRequestHeader === setRequestHeader) P.setRequestHeader = orig.setRequestHeader;
  };
}

/**
 * Installs the `fetch` wrapper and the XHR patch as asked; returns the function that restores
 * what was installed. One export, so the glue imports this module once.
 */
export function install(fetch, xhr) {
  const undo = [fetch ? install_fetch() : undefined, xhr ? install_xhr() : undefined];
  return () => { for (const u of undo) if (u !== undefined) u(); };
}
