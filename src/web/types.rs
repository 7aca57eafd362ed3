//! The TypeScript surface: option and result shapes, so a game gets real types, not `any`.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** A value an attribute can hold. Arrays must be homogeneous. */
export type AttributeValue = string | number | boolean | bigint | string[] | number[] | boolean[];
/** Attributes; values without an attribute type (null, objects) are dropped and counted. */
export type Attributes = Record<string, AttributeValue | null | undefined>;
/**
 * A time in milliseconds: since the Unix epoch (`Date.now()`), or since the page's time origin
 * (`performance.now()`, the `requestAnimationFrame` timestamp). Omit it to use the clock.
 */
export type TimeInput = number;
export type SpanKindName = "internal" | "server" | "client" | "producer" | "consumer";
/** How new traces are sampled. `parent-based` follows the caller's decision for child spans. */
export type SamplerConfig =
  | "always" | "never" | "parent-based"
  | { type: "always" } | { type: "never" }
  | { type: "ratio"; rate: number }
  | { type: "rate-limited"; rate: number }
  | { type: "parent-based"; root?: SamplerConfig }
  /** Keeps `rate` of play sessions (by `session.id`), each whole; a dropped one still propagates. */
  | { type: "session"; rate: number };
export interface PlaytraceConfig {
  /** `service.name` of every span; required. */
  serviceName: string;
  serviceVersion?: string;
  /** `deployment.environment.name`. */
  environment?: string;
  resourceAttributes?: Attributes;
  /** Collector URL (http or https), or a path on this origin. Default `/v1/traces`. */
  endpoint?: string;
  /** Default `otlp` (OTLP/HTTP JSON). `console` prints each span as it ends. */
  format?: "otlp" | "zipkin" | "console";
  /** Default parent-based, always on for new traces. */
  sampler?: SamplerConfig;
  /** Spans held at most before new ones are dropped and counted. Default 2048. */
  queueSize?: number;
  /** Spans in one request at most. Default 512. */
  batchSize?: number;
  /** Bytes in one request body at most, 1024 to 65536. Default 60000. */
  batchBytes?: number;
  /**
   * The longest a finished span waits before it is sent while the page is visible (a full
   * batch or body goes at once; hiding or leaving the page sends everything). Default 30000:
   * a request every 30 s is what a collector paid per request can afford for every player. Set
   * 1000 in development to see each action within a second.
   */
  flushIntervalMs?: number;
  /** Spans still open after this long are ended and marked `playtrace.span.timed_out`. Default 30000. */
  spanTimeoutMs?: number;
  /** Characters kept of each string attribute value. Default: no limit. */
  attributeValueLengthLimit?: number;
  /** When false nothing is recorded or sent; the API keeps working. Default true. */
  enabled?: boolean;
  /**
   * Say each kind of decision the runtime makes (sampled out, dropped, trimmed, a transport
   * fallback, a failed send, spans kept for the next visit, a request without trace headers,
   * gzip refused by the collector's CORS, a CORS preflight not kept: debug times a few empty
   * requests to the endpoint to tell) once, with `console.info`. Its texts are in `debug.js`,
   * fetched beside the wasm at the first thing said. Default false.
   */
  debug?: boolean;
  /**
   * `include` (default for OTLP): bodies go by `sendBeacon` first, which always sends the
   * page's cookies, so a collector on another origin must answer CORS with
   * `Access-Control-Allow-Credentials: true`. `omit` (default for Zipkin, whose server cannot
   * allow credentials): never `sendBeacon`; `fetch` with `keepalive` and `fetchLater`, without
   * cookies.
   */
  credentials?: "include" | "omit";
  /**
   * `gzip` (default): bodies sent by `fetch` go gzipped (`Content-Encoding: gzip`) where the
   * browser has `CompressionStream`; beacons stay plain. A collector on another origin must
   * allow the `Content-Encoding` request header in its CORS; where it does not, bodies go plain
   * from then on. `none` (default for Zipkin, whose CORS does not allow the header; a Zipkin
   * on the page's own origin takes gzip): always plain.
   */
  compression?: "gzip" | "none";
  /**
   * Record uncaught errors and unhandled rejections: an `exception` event (type, message,
   * stack) on the open action, or a short `exception` span when none is open. A repeat within
   * a minute, or more than 20 a minute, is only counted. Default true.
   */
  captureErrors?: boolean;
  /**
   * A frame longer than this many milliseconds is a long frame: recorded as a `long-frame`
   * event on the action it fell in, and counted in the jank summary outside actions. Default
   * 33.3 (two frames at 60 Hz).
   */
  frameBudgetMs?: number;
  /**
   * Feed frame times from a `requestAnimationFrame` loop, for games that do not call
   * `tracer.frame()` from their own. Default false.
   */
  observeFrames?: boolean;
  /**
   * Record each Long Animation Frame (where the browser reports them) that overlaps an action
   * as its `long-animation-frame` child span, with the script the browser blames (source URL,
   * function, invoker, duration); those outside actions go into the jank summary. Default true.
   */
  longAnimationFrames?: boolean;
  /**
   * An action started from an input event (`action(name, { event }, fn)`, or the input event
   * being dispatched when it starts) records, from the browser's Event Timing entry,
   * `input.delay_ms`, `input.processing_ms` and `input.presentation_delay_ms` (the browser
   * reports interactions of 16 ms or more), and `action.result_frame_ms`: from the input's
   * timestamp to the first animation frame after the action settled (and
   * `action.result_frame_wait_ms`, the part after it settled). The span keeps its
   * settle time as its end and is sent after that frame. Default true.
   */
  inputTiming?: boolean;
  /**
   * Automatic client spans for `fetch` and `XMLHttpRequest` (default both true), and for every
   * `WebSocket` the page opens, with the default JSON hooks of `instrumentWebSocket` (default
   * false; needs `import "playtrace/websocket";`).
   */
  instrument?: { fetch?: boolean; xhr?: boolean; webSocket?: boolean };
  /**
   * Other origins (`https://api.example.com`), URL prefixes or RegExps whose requests get trace
   * headers. The page's own origin always does; anything else gets none.
   */
  propagateTo?: Array<string | RegExp>;
  /** URL prefixes or RegExps whose requests are not traced. The collector never is. */
  ignoreUrls?: Array<string | RegExp>;
  /** Query keys whose values `url.full` redacts, besides the semantic conventions' defaults. */
  redactQueryParams?: string[];
  /**
   * Requests made outside any action, with no parent of their own (asset loads, heartbeats):
   * `span` (default) puts every one that starts between two flushes under one `background`
   * span (`playtrace.background.requests` counts them), so a loader makes one trace, not one
   * per file; `trace` makes each its own trace; `none` traces none of them (no span, no
   * `traceparent`). A request given a parent (`playtraceParent`, `withSpan`) is never grouped.
   */
  background?: "span" | "trace" | "none";
}
/** What identifies a span across services. */
export interface SpanContextInfo {
  traceId: string;
  spanId: string;
  /** W3C trace flags: 1 sampled, 2 random (Level 2). */
  traceFlags?: number;
  sampled: boolean;
  traceState: string;
  isRemote: boolean;
  /** Baggage read by `extract`. */
  baggage?: Record<string, string>;
}
export interface SpanLink {
  context: SpanContextInfo | Span;
  attributes?: Attributes;
}
export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKindName;
  /** The parent; `null` starts a new trace. Default: the `withSpan` span, else the open action. */
  parent?: Span | SpanContextInfo | null;
  startTime?: TimeInput;
  links?: SpanLink[];
}
export interface ActionOptions extends SpanOptions {
  /**
   * The input event this action answers, for an action started outside the event's handler
   * (a game that queues input for its frame loop). Default: the UI event being dispatched.
   */
  event?: Event;
}
export interface SpanStatus {
  code: "unset" | "ok" | "error";
  message?: string;
}
declare global {
  interface RequestInit {
    /** playtrace: the parent of this request's span (`null`: none); default the open action. */
    playtraceParent?: Span | SpanContextInfo | null;
  }
}
/** How trace context travels in a WebSocket's messages. */
export interface WebSocketHooks {
  /**
   * Returns the message to send with the trace context (`carrier`: `traceparent`, and
   * `tracestate` and `baggage` when there are any) in it. Default: the carrier's fields are
   * added to a JSON object message; any other message is sent as it is.
   */
  inject?: (data: any, carrier: Record<string, string>) => any;
  /**
   * Returns the trace context a received message carries (an object with `traceparent`, and
   * optionally `tracestate` and `baggage`), or undefined. Default: the fields of a JSON object
   * message.
   */
  extract?: (data: any) => Record<string, string> | undefined;
  /** The span names' destination (`send <destination>`). Default: the URL's path. */
  destination?: string;
}
/** Where trace headers are written to or read from. */
export type Carrier = Record<string, string> | Headers;
/** What the tracer did since `init` (counters), and what is under way now (gauges). */
export interface TracerStats {
  spansStarted: number; spansEnded: number; sampledOut: number; timedOut: number; trimmed: number;
  droppedQueueFull: number; droppedTooLarge: number;
  /** Spans given up: the endpoint refused them (4xx, 500), a retryable answer (429, 502-504)
   * came five times, or newer bodies pushed them out while the endpoint failed. */
  droppedSendFailed: number; droppedStorageFull: number;
  /** Gauges: spans waiting to be batched; in requests not answered yet; waiting for a failing
   * endpoint (retried with backoff, kept for the next visit if the page closes). */
  queued: number; sending: number; waiting: number;
  /** Spans in bodies the endpoint answered with 2xx. Nothing else counts as exported. */
  exported: number;
  /** Spans handed to `sendBeacon` or `fetchLater` as the page went away: queued by the
   * browser, but no page can see whether they arrived. */
  beaconed: number;
  /** Bodies handed to any transport (retries included), and their bytes. */
  bodiesSent: number; bytesSent: number; bodiesGzipped: number;
  beaconsSent: number; beaconsRefused: number;
  /** Bodies sent by `fetch` with `keepalive`, by plain `fetch`, and by `fetchLater`. */
  fetchKeepalive: number; fetchPlain: number; fetchLater: number;
  /** Attempts that got no 2xx (no answer, CORS refused, or another status), and retries. */
  sendFailures: number; retries: number;
  /** Spans kept in localStorage for the next visit, and spans an earlier visit kept and this
   * one sent (a second after `init`). */
  persisted: number; recovered: number; printed: number;
  /** Uncaught errors and unhandled rejections recorded, and those only counted (repeats, floods). */
  errorsRecorded: number; errorsSuppressed: number;
  /** WebSocket `inject` or `extract` hooks that threw (the message went as the game sent it). */
  hookErrors: number;
  /** Values whose conversion threw (a throwing `toString`, a Proxy, a getter): skipped. */
  conversionErrors: number;
  /** Names and keys longer than 1,024 characters, cut to that. */
  namesCut: number;
}
/** One unit of work: a player action, a request, a level load. Methods never throw. */
export interface Span {
  /** Sets one attribute; a value without an attribute type is dropped and counted. */
  setAttribute(key: string, value: AttributeValue | null | undefined): this;
  setAttributes(attributes: Attributes): this;
  /** Records an event (at `time`, or now). */
  addEvent(name: string, attributes?: Attributes, time?: TimeInput): this;
  /** An `exception` event with the error's type, message and stack; the status is left alone. */
  recordException(exception: unknown, time?: TimeInput): void;
  setStatus(status: SpanStatus): this;
  updateName(name: string): this;
  /** Ends the span (at `endTime`, or now). Later calls do nothing. */
  end(endTime?: TimeInput): void;
  /** IDs, flags and trace state, for propagation or as another span's parent. */
  spanContext(): SpanContextInfo;
  /** Sampled and not yet ended. */
  isRecording(): boolean;
}
/** Creates spans and carries trace context for one game. */
export interface Tracer {
  /**
   * Starts a span. Its parent is `options.parent` if given (`null` for a new trace), else the
   * span active through `withSpan`, else the most recently started open `action`, else none.
   */
  startSpan(name: string, options?: SpanOptions): Span;
  /**
   * Runs a player action: starts a span, calls `fn(span)`, and ends the span when the promise
   * `fn` returns settles (a rejection is recorded as an exception and an error status). While
   * the action is open it is the implicit parent of `fetch` and XHR spans, also after `await`s.
   * Resolves or rejects exactly as `fn`'s promise does. Started from an input event
   * (`options.event`, or the one being dispatched), it also measures input to result (see
   * `inputTiming`).
   */
  action<T>(name: string, options: ActionOptions | undefined, fn: (span: Span) => T | Promise<T>): Promise<T>;
  /** Runs `fn` with `span` as the active parent, and returns what `fn` returns. */
  withSpan<T>(span: Span | SpanContextInfo, fn: () => T): T;
  /** The span made active by the innermost `withSpan`, if any. */
  activeSpan(): Span | SpanContextInfo | undefined;
  /**
   * Traces a WebSocket and returns it: each `send` inside an action (or `withSpan`) is a
   * PRODUCER span whose context `hooks.inject` writes into the message; each received message
   * in which `hooks.extract` finds a context is a CONSUMER span, that context's child (or, while
   * an action of another trace is open, the action's child linked to it); opening and closing
   * are `connect` and `close` spans, and a close after an error or not clean has error status.
   * Needs `import "playtrace/websocket";` beside the import of playtrace (WebSocket tracing
   * ships apart); without it the socket is returned untraced and the console says so once.
   */
  instrumentWebSocket<S extends WebSocket>(ws: S, hooks?: WebSocketHooks): S;
  /** Writes `traceparent` (and `tracestate`, `baggage`) for `span`, or the active span. */
  inject(carrier: Carrier, span?: Span | SpanContextInfo): void;
  /** Reads trace context; `null` without a valid `traceparent`. Use the result as `parent`. */
  extract(carrier: Carrier): SpanContextInfo | null;
  /** Sets a baggage entry sent with every `inject`; false for an invalid key. */
  setBaggage(key: string, value: string): boolean;
  getBaggage(key: string): string | undefined;
  removeBaggage(key: string): boolean;
  /**
   * Records a frame: call it once per frame with the `requestAnimationFrame` timestamp (or
   * `performance.now()`, the default). It costs a few stores. Each action then carries the frames
   * it spanned (`frames.count`, `frames.p50_ms`, `frames.p95_ms`, `frames.max_ms`,
   * `frames.long_count`) and a `long-frame` event per frame over `frameBudgetMs`; frames over
   * it outside actions are summarised in one `jank` span per flush interval.
   */
  frame(timestamp?: number): void;
  /** Sends every queued span now. */
  flush(): void;
  /**
   * Sends what is queued, removes listeners, timers and instrumentation, and uninstalls. The
   * promise resolves once every span has been answered by the endpoint, handed to a beacon
   * (the page is hidden), or kept for the next visit; `stats()` is final then.
   */
  shutdown(): Promise<void>;
  /** Counters since `init`, and the spans queued now. */
  stats(): TracerStats;
}
"#;
