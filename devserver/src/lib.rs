//! The playtrace development backend: receives OTLP and Zipkin spans, stores them in SQLite, and
//! answers queries for recent traces and whole trace trees; it also serves the demo game's API,
//! whose server spans join the browser's traces.

use std::sync::Arc;

pub mod api;
pub mod census;
pub mod chat;
pub mod encoding;
pub mod forward;
pub mod game;
pub mod guard;
pub mod ingest;
pub mod serve;
pub mod site;
pub mod store;

/// Everything the devserver answers: receivers, query API, the game API, the viewer and, from
/// `game_dir`, the built game.
pub fn app(
    store: Arc<store::Store>,
    settings: api::Settings,
    game_dir: Option<std::path::PathBuf>,
) -> rusqlite::Result<axum::Router> {
    let game = game::Game::new(Arc::clone(&store))?;
    let chat = chat::Chat::new(Arc::clone(&game))?;
    let guard = Arc::new(guard::Guard { served: settings.served, allowed_origins: settings.allowed_origins.clone() });
    Ok(api::router(store, settings)
        .merge(game::routes(game))
        .merge(chat::routes(chat))
        .merge(site::routes(game_dir))
        .layer(axum::middleware::from_fn_with_state(guard, guard::guard)))
}
