//! playtrace: end-to-end traces for browser games, from a player's click to the servers.
//!
//! [`core`] is the tracing model in pure Rust (IDs, W3C propagation, spans, samplers, the batch
//! queue, OTLP and Zipkin encoders). The `web` module, built only for `wasm32`, is the thin
//! wasm-bindgen layer that game code calls from JavaScript.

#![deny(missing_docs)]

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod web;
