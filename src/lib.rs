//! playtrace: end-to-end traces for browser games, from a player's click to the servers.
//!
//! [`core`] is the tracing model in pure Rust (IDs, W3C propagation, spans, samplers, the batch
//! queue, OTLP and Zipkin encoders). The `web` module, built only for `wasm32`, is the thin
//! wasm-bindgen layer that game code calls from JavaScript.

#![deny(missing_docs)]

pub mod core;
// The wasm's allocator; built natively only for its tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod heap;

/// The instrumentation scope name written into every export.
pub const SCOPE_NAME: &str = "playtrace";
/// This crate's version, the instrumentation scope version.
pub const SCOPE_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(target_arch = "wasm32")]
pub mod web;
