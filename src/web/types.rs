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
  | { type: "parent-based"; root?: SamplerConfig };
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
  /** The longest a finished span waits before it is sent. Default 2000. */
  flushIntervalMs?: number;
  /** Spans still open after this long are ended and marked `playtrace.span.timed_out`. Default 30000. */
  spanTimeoutMs?: number;
  /** Characters kept of each string attribute value. Default: no limit. */
  attributeValueLengthLimit?: number;
  /** When false nothing is recorded or sent; the API keeps working. Default true. */
  enabled?: boolean;
  /** Automatic client spans for `fetch` and `XMLHttpRequest`. Default both true. */
  instrument?: { fetch?: boolean; xhr?: boolean };
  /**
   * Other origins (`https://api.example.com`), URL prefixes or RegExps whose requests get trace
   * headers. The page's own origin always does; anything else gets none.
   */
  propagateTo?: Array<string | RegExp>;
  /** URL prefixes or RegExps whose requests are not traced. The collector never is. */
  ignoreUrls?: Array<string | RegExp>;
  /** Query keys whose values `url.full` redacts, besides the semantic conventions' defaults. */
  redactQueryParams?: string[];
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
/** Where trace headers are written to or read from. */
export type Carrier = Record<string, string> | Headers;
export interface TracerStats {
  spansStarted: number; spansEnded: number; sampledOut: number; timedOut: number; trimmed: number;
  droppedQueueFull: number; droppedTooLarge: number; droppedSendFailed: number; droppedStorageFull: number;
  queued: number; exported: number; bodiesSent: number; bytesSent: number;
  beaconsSent: number; beaconsRefused: number;
  fallbackKeepalive: number; fallbackFetch: number; fallbackFetchLater: number; retries: number;
  persisted: number; recovered: number; printed: number;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// `PlaytraceConfig` from JS.
    #[wasm_bindgen(typescript_type = "PlaytraceConfig")]
    pub type ConfigInput;
    /// `SpanOptions` from JS.
    #[wasm_bindgen(typescript_type = "SpanOptions")]
    pub type SpanOptionsInput;
    /// `Attributes` from JS.
    #[wasm_bindgen(typescript_type = "Attributes")]
    pub type AttributesInput;
    /// `AttributeValue` from JS.
    #[wasm_bindgen(typescript_type = "AttributeValue")]
    pub type AttributeValueInput;
    /// `SpanStatus` from JS.
    #[wasm_bindgen(typescript_type = "SpanStatus")]
    pub type StatusInput;
    /// `Carrier` from JS.
    #[wasm_bindgen(typescript_type = "Carrier")]
    pub type CarrierInput;
    /// `SpanContextInfo` to JS.
    #[wasm_bindgen(typescript_type = "SpanContextInfo")]
    pub type SpanContextOutput;
    /// `SpanContextInfo | null` to JS.
    #[wasm_bindgen(typescript_type = "SpanContextInfo | null")]
    pub type MaybeSpanContextOutput;
    /// A `Span` (or anything with `spanContext()`) from JS.
    #[wasm_bindgen(typescript_type = "Span")]
    pub type SpanInput;
    /// The callback of `withSpan`.
    #[wasm_bindgen(typescript_type = "() => any")]
    pub type SpanCallback;
    /// The callback of `action`.
    #[wasm_bindgen(typescript_type = "(span: Span) => unknown")]
    pub type ActionCallback;
    /// `TracerStats` to JS.
    #[wasm_bindgen(typescript_type = "TracerStats")]
    pub type StatsOutput;
}
