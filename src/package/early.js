// @ts-check
// The tracer a game holds from the first frame, before the wasm engine has loaded. Until then it
// records what the game does (spans with their times, attributes, events, status, ends, actions,
// baggage, flushes) and when the engine is ready it replays all of it, in order, so nothing the
// game did at start-up is lost. From then on every call goes straight to the engine's tracer.
//
// The game's `fetch` calls meanwhile are watched too: each becomes the client span it would
// have been, under the action or span it was made in, from its recorded times and outcome.
//
// What cannot be known before the engine runs: a span's IDs (spanContext() reports an all-zero
// context until then, and inject() writes nothing), extract() (null), and so the trace headers
// of requests made meanwhile: they go out without them, and their spans carry
// `playtrace.before_ready`.

import { TIMING_WAITS, absolute, requestMethod, resourceTiming } from "SNIPPETS/http.js";
import { inputEvent } from "SNIPPETS/input.js";
import { STATS } from "SNIPPETS/boundary.js";

const PENDING_SPANS_MAX = 2048; // as the engine's default queue; beyond it spans are not recorded
const ZERO_TRACE = "00000000000000000000000000000000";
const ZERO_SPAN = "0000000000000000";

const now = () => performance.now();
const copied = (v) => (Array.isArray(v) ? v.slice() : v);

/** A span started before the engine loaded; after replay, a thin forwarder to the real span. */
export class EarlySpan {
  /** While an early action is open: its outcome (see `EarlyTracer.action`). @type {Promise<void> | undefined} */
  settled;
  /** @type {{ resolve: () => void, reject: (error: unknown) => void } | undefined} */
  settle;
  /** Replayed as the engine's action. @type {boolean | undefined} */
  engineAction;

  constructor(owner, recording) {
    this.o = owner;
    this.r = undefined; // the engine's span, once replayed
    this.ops = recording ? [] : undefined; // undefined: not recording (over the pending limit)
    this.done = false;
  }

  _op(op) {
    if (this.r === undefined && this.ops !== undefined && !this.done) this.ops.push(op);
  }

  setAttribute(key, value) {
    if (this.r !== undefined) this.r.setAttribute(key, value);
    else this._op(["setAttribute", key, copied(value)]);
    return this;
  }

  setAttributes(attributes) {
    if (this.r !== undefined) this.r.setAttributes(attributes);
    else if (attributes !== null && typeof attributes === "object") {
      for (const key of Object.keys(attributes)) this._op(["setAttribute", key, copied(attributes[key])]);
    }
    return this;
  }

  addEvent(name, attributes, time) {
    if (this.r !== undefined) this.r.addEvent(name, attributes, time);
    else this._op(["addEvent", name, attributes === undefined ? undefined : { ...attributes }, typeof time === "number" ? time : now()]);
    return this;
  }

  recordException(exception, time) {
    if (this.r !== undefined) this.r.recordException(exception, time);
    else this._op(["recordException", exception, typeof time === "number" ? time : now()]);
  }

  /** The action failed: the engine records it as it records its own actions' failures. */
  _fail(error, time) {
    if (this.r !== undefined) this.r._fail(error, time);
    else this._op(["_fail", error, time]);
  }

  setStatus(status) {
    if (this.r !== undefined) this.r.setStatus(status);
    else if (status !== null && typeof status === "object") this._op(["setStatus", { code: status.code, message: status.message }]);
    return this;
  }

  updateName(name) {
    if (this.r !== undefined) this.r.updateName(name);
    else this._op(["updateName", name]);
    return this;
  }

  end(endTime) {
    if (this.r !== undefined) {
      this.r.end(endTime);
    } else if (!this.done) {
      this._op(["end", typeof endTime === "number" ? endTime : now()]);
      this.done = true;
    }
  }

