//! HTTP: the OTLP receiver (`POST /v1/traces`, JSON and protobuf), the Zipkin receiver
//! (`POST /api/v2/spans`), the query API (`GET /api/traces`, `GET /api/traces/{id}`), and CORS
//! for the configured origins only, with credentials, as `sendBeacon` needs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
use prost::Message;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::encoding::{self, DecodeError};
use crate::ingest::{self, Batch, IngestError, StoredSpan};
use crate::store::Store;

/// What the server accepts.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Request bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// Origins that get CORS answers (exact, e.g. `http://127.0.0.1:8080`).
    pub allowed_origins: Vec<String>,
    /// How long a client may take to send a request's headers, and then its body; a slower
    /// one is closed (408 for a body).
    pub read_timeout: Duration,
    /// The address served, when known: requests whose `Host` names another are refused.
    pub served: Option<std::net::SocketAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_body_bytes: 4 * 1024 * 1024,
            allowed_origins: Vec::new(),
            read_timeout: Duration::from_secs(15),
            served: None,
        }
    }
}

/// Bodies decoded at once; more wait their turn, so hostile bodies cannot stack up memory.
const DECODERS: usize = 2;

#[derive(Clone)]
struct AppState {
    store: Arc<Store>,
    settings: Arc<Settings>,
    decoders: Arc<tokio::sync::Semaphore>,
    /// Origins whose CORS was refused and logged (each once).
    refused: Arc<Mutex<HashSet<String>>>,
}

/// An error answer: the status and a `google.rpc.Status`-shaped JSON body with the reason.
fn refuse(status: StatusCode, message: &str) -> Response {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => 8, // RESOURCE_EXHAUSTED
        StatusCode::INTERNAL_SERVER_ERROR => 13,
        _ => 3, // INVALID_ARGUMENT
    };
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

/// The request body as sent, at most `max_body_bytes`: a declared `Content-Length` over the
/// limit is refused before reading (413), a body cut short is 400, one that takes longer than
/// the read timeout is 408.
async fn read_raw(state: &AppState, headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, Response> {
    let limit = state.settings.max_body_bytes;
    let too_large = || refuse(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body is larger than {limit} bytes"));
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(|v| v.trim().parse::<u64>());
    match declared {
        Some(Ok(n)) if n > limit as u64 => return Err(too_large()),
        Some(Err(_)) => return Err(refuse(StatusCode::BAD_REQUEST, "Content-Length is not a number")),
        _ => {}
    }
    match tokio::time::timeout(state.settings.read_timeout, to_bytes(body, limit)).await {
        Err(_) => Err(refuse(StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time")),
        Ok(Ok(raw)) => Ok(raw),
        Ok(Err(e)) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|inner| inner.downcast_ref::<http_body_util::LengthLimitError>().is_some())
                || e.to_string().contains("length limit");
            Err(if over {
                too_large()
            } else {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "the request body ended before its Content-Length (or the connection broke)",
                )
            })
        }
    }
}

/// Decodes a body off the async workers, a few at a time: gunzip (bounded by the limit), the
/// census of what it would produce (bounded by `ingest`'s caps), then `decode`.
async fn decode_bounded(
    state: &AppState,
    headers: &HeaderMap,
    raw: axum::body::Bytes,
    decode: fn(&str, &[u8]) -> Result<Batch, IngestError>,
) -> Result<Batch, Response> {
    let limit = state.settings.max_body_bytes;
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let ct = content_type(headers);
    let Ok(_permit) = state.decoders.acquire().await else {
        return Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, "the decoder is gone"));
    };
    let decoded = tokio::task::spawn_blocking(move || {
        let body = encoding::decode(encoding.as_deref(), &raw, limit).map_err(|e| match e {
            DecodeError::Unsupported(m) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, m),
            DecodeError::Corrupt(m) => (StatusCode::BAD_REQUEST, m),
            DecodeError::TooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, format!("request body is larger than {limit} bytes"))
            }
        })?;
        decode(&ct, &body).map_err(|e| match e {
            IngestError::Malformed(m) => (StatusCode::BAD_REQUEST, m),
            IngestError::UnsupportedType(m) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, m),
            IngestError::TooMuch(m) => (StatusCode::PAYLOAD_TOO_LARGE, m),
        })
    })
    .await;
    match decoded {
        Ok(Ok(batch)) => Ok(batch),
        Ok(Err((status, message))) => Err(refuse(status, &message)),
        Err(_) => Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, "decoding failed")),
    }
}

async fn store_batch(state: &AppState, batch: &Batch) -> Result<(), Response> {
    let store = Arc::clone(&state.store);
    let spans: Vec<StoredSpan> = batch.spans.clone();
    match tokio::task::spawn_blocking(move || store.insert(&spans)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, "the trace store failed")),
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

