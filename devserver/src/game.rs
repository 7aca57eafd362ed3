//! The demo game's API: buy an item, submit a score, read the leaderboard. Every request is a
//! SERVER span made by the OpenTelemetry SDK, a child of the caller's `traceparent` as the SDK's
//! own `TraceContextPropagator` reads it; handlers add child spans for their validation and
//! their SQLite queries. The SDK's spans go into the same trace store as the browser's.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::{FutureExt, SpanKind, Status, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{Context, KeyValue, Value as OtelValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider, SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::ingest::StoredSpan;
use crate::store::Store;

/// The service name of the API's spans.
pub const SERVICE: &str = "arena-api";

/// Writes the SDK's finished spans into the trace store.
struct StoreExporter {
    store: Arc<Store>,
    service: String,
}

impl std::fmt::Debug for StoreExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreExporter").field("service", &self.service).finish()
    }
}

fn otel_value(v: &OtelValue) -> Value {
    match v {
        OtelValue::Bool(b) => json!(b),
        OtelValue::I64(i) => json!(i),
        OtelValue::F64(f) => json!(f),
        OtelValue::String(s) => json!(s.as_str()),
        OtelValue::Array(a) => json!(a.to_string()),
        _ => json!(v.to_string()),
    }
}

fn otel_attrs(attrs: &[KeyValue]) -> Value {
    let mut m = Map::new();
    for kv in attrs {
        m.insert(kv.key.to_string(), otel_value(&kv.value));
    }
    Value::Object(m)
}

pub(crate) fn nanos(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos().min(i64::MAX as u128) as i64)
}

/// The SDK's instrumentation scope, kept as ingest keeps a received span's.
fn with_scope(mut attributes: Value, scope: &opentelemetry::InstrumentationScope) -> Value {
    if let Value::Object(a) = &mut attributes {
        a.insert("otel.scope.name".to_owned(), json!(scope.name()));
        if let Some(version) = scope.version() {
            a.insert("otel.scope.version".to_owned(), json!(version));
        }
    }
    attributes
}

fn to_stored(s: &SpanData, service: &str) -> StoredSpan {
    let (status_code, status_message) = match &s.status {
        Status::Unset => (0, String::new()),
        Status::Ok => (1, String::new()),
        Status::Error { description } => (2, description.to_string()),
    };
    let parent = s.parent_span_id;
    StoredSpan {
        trace_id: s.span_context.trace_id().to_string(),
        span_id: s.span_context.span_id().to_string(),
        parent_span_id: (parent != opentelemetry::trace::SpanId::INVALID).then(|| parent.to_string()),
        name: s.name.to_string(),
        kind: match s.span_kind {
            SpanKind::Internal => 1,
            SpanKind::Server => 2,
            SpanKind::Client => 3,
            SpanKind::Producer => 4,
            SpanKind::Consumer => 5,
        },
        service: service.to_owned(),
        start_ns: nanos(s.start_time),
        end_ns: nanos(s.end_time),
        status_code,
        status_message,
        attributes: with_scope(otel_attrs(&s.attributes), &s.instrumentation_scope),
        events: Value::Array(
            s.events
                .events
                .iter()
                .map(|e| json!({"name": e.name.to_string(), "timeUnixNano": nanos(e.timestamp), "attributes": otel_attrs(&e.attributes)}))
                .collect(),
        ),
        links: Value::Array(
            s.links
                .links
                .iter()
                .map(|l| json!({"traceId": l.span_context.trace_id().to_string(), "spanId": l.span_context.span_id().to_string(), "attributes": otel_attrs(&l.attributes)}))
                .collect(),
        ),
        flags: u32::from(s.span_context.trace_flags().to_u8()),
        trace_state: s.span_context.trace_state().header(),
    }
}

impl SpanExporter for StoreExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans: Vec<StoredSpan> = batch.iter().map(|s| to_stored(s, &self.service)).collect();
        self.store.insert(&spans).map_err(|e| opentelemetry_sdk::error::OTelSdkError::InternalFailure(e.to_string()))
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Some(name) = resource.get(&opentelemetry::Key::from_static_str("service.name")) {
            self.service = name.to_string();
        }
    }
}