  spanContext() {
    if (this.r !== undefined) return this.r.spanContext();
    return { traceId: ZERO_TRACE, spanId: ZERO_SPAN, traceFlags: 0, sampled: false, traceState: "", isRemote: false };
  }

  isRecording() {
    return this.r !== undefined ? this.r.isRecording() : this.ops !== undefined && !this.done;
  }

  /** Starts the real span (its parent already replayed) and applies what was recorded. */
  _replay(span) {
    this.r = span;
    const ops = this.ops || [];
    this.ops = undefined;
    for (const [op, a, b, c] of ops) {
      if (op === "end") span.end(a);
      else span[op](a, b, c);
    }
  }
}

/** The engine's span for `span` if it is an early one, else `span` itself. */
export function engineSpan(span) {
  return span instanceof EarlySpan ? span.r : span;
}

/** `options` with an early parent or early link contexts replaced by the engine's spans. */
function engineOptions(options) {
  if (options === null || typeof options !== "object") return options;
  const parentEarly = options.parent instanceof EarlySpan;
  const links = Array.isArray(options.links) ? options.links : undefined;
  const linksEarly = links !== undefined && links.some((l) => l !== null && typeof l === "object" && l.context instanceof EarlySpan);
  if (!parentEarly && !linksEarly) return options;
  const copy = { ...options };
  if (parentEarly) copy.parent = options.parent.r;
  if (linksEarly) {
    copy.links = links
      .map((l) => (l !== null && typeof l === "object" && l.context instanceof EarlySpan ? { ...l, context: l.context.r } : l))
      .filter((l) => l === null || typeof l !== "object" || l.context !== undefined);
  }
  return copy;
}

/**
 * The tracer `init` returns while the engine loads. `replay(tracer)` hands it the engine's
 * tracer; `disable()` turns it into a tracer that records nothing (the engine could not start).
 */
export class EarlyTracer {
  constructor() {
    this.t = undefined; // the engine's tracer
    this.off = false; // the engine failed to start: record nothing
    this.log = []; // [kind, ...] in call order: spans, baggage, flush, shutdown
    this.spans = 0; // spans recorded so far
    this.stack = []; // withSpan spans, innermost last
    this.actions = []; // early actions still open, oldest first
    this.baggage = new Map();
    this.requests = 0; // fetch calls recorded
    this.waiting = new Set(); // settled requests waiting for their Resource Timing
    this.leaving = false;
    this.unwatch = () => {};
  }

  /** The page is going away: requests still waiting for their timing are replayed now, before
   * the engine sends what it has (this listener was added first, so it runs first). */
  _leave() {
    this.leaving = true;
    if (this.t !== undefined) for (const record of [...this.waiting]) this._replayRequest(record, TIMING_WAITS.length);
  }

  /** Records the game's `fetch` calls until the engine is ready, which then traces them. */
  watchFetch() {
    const g = globalThis;
    const original = g.fetch;
    if (typeof original !== "function") return;
    const early = this;
    const wrapper = function fetch(input, init) {
      const start = now();
      const promise = original.call(g, input, init);
      // Left in place only if something wrapped fetch after it; then it passes calls through.
      if (early.t === undefined && !early.off) early._request(input, init, start, promise);
      return promise;
    };
    g.fetch = wrapper;
    if (typeof addEventListener === "function") addEventListener("pagehide", () => this._leave(), { once: true });
    this.unwatch = () => {
      if (g.fetch === wrapper) g.fetch = original;
    };
  }

  _request(input, init, start, promise) {
    const url = absolute(input);
    if (url === undefined || this.spans >= PENDING_SPANS_MAX) return;
    const given = init !== null && typeof init === "object" ? init : {};
    const method = requestMethod(input, init);
    // The parent the engine would have taken: the one given on the call, else the withSpan
    // span, else the newest open action; without one, the engine's implicit rule at replay.
    let parent = given.playtraceParent;
    if (parent === undefined) parent = this.stack[this.stack.length - 1];
    if (parent === undefined) parent = this.actions[this.actions.length - 1];
    const record = { url, method, parent, start, end: undefined, status: 0, error: undefined, replay: false };
    this.spans++;
    this.requests++;
    this.log.push(["request", record]);
    const done = () => {
      record.end = now();
      if (record.replay) this._replayRequest(record);
    };
    promise.then((response) => { record.status = response.status; done(); }, (error) => { record.error = error; done(); });
  }