async fn receive_otlp(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let raw = match read_raw(&state, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ct = content_type(&headers);
    let batch = match decode_bounded(&state, &headers, raw, ingest::otlp).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Err(r) = store_batch(&state, &batch).await {
        return r;
    }
    let partial = (batch.rejected > 0).then(|| ExportTracePartialSuccess {
        rejected_spans: batch.rejected as i64,
        error_message: batch.first_error.clone().unwrap_or_default(),
    });
    if ct.starts_with("application/x-protobuf") {
        let bytes = ExportTraceServiceResponse { partial_success: partial }.encode_to_vec();
        return ([(header::CONTENT_TYPE, "application/x-protobuf")], bytes).into_response();
    }
    match partial {
        Some(p) => Json(json!({ "partialSuccess": {
            "rejectedSpans": p.rejected_spans.to_string(), "errorMessage": p.error_message } }))
        .into_response(),
        None => Json(json!({})).into_response(),
    }
}

async fn receive_zipkin(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let raw = match read_raw(&state, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let batch = match decode_bounded(&state, &headers, raw, ingest::zipkin).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    if batch.spans.is_empty() && batch.rejected > 0 {
        return refuse(StatusCode::BAD_REQUEST, batch.first_error.as_deref().unwrap_or("no valid span"));
    }
    if let Err(r) = store_batch(&state, &batch).await {
        return r;
    }
    // Zipkin's API answers 202; rejected spans are reported in the body for people reading it.
    (
        StatusCode::ACCEPTED,
        Json(json!({ "accepted": batch.spans.len(), "rejected": batch.rejected, "error": batch.first_error })),
    )
        .into_response()
}

#[derive(Deserialize)]
struct RecentQuery {
    limit: Option<usize>,
}

async fn recent(State(state): State<AppState>, Query(q): Query<RecentQuery>) -> Response {
    let store = Arc::clone(&state.store);
    let limit = q.limit.unwrap_or(50).min(1000);
    match tokio::task::spawn_blocking(move || store.recent_traces(limit)).await {
        Ok(Ok(list)) => Json(list).into_response(),
        _ => refuse(StatusCode::INTERNAL_SERVER_ERROR, "the trace store failed"),
    }
}

/// The OTLP type of a stored attribute value, which JSON numbers alone do not keep.
fn value_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "double",
        Value::Number(_) => "int",
        Value::Array(_) => "array",
        Value::Object(_) => "map",
        Value::Null => "empty",
    }
}

/// One span of a trace's tree as the query API answers it, borrowed from the stored spans and
/// written straight to JSON (no copy of its attributes per request).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SpanNode<'a> {
    trace_id: &'a str,
    span_id: &'a str,
    parent_span_id: Option<&'a str>,
    name: &'a str,
    kind: i32,
    service: &'a str,
    start_ns: i64,
    end_ns: i64,
    status: StatusNode<'a>,
    attributes: &'a Value,
    attribute_types: BTreeMap<&'a str, &'static str>,
    events: &'a Value,
    links: &'a Value,
    flags: u32,
    trace_state: &'a str,
    children: Vec<SpanNode<'a>>,
}

#[derive(Serialize)]
struct StatusNode<'a> {
    code: i32,
    message: &'a str,
}

fn span_node<'a>(s: &'a StoredSpan, children: Vec<SpanNode<'a>>) -> SpanNode<'a> {
    let attribute_types = s
        .attributes
        .as_object()
        .map(|a| a.iter().map(|(k, v)| (k.as_str(), value_type(v))).collect())
        .unwrap_or_default();
    SpanNode {
        trace_id: &s.trace_id,
        span_id: &s.span_id,
        parent_span_id: s.parent_span_id.as_deref(),
        name: &s.name,
        kind: s.kind,
        service: &s.service,
        start_ns: s.start_ns,
        end_ns: s.end_ns,
        status: StatusNode { code: s.status_code, message: &s.status_message },
        attributes: &s.attributes,
        attribute_types,
        events: &s.events,
        links: &s.links,
        flags: s.flags,
        trace_state: &s.trace_state,
        children,
    }
}

/// Below this depth a trace's tree nests; deeper spans are listed as roots (with their parent's
/// ID), so that a pathological chain cannot exhaust the stack of whoever reads the JSON.
pub const MAX_TREE_DEPTH: usize = 256;