/// Reads W3C headers out of an axum `HeaderMap` for the SDK's propagator.
struct HeaderExtractor<'a>(&'a HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// The game's state: wallets, inventories and scores, in SQLite.
pub struct Game {
    db: Mutex<Connection>,
    tracer: SdkTracer,
    provider: SdkTracerProvider,
}

/// What the shop sells, and for how much.
const ITEMS: [(&str, i64); 4] = [("sword", 30), ("shield", 20), ("potion", 5), ("glitch", 1)];
const STARTING_COINS: i64 = 100;

impl Game {
    /// A game whose API spans go to `store`.
    pub fn new(store: Arc<Store>) -> rusqlite::Result<Arc<Self>> {
        let db = Connection::open_in_memory()?;
        db.execute_batch(
            "CREATE TABLE wallets (player TEXT PRIMARY KEY, coins INTEGER NOT NULL);
             CREATE TABLE inventory (player TEXT NOT NULL, item TEXT NOT NULL);
             CREATE TABLE scores (player TEXT NOT NULL, score INTEGER NOT NULL, at INTEGER NOT NULL);",
        )?;
        let provider = SdkTracerProvider::builder()
            .with_resource(Resource::builder().with_service_name(SERVICE).build())
            .with_simple_exporter(StoreExporter { store, service: SERVICE.to_owned() })
            .build();
        let tracer = provider.tracer("playtrace-devserver");
        Ok(Arc::new(Self { db: Mutex::new(db), tracer, provider }))
    }

    /// The SDK tracer of the game's spans.
    pub(crate) fn tracer(&self) -> &SdkTracer {
        &self.tracer
    }

    pub(crate) fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in a child span of the current context (a validation step, a query).
    pub(crate) fn child<T>(
        &self,
        name: &'static str,
        attrs: Vec<KeyValue>,
        f: impl FnOnce() -> Result<T, String>,
    ) -> Result<T, String> {
        let span =
            self.tracer.span_builder(name).with_kind(SpanKind::Internal).with_attributes(attrs).start(&self.tracer);
        let cx = Context::current_with_span(span);
        let _guard = cx.clone().attach();
        let result = f();
        if let Err(e) = &result {
            cx.span().set_status(Status::error(e.clone()));
        }
        cx.span().end();
        result
    }
}

impl Drop for Game {
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

#[derive(Deserialize)]
struct Buy {
    player: String,
    item: String,
}

#[derive(Deserialize)]
struct Score {
    player: String,
    score: i64,
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

pub(crate) fn player_ok(p: &str) -> Result<(), String> {
    if p.is_empty() || p.len() > 32 || !p.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
        return Err("player must be 1 to 32 letters, digits, _ or -".into());
    }
    Ok(())
}

async fn buy(State(game): State<Arc<Game>>, Json(req): Json<Buy>) -> Response {
    let price = game.child("validate_purchase", vec![KeyValue::new("game.item", req.item.clone())], || {
        player_ok(&req.player)?;
        ITEMS
            .iter()
            .find(|(name, _)| *name == req.item)
            .map(|(_, p)| *p)
            .ok_or_else(|| format!("no item {:?}", req.item))
    });
    let price = match price {
        Ok(p) => p,
        Err(e) => return answer(StatusCode::BAD_REQUEST, json!({ "error": e })),
    };
    if req.item == "glitch" {
        // The demo's deliberate server bug: an error on both sides of the trace.
        return answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "the glitch item corrupted the shop" }));
    }
    let bought = game.child(
        "db.update wallet",
        vec![KeyValue::new("db.system.name", "sqlite"), KeyValue::new("db.operation.name", "UPDATE")],
        || {
            let db = game.db();
            let coins: i64 = db
                .query_row("SELECT coins FROM wallets WHERE player = ?1", params![req.player], |r| r.get(0))
                .optional()
                .map_err(|e| e.to_string())?
                .unwrap_or(STARTING_COINS);
            if coins < price {
                return Ok(None);
            }
            db.execute(
                "INSERT INTO wallets (player, coins) VALUES (?1, ?2) ON CONFLICT(player) DO UPDATE SET coins = ?2",
                params![req.player, coins - price],
            )
            .map_err(|e| e.to_string())?;
            db.execute("INSERT INTO inventory (player, item) VALUES (?1, ?2)", params![req.player, req.item])
                .map_err(|e| e.to_string())?;
            Ok(Some(coins - price))
        },
    );
    match bought {
        Ok(Some(coins)) => answer(StatusCode::OK, json!({ "item": req.item, "coins": coins })),
        Ok(None) => answer(StatusCode::CONFLICT, json!({ "error": "not enough coins" })),
        Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": e })),
    }
}

