//! HTTP: the OTLP receiver (`POST /v1/traces`, JSON and protobuf), the Zipkin receiver
//! (`POST /api/v2/spans`), the query API (`GET /api/traces`, `GET /api/traces/{id}`), and CORS
//! for the configured origins only, with credentials, as `sendBeacon` needs.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use opentelemetry_proto::tonic::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
use prost::Message;
use serde::Deserialize;
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
}

#[derive(Clone)]
struct AppState {
    store: Arc<Store>,
    settings: Arc<Settings>,
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

/// The request body, decoded per its `Content-Encoding`, at most `max_body_bytes` before and
/// after decoding.
async fn read_body(state: &AppState, headers: &HeaderMap, body: Body) -> Result<Vec<u8>, Response> {
    let limit = state.settings.max_body_bytes;
    let too_large = || refuse(StatusCode::PAYLOAD_TOO_LARGE, &format!("request body is larger than {limit} bytes"));
    let raw = to_bytes(body, limit).await.map_err(|_| too_large())?;
    let encoding = headers.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok());
    encoding::decode(encoding, &raw, limit).map_err(|e| match e {
        DecodeError::Unsupported(m) => refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, &m),
        DecodeError::Corrupt(m) => refuse(StatusCode::BAD_REQUEST, &m),
        DecodeError::TooLarge => too_large(),
    })
}

async fn store_batch(state: &AppState, batch: &Batch) -> Result<(), Response> {
    let store = Arc::clone(&state.store);
    let spans: Vec<StoredSpan> = batch.spans.clone();
    match tokio::task::spawn_blocking(move || store.insert(&spans)).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(refuse(StatusCode::INTERNAL_SERVER_ERROR, "the trace store failed")),
    }
}

fn ingest_error(e: IngestError) -> Response {
    match e {
        IngestError::Malformed(m) => refuse(StatusCode::BAD_REQUEST, &m),
        IngestError::UnsupportedType(m) => refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, &m),
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

async fn receive_otlp(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    let body = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let ct = content_type(&headers);
    let batch = match ingest::otlp(&ct, &body) {
        Ok(b) => b,
        Err(e) => return ingest_error(e),
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
    let body = match read_body(&state, &headers, body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let batch = match ingest::zipkin(&content_type(&headers), &body) {
        Ok(b) => b,
        Err(e) => return ingest_error(e),
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

fn span_json(s: &StoredSpan, children: Vec<Value>) -> Value {
    let types: serde_json::Map<String, Value> = s
        .attributes
        .as_object()
        .map(|a| a.iter().map(|(k, v)| (k.clone(), json!(value_type(v)))).collect())
        .unwrap_or_default();
    json!({
        "traceId": s.trace_id, "spanId": s.span_id, "parentSpanId": s.parent_span_id, "name": s.name,
        "kind": s.kind, "service": s.service, "startNs": s.start_ns, "endNs": s.end_ns,
        "status": { "code": s.status_code, "message": s.status_message },
        "attributes": s.attributes, "attributeTypes": types, "events": s.events, "links": s.links,
        "flags": s.flags, "traceState": s.trace_state, "children": children,
    })
}

/// The spans as a forest: each span under its parent; spans whose parent is not stored (the
/// server's parent on another machine, or one not received yet) are roots.
pub fn tree(spans: &[StoredSpan]) -> Vec<Value> {
    fn build(spans: &[StoredSpan], parent: Option<&str>, depth: usize) -> Vec<Value> {
        if depth > 256 {
            return Vec::new(); // a cycle in bad data must not recurse forever
        }
        let known = |id: &str| spans.iter().any(|s| s.span_id == id);
        spans
            .iter()
            .filter(|s| match parent {
                Some(p) => s.parent_span_id.as_deref() == Some(p),
                None => s.parent_span_id.as_deref().is_none_or(|p| !known(p)),
            })
            .map(|s| span_json(s, build(spans, Some(&s.span_id), depth + 1)))
            .collect()
    }
    build(spans, None, 0)
}

async fn one_trace(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if !(id.len() == 32 && id.bytes().all(|c| c.is_ascii_hexdigit())) {
        return refuse(StatusCode::BAD_REQUEST, "a trace ID is 32 hex digits");
    }
    let store = Arc::clone(&state.store);
    match tokio::task::spawn_blocking(move || store.trace(&id)).await {
        Ok(Ok(spans)) if spans.is_empty() => refuse(StatusCode::NOT_FOUND, "no such trace"),
        Ok(Ok(spans)) => Json(json!({ "traceId": spans[0].trace_id, "spanCount": spans.len(), "roots": tree(&spans) }))
            .into_response(),
        _ => refuse(StatusCode::INTERNAL_SERVER_ERROR, "the trace store failed"),
    }
}

/// CORS for the configured origins only: their requests get `Access-Control-Allow-Origin`
/// (their own origin, never `*`) with credentials; a preflight is answered here.
async fn cors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).and_then(|o| o.to_str().ok()).map(str::to_owned);
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
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        }
    }
    res
}

/// The routes, around one store.
pub fn router(store: Arc<Store>, settings: Settings) -> Router {
    let state = AppState { store, settings: Arc::new(settings) };
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