/// The spans as a forest: each span under its parent; spans whose parent is not stored (the
/// server's parent on another machine, or one not received yet) are roots. Linear in the spans:
/// children are indexed once, and the tree is built bottom-up without recursion.
pub fn tree(spans: &[StoredSpan]) -> Vec<SpanNode<'_>> {
    let index: HashMap<&str, usize> = spans.iter().enumerate().map(|(i, s)| (s.span_id.as_str(), i)).collect();
    let parent_of: Vec<Option<usize>> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| s.parent_span_id.as_deref().and_then(|p| index.get(p).copied()).filter(|&p| p != i))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    for (i, p) in parent_of.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    // Depths from the roots, parents before children; a span on a cycle is never reached from
    // a root and is shown as a root itself.
    let mut depth = vec![usize::MAX; spans.len()];
    let mut order = Vec::with_capacity(spans.len());
    let mut stack: Vec<usize> = (0..spans.len()).filter(|&i| parent_of[i].is_none()).collect();
    for &r in &stack {
        depth[r] = 0;
    }
    while let Some(i) = stack.pop() {
        order.push(i);
        for &c in &children[i] {
            if depth[c] == usize::MAX {
                depth[c] = depth[i] + 1;
                stack.push(c);
            }
        }
    }
    // Bottom-up: a span's JSON is made once its children's are, each list in start order.
    let mut built: Vec<Vec<(usize, SpanNode<'_>)>> = (0..spans.len()).map(|_| Vec::new()).collect();
    let mut roots: Vec<(usize, SpanNode<'_>)> = Vec::new();
    for &i in order.iter().rev() {
        let mut kids = std::mem::take(&mut built[i]);
        kids.sort_by_key(|(k, _)| *k);
        let node = span_node(&spans[i], kids.into_iter().map(|(_, v)| v).collect());
        match parent_of[i] {
            Some(p) if depth[i] <= MAX_TREE_DEPTH => built[p].push((i, node)),
            _ => roots.push((i, node)),
        }
    }
    for (i, d) in depth.iter().enumerate() {
        if *d == usize::MAX {
            roots.push((i, span_node(&spans[i], Vec::new())));
        }
    }
    roots.sort_by_key(|(i, _)| *i);
    roots.into_iter().map(|(_, v)| v).collect()
}

async fn one_trace(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !(id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit())) {
        return refuse(StatusCode::BAD_REQUEST, "a trace ID is 32 hex digits");
    }
    let store = Arc::clone(&state.store);
    // The query, the tree and its JSON all run off the async workers: a large trace never
    // holds up other requests.
    let answer = tokio::task::spawn_blocking(move || {
        let spans = store.trace(&id)?;
        if spans.is_empty() {
            return Ok(None);
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Doc<'a> {
            trace_id: &'a str,
            span_count: usize,
            roots: Vec<SpanNode<'a>>,
        }
        let doc = Doc { trace_id: &spans[0].trace_id, span_count: spans.len(), roots: tree(&spans) };
        Ok::<_, rusqlite::Error>(Some(serde_json::to_vec(&doc).unwrap_or_default()))
    })
    .await;
    match answer {
        Ok(Ok(Some(bytes))) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Ok(Ok(None)) => refuse(StatusCode::NOT_FOUND, "no such trace"),
        _ => refuse(StatusCode::INTERNAL_SERVER_ERROR, "the trace store failed"),
    }
}

/// CORS for the configured origins only: their requests get `Access-Control-Allow-Origin`
/// (their own origin, never `*`) with credentials; a preflight is answered here.
async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    if let Some(o) = &origin {
        let own = o.strip_prefix("http://").is_some_and(|rest| rest.eq_ignore_ascii_case(host));
        if !own && !state.settings.allowed_origins.iter().any(|a| a == o) {
            log_refused(&state, o);
        }
    }
    let allowed = origin.filter(|o| state.settings.allowed_origins.iter().any(|a| a == o));
    let preflight = req.method() == Method::OPTIONS;
    let requested = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned();
    let mut res = if preflight { StatusCode::NO_CONTENT.into_response() } else { next.run(req).await };
    let h = res.headers_mut();
    h.append(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(o) = allowed.and_then(|o| HeaderValue::from_str(&o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        if preflight {
            h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                requested.unwrap_or(HeaderValue::from_static("content-type")),
            );
            // Two hours, Chromium's cap: a game that posts every few seconds sends one preflight
            // a session, not one a request.
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("7200"));
        }
    }
    res
}

/// Origins refused and logged, at most (a page cannot grow the log without bound).
const REFUSED_LOGGED_MAX: usize = 64;

/// Says once per origin that its CORS was refused, with the exact fix.
fn log_refused(state: &AppState, origin: &str) {
    let mut refused = state.refused.lock().unwrap_or_else(|p| p.into_inner());
    if refused.len() >= REFUSED_LOGGED_MAX || !refused.insert(origin.to_owned()) {
        return;
    }
    let shown: String = origin.chars().filter(|c| !c.is_control()).take(200).collect();
    eprintln!(
        "playtrace devserver: refused CORS for a page of {shown}: its spans cannot be sent here. \
         Restart with `make devserver ORIGIN={shown}` (the binary: --allow-origin {shown})"
    );
}

/// The routes, around one store.
pub fn router(store: Arc<Store>, settings: Settings) -> Router {
    let state = AppState {
        store,
        settings: Arc::new(settings),
        decoders: Arc::new(tokio::sync::Semaphore::new(DECODERS)),
        refused: Arc::new(Mutex::new(HashSet::new())),
    };
    Router::new()
        .route("/v1/traces", post(receive_otlp))
        .route("/api/v2/spans", post(receive_zipkin))
        .route("/api/traces", get(recent))
        .route("/api/traces/{id}", get(one_trace))
        // Body size is checked by the handlers, so the 413 carries a reason.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state.clone(), cors))
        .with_state(state)
}
