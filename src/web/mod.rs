//! The browser side: the JS API that game code calls (`api.js` on the hot path, `api.rs` for the
//! rest) and what needs the browser (clock, entropy, JS values, timers, listeners, transports,
//! storage, instrumentation). Every decision is made in [`crate::core`].

#[doc(hidden)]
pub mod api;
#[doc(hidden)]
pub mod attributes;
mod clock;
#[doc(hidden)]
pub mod config;
mod debug;
#[doc(hidden)]
pub mod errors;
mod frame_ring;
#[doc(hidden)]
pub mod frames;
#[doc(hidden)]
pub mod http_span;
mod input;
mod instrument;
#[doc(hidden)]
pub mod lifecycle;
#[doc(hidden)]
pub mod page_load;
#[doc(hidden)]
pub mod propagation;
#[doc(hidden)]
pub mod runtime;
#[doc(hidden)]
pub mod scratch;
#[doc(hidden)]
pub mod transport;
mod types;
#[doc(hidden)]
pub mod websocket;
