//! The playtrace development backend: receives OTLP and Zipkin spans, stores them in SQLite, and
//! answers queries for recent traces and whole trace trees.

pub mod api;
pub mod ingest;
pub mod store;
