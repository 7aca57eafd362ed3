// @ts-check
// Storage for the engine: in `localStorage` the bodies a page going away could not send wait for
// the next visit on this origin (transport/storage.rs); `sessionStorage` keeps the tab's session
// ID. Only the reading and writing is here; which bodies to keep, merge or drop within the bounds
// is the engine's.

import { X, put } from "./boundary.js";

// Where the bodies wait: the engine writes the list as JSON, `[{url, spans, body}, ...]`.
const KEY = "playtrace:pending:v1";
// Where the tab's session ID is kept.
const SESSION_KEY = "playtrace.session.id";

/** `localStorage`, or undefined where there is none (a worker) or it may not be used. */
function store() {
  try {
    const s = globalThis.localStorage;
    return s !== null && typeof s === "object" ? s : undefined;
  } catch {
    return undefined; // a sandboxed frame, storage disabled
  }
}

/**
 * Hands every stored body to the engine (`pt_stored`: its URL, spans and text), and removes them
 * from storage where `take`. Anything unreadable is ignored. False where there is no storage.
 * @param {boolean} take
 */
export function readStored(take) {
  const s = store();
  if (s === undefined) return false;
  let list;
  try {
    list = JSON.parse(s.getItem(KEY) ?? "[]");
  } catch {
    list = [];
  }
  let read = 0;
  for (const e of Array.isArray(list) ? list : []) {
    if (e !== null && typeof e === "object" && typeof e.url === "string" && typeof e.spans === "number" && typeof e.body === "string") {
      const u = put(e.url);
      X.pt_stored(u, e.spans, put(e.body, u));
      read++;
    }
  }
  if (take && read > 0) {
    try {
      s.removeItem(KEY);
    } catch {
      // kept: the next visit sends them again, which the collector deduplicates by span ID
    }
  }
  return true;
}

/**
 * Stores the engine's list of bodies (JSON); false where storage refused it (its quota).
 * @param {string} text
 */
export function writeStored(text) {
  try {
    store()?.setItem(KEY, text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The play session's ID: the one this tab's `sessionStorage` holds, else `fresh`, stored there
 * for the rest of the tab's life (where there is no storage, `fresh` for this page alone),
 * written to the string area for the engine. Returns its length.
 * @param {string} fresh
 */
export function sessionId(fresh) {
  try {
    const s = globalThis.sessionStorage;
    const held = s.getItem(SESSION_KEY);
    if (held) return put(held);
    s.setItem(SESSION_KEY, fresh);
  } catch {
    // no storage, or it may not be used
  }
  return put(fresh);
}
