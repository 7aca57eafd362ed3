// @ts-check
// Uncaught errors and unhandled rejections, handed to the engine (errors.rs). The listeners
// only watch: they never call preventDefault, so the browser's console and the game's own
// handlers see every error as before. Reading a thrown value (a getter, a Proxy, a Symbol) may
// itself throw; nothing escapes into the game's error path.

import { X, putError, str } from "./boundary.js";

function report(value, fallbackType, fallbackMessage) {
  try {
    X.pt_error(...putError(value, fallbackType, fallbackMessage));
  } catch {
    // A value that cannot be read is not recorded.
  }
}

/** Listens on the global object (window or worker); returns what removes the listeners. */
export function install() {
  const g = globalThis;
  // A cross-origin script's error has no error object, only "Script error.".
  const onError = (e) => report(e.error, "Error", str(e.message));
  const onRejection = (e) => report(e.reason, "UnhandledRejection", "");
  g.addEventListener("error", onError);
  g.addEventListener("unhandledrejection", onRejection);
  return () => {
    g.removeEventListener("error", onError);
    g.removeEventListener("unhandledrejection", onRejection);
  };
}
