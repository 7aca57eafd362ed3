// @ts-check
// WebSocket traces: `tracer.instrumentWebSocket(ws, { inject, extract })`. Each `send` made
// inside an action (or a `withSpan`) is a PRODUCER span whose context `inject` writes into the
// outgoing message; each received message in which `extract` finds a context is a CONSUMER
// span, the child of that context, or, when an action of another trace is open, the action's
// child with a link to it. The connection's opening, its closing and its errors are spans too.
// The default hooks carry `traceparent`, `tracestate` and `baggage` as fields of a JSON object
// message. Nothing here throws into the game: a hook that throws is counted (`hookErrors`) and
// the message goes as the game sent it.

import { X, put } from "./boundary.js";

// `pt_start`'s parent code for the implicit parent (core/layout.rs; tests/boundary_constants.rs).
const PARENT_IMPLICIT = 0;

const MARK = Symbol.for("playtrace.websocket");

/** Adds the carrier's fields to a JSON object message; anything else is sent as it is. */
function injectJson(data, carrier) {
  let message;
  try {
    message = typeof data === "string" ? JSON.parse(data) : undefined;
  } catch {
    return data;
  }
  if (message === null || typeof message !== "object" || Array.isArray(message)) return data;
  return JSON.stringify(Object.assign(message, carrier));
}

/** The trace fields of a JSON object message that has a `traceparent` field. */
function extractJson(data) {
  if (typeof data !== "string" || !data.includes('"traceparent"')) return undefined;
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (message === null || typeof message !== "object" || typeof message.traceparent !== "string") return undefined;
  const carrier = { traceparent: message.traceparent };
  if (typeof message.tracestate === "string") carrier.tracestate = message.tracestate;
  if (typeof message.baggage === "string") carrier.baggage = message.baggage;
  return carrier;
}

/** A carrier's string field, its key in any case (as header names are). */
function field(carrier, name) {
  let value = carrier[name];
  if (value === undefined) {
    const key = Object.keys(carrier).find((k) => k.toLowerCase() === name);
    if (key !== undefined) value = carrier[key];
  }
  return typeof value === "string" ? value : undefined;
}

/** A message's size in bytes: UTF-8 for text. */
function size(data) {
  if (typeof data === "string") {
    let n = data.length;
    for (let i = 0; i < data.length; i++) {
      const c = data.charCodeAt(i);
      if (c > 0x7f) n += c > 0x7ff && (c < 0xd800 || c > 0xdfff) ? 2 : 1;
    }
    return n;
  }
  if (data !== null && typeof data === "object") {
    if (typeof data.byteLength === "number") return data.byteLength;
    if (typeof data.size === "number") return data.size;
  }
  return -1;
}

/** Where the socket goes, as span attributes. */
function where(ws, destination) {
  const attributes = { "network.protocol.name": "websocket", "messaging.destination.name": destination };
  try {
    const url = new URL(ws.url);
    attributes["server.address"] = url.hostname;
    attributes["server.port"] = Number(url.port) || (url.protocol === "wss:" ? 443 : 80);
  } catch {
    // A socket without a readable URL is still traced.
  }
  return attributes;
}

/** Sets a message span's attributes: the socket's, the operation and the message's size. */
function describe(span, entries, operation, data) {
  for (let i = 0; i < entries.length; i++) span.setAttribute(entries[i][0], entries[i][1]);
  span.setAttribute("messaging.operation.type", operation);
  span.setAttribute("messaging.operation.name", operation);
  const bytes = size(data);
  if (bytes >= 0) span.setAttribute("messaging.message.body.size", bytes);
  return span;
}

/**
 * `instrument: { webSocket: true }`: every WebSocket the page opens from now on is traced with
 * the default hooks. Returns what undoes it.
 */
export function wrapWebSocket(tracer) {
  const g = globalThis;
  const Original = g.WebSocket;
  if (typeof Original !== "function") return () => {};
  const Traced = class WebSocket extends Original {
    /** @param {[string | URL, (string | string[])?]} args */
    constructor(...args) {
      super(...args);
      try {
        instrumentWebSocket(tracer, this);
      } catch {
        // The socket works untraced.
      }
    }
  };
  g.WebSocket = Traced;
  return () => {
    if (g.WebSocket === Traced) g.WebSocket = Original;
  };
}

/**
 * Traces `ws` for `tracer` (api.js); `early` is what the package's early tracer saw before the
 * engine loaded: `{ start, opened }` in page milliseconds. Returns `ws`.
 */
