// @ts-check
// Uncaught errors and unhandled rejections, handed to the engine (errors.rs). The listeners
// only watch: they never call preventDefault, so the browser's console and the game's own
// handlers see every error as before. Reading a thrown value (a getter, a Proxy, a Symbol) may
// itself throw; nothing escapes into the game's error path.

import { X, put } from "./boundary.js";

// Longer stacks are cut here rather than copied whole; the span limits cut further.
const MAX_STACK = 8192;

const text = (v) => (typeof v === "string" ? v : "");

function report(value, fallbackType, fallbackMessage) {
  try {
    let type = "", message = fallbackMessage, stack = "";
    if (value !== null && (typeof value === "object" || typeof value === "function")) {
      type = text(value.name);
      message = typeof value.message === "string" ? value.message : message;
      stack = text(value.stack).slice(0, MAX_STACK);
    } else if (value !== undefined && value !== null) {
      message = String(value); // a thrown string or number
    }
    const t = put(type || fallbackType);
    const m = put(message, t);
    X.pt_error(t, m, put(stack, t + m));
  } catch {
    // A value that cannot be read is not recorded.
  }
}

/** Listens on the global object (window or worker); returns what removes the listeners. */
export function install() {
  const g = globalThis;
  // A cross-origin script's error has no error object, only "Script error.".
  const onError = (e) => report(e.error, "Error", text(e.message));
  const onRejection = (e) => report(e.reason, "UnhandledRejection", "");
  g.addEventListener("error", onError);
  g.addEventListener("unhandledrejection", onRejection);
  return () => {
    g.removeEventListener("error", onError);
    g.removeEventListener("unhandledrejection", onRejection);
  };
}
