// @ts-check
// The page's lifecycle, for the engine (lifecycle.rs, page_load.rs): the page hiding or going
// away, and the page load of a server-rendered page that carries a `<meta name="traceparent">`.
// Only the listening is here; what each event means (send everything by what survives the page,
// end the spans still open, the `documentLoad` span) is the engine's.

import { X, put } from "./boundary.js";

// `pt_page`'s events (core/layout.rs; tests/boundary_constants.rs).
const PAGE_HIDDEN = 0, PAGE_HIDE = 1, PAGE_LOADED = 2;

/** Listens for the page hiding, going away and loading; returns what removes the listeners.
 * A worker has no page: nothing is listened for. */
export function watchPage() {
  const d = globalThis.document;
  if (d === undefined) return () => {};
  const onVisibility = () => {
    if (d.visibilityState === "hidden") X.pt_page(PAGE_HIDDEN);
  };
  const onHide = () => X.pt_page(PAGE_HIDE);
  const onLoad = () => X.pt_page(PAGE_LOADED);
  d.addEventListener("visibilitychange", onVisibility);
  addEventListener("pagehide", onHide);
  // The page load joins the server's trace when the server rendered its context into the page.
  const meta = (name) => d.querySelector(`meta[name="${name}"]`)?.getAttribute("content");
  const traceparent = meta("traceparent");
  if (typeof traceparent === "string") {
    const n = put(traceparent), tracestate = meta("tracestate");
    if (X.pt_page_load(n, typeof tracestate === "string" ? put(tracestate, n) : 0) === 1) {
      if (d.readyState === "complete") onLoad();
      else addEventListener("load", onLoad, { once: true });
    }
  }
  return () => {
    d.removeEventListener("visibilitychange", onVisibility);
    removeEventListener("pagehide", onHide);
    removeEventListener("load", onLoad); // where it was not added, nothing
  };
}