export function instrumentWebSocket(tracer, ws, options, early) {
  if (ws === null || typeof ws !== "object" || typeof ws.send !== "function" || ws[MARK] === true) return ws;
  const o = options !== null && typeof options === "object" ? options : {};
  const inject = typeof o.inject === "function" ? o.inject : injectJson;
  const extract = typeof o.extract === "function" ? o.extract : extractJson;
  let destination = typeof o.destination === "string" ? o.destination : "";
  if (destination === "") {
    try {
      destination = new URL(ws.url).pathname;
    } catch {
      destination = "websocket";
    }
  }
  const attributes = where(ws, destination);
  const entries = Object.entries(attributes);
  const sending = `send ${destination}`;
  const receiving = `receive ${destination}`;
  ws[MARK] = true;

  // The connection: open from here (or from when the early tracer saw it) until `open`.
  let connect;
  let connected;
  let errors = 0;
  const begin = early !== undefined ? early.start : performance.now();
  if (ws.readyState <= 1) {
    connect = tracer._start(`connect ${destination}`, { kind: "client", attributes, startTime: begin }, PARENT_IMPLICIT);
    connected = connect.spanContext();
    if (ws.readyState === 1) {
      connect.end(early !== undefined && early.opened !== undefined ? early.opened : performance.now());
      connect = undefined;
    }
  }
  const opened = () => {
    if (connect !== undefined) connect.end();
    connect = undefined;
  };
  const failed = () => {
    errors++;
  };
  const closed = (e) => {
    try {
      record(e);
    } catch {
      // The game's own close listeners run all the same.
    }
    ws.removeEventListener("open", opened);
    ws.removeEventListener("error", failed);
    ws.removeEventListener("close", closed);
    ws.removeEventListener("message", received);
  };
  const record = (e) => {
    const close = { "websocket.close.code": e.code, "websocket.close.was_clean": e.wasClean, "websocket.errors": errors };
    if (e.reason !== "") close["websocket.close.reason"] = e.reason;
    const error = !e.wasClean || errors > 0;
    const status = { code: "error", message: e.reason || `closed with code ${e.code}` };
    if (connect !== undefined) {
      // It never opened.
      connect.setAttributes(close).setStatus(status).end();
      connect = undefined;
    } else {
      const options = { kind: "client", attributes: { ...attributes, ...close } };
      if (connected !== undefined) options.links = [{ context: connected }];
      const span = tracer._start(`close ${destination}`, options, PARENT_IMPLICIT);
      if (error) span.setStatus(status);
      span.end();
    }
  };
  const received = (e) => {
    let carrier;
    try {
      carrier = extract(e.data);
    } catch {
      X.pt_hook_error();
      return;
    }
    if (carrier === null || typeof carrier !== "object" || tracer.d) return;
    try {
      const traceparent = field(carrier, "traceparent");
      if (traceparent === undefined) return;
      const tracestate = field(carrier, "tracestate");
      const n = put(traceparent);
      if (X.pt_extract(n, tracestate === undefined ? 0 : put(tracestate, n)) === 0) return;
      // An answer in the open action's trace continues it; a message of another trace (another
      // player's move) is linked from the action instead.
      const span = tracer._startReceived(receiving, e.timeStamp);
      describe(span, entries, "receive", e.data).end();
    } catch {
      // The game's own listeners get the message all the same.
    }
  };
  ws.addEventListener("open", opened);
  ws.addEventListener("error", failed);
  ws.addEventListener("close", closed);
  ws.addEventListener("message", received);

  const send = ws.send;
  ws.send = function (data) {
    if (this !== ws || tracer.d || !tracer._inAction()) return send.call(this, data);
    let span;
    let out = data;
    try {
      span = tracer._start(sending, { kind: "producer" }, PARENT_IMPLICIT);
      const carrier = tracer._headers(span);
      try {
        const injected = inject(data, carrier);
        if (injected !== undefined) out = injected;
      } catch {
        X.pt_hook_error();
      }
      describe(span, entries, "send", out);
    } catch {
      // Traced or not, the message goes, once.
    }
    try {
      return send.call(ws, out);
    } catch (error) {
      // The socket's own error (not open yet, say) is the game's, as without playtrace.
      if (span !== undefined) span.setStatus({ code: "error", message: error && error.message ? String(error.message) : String(error) });
      throw error;
    } finally {
      if (span !== undefined) span.end();
    }
  };
  return ws;
}
