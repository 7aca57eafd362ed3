//! Turns request bodies into stored spans. OTLP is decoded with `opentelemetry-proto` (JSON via
//! its serde mapping, protobuf via prost); Zipkin v2 JSON with serde_json. Each span is checked
//! on its own, so a batch with some invalid spans keeps the valid ones and reports the rest.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value as AnyValueKind, AnyValue, KeyValue};
use prost::Message;
use serde_json::{json, Map, Value};

/// One span as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredSpan {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    /// The parent's span ID, if any.
    pub parent_span_id: Option<String>,
    /// The operation name.
    pub name: String,
    /// OTLP span kind (1 internal ... 5 consumer).
    pub kind: i32,
    /// `service.name` of the resource.
    pub service: String,
    /// Start, nanoseconds since the epoch.
    pub start_ns: i64,
    /// End, nanoseconds since the epoch.
    pub end_ns: i64,
    /// OTLP status code (0 unset, 1 ok, 2 error).
    pub status_code: i32,
    /// Status message.
    pub status_message: String,
    /// Attributes as a JSON object.
    pub attributes: Value,
    /// Events as a JSON array of {name, timeUnixNano, attributes}.
    pub events: Value,
    /// Links as a JSON array of {traceId, spanId, attributes}.
    pub links: Value,
    /// W3C trace flags (bit 0 sampled, bit 1 random), as OTLP's `flags` low byte carries them.
    pub flags: u32,
    /// The `tracestate` header value the span was created with; empty for none.
    pub trace_state: String,
}

/// A decoded batch: the spans that passed, and why the others did not.
#[derive(Debug, Default)]
pub struct Batch {
    /// Valid spans.
    pub spans: Vec<StoredSpan>,
    /// How many spans were rejected.
    pub rejected: usize,
    /// The first rejection's reason.
    pub first_error: Option<String>,
}

impl Batch {
    fn reject(&mut self, why: String) {
        self.rejected += 1;
        self.first_error.get_or_insert(why);
    }
}

/// Why a whole request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum IngestError {
    /// Not decodable at all (400).
    Malformed(String),
    /// A content type this receiver does not take (415).
    UnsupportedType(String),
    /// More spans, attributes or nesting than one request may carry (413), found before the
    /// body is decoded.
    TooMuch(String),
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn any_to_json(v: &AnyValue) -> Value {
    match &v.value {
        Some(AnyValueKind::StringValue(s)) => json!(s),
        Some(AnyValueKind::BoolValue(b)) => json!(b),
        Some(AnyValueKind::IntValue(i)) => json!(i),
        Some(AnyValueKind::DoubleValue(d)) => json!(d),
        Some(AnyValueKind::ArrayValue(a)) => Value::Array(a.values.iter().map(any_to_json).collect()),
        Some(AnyValueKind::KvlistValue(kv)) => attrs_to_json(&kv.values),
        Some(AnyValueKind::BytesValue(b)) => json!(hex(b)),
        _ => Value::Null,
    }
}

fn attrs_to_json(attrs: &[KeyValue]) -> Value {
    let mut m = Map::new();
    for kv in attrs {
        m.insert(kv.key.clone(), kv.value.as_ref().map_or(Value::Null, any_to_json));
    }
    Value::Object(m)
}

fn valid_id(bytes: &[u8], len: usize) -> bool {
    bytes.len() == len && bytes.iter().any(|&b| b != 0)
}

/// Decodes an OTLP `ExportTraceServiceRequest` body, after a census of what it would produce
/// (see [`crate::census`]).
pub fn otlp(content_type: &str, body: &[u8]) -> Result<Batch, IngestError> {
    let req = if content_type.starts_with("application/json") {
        crate::census::json(body).map_err(IngestError::TooMuch)?;
        serde_json::from_slice::<ExportTraceServiceRequest>(body)
            .map_err(|e| IngestError::Malformed(format!("invalid OTLP JSON: {e}")))?
    } else if content_type.starts_with("application/x-protobuf") {
        crate::census::otlp_protobuf(body).map_err(IngestError::TooMuch)?;
        ExportTraceServiceRequest::decode(body)
            .map_err(|e| IngestError::Malformed(format!("invalid OTLP protobuf: {e}")))?
    } else {
        return Err(IngestError::UnsupportedType(format!(
            "content type {content_type:?}: send application/json or application/x-protobuf"
        )));
    };
    let mut batch = Batch::default();
    for rs in &req.resource_spans {
        let resource = rs.resource.as_ref().map(|r| attrs_to_json(&r.attributes)).unwrap_or_default();
        let service = resource.get("service.name").and_then(Value::as_str).unwrap_or("unknown_service").to_owned();
        for ss in &rs.scope_spans {
            // The instrumentation scope, as the OpenTelemetry-to-Zipkin mapping names it.
            let scope: Vec<(&str, &str)> = ss
                .scope
                .as_ref()
                .map(|sc| [("otel.scope.name", sc.name.as_str()), ("otel.scope.version", sc.version.as_str())])
                .into_iter()
                .flatten()
                .filter(|(_, v)| !v.is_empty())
                .collect();
            for s in &ss.spans {
                if !valid_id(&s.trace_id, 16) {
                    batch.reject(format!("span {:?}: traceId must be 16 non-zero bytes", s.name));
                    continue;
                }
                if !valid_id(&s.span_id, 8) {
                    batch.reject(format!("span {:?}: spanId must be 8 non-zero bytes", s.name));
                    continue;
                }
                if !(s.parent_span_id.is_empty() || valid_id(&s.parent_span_id, 8)) {
                    batch.reject(format!("span {:?}: parentSpanId must be empty or 8 non-zero bytes", s.name));
                    continue;
                }
                if s.end_time_unix_nano < s.start_time_unix_nano || s.start_time_unix_nano == 0 {
                    batch.reject(format!("span {:?}: needs a start time and an end not before it", s.name));
                    continue;
                }
                let mut attributes = attrs_to_json(&s.attributes);
                if let (Value::Object(a), Value::Object(r)) = (&mut attributes, &resource) {
                    for (k, v) in r {
                        a.entry(format!("resource.{k}")).or_insert_with(|| v.clone());
                    }
                }
                if let Value::Object(a) = &mut attributes {
                    for (k, v) in &scope {
                        a.entry((*k).to_owned()).or_insert_with(|| json!(v));
                    }
                }
                let events = s
                    .events
                    .iter()
                    .map(|e| json!({"name": e.name, "timeUnixNano": e.time_unix_nano, "attributes": attrs_to_json(&e.attributes)}))
                    .collect();
                let links = s
                    .links
                    .iter()
                    .map(|l| json!({"traceId": hex(&l.trace_id), "spanId": hex(&l.span_id), "attributes": attrs_to_json(&l.attributes)}))
                    .collect();
                let status = s.status.clone().unwrap_or_default();
                batch.spans.push(StoredSpan {
                    trace_id: hex(&s.trace_id),
                    span_id: hex(&s.span_id),
                    parent_span_id: (!s.parent_span_id.is_empty()).then(|| hex(&s.parent_span_id)),
                    name: s.name.clone(),
                    kind: s.kind,
                    service: service.clone(),
                    start_ns: s.start_time_unix_nano.min(i64::MAX as u64) as i64,
                    end_ns: s.end_time_unix_nano.min(i64::MAX as u64) as i64,
                    status_code: status.code,
                    status_message: status.message,
                    attributes,
                    events: Value::Array(events),
                    links: Value::Array(links),
                    flags: s.flags & 0xff,
                    trace_state: s.trace_state.clone(),
                });
            }
        }
    }
    Ok(batch)
}

