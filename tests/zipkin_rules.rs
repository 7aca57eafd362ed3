//! Every Zipkin v2 body is parsed by serde_json and checked against the zipkin2 API's field
//! rules (the `Span` definition of zipkin2-api.yaml), then compared with the source spans.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::HashMap;

use playtrace::core::encode::{Encoder, Format, Resource};
use playtrace::core::span::{AttributeValue, SpanData, SpanKind, Status};
use proptest::collection::vec;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value};

fn is_lower_hex(s: &str, lens: &[usize]) -> bool {
    lens.contains(&s.len())
        && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
        && s.bytes().any(|c| c != b'0')
}

/// The zipkin2 API's rules for one span object. Returns the span's fields for comparison.
fn check_rules(span: &Value) -> Result<&Map<String, Value>, String> {
    let o = span.as_object().ok_or("span is not an object")?;
    for key in o.keys() {
        if ![
            "traceId",
            "id",
            "parentId",
            "name",
            "kind",
            "timestamp",
            "duration",
            "localEndpoint",
            "remoteEndpoint",
            "annotations",
            "tags",
            "debug",
            "shared",
        ]
        .contains(&key.as_str())
        {
            return Err(format!("unknown field {key}"));
        }
    }
    let s = |k: &str| o.get(k).and_then(Value::as_str);
    if !is_lower_hex(s("traceId").ok_or("traceId missing")?, &[16, 32]) {
        return Err("traceId is not 16 or 32 lowercase hex".into());
    }
    if !is_lower_hex(s("id").ok_or("id missing")?, &[16]) {
        return Err("id is not 16 lowercase hex".into());
    }
    if let Some(p) = o.get("parentId") {
        if !p.as_str().is_some_and(|p| is_lower_hex(p, &[16])) {
            return Err("parentId is not 16 lowercase hex".into());
        }
    }
    if let Some(k) = o.get("kind") {
        if !["CLIENT", "SERVER", "PRODUCER", "CONSUMER"].contains(&k.as_str().unwrap_or("")) {
            return Err(format!("kind {k} is not a Zipkin kind"));
        }
    }
    if o.get("name").is_some_and(|n| !n.is_string()) {
        return Err("name is not a string".into());
    }
    let ts = o.get("timestamp").and_then(Value::as_u64).ok_or("timestamp is not an integer of microseconds")?;
    if ts == 0 {
        return Err("timestamp is 0".into());
    }
    let d = o.get("duration").and_then(Value::as_u64).ok_or("duration is not an integer")?;
    if d < 1 {
        return Err("duration below 1 microsecond".into());
    }
    let ep = o.get("localEndpoint").and_then(Value::as_object).ok_or("localEndpoint missing")?;
    if ep.get("serviceName").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err("localEndpoint.serviceName missing".into());
    }
    if let Some(a) = o.get("annotations") {
        for ann in a.as_array().ok_or("annotations is not an array")? {
            let ann = ann.as_object().ok_or("annotation is not an object")?;
            if ann.len() != 2
                || !ann.get("timestamp").is_some_and(Value::is_u64)
                || !ann.get("value").is_some_and(Value::is_string)
            {
                return Err("annotation needs exactly an integer timestamp and a string value".into());
            }
        }
    }
    if let Some(t) = o.get("tags") {
        if !t.as_object().ok_or("tags is not an object")?.values().all(Value::is_string) {
            return Err("a tag value is not a string".into());
        }
    }
    Ok(o)
}

fn tag_text(v: &AttributeValue) -> String {
    match v {
        AttributeValue::String(s) => s.clone(),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Int(i) => i.to_string(),
        AttributeValue::Double(d) => d.to_string(),
        AttributeValue::StringArray(a) => serde_json::to_string(a).unwrap(),
        AttributeValue::BoolArray(a) => serde_json::to_string(a).unwrap(),
        AttributeValue::IntArray(a) => serde_json::to_string(a).unwrap(),
        AttributeValue::DoubleArray(a) => serde_json::to_string(a).unwrap(),
    }
}

