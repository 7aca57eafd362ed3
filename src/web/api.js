// @ts-check
// playtrace's JS API: Tracer and Span as game code sees them.
//
// A span is a small object holding a number (its handle in wasm) and its IDs. Every operation
// on the hot path is one direct call of a numeric wasm export (wasm/src/lib.rs): span names and
// attribute keys are interned once, strings are written straight into wasm memory, and no
// Promise, closure or timer is made per span. Everything else, and every decision (sampling,
// parents, limits, queueing, encoding, transport), is the Rust engine's. Nothing here throws into
// game code for a bad value: a value whose conversion throws (a throwing toString, a Proxy, a
// getter) is skipped and counted in stats().conversionErrors. The one error kept is the game's
// own: `withSpan` and `action` call `fn`, and what it throws reaches the caller as before.

import {
  X, BASE, W, U8, encoder, decoder, words, written, put, putContext, putError, taken, text, str, counted, COUNT_CONVERSION_ERROR,
  setValue, readAttributes, pend, intern, stats,
  PARENT_IMPLICIT, PARENT_ACTIVE_ONLY, PARENT_ROOT, PARENT_GIVEN, sockets,
} from "./boundary.js";
import { frame } from "./frames.js";
import { replayRequest } from "./http.js";
import { inputOf, awaitResult, finishAll } from "./input.js";

let unsaid = true; // that WebSocket tracing needs playtrace/websocket

/** Says once that `what` needs `import "playtrace/websocket"`; true if it is there. */
function socketsFor(what) {
  if (sockets === undefined && unsaid) {
    unsaid = false;
    console.warn(`[playtrace] ${what}: add \`import "playtrace/websocket";\` beside the import of playtrace to trace WebSockets; until then they are not traced`);
  }
  return sockets !== undefined;
}

/** `instrument: { webSocket: true }`: wraps the constructor for `tracer` and returns the undo;
 * undefined where playtrace/websocket was not imported. */
export function wrapSockets(tracer) {
  return socketsFor("instrument.webSocket") ? sockets.wrap(tracer) : undefined;
}

// Numbers shared with the engine (core/layout.rs; tests/boundary_constants.rs checks them).
const CONTEXT_BYTES = 32, STRING_AT = 544;
const KIND_INTERNAL = 0, KIND_SERVER = 1, KIND_CLIENT = 2, KIND_PRODUCER = 3, KIND_CONSUMER = 4;
const BAGGAGE_SET = 0, BAGGAGE_GET = 1, BAGGAGE_REMOVE = 2;

const KINDS = new Map([
  ["internal", KIND_INTERNAL], ["server", KIND_SERVER], ["client", KIND_CLIENT], ["producer", KIND_PRODUCER], ["consumer", KIND_CONSUMER],
]);

const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? "0" : "") + i.toString(16));
const hex8 = (n) => HEX[n >>> 24] + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255];

/** A time argument: a number of milliseconds, or NaN for "now". */
const ms = (t) => (typeof t === "number" ? t : NaN);

export class Span {
  constructor(tracer, h, m) {
    this.t = tracer;
    this.h = h; // 0: not recording
    this.a = m[W]; this.b = m[W + 1]; this.c = m[W + 2]; this.d = m[W + 3];
    this.e = m[W + 4]; this.f = m[W + 5]; this.g = m[W + 6];
    this.s = m[W + 7] === 0 ? "" : decoder.decode(U8.subarray(BASE + CONTEXT_BYTES, BASE + CONTEXT_BYTES + m[W + 7]));
  }

  /** Writes this span's context where the engine reads a parent. */
  _put() {
    const m = words();
    m[W] = this.a; m[W + 1] = this.b; m[W + 2] = this.c; m[W + 3] = this.d;
    m[W + 4] = this.e; m[W + 5] = this.f; m[W + 6] = this.g;
    if (this.s === "") {
      m[W + 7] = 0;
    } else {
      m[W + 7] = encoder.encodeInto(this.s, U8.subarray(BASE + CONTEXT_BYTES, BASE + STRING_AT)).written;
    }
  }

  _live() {
    return this.h !== 0 && !this.t.d;
  }

  setAttribute(key, value) {
    if (this._live()) {
      try {
        setValue(this.h, key, value);
      } catch {
        counted(COUNT_CONVERSION_ERROR); // an array Proxy, a throwing element
      }
    }
    return this;
  }

  setAttributes(attributes) {
    if (this._live() && attributes !== null && typeof attributes === "object") {
      let keys;
      try {
        keys = Object.keys(attributes);
      } catch {
        counted(COUNT_CONVERSION_ERROR);
        return this;
      }
      for (const key of keys) {
        let value;
        try {
          value = attributes[key];
        } catch {
          counted(COUNT_CONVERSION_ERROR);
          continue;
        }
        this.setAttribute(key, value);
      }
    }
    return this;
  }

  addEvent(name, attributes, time) {
    if (this._live()) {
      guarded(() => {
        const n = text(name), pairs = readAttributes(attributes);
        pend(pairs);
        X.pt_event(this.h, put(n), ms(time));
      });
    }
    return this;
  }