fn is_hex(s: &str, lens: &[usize]) -> bool {
    lens.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_hexdigit()) && s.bytes().any(|c| c != b'0')
}

/// Decodes a Zipkin v2 JSON span list.
pub fn zipkin(content_type: &str, body: &[u8]) -> Result<Batch, IngestError> {
    if !content_type.starts_with("application/json") {
        return Err(IngestError::UnsupportedType(format!("content type {content_type:?}: send application/json")));
    }
    crate::census::json(body).map_err(IngestError::TooMuch)?;
    let list: Vec<Value> =
        serde_json::from_slice(body).map_err(|e| IngestError::Malformed(format!("invalid Zipkin JSON: {e}")))?;
    let mut batch = Batch::default();
    for v in list {
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        let (Some(trace_id), Some(id)) = (s("traceId"), s("id")) else {
            batch.reject("a span needs traceId and id".into());
            continue;
        };
        if !is_hex(trace_id, &[16, 32]) || !is_hex(id, &[16]) || s("parentId").is_some_and(|p| !is_hex(p, &[16])) {
            batch.reject(format!("span {id:?}: traceId, id and parentId must be non-zero hex of Zipkin's lengths"));
            continue;
        }
        let (Some(ts), Some(dur)) =
            (v.get("timestamp").and_then(Value::as_i64), v.get("duration").and_then(Value::as_i64))
        else {
            batch.reject(format!("span {id:?}: timestamp and duration must be integers of microseconds"));
            continue;
        };
        let kind = match s("kind") {
            None => 1,
            Some("SERVER") => 2,
            Some("CLIENT") => 3,
            Some("PRODUCER") => 4,
            Some("CONSUMER") => 5,
            Some(other) => {
                batch.reject(format!("span {id:?}: kind {other:?} is not a Zipkin kind"));
                continue;
            }
        };
        if dur < 0 || ts <= 0 {
            batch.reject(format!(
                "span {id:?}: needs a start time and an end not before it (timestamp > 0, duration >= 0)"
            ));
            continue;
        }
        let tags = match v.get("tags") {
            None | Some(Value::Null) => json!({}),
            Some(t @ Value::Object(m)) if m.values().all(Value::is_string) => t.clone(),
            Some(_) => {
                batch.reject(format!("span {id:?}: tags must be an object of string values"));
                continue;
            }
        };
        let error = tags.get("error").and_then(Value::as_str).map(str::to_owned);
        let status_code = match tags.get("otel.status_code").and_then(Value::as_str) {
            Some("ERROR") => 2,
            Some("OK") => 1,
            _ if error.is_some() => 2,
            _ => 0,
        };
        let events = v
            .get("annotations")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|ann| json!({"name": ann.get("value"), "timeUnixNano": ann.get("timestamp").and_then(Value::as_i64).unwrap_or(0) * 1000, "attributes": {}}))
                    .collect()
            })
            .unwrap_or_default();
        batch.spans.push(StoredSpan {
            trace_id: format!("{:0>32}", trace_id.to_ascii_lowercase()),
            span_id: id.to_ascii_lowercase(),
            parent_span_id: s("parentId").map(str::to_ascii_lowercase),
            name: s("name").unwrap_or_default().to_owned(),
            kind,
            service: v
                .pointer("/localEndpoint/serviceName")
                .and_then(Value::as_str)
                .unwrap_or("unknown_service")
                .to_owned(),
            start_ns: ts.saturating_mul(1000),
            end_ns: ts.saturating_add(dur).saturating_mul(1000),
            status_code,
            status_message: error.unwrap_or_default(),
            attributes: tags,
            events: Value::Array(events),
            // Zipkin v2 has no links, flags or trace state; a reported span was sampled.
            links: json!([]),
            flags: 1,
            trace_state: String::new(),
        });
    }
    Ok(batch)
}
