//! The pages: the trace viewer at `/viewer/` (built into the binary) and the built demo game
//! from a directory at `/`.

use std::path::{Component, Path, PathBuf};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const VIEWER: &str = include_str!("../static/viewer.html");
const VIEWER_JS: &str = include_str!("../static/viewer.js");

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

async fn file(State(root): State<PathBuf>, req: Request) -> Response {
    let rel = req.uri().path().trim_start_matches('/');
    // A folder's page is its index.html (`/` and `/phaser/`).
    let page;
    let rel = if rel.is_empty() || rel.ends_with('/') {
        page = format!("{rel}index.html");
        page.as_str()
    } else {
        rel
    };
    let rel = Path::new(rel);
    // Only plain names below the root: no "..", no absolute paths.
    if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    }
    let path = root.join(rel);
    match tokio::fs::read(&path).await {
        Ok(bytes) => ([(header::CONTENT_TYPE, content_type(&path))], bytes).into_response(),
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// The viewer, and the game's files when `game_dir` is given.
pub fn routes(game_dir: Option<PathBuf>) -> Router {
    let viewer = Router::new()
        .route("/viewer/", get(|| async { Html(VIEWER) }))
        .route("/viewer", get(|| async { Html(VIEWER) }))
        .route(
            "/viewer/viewer.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], VIEWER_JS) }),
        );
    match game_dir {
        Some(dir) => viewer.fallback(get(file).with_state(dir)),
        None => viewer,
    }
}