  recordException(exception, time) {
    if (this._live()) guarded(() => this._exception(exception, time, 0));
  }

  /** An `exception` event from `value` (see `putError`) at `time`, else now; `fail` 1 also sets
   * an error status with its message. */
  _exception(value, time, fail) {
    X.pt_exception(this.h, ...putError(value), ms(time), fail);
  }

  setStatus(status) {
    if (this._live()) {
      guarded(() => {
        const s = status !== null && typeof status === "object" ? status : {};
        const code = s.code;
        const c = code === "ok" || code === 1 ? 1 : code === "error" || code === 2 ? 2 : 0;
        X.pt_status(this.h, c, c === 2 ? put(str(s.message)) : 0);
      });
    }
    return this;
  }

  /** The action failed with `error` (at `time`, else now): its exception and error status. */
  _fail(error, time) {
    if (this._live()) guarded(() => this._exception(error, time, 1));
  }

  updateName(name) {
    if (this._live()) {
      const n = text(name, null); // a name that cannot be read is skipped: the span keeps its own
      if (n !== null) X.pt_rename(this.h, put(n));
    }
    return this;
  }

  end(endTime) {
    if (this.h !== 0) {
      // The clock is read here rather than from wasm: one JS call instead of an import call.
      if (!this.t.d) X.pt_end(this.h, typeof endTime === "number" ? endTime : performance.now());
      this.h = 0;
    }
  }

  spanContext() {
    return {
      traceId: hex8(this.a) + hex8(this.b) + hex8(this.c) + hex8(this.d),
      spanId: hex8(this.e) + hex8(this.f),
      traceFlags: this.g & 255,
      sampled: (this.g & 1) === 1,
      traceState: this.s,
      isRemote: false,
    };
  }

  isRecording() {
    return this._live() && X.pt_is_recording(this.h) === 1;
  }
}

export class Tracer {
  /** @param {number} e */
  constructor(e) {
    this.e = e; // the number of the Rust engine behind this tracer, for `engine`
    this.d = false; // shut down
    this.stack = []; // withSpan spans, innermost last
  }

  /** The trace headers for `span` (a Span of this tracer), as a carrier object, written by the
   * engine (traceparent, tracestate, baggage) back through the scratch buffer. */
  _headers(span) {
    span._put();
    const carrier = {};
    const lines = traceHeaders();
    for (let i = 0; i + 1 < lines.length; i += 2) carrier[lines[i]] = lines[i + 1];
    return carrier;
  }

  /** Whether a span started now has a parent: a `withSpan` span or an open action. */
  _inAction() {
    return this.stack.length > 0 || X.pt_open_actions() > 0;
  }

  /** The CONSUMER span of a received message whose context `pt_extract` wrote: its child, or
   * the open action's child linked to it (the engine says which). */
  _startReceived(name, start) {
    const n = intern(name);
    const h = X.pt_answers() === 1 ? X.pt_start(n, KIND_CONSUMER, PARENT_GIVEN, start) : X.pt_start_linked(n, KIND_CONSUMER, start);
    return new Span(this, h, words());
  }

  /** Starts a span; `rule` is the parent rule when the options do not name a parent. Options
   * that cannot be read (a throwing getter, a Proxy) are counted and the span starts without
   * them. */
  _start(name, options, rule) {
    const n = intern(name);
    if (options !== undefined && options !== null && typeof options === "object") {
      try {
        return this._startWith(n, name, options, rule);
      } catch {
        counted(COUNT_CONVERSION_ERROR);
      }
    }
    return new Span(this, X.pt_start(n, KIND_INTERNAL, rule, performance.now()), words());
  }

  /** `_start` with options. Every option is read before the span starts, so one that throws
   * leaves nothing half started. A parent that is not a valid context leaves the span the
   * parent `rule` gives; a link whose context is not valid is dropped and counted. */
  _startWith(n, name, options, rule) {
    const parent = options.parent;
    const kind = KINDS.get(options.kind);
    const startTime = options.startTime;
    const attributes = options.attributes;
    const links = Array.isArray(options.links)
      ? options.links.map((l) => (l !== null && typeof l === "object" ? [l.context, readAttributes(l.attributes)] : [undefined, []]))
      : [];
    let mode = rule;
    if (parent === null) mode = PARENT_ROOT;
    else if (parent !== undefined && putContext(parent)) mode = PARENT_GIVEN;
    const start = typeof startTime === "number" ? startTime : performance.now();
    const span = new Span(this, X.pt_start(n, kind === undefined ? KIND_INTERNAL : kind, mode, start), words());
    if (attributes !== undefined) span.setAttributes(attributes);
    for (const [context, pairs] of links) {
      if (span._live()) {
        const valid = guarded(() => putContext(context), false);
        pend(pairs);
        X.pt_link(span.h, valid ? 1 : 0);
      }
    }
    return span;
  }

  startSpan(name, options) {
    return this._start(name, options, PARENT_IMPLICIT);
  }

  withSpan(span, fn) {
    if (!guarded(() => putContext(span), false)) return fn();
    X.pt_push_active();
    this.stack.push(span);
    try {
      return fn();
    } finally {
      this.stack.pop();
      X.pt_pop_active();
    }
  }

