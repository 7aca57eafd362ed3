//! `--forward URL`: everything the store accepts (browser spans and the API's SDK spans alike) is
//! also sent, as OTLP/HTTP JSON, to a real OpenTelemetry Collector, Jaeger or Tempo. The request
//! is built with the `opentelemetry-proto` types and their JSON mapping, so attribute types,
//! trace flags, trace state, resource and scope arrive as they were received.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{header, Method, Request, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, AnyValue, ArrayValue, InstrumentationScope, KeyValue, KeyValueList,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use serde_json::Value;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use crate::ingest::StoredSpan;

/// A stored JSON attribute value as an OTLP `AnyValue`: integers stay integers, arrays arrays
/// and maps key-value lists, so nothing is flattened into a string on the way.
fn any_value(v: &Value) -> AnyValue {
    let value = match v {
        Value::String(s) => Some(any_value::Value::StringValue(s.clone())),
        Value::Bool(b) => Some(any_value::Value::BoolValue(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Some(any_value::Value::IntValue(i)),
            None => n.as_f64().map(any_value::Value::DoubleValue),
        },
        Value::Array(items) => {
            Some(any_value::Value::ArrayValue(ArrayValue { values: items.iter().map(any_value).collect() }))
        }
        Value::Object(m) => Some(any_value::Value::KvlistValue(KeyValueList { values: key_values(m.iter()) })),
        Value::Null => None,
    };
    AnyValue { value }
}

fn key_values<'a>(attrs: impl Iterator<Item = (&'a String, &'a Value)>) -> Vec<KeyValue> {
    attrs.map(|(k, v)| KeyValue { key: k.clone(), value: Some(any_value(v)), ..Default::default() }).collect()
}

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len() / 2).filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect()
}

/// The store keeps a span's resource as `resource.*` attributes and its instrumentation scope
/// as `otel.scope.name` / `otel.scope.version`; they go back where OTLP carries them.
fn is_carried_elsewhere(key: &str) -> bool {
    key.starts_with("resource.") || key == "otel.scope.name" || key == "otel.scope.version"
}

fn otlp_span(s: &StoredSpan) -> Span {
    let attrs = s.attributes.as_object().cloned().unwrap_or_default();
    let events = s
        .events
        .as_array()
        .map(|evs| {
            evs.iter()
                .map(|e| span::Event {
                    name: e["name"].as_str().unwrap_or_default().to_owned(),
                    time_unix_nano: e["timeUnixNano"].as_u64().unwrap_or(0),
                    attributes: e["attributes"].as_object().map(|a| key_values(a.iter())).unwrap_or_default(),
                    dropped_attributes_count: 0,
                })
                .collect()
        })
        .unwrap_or_default();
    let links = s
        .links
        .as_array()
        .map(|ls| {
            ls.iter()
                .map(|l| span::Link {
                    trace_id: bytes(l["traceId"].as_str().unwrap_or_default()),
                    span_id: bytes(l["spanId"].as_str().unwrap_or_default()),
                    attributes: l["attributes"].as_object().map(|a| key_values(a.iter())).unwrap_or_default(),
                    ..Default::default()
                })
                .collect()
        })
        .unwrap_or_default();
    Span {
        trace_id: bytes(&s.trace_id),
        span_id: bytes(&s.span_id),
        trace_state: s.trace_state.clone(),
        parent_span_id: s.parent_span_id.as_deref().map(bytes).unwrap_or_default(),
        flags: s.flags,
        name: s.name.clone(),
        kind: s.kind,
        start_time_unix_nano: s.start_ns.max(0) as u64,
        end_time_unix_nano: s.end_ns.max(0) as u64,
        attributes: key_values(attrs.iter().filter(|(k, _)| !is_carried_elsewhere(k))),
        events,
        links,
        status: Some(Status { code: s.status_code, message: s.status_message.clone() }),
        ..Default::default()
    }
}

/// Stored spans as one `ExportTraceServiceRequest`: a resource per service, a scope per
/// instrumentation scope within it.
pub fn otlp_request(spans: &[StoredSpan]) -> ExportTraceServiceRequest {
    type Scopes<'a> = BTreeMap<(String, String), Vec<&'a StoredSpan>>;
    let mut by_service: BTreeMap<&str, Scopes<'_>> = BTreeMap::new();
    for s in spans {
        let scope_part = |k: &str| s.attributes.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let scope = (scope_part("otel.scope.name"), scope_part("otel.scope.version"));
        by_service.entry(&s.service).or_default().entry(scope).or_default().push(s);
    }
    let resource_spans = by_service
        .into_iter()
        .map(|(service, scopes)| {
            let mut resource = BTreeMap::new();
            resource.insert("service.name".to_owned(), Value::from(service));
            for s in scopes.values().flatten() {
                for (k, v) in s.attributes.as_object().into_iter().flatten() {
                    if let Some(key) = k.strip_prefix("resource.") {
                        resource.entry(key.to_owned()).or_insert_with(|| v.clone());
                    }
                }
            }
            ResourceSpans {
                resource: Some(Resource { attributes: key_values(resource.iter()), ..Default::default() }),
                scope_spans: scopes
                    .into_iter()
                    .map(|((name, version), spans)| ScopeSpans {
                        scope: Some(InstrumentationScope { name, version, ..Default::default() }),
                        spans: spans.into_iter().map(otlp_span).collect(),
                        schema_url: String::new(),
                    })
                    .collect(),
                schema_url: String::new(),
            }
        })
        .collect();
    ExportTraceServiceRequest { resource_spans }
}

/// Starts the forwarding task; the store hands it every batch it accepts. Only `http://` URLs:
/// put a local Collector in front of anything that needs TLS.
pub fn start(url: &str) -> Result<UnboundedSender<Vec<StoredSpan>>, String> {
    let uri: Uri = url.parse().map_err(|e| format!("--forward {url}: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.host().is_none() {
        return Err(format!("--forward {url}: must be an http:// URL (for TLS, forward to a local Collector)"));
    }
    let (tx, mut rx) = unbounded_channel::<Vec<StoredSpan>>();
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    tokio::spawn(async move {
        let mut failures = 0u64;
        while let Some(batch) = rx.recv().await {
            let Ok(body) = serde_json::to_vec(&otlp_request(&batch)) else { continue };
            let req = Request::builder()
                .method(Method::POST)
                .uri(uri.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body)));
            let Ok(req) = req else { continue };
            let ok = matches!(client.request(req).await, Ok(res) if res.status().is_success());
            if !ok {
                failures += 1;
                // One line per power of two, so a dead collector does not flood the terminal.
                if failures.is_power_of_two() {
                    eprintln!("playtrace-devserver: forwarding to {uri} failed ({failures} batches so far)");
                }
            }
        }
    });
    Ok(tx)
}