async fn score(State(game): State<Arc<Game>>, Json(req): Json<Score>) -> Response {
    if let Err(e) = game.child("validate_score", vec![], || {
        player_ok(&req.player)?;
        (0..=1_000_000).contains(&req.score).then_some(()).ok_or_else(|| "score must be 0 to 1000000".to_owned())
    }) {
        return answer(StatusCode::BAD_REQUEST, json!({ "error": e }));
    }
    let at = nanos(SystemTime::now());
    match game.child("db.insert score", vec![KeyValue::new("db.system.name", "sqlite")], || {
        game.db()
            .execute("INSERT INTO scores (player, score, at) VALUES (?1, ?2, ?3)", params![req.player, req.score, at])
            .map_err(|e| e.to_string())
    }) {
        Ok(_) => answer(StatusCode::OK, json!({ "ok": true })),
        Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": e })),
    }
}

async fn leaderboard(State(game): State<Arc<Game>>) -> Response {
    let rows = game.child("db.query leaderboard", vec![KeyValue::new("db.system.name", "sqlite")], || {
        let db = game.db();
        let mut stmt = db
            .prepare_cached("SELECT player, MAX(score) AS best FROM scores GROUP BY player ORDER BY best DESC LIMIT 10")
            .map_err(|e| e.to_string())?;
        let rows = stmt
            .query_map([], |r| Ok(json!({ "player": r.get::<_, String>(0)?, "score": r.get::<_, i64>(1)? })))
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())
    });
    match rows {
        Ok(list) => answer(StatusCode::OK, json!({ "leaderboard": list })),
        Err(e) => answer(StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": e })),
    }
}

/// The SERVER span around each API request, a child of the caller's context.
async fn server_span(State(game): State<Arc<Game>>, req: Request, next: Next) -> Response {
    let parent = TraceContextPropagator::new().extract(&HeaderExtractor(req.headers()));
    let route = req.uri().path().to_owned();
    let method = req.method().as_str().to_owned();
    let mut name = method.clone();
    name.push(' ');
    name.push_str(&route);
    let span = game
        .tracer
        .span_builder(Cow::Owned(name))
        .with_kind(SpanKind::Server)
        .with_attributes(vec![
            KeyValue::new("http.request.method", method),
            KeyValue::new("http.route", route.clone()),
            KeyValue::new("url.path", route),
        ])
        .start_with_context(&game.tracer, &parent);
    let cx = parent.with_span(span);
    let response = next.run(req).with_context(cx.clone()).await;
    let status = response.status();
    let span = cx.span();
    span.set_attribute(KeyValue::new("http.response.status_code", i64::from(status.as_u16())));
    // Server spans are errors for 5xx only, as the HTTP semantic conventions say.
    if status.is_server_error() {
        span.set_attribute(KeyValue::new("error.type", status.as_u16().to_string()));
        span.set_status(Status::error(status.canonical_reason().unwrap_or("server error")));
    }
    span.end();
    response
}

/// The API routes under `/api/game`.
pub fn routes(game: Arc<Game>) -> Router {
    Router::new()
        .route("/api/game/buy", post(buy))
        .route("/api/game/score", post(score))
        .route("/api/game/leaderboard", get(leaderboard))
        .layer(middleware::from_fn_with_state(Arc::clone(&game), server_span))
        .with_state(game)
}
