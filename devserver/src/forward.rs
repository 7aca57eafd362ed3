//! `--forward URL`: everything the store accepts (browser spans and the API's SDK spans alike) is
//! also sent, as OTLP/HTTP JSON, to a real OpenTelemetry Collector, Jaeger or Tempo.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::http::{header, Method, Request, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use crate::ingest::StoredSpan;

/// A JSON attribute value as an OTLP `AnyValue`.
fn any_value(v: &Value) -> Value {
    match v {
        Value::String(s) => json!({ "stringValue": s }),
        Value::Bool(b) => json!({ "boolValue": b }),
        Value::Number(n) if n.is_i64() => json!({ "intValue": n.to_string() }),
        Value::Number(n) => json!({ "doubleValue": n.as_f64() }),
        other => json!({ "stringValue": other.to_string() }),
    }
}

fn key_values<'a>(attrs: impl Iterator<Item = (&'a String, &'a Value)>) -> Vec<Value> {
    attrs.map(|(k, v)| json!({ "key": k, "value": any_value(v) })).collect()
}

/// Stored spans as one `ExportTraceServiceRequest`, a resource per service. Resource
/// attributes, which the store keeps on each span as `resource.*`, go back to the resource.
pub fn otlp_request(spans: &[StoredSpan]) -> Value {
    let mut by_service: BTreeMap<&str, Vec<&StoredSpan>> = BTreeMap::new();
    for s in spans {
        by_service.entry(&s.service).or_default().push(s);
    }
    let resource_spans: Vec<Value> = by_service
        .into_iter()
        .map(|(service, spans)| {
            let mut resource = BTreeMap::new();
            resource.insert("service.name".to_owned(), json!(service));
            let otlp_spans: Vec<Value> = spans
                .iter()
                .map(|s| {
                    let attrs = s.attributes.as_object().cloned().unwrap_or_default();
                    for (k, v) in attrs.iter().filter(|(k, _)| k.starts_with("resource.")) {
                        resource.entry(k["resource.".len()..].to_owned()).or_insert_with(|| v.clone());
                    }
                    let own = attrs.iter().filter(|(k, _)| !k.starts_with("resource."));
                    let events: Vec<Value> = s
                        .events
                        .as_array()
                        .map(|evs| {
                            evs.iter()
                                .map(|e| {
                                    let a = e["attributes"].as_object().cloned().unwrap_or_default();
                                    json!({ "name": e["name"], "timeUnixNano": e["timeUnixNano"].as_i64().unwrap_or(0).to_string(),
                                            "attributes": key_values(a.iter()) })
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    let mut span = json!({
                        "traceId": s.trace_id, "spanId": s.span_id, "name": s.name, "kind": s.kind,
                        "startTimeUnixNano": s.start_ns.to_string(), "endTimeUnixNano": s.end_ns.to_string(),
                        "attributes": key_values(own), "events": events,
                        "status": { "code": s.status_code, "message": s.status_message },
                    });
                    if let Some(p) = &s.parent_span_id {
                        span["parentSpanId"] = json!(p);
                    }
                    span
                })
                .collect();
            json!({
                "resource": { "attributes": key_values(resource.iter()) },
                "scopeSpans": [{ "scope": { "name": "playtrace-devserver" }, "spans": otlp_spans }],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
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
            let body = otlp_request(&batch).to_string();
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
