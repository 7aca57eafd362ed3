//! The tracing core, in pure Rust: no web-sys, no js-sys, no IO. It decides; the `web` layer
//! does what the browser must do. Everything here compiles and is tested natively.
//!
//! ```
//! use playtrace::core::encode::{Encoder, Format, Resource};
//! use playtrace::core::ids::IdGenerator;
//! use playtrace::core::propagation::TraceParent;
//! use playtrace::core::span::{SpanData, SpanKind, SpanLimits};
//! use playtrace::core::span_context::{SpanContext, TraceFlags};
//!
//! // A server received a request from a traced client...
//! let parent = SpanContext::from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", None).unwrap();
//! let mut ids = IdGenerator::from_seed(1);
//! let cx = SpanContext::new(parent.trace_id, ids.span_id(), parent.flags, false);
//! let mut span = SpanData::new(cx, Some(&parent), "GET /scores", SpanKind::Server, 1_000, SpanLimits::default());
//! span.end(2_000);
//! let enc = Encoder::new(Format::OtlpJson, &Resource::new("api"), "playtrace", "0.1.0");
//! let body = &enc.encode_bodies(&[span], 60_000, 512)[0];
//! assert!(body.json.contains("\"parentSpanId\":\"00f067aa0ba902b7\""));
//! ```

#![deny(missing_docs)]

pub mod background;
pub mod config;
pub mod context;
pub mod delivery;
pub mod diagnostics;
pub mod encode;
pub mod engine;
pub mod errors;
pub mod frames;
mod hex;
pub mod http;
pub mod ids;
pub mod layout;
pub mod preflight;
pub mod propagation;
pub mod queue;
pub mod sampler;
pub mod span;
pub mod span_context;
pub mod stats;
pub(crate) mod text;
pub mod tracer;
pub mod transport;