fn compare(o: &Map<String, Value>, want: &SpanData, service: &str) -> Result<(), TestCaseError> {
    use proptest::prop_assert_eq as eq;
    eq!(o["traceId"].as_str().unwrap(), want.context.trace_id.to_string());
    eq!(o.get("parentId").and_then(Value::as_str).map(String::from), want.parent_span_id.map(|p| p.to_string()));
    let kind = match want.kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("SERVER"),
        SpanKind::Client => Some("CLIENT"),
        SpanKind::Producer => Some("PRODUCER"),
        SpanKind::Consumer => Some("CONSUMER"),
    };
    eq!(o.get("kind").and_then(Value::as_str), kind);
    eq!(o["timestamp"].as_u64().unwrap(), (want.start_time_ns / 1000).max(1));
    let dur = (want.end_time_ns.unwrap() - want.start_time_ns) / 1000;
    eq!(o["duration"].as_u64().unwrap(), dur.max(1));
    eq!(o["localEndpoint"]["serviceName"].as_str().unwrap(), service);
    let tags = o["tags"].as_object().unwrap();
    eq!(tags["otel.scope.name"].as_str().unwrap(), "playtrace");
    let name = o["name"].as_str().unwrap();
    let trimmed = name != &*want.name
        || want.attributes.items().iter().any(|kv| !tags.contains_key(&*kv.key))
        || o.get("annotations").and_then(Value::as_array).map_or(0, Vec::len) < want.events.len();
    if !trimmed {
        for kv in want.attributes.items() {
            // A double's text must parse back to the same number; other values match exactly.
            let got = tags[&*kv.key].as_str().unwrap();
            match &kv.value {
                AttributeValue::Double(d) => eq!(got.parse::<f64>().unwrap().to_bits(), d.to_bits()),
                AttributeValue::DoubleArray(a) => {
                    let parsed: Vec<f64> = serde_json::from_str(got).unwrap();
                    eq!(
                        parsed.iter().map(|d| d.to_bits()).collect::<Vec<_>>(),
                        a.iter().map(|d| d.to_bits()).collect::<Vec<_>>()
                    );
                }
                AttributeValue::String(_) | AttributeValue::Bool(_) | AttributeValue::Int(_) => {
                    eq!(got, tag_text(&kv.value))
                }
                // Arrays are JSON text; compare them as JSON, not as spelling.
                other => eq!(
                    serde_json::from_str::<Value>(got).unwrap(),
                    serde_json::from_str::<Value>(&tag_text(other)).unwrap()
                ),
            }
        }
        let anns = o.get("annotations").and_then(Value::as_array).cloned().unwrap_or_default();
        eq!(anns.len(), want.events.len());
        for (a, e) in anns.iter().zip(&want.events) {
            eq!(a["timestamp"].as_u64().unwrap(), e.time_ns / 1000);
            let v = a["value"].as_str().unwrap();
            if e.attributes.is_empty() {
                eq!(v, e.name.as_str());
            } else {
                let parsed: Value = serde_json::from_str(v).map_err(|x| TestCaseError::fail(x.to_string()))?;
                let inner = parsed
                    .get(&e.name)
                    .and_then(Value::as_object)
                    .ok_or_else(|| TestCaseError::fail("annotation value"))?;
                eq!(inner.len(), e.attributes.items().len());
            }
        }
        let dropped = want.attributes.dropped();
        eq!(
            tags.get("otel.dropped_attributes_count").and_then(Value::as_str).map(String::from),
            (dropped > 0).then(|| dropped.to_string())
        );
        eq!(name, &*want.name);
    }
    match &want.status {
        Status::Unset => eq!(tags.get("otel.status_code"), None),
        Status::Ok => eq!(tags["otel.status_code"].as_str(), Some("OK")),
        Status::Error(m) => {
            eq!(tags["otel.status_code"].as_str(), Some("ERROR"));
            proptest::prop_assert!(m.starts_with(tags["error"].as_str().unwrap()));
        }
    }
    Ok(())
}

