// playtrace's JS API: Tracer and Span as game code sees them.
//
// A span is a small object holding a number (its handle in wasm) and its IDs. Every operation
// on the hot path is one direct call of a numeric wasm export (boundary.rs): span names and
// attribute keys are interned once, strings are written straight into wasm memory, and no
// Promise, closure or timer is made per span. Everything else, and every decision (sampling,
// parents, limits, queueing, encoding, transport), is the Rust engine's. Nothing here throws into
// game code for a bad value: such values are dropped and counted by the engine.

let X; // the wasm instance's exports
let BASE = 0; // the scratch buffer's address; words [BASE/4, BASE/4 + 8) are a context
let W = 0; // BASE / 4
let U32 = new Uint32Array(0);
let U8 = new Uint8Array(0);
let STR = new Uint8Array(0); // the string area of the scratch buffer
const STRING_AT = 544;
const MAX_INTERNED = 4096;
const IDS = new Map(); // interned names and keys -> IDs
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const KINDS = new Map([["internal", 0], ["server", 1], ["client", 2], ["producer", 3], ["consumer", 4]]);
// pt_start's parent rules.
const IMPLICIT = 0, ACTIVE_ONLY = 1, ROOT = 2, GIVEN = 3;

function views(base) {
  BASE = base;
  W = base >>> 2;
  const buffer = X.memory.buffer;
  U32 = new Uint32Array(buffer);
  U8 = new Uint8Array(buffer);
  STR = new Uint8Array(buffer, base + STRING_AT, U8.length - base - STRING_AT);
}

// Views of a grown memory are detached (length 0) and are made again.
function words() {
  if (U32.length === 0) views(BASE);
  return U32;
}

/** Writes `s` as UTF-8 into the string area; returns its length in bytes. */
function put(s) {
  if (typeof s !== "string") s = String(s);
  const n = s.length;
  let area = STR;
  if (area.length === 0 || n * 3 > area.length) {
    views(X.pt_scratch(n * 3));
    area = STR;
  }
  // Short ASCII, the usual attribute value, is copied by hand: cheaper than a TextEncoder call.
  if (n <= 32) {
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) break;
      area[i] = c;
    }
    if (i === n) return n;
  }
  return encoder.encodeInto(s, area).written;
}

/** The interned ID of a name or key. */
function intern(s) {
  let id = IDS.get(s);
  if (id === undefined) {
    if (IDS.size >= MAX_INTERNED) {
      IDS.clear();
      X.pt_intern_clear();
    }
    id = X.pt_intern(put(s));
    IDS.set(s, id);
  }
  return id;
}

const hex8 = (n) => (n >>> 0).toString(16).padStart(8, "0");

/** A time argument: a number of milliseconds, or NaN for "now". */
const ms = (t) => (typeof t === "number" ? t : NaN);

export class Span {
  constructor(tracer, h, m) {
    this.t = tracer;
    this.h = h; // 0: not recording
    this.a = m[W]; this.b = m[W + 1]; this.c = m[W + 2]; this.d = m[W + 3];
    this.e = m[W + 4]; this.f = m[W + 5]; this.g = m[W + 6];
    this.s = m[W + 7] === 0 ? "" : decoder.decode(U8.subarray(BASE + 32, BASE + 32 + m[W + 7]));
  }

  /** Writes this span's context where the engine reads a parent. */
  _put() {
    const m = words();
    m[W] = this.a; m[W + 1] = this.b; m[W + 2] = this.c; m[W + 3] = this.d;
    m[W + 4] = this.e; m[W + 5] = this.f; m[W + 6] = this.g;
    if (this.s === "") {
      m[W + 7] = 0;
    } else {
      const n = encoder.encodeInto(this.s, U8.subarray(BASE + 32, BASE + 544)).written;
      words()[W + 7] = n;
    }
  }

  _live() {
    return this.h !== 0 && !this.t.d;
  }

  setAttribute(key, value) {
    if (this.h !== 0 && !this.t.d) {
      switch (typeof value) {
        case "number": X.pt_attr_num(this.h, intern(key), value); break;
        case "string": { const k = intern(key); X.pt_attr_str(this.h, k, put(value)); break; }
        case "boolean": X.pt_attr_bool(this.h, intern(key), value ? 1 : 0); break;
        default: this.t.e.setAttributeValue(this.h, String(key), value);
      }
    }
    return this;
  }

  setAttributes(attributes) {
    if (this._live() && attributes !== null && typeof attributes === "object") {
      for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    }
    return this;
  }

  addEvent(name, attributes, time) {
    if (this._live()) this.t.e.addEvent(this.h, String(name), attributes, ms(time));
    return this;
  }

  recordException(exception, time) {
    if (this._live()) this.t.e.recordException(this.h, exception, ms(time));
  }

  setStatus(status) {
    if (this._live()) this.t.e.setStatus(this.h, status);
    return this;
  }

  updateName(name) {
    if (this._live()) this.t.e.updateName(this.h, String(name));
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
      traceFlags: this.g,
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
  constructor(engine) {
    this.e = engine; // the Rust engine: everything off the hot path
    this.d = false; // shut down
    this.stack = []; // withSpan spans, innermost last
  }

  /** Starts a span; `rule` is the parent rule when the options do not name a parent. */
  _start(name, options, rule) {
    const n = intern(name);
    if (options === undefined || options === null || typeof options !== "object") {
      return new Span(this, X.pt_start(n, 0, rule, performance.now()), words());
    }
    const parent = options.parent;
    let mode = rule;
    if (parent === null) mode = ROOT;
    else if (parent instanceof Span) { parent._put(); mode = GIVEN; }
    else if (parent !== undefined || options.links !== undefined) {
      // A context from extract() or another SDK, or links: the engine reads the options.
      return new Span(this, this.e.startWith(String(name), options, rule === IMPLICIT), words());
    }
    const kind = KINDS.get(options.kind);
    const start = typeof options.startTime === "number" ? options.startTime : performance.now();
    const span = new Span(this, X.pt_start(n, kind === undefined ? 0 : kind, mode, start), words());
    if (options.attributes !== undefined) span.setAttributes(options.attributes);
    return span;
  }

  startSpan(name, options) {
    return this._start(name, options, IMPLICIT);
  }

  withSpan(span, fn) {
    if (span instanceof Span) {
      span._put();
      X.pt_push_active();
    } else if (!this.e.pushActive(span)) {
      return fn();
    }
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
    const span = this._start(name, options, ACTIVE_ONLY);
    span._put();
    const id = X.pt_action_begin();
    const settle = (error, failed) => {
      if (failed && span._live()) this.e.fail(span.h, error);
      X.pt_action_end(id);
      span.end();
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

  inject(carrier, span) {
    const source = span === undefined ? this.activeSpan() : span;
    if (source !== undefined && source !== null) this.e.inject(carrier, source);
  }

  extract(carrier) { return this.e.extract(carrier); }
  setBaggage(key, value) { return this.e.setBaggage(String(key), String(value)); }
  getBaggage(key) { return this.e.getBaggage(String(key)); }
  removeBaggage(key) { return this.e.removeBaggage(String(key)); }
  flush() { if (!this.d) this.e.flush(); }
  stats() { return this.e.stats(); }

  shutdown() {
    if (!this.d) {
      this.d = true;
      this.e.shutdown();
    }
  }
}

/** Called once by `init`: binds this module to the wasm instance and wraps the engine. */
export function make_tracer(engine, exports, scratch) {
  X = exports;
  views(scratch);
  return new Tracer(engine);
}