  /** Replays a settled request once its Resource Timing is there (its body may still be
   * arriving), looking as often as the engine's own wrapper does. */
  _replayRequest(record, look = 0) {
    if (record.sent) return; // replayed already, when the page left
    const timing = record.status > 0 ? resourceTiming(record.url, record.start) : undefined;
    if (record.status > 0 && timing === undefined && look < TIMING_WAITS.length && !this.leaving) {
      this.waiting.add(record);
      setTimeout(() => this._replayRequest(record, look + 1), TIMING_WAITS[look]);
      return;
    }
    record.sent = true;
    this.waiting.delete(record);
    const parent = record.parent instanceof EarlySpan ? record.parent.r : record.parent;
    this.t._replayRequest({ ...record, parent, timing });
  }

  _span(name, options, action) {
    const recording = !this.off && this.spans < PENDING_SPANS_MAX;
    const span = new EarlySpan(this, recording);
    if (!recording) return span;
    this.spans++;
    const o = options !== null && typeof options === "object" ? options : {};
    let parent = o.parent;
    if (parent === undefined) {
      // The engine's implicit parent, decided now: the withSpan span, else (for a plain span)
      // the newest open action. Without one the engine applies its own rule when it replays.
      const active = this.stack[this.stack.length - 1];
      if (active !== undefined) parent = active;
      else if (!action) parent = this.actions[this.actions.length - 1];
    }
    const start = {
      kind: o.kind,
      attributes: o.attributes === undefined ? undefined : { ...o.attributes },
      links: o.links,
      startTime: typeof o.startTime === "number" ? o.startTime : now(),
    };
    if (parent !== undefined) start.parent = parent;
    if (action) {
      // The input being dispatched now, which the engine can no longer see when it replays the
      // action: an action still open then measures its input-to-result from it.
      const input = inputEvent(o);
      if (input !== undefined) start.event = input;
    }
    this.log.push(["span", span, String(name), start, action]);
    return span;
  }

  startSpan(name, options) {
    return this.t !== undefined ? this.t.startSpan(name, engineOptions(options)) : this._span(name, options, false);
  }

  withSpan(span, fn) {
    if (this.t !== undefined) {
      const real = engineSpan(span);
      return real === undefined ? fn() : this.t.withSpan(real, fn);
    }
    this.stack.push(span);
    try {
      return fn();
    } finally {
      this.stack.pop();
    }
  }

  activeSpan() {
    if (this.t !== undefined) return this.t.activeSpan();
    return this.stack[this.stack.length - 1];
  }