#[test]
fn generated_zipkin_bodies_follow_the_zipkin2_rules() {
    let resource = Resource::new("arena-client");
    let enc = Encoder::new(Format::ZipkinJson, &resource, "playtrace", "0.1.0");
    let mut runner = TestRunner::new(Config { cases: 600, failure_persistence: None, ..Config::default() });
    runner
        .run(&(vec(common::span(), 1..12), 3_000usize..30_000), |(spans, limit)| {
            let by_id: HashMap<String, &SpanData> = spans.iter().map(|s| (s.context.span_id.to_string(), s)).collect();
            let mut seen = 0;
            for body in enc.encode_bodies(&spans, limit, 100) {
                proptest::prop_assert!(body.json.len() <= limit);
                let parsed: Value = serde_json::from_str(&body.json).map_err(|e| TestCaseError::fail(e.to_string()))?;
                let list = parsed.as_array().ok_or_else(|| TestCaseError::fail("body is not a JSON array"))?;
                proptest::prop_assert_eq!(list.len(), body.spans);
                for span in list {
                    let o = check_rules(span).map_err(TestCaseError::fail)?;
                    let want = by_id[o["id"].as_str().unwrap()];
                    compare(o, want, "arena-client")?;
                    seen += 1;
                }
            }
            proptest::prop_assert_eq!(seen, spans.len());
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_rules_checker_rejects_broken_spans() {
    // The checker itself must be able to fail, or the property test proves nothing.
    let ok = serde_json::json!({"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","timestamp":1,"duration":1,"localEndpoint":{"serviceName":"s"}});
    assert!(check_rules(&ok).is_ok());
    let mutations: &[(&str, Value)] = &[
        ("traceId", Value::from("4BF92F3577B34DA6A3CE929D0E0E4736")),
        ("id", Value::from("0000000000000000")),
        ("parentId", Value::from("123")),
        ("kind", Value::from("INTERNAL")),
        ("timestamp", Value::from(1.5)),
        ("duration", Value::from(0)),
        ("localEndpoint", serde_json::json!({})),
        ("annotations", serde_json::json!([{"timestamp":1}])),
        ("tags", serde_json::json!({"n": 1})),
        ("extra", Value::from(1)),
    ];
    for (k, v) in mutations {
        let mut bad = ok.clone();
        bad[*k] = v.clone();
        assert!(check_rules(&bad).is_err(), "accepted a bad {k}");
    }
}

#[test]
fn non_finite_doubles_follow_the_proto3_json_mapping() {
    use playtrace::core::ids::IdGenerator;
    use playtrace::core::span::SpanLimits;
    use playtrace::core::span_context::{SpanContext, TraceFlags};
    let mut ids = IdGenerator::from_seed(1);
    let mut s = SpanData::new(
        SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false),
        None,
        "n",
        SpanKind::Internal,
        5_000,
        SpanLimits::default(),
    );
    s.set_attribute("nan", f64::NAN.into());
    s.set_attribute("inf", f64::INFINITY.into());
    s.set_attribute("ninf", AttributeValue::DoubleArray(vec![f64::NEG_INFINITY, 1.0]));
    s.end(5_000);
    let otlp = Encoder::new(Format::OtlpJson, &Resource::new("g"), "playtrace", "");
    let body: Value = serde_json::from_str(&otlp.encode_bodies(&[s.clone()], 60_000, 10)[0].json).unwrap();
    let attrs = &body["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"];
    assert_eq!(attrs[0]["value"]["doubleValue"], "NaN");
    assert_eq!(attrs[1]["value"]["doubleValue"], "Infinity");
    assert_eq!(attrs[2]["value"]["arrayValue"]["values"][0]["doubleValue"], "-Infinity");
    let zipkin = Encoder::new(Format::ZipkinJson, &Resource::new("g"), "playtrace", "");
    let body: Value = serde_json::from_str(&zipkin.encode_bodies(&[s], 60_000, 10)[0].json).unwrap();
    assert_eq!(body[0]["tags"]["nan"], "NaN");
    assert_eq!(body[0]["tags"]["ninf"], "[\"-Infinity\",1.0]");
    assert_eq!(body[0]["duration"], 1, "a zero-length span still has a duration of 1");
}
