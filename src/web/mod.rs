//! The browser side: the wasm-bindgen API that game code calls. It only does what needs the
//! browser (clock, entropy, JS values, timers, listeners, transports, storage); every decision
//! is made in [`crate::core`].

mod api;
mod attributes;
mod clock;
mod config;
mod fetch;
mod runtime;
mod types;
mod xhr;

pub use api::{get_tracer, init, Span, Tracer};
pub use types::*;