  action(name, options, fn) {
    if (this.t !== undefined) return this.t.action(name, engineOptions(options), fn);
    const span = this._span(name, options, true);
    // While it is open, an early action is settled through `settle`: by hand before the engine
    // is ready, by the engine's own action (which it is replayed as) after.
    let settle;
    span.settled = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    span.settled.catch(() => {});
    span.settle = settle;
    this.actions.push(span);
    const finish = (error, failed) => {
      this.actions = this.actions.filter((a) => a !== span);
      if (span.engineAction) {
        if (failed) settle.reject(error);
        else settle.resolve();
        return;
      }
      if (failed) span._fail(error, now());
      span.end();
    };
    let result;
    try {
      result = this.withSpan(span, () => fn(span));
    } catch (error) {
      finish(error, true);
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(
      (value) => { finish(undefined, false); return value; },
      (error) => { finish(error, true); throw error; },
    );
  }

  inject(carrier, span) {
    if (this.t !== undefined) {
      const real = engineSpan(span);
      if (span === undefined || real !== undefined) this.t.inject(carrier, real);
    }
  }

  extract(carrier) {
    return this.t !== undefined ? this.t.extract(carrier) : null;
  }

  setBaggage(key, value) {
    if (this.t !== undefined) return this.t.setBaggage(key, value);
    if (this.off) return false;
    this.baggage.set(String(key), String(value));
    this.log.push(["setBaggage", String(key), String(value)]);
    return true;
  }

  getBaggage(key) {
    return this.t !== undefined ? this.t.getBaggage(key) : this.baggage.get(String(key));
  }

  removeBaggage(key) {
    if (this.t !== undefined) return this.t.removeBaggage(key);
    this.log.push(["removeBaggage", String(key)]);
    return this.baggage.delete(String(key));
  }

  /** A socket made before the engine runs is traced once it does, its connection from now. */
  instrumentWebSocket(ws, hooks) {
    if (this.t !== undefined) return this.t.instrumentWebSocket(ws, hooks);
    if (this.off || ws === null || typeof ws !== "object" || typeof ws.addEventListener !== "function") return ws;
    const early = { start: now(), opened: undefined };
    if (ws.readyState === 1) early.opened = early.start;
    else ws.addEventListener("open", () => { early.opened = now(); }, { once: true });
    this.log.push(["webSocket", ws, hooks, early]);
    return ws;
  }

  /** Frames before the engine runs are not kept: frame times matter to the actions after. */
  frame(timestamp) {
    if (this.t !== undefined) this.t.frame(timestamp);
  }

  flush() {
    if (this.t !== undefined) this.t.flush();
    else if (!this.off) this.log.push(["flush"]);
  }

  shutdown() {
    if (this.t !== undefined) return this.t.shutdown();
    if (this.off) return Promise.resolve();
    let done;
    const settled = new Promise((resolve) => { done = resolve; });
    this.log.push(["shutdown", done]);
    return settled;
  }

  stats() {
    if (this.t !== undefined) return this.t.stats();
    // Nothing has been started or sent by the engine yet.
    const stats = {};
    for (const key of STATS) stats[key] = 0;
    return stats;
  }

  /** Hands over to the engine's tracer: replays everything recorded, in order. */
  replay(tracer) {
    const log = this.log;
    this.log = [];
    this.stack = [];
    this.baggage.clear();
    this.t = tracer; // from here calls forward; replayed spans' own calls forward too
    for (const entry of log) {
      switch (entry[0]) {
        case "span": {
          const [, span, name, start, action] = entry;
          const options = engineOptions(start);
          if (action && !span.done) {
            // Still open: it becomes the engine's action, the implicit parent of the game's
            // requests from now on, and settles when the game's promise does.
            span.engineAction = true;
            tracer.action(name, options, (real) => {
              span._replay(real);
              return span.settled;
            }).catch(() => {});
          } else {
            span._replay(tracer.startSpan(name, options));
          }
          break;
        }
        case "request": {
          // One still in flight is replayed when it settles.
          const record = entry[1];
          record.replay = true;
          if (record.end !== undefined) this._replayRequest(record);
          break;
        }
        case "setBaggage": tracer.setBaggage(entry[1], entry[2]); break;
        case "removeBaggage": tracer.removeBaggage(entry[1]); break;
        case "webSocket": tracer.instrumentWebSocket(entry[1], entry[2], entry[3]); break;
        case "flush": tracer.flush(); break;
        case "shutdown": tracer.shutdown().then(entry[1]); break;
      }
    }
  }

  /** The engine could not start: drop what was recorded and record nothing more. */
  disable() {
    this.off = true;
    for (const entry of this.log) if (entry[0] === "shutdown") entry[1]();
    this.log = [];
    for (const a of this.actions) a.settle.resolve();
    this.actions = [];
  }
}


