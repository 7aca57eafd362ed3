// @ts-check
// What the browser says about a request or an input, read the same way wherever it is needed:
// by the engine's HTTP instrumentation (http.js), by input-to-result (input.js), and by the
// tracer a game holds before the engine has loaded (early.js), whose records the engine
// replays as if it had seen them itself.

// Looks for a request's Resource Timing entry, in ms after it settled; its body may still be
// arriving. Responses that never get one (cache, service worker) cost four looks.
export const TIMING_WAITS = [50, 200, 1000];

/** The absolute URL of a fetch's input, if it has one. */
export function absolute(input) {
  try {
    if (typeof input === "string") return new URL(input, location.href).href;
    if (typeof URL !== "undefined" && input instanceof URL) return input.href;
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

/**
 * The input event an action answers: `options.event` (if it is an event), else the event being
 * dispatched when it is a player's input (a UI event, or a form submitted by a key or a click).
 */
export function inputEvent(options) {
  const given = options !== null && typeof options === "object" ? options.event : undefined;
  try {
    if (given !== undefined && given !== null) {
      return typeof given.type === "string" && typeof given.timeStamp === "number" ? given : undefined;
    }
    const current = globalThis.event;
    if (current === undefined || current === null || current.isTrusted !== true) return undefined;
    return (typeof UIEvent === "function" && current instanceof UIEvent) || current.type === "submit" ? current : undefined;
  } catch {
    return undefined;
  }
}
