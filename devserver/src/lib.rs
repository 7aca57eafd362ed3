//! The playtrace development backend: receives OTLP and Zipkin spans, stores them in SQLite, and
//! answers queries for recent traces and whole trace trees; it also serves the demo game's API,
//! whose server spans join the browser's traces.

use std::sync::Arc;

pub mod api;
pub mod game;
pub mod ingest;
pub mod store;

/// Everything the devserver answers: receivers, query API and the game API, on one store.
pub fn app(store: Arc<store::Store>, settings: api::Settings) -> rusqlite::Result<axum::Router> {
    let game = game::Game::new(Arc::clone(&store))?;
    Ok(api::router(store, settings).merge(game::routes(game)))
}
