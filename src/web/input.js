// @ts-check
// Input to result: an action started from an input event (`tracer.action(name, { event })`, or
// the `window.event` being dispatched when the action starts) gets, from the browser's Event
// Timing entry for that event, its input delay, processing time and presentation delay, and
// `action.result_frame_ms`: from the input's timestamp to the first animation frame after the
// action settled, the frame in which the game can show the result. The action's span keeps its
// settle time as its end; it is handed to the engine once that frame has come (and the entry,
// which the browser reports after the paint), so a page that hides first still sends it.
// Nothing here throws into the game.

import { X, put, intern, pageHidden } from "./boundary.js";

const KEEP = 64; // Event Timing entries kept for actions that settle after the browser reported them
const ENTRY_WAIT_MS = 250; // after the result frame, how long an entry may still come
const FRAME_WAIT_MS = 1000; // a hidden page paints no frames: the action ends without one

let on = false;
let observing = false; // Event Timing entries come
let entries = []; // recent Event Timing entries, oldest first
const waiting = new Set(); // settled input actions not yet handed to the engine

/**
 * The input event an action answers: `options.event` (if it is an event), else the event being
 * dispatched when it is a player's input (a UI event, or a form submitted by a key or a click).
 * The early tracer (early.js) reads an action's input with it too.
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

/** The input event an action answers (see `inputEvent`), while input-to-result is on. */
export function inputOf(options) {
  return on ? inputEvent(options) : undefined;
}

// The events the browser reports Event Timing entries for (where they take 16 ms or more).
const TIMED = new Set(["auxclick", "click", "contextmenu", "dblclick", "mousedown", "mouseup", "pointerdown",
  "pointerup", "pointercancel", "touchstart", "touchend", "touchcancel", "keydown", "keypress", "keyup",
  "beforeinput", "input", "compositionstart", "compositionupdate", "compositionend", "dragstart", "dragend",
  "dragenter", "dragleave", "dragover", "drop"]);

const same = (entry, input) => entry.name === input.type && Math.abs(entry.startTime - input.timeStamp) < 1;

/** The action settled at `t`: its span ends at `t` once its result frame has been seen. */
export function awaitResult(span, input, t) {
  const p = { span, input, t, frame: NaN, timing: entries.find((e) => same(e, input)), timer: 0 };
  waiting.add(p);
  p.timer = setTimeout(() => finish(p), FRAME_WAIT_MS);
  requestAnimationFrame((ft) => {
    p.frame = Math.max(ft, t);
    clearTimeout(p.timer);
    if (p.timing !== undefined || !observing || !TIMED.has(p.input.type)) finish(p);
    else p.timer = setTimeout(() => finish(p), ENTRY_WAIT_MS);
  });
}

const num = (h, key, value) => X.pt_attr_num(h, intern(key), value);

function finish(p) {
  if (!waiting.delete(p)) return;
  clearTimeout(p.timer);
  const { span, input, timing } = p;
  if (span._live()) {
    const h = span.h;
    try {
      X.pt_attr_str(h, intern("input.type"), put(input.type));
      if (p.frame === p.frame) {
        num(h, "action.result_frame_ms", p.frame - input.timeStamp);
        num(h, "action.result_frame_wait_ms", p.frame - p.t); // from settling to that frame
      }
      if (timing !== undefined) {
        num(h, "input.delay_ms", timing.processingStart - timing.startTime);
        num(h, "input.processing_ms", timing.processingEnd - timing.processingStart);
        num(h, "input.presentation_delay_ms", Math.max(0, timing.startTime + timing.duration - timing.processingEnd));
        num(h, "input.duration_ms", timing.duration);
        if (timing.interactionId > 0) num(h, "input.interaction_id", timing.interactionId);
      }
    } catch {
      // An input whose fields cannot be read leaves the action without them.
    }
  }
  span.end(p.t);
}

/** Hands every waiting action to the engine now: the page is going away, or the tracer. */
export function finishAll() {
  for (const p of [...waiting]) finish(p);
}

/**
 * Observes Event Timing entries and enables input actions; returns what stops it, or undefined
 * where the browser has no `requestAnimationFrame`.
 */
export function observeInput() {
  if (typeof requestAnimationFrame !== "function") return undefined;
  on = true;
  let observer;
  const P = globalThis.PerformanceObserver;
  if (P !== undefined && (P.supportedEntryTypes || []).includes("event")) {
    observer = new P((list) => {
      for (const e of list.getEntries()) {
        for (const p of waiting) {
          if (p.timing === undefined && same(e, p.input)) {
            p.timing = e;
            if (p.frame === p.frame) finish(p);
          }
        }
        entries.push(e);
      }
      if (entries.length > KEEP) entries = entries.slice(-KEEP);
    });
    observer.observe({ type: "event", durationThreshold: 16, buffered: true });
    observer.observe({ type: "first-input", buffered: true });
    observing = true;
  }
  const hidden = () => {
    if (pageHidden()) finishAll();
  };
  // Capture on the window: before the engine's own listeners send what the page holds.
  addEventListener("visibilitychange", hidden, true);
  addEventListener("pagehide", finishAll, true);
  return () => {
    on = false;
    observing = false;
    if (observer !== undefined) observer.disconnect();
    removeEventListener("visibilitychange", hidden, true);
    removeEventListener("pagehide", finishAll, true);
    finishAll();
    entries = [];
  };
}
