//! The engine, sans-IO: it takes events and returns commands, and the browser driver
//! (`web::runtime`) turns the browser's events into its events and applies its commands once
//! it has returned, so no JS is ever called while the engine's state is borrowed.
//!
//! Events are method calls with what the browser knows at that moment (the clock, whether the
//! page is hidden, an answer); commands are the [`export::Command`]s pushed to the caller's
//! list, applied in order. A command whose outcome the engine needs (a `fetch`, a beacon, a
//! write to storage, a timer) is answered by a later event naming it.
//!
//! Parts, one a file:
//! - [`export`]: flushing, the transport plan, attempts and their answers, retries and their
//!   jitter, the keepalive budget, persistence decisions and every delivery counter.
//!
//! Span recording (the core's [`TracerCore`](super::tracer::TracerCore)) is called by the driver
//! directly: it calls no JS and needs no commands.

pub mod export;
