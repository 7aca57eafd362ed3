//! The browser side: the JS API that game code calls (`api.js` on the hot path, `api.rs` for the
//! rest) and what needs the browser (clock, entropy, JS values, timers, listeners, transports,
//! storage, instrumentation). Every decision is made in [`crate::core`].

mod api;
mod attributes;
mod boundary;
mod clock;
mod config;
mod errors;
mod frame_ring;
mod frames;
mod http_span;
mod input;
mod instrument;
mod js;
mod lifecycle;
mod page_load;
mod propagation;
mod runtime;
mod scratch;
mod transport;
mod types;
mod websocket;

pub use boundary::{get_tracer, init, Engine};