  activeSpan() {
    return this.stack[this.stack.length - 1];
  }

  action(name, options, fn) {
    // A new player action never nests in another open action: it starts its own trace unless
    // `withSpan` or `options.parent` says otherwise.
    const input = guarded(() => inputOf(options));
    const span = this._start(name, options, PARENT_ACTIVE_ONLY);
    span._put();
    const id = X.pt_action_begin();
    const settle = (error, failed) => {
      if (failed) span._fail(error);
      const t = performance.now();
      X.pt_action_end(id, t);
      if (input !== undefined && span._live()) awaitResult(span, input, t);
      else span.end(t);
    };
    let result;
    try {
      result = this.withSpan(span, () => fn(span));
    } catch (error) {
      settle(error, true);
      return Promise.reject(error);
    }
    return Promise.resolve(result).then(
      (value) => { settle(undefined, false); return value; },
      (error) => { settle(error, true); throw error; },
    );
  }

  frame(timestamp) {
    if (!this.d) frame(typeof timestamp === "number" ? timestamp : performance.now());
  }

  instrumentWebSocket(ws, options, early) {
    if (!socketsFor("instrumentWebSocket")) return ws;
    return guarded(() => sockets.instrument(this, ws, options, early), ws);
  }

  inject(carrier, span) {
    const source = span === undefined ? this.activeSpan() : span;
    guarded(() => {
      if (carrier === null || typeof carrier !== "object" || !putContext(source)) return;
      const lines = traceHeaders();
      for (let i = 0; i + 1 < lines.length; i += 2) {
        if (isHeaders(carrier)) carrier.set(lines[i], lines[i + 1]);
        else carrier[lines[i]] = lines[i + 1];
      }
    });
  }

  extract(carrier) {
    return guarded(() => {
      if (carrier === null || typeof carrier !== "object") return null;
      /** A header's value: a `Headers`' own, or a plain object's key in any case. */
      const read = (name) => {
        if (isHeaders(carrier)) return carrier.get(name);
        for (const key of Object.keys(carrier)) {
          if (key.toLowerCase() === name && typeof carrier[key] === "string") return carrier[key];
        }
        return undefined;
      };
      const traceparent = read("traceparent");
      if (typeof traceparent !== "string") return null;
      const n = put(traceparent), tracestate = read("tracestate");
      if (X.pt_extract(n, typeof tracestate === "string" ? put(tracestate, n) : 0) !== 1) return null;
      const context = new Span(this, 0, words()).spanContext();
      context.isRemote = true;
      const baggage = read("baggage");
      if (typeof baggage === "string") {
        X.pt_baggage_of(put(baggage));
        context.baggage = JSON.parse(taken(written()));
      }
      return context;
    }, null);
  }
  setBaggage(key, value) {
    const k = put(text(key));
    return X.pt_baggage(this.e, BAGGAGE_SET, k, put(text(value), k)) === 1;
  }
  getBaggage(key) { return X.pt_baggage(this.e, BAGGAGE_GET, put(text(key)), 0) < 0 ? undefined : taken(written()); }
  removeBaggage(key) { return X.pt_baggage(this.e, BAGGAGE_REMOVE, put(text(key)), 0) === 1; }
  flush() { if (!this.d) X.pt_flush(this.e); }
  /** A request made before the engine loaded, recorded by the package's early tracer. */
  _replayRequest(record) { if (!this.d) replayRequest(record); }
  stats() { return stats(this.e); }

  /** Resolves once every span has been answered by the endpoint, handed to a beacon, or kept
   * for the next visit. */
  shutdown() {
    if (!this.d) {
      finishAll(); // actions waiting for their result frame are sent with the rest
      this.d = true;
      // Registered first: with nothing in flight the engine settles at once.
      this.p = new Promise((resolve) => settling.set(this.e, resolve));
      X.pt_shutdown(this.e);
    }
    return this.p;
  }
}

/** `shutdown()`'s resolves, by engine number, until the engine settles. */
const settling = new Map();

/** Called by the engine numbered `e` once nothing of it is in flight after `shutdown()`. */
export function settled(e) {
  const resolve = settling.get(e);
  settling.delete(e);
  if (resolve !== undefined) resolve();
}

/** Whether `carrier` is a `Headers`. */
const isHeaders = (carrier) => typeof Headers !== "undefined" && carrier instanceof Headers;

/** The trace headers the engine writes for the context in the scratch buffer (traceparent, and
 * tracestate and baggage where there are any), as [name, value, ...]. */
function traceHeaders() {
  X.pt_trace_headers();
  const bytes = written();
  return bytes > 0 ? taken(bytes).split("\n") : [];
}

/** `f()`, or `fallback` (counted) if reading the game's values in it threw. */
function guarded(f, fallback) {
  try {
    return f();
  } catch {
    counted(COUNT_CONVERSION_ERROR);
    return fallback;
  }
}

/** Called by `init` (after it bound the boundary): the tracer game code holds, for the engine
 * numbered `e`. */
export function make_tracer(e) {
  return new Tracer(e);
}
