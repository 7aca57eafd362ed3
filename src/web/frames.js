// @ts-check
// Frames, fed to the engine (frames.rs): `tracer.frame()` writes a timestamp into the ring in
// wasm memory (frame_ring.rs) with three stores and no call, and every FRAME_TICK frames lets the
// engine look for jank. Also the opt-in requestAnimationFrame loop for games that do not call
// it, and the Long Animation Frame observer, whose entries carry the browser's script
// attribution. Nothing here throws into the game.

import { X, put, intern } from "./boundary.js";

// Shared with the engine (core/layout.rs; tests/boundary_constants.rs checks them).
const FRAME_RING = 4096, FRAME_TICK = 256;
const MASK = FRAME_RING - 1;
const TICK = FRAME_TICK - 1;
let F = new Float64Array(0); // [frames written, timestamps...]; length 0 once memory grew

/** Records one frame's timestamp, in page milliseconds (the requestAnimationFrame argument). */
export function frame(t) {
  if (F.length === 0) {
    const at = X.pt_frames(); // may grow memory: read the buffer after it
    F = new Float64Array(X.memory.buffer, at, FRAME_RING + 1);
  }
  const n = F[0];
  F[1 + (n & MASK)] = t;
  F[0] = n + 1;
  if ((n & TICK) === TICK) X.pt_frames_tick();
}

/** Feeds every animation frame; returns what stops it. */
export function observeFrames() {
  if (typeof requestAnimationFrame !== "function") return () => {};
  let id = 0;
  const loop = (t) => {
    frame(t);
    id = requestAnimationFrame(loop);
  };
  id = requestAnimationFrame(loop);
  return () => cancelAnimationFrame(id);
}

const SCRIPT_KEYS = [["sourceURL", "loaf.script.source_url"], ["sourceFunctionName", "loaf.script.function"],
  ["invoker", "loaf.script.invoker"], ["invokerType", "loaf.script.invoker_type"]];

/** The engine places the entry; on the span it made, the script the browser blames most. */
function longFrame(e) {
  try {
    const scripts = e.scripts || [];
    let top;
    for (const s of scripts) if (top === undefined || s.duration > top.duration) top = s;
    const h = X.pt_long_frame(e.startTime, e.duration, e.blockingDuration || 0, scripts.length,
      top === undefined ? -1 : top.duration);
    if (h === 0) return;
    if (top !== undefined) {
      for (const [field, key] of SCRIPT_KEYS) {
        const value = top[field];
        if (typeof value === "string" && value !== "") X.pt_attr_str(h, intern(key), put(value));
      }
    }
    X.pt_end(h, e.startTime + e.duration);
  } catch {
    // An entry that cannot be read is skipped.
  }
}

/** Observes Long Animation Frames where the browser reports them; returns what stops it. */
export function observeLongFrames() {
  const P = globalThis.PerformanceObserver;
  if (P === undefined || !(P.supportedEntryTypes || []).includes("long-animation-frame")) return undefined;
  const observer = new P((list) => {
    for (const e of list.getEntries()) longFrame(e);
  });
  observer.observe({ type: "long-animation-frame" });
  return () => observer.disconnect();
}
