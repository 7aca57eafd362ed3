//! Every OTLP body the encoder writes is decoded by the `opentelemetry-proto` crate and compared
//! field by field with the spans it came from.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::cell::Cell;
use std::collections::HashMap;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value::Value, AnyValue, KeyValue as PKeyValue};
use opentelemetry_proto::tonic::trace::v1::{span::SpanKind as PKind, status::StatusCode, Span as PSpan};
use playtrace::core::encode::{Encoder, Format, Resource};
use playtrace::core::span::{AttributeValue, KeyValue, SpanData, SpanKind, Status};
use proptest::collection::vec;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

fn value(v: &AnyValue) -> AttributeValue {
    fn scalars<T>(a: &[AnyValue], f: impl Fn(&Value) -> Option<T>) -> Vec<T> {
        a.iter().map(|x| f(x.value.as_ref().expect("array element has a value")).expect("homogeneous array")).collect()
    }
    match v.value.as_ref().expect("AnyValue has a value") {
        Value::StringValue(s) => AttributeValue::String(s.clone()),
        Value::BoolValue(b) => AttributeValue::Bool(*b),
        Value::IntValue(i) => AttributeValue::Int(*i),
        Value::DoubleValue(d) => AttributeValue::Double(*d),
        Value::ArrayValue(a) => {
            // An empty array cannot tell its element type; compare it as an empty string array.
            match a.values.first().and_then(|x| x.value.as_ref()) {
                None => AttributeValue::StringArray(vec![]),
                Some(Value::StringValue(_)) => AttributeValue::StringArray(scalars(&a.values, |x| match x {
                    Value::StringValue(s) => Some(s.clone()),
                    _ => None,
                })),
                Some(Value::BoolValue(_)) => AttributeValue::BoolArray(scalars(&a.values, |x| match x {
                    Value::BoolValue(b) => Some(*b),
                    _ => None,
                })),
                Some(Value::IntValue(_)) => AttributeValue::IntArray(scalars(&a.values, |x| match x {
                    Value::IntValue(i) => Some(*i),
                    _ => None,
                })),
                Some(Value::DoubleValue(_)) => AttributeValue::DoubleArray(scalars(&a.values, |x| match x {
                    Value::DoubleValue(d) => Some(*d),
                    _ => None,
                })),
                Some(other) => panic!("unexpected array element {other:?}"),
            }
        }
        other => panic!("unexpected value {other:?}"),
    }
}

/// Normalises what JSON cannot distinguish: empty arrays of any type, and -0.0 vs 0.0 bits.
fn normalised(v: &AttributeValue) -> AttributeValue {
    match v {
        AttributeValue::BoolArray(a) if a.is_empty() => AttributeValue::StringArray(vec![]),
        AttributeValue::IntArray(a) if a.is_empty() => AttributeValue::StringArray(vec![]),
        AttributeValue::DoubleArray(a) if a.is_empty() => AttributeValue::StringArray(vec![]),
        other => other.clone(),
    }
}

fn same_attrs(got: &[PKeyValue], want: &[KeyValue]) -> Result<(), TestCaseError> {
    proptest::prop_assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        proptest::prop_assert_eq!(g.key.as_str(), &*w.key);
        let gv = value(g.value.as_ref().expect("KeyValue has a value"));
        proptest::prop_assert_eq!(normalised(&gv), normalised(&w.value));
    }
    Ok(())
}

/// Compares a decoded span with its source. A trimmed span may have lost attributes, events or
/// links (each counted) and text, but what it kept must be exactly the source's.
fn compare(got: &PSpan, want: &SpanData) -> Result<(), TestCaseError> {
    use proptest::prop_assert_eq as eq;
    eq!(&got.trace_id, &want.context.trace_id.to_bytes().to_vec());
    eq!(&got.span_id, &want.context.span_id.to_bytes().to_vec());
    eq!(&got.parent_span_id, &want.parent_span_id.map(|p| p.to_bytes().to_vec()).unwrap_or_default());
    eq!(&got.trace_state, &want.context.trace_state.header_value());
    let remote_bits = 0x100 | if want.parent_is_remote { 0x200 } else { 0 };
    eq!(got.flags, u32::from(want.context.flags.bits()) | remote_bits);
    let kind = match want.kind {
        SpanKind::Internal => PKind::Internal,
        SpanKind::Server => PKind::Server,
        SpanKind::Client => PKind::Client,
        SpanKind::Producer => PKind::Producer,
        SpanKind::Consumer => PKind::Consumer,
    };
    eq!(got.kind, kind as i32);
    eq!(got.start_time_unix_nano, want.start_time_ns);
    eq!(got.end_time_unix_nano, want.end_time_ns.unwrap());
    let want_message = match &want.status {
        Status::Error(m) => m.as_str(),
        _ => "",
    };
    let got_message = got.status.as_ref().map_or("", |s| s.message.as_str());
    let trimmed = got.attributes.len() < want.attributes.items().len()
        || got.events.len() < want.events.len()
        || got.links.len() < want.links.len()
        || *got.name != *want.name
        || got_message != want_message;
    if trimmed {
        // Text is only ever shortened, never changed.
        proptest::prop_assert!(want.name.starts_with(&got.name));
        proptest::prop_assert!(want_message.starts_with(got_message));
        let lost = (want.attributes.items().len() - got.attributes.len()) as u32;
        eq!(got.dropped_attributes_count, want.attributes.dropped() + lost);
        let kept: Vec<KeyValue> = want
            .attributes
            .items()
            .iter()
            .filter(|kv| got.attributes.iter().any(|g| *g.key == *kv.key))
            .cloned()
            .collect();
        same_attrs(&got.attributes, &kept)?;
        eq!(got.dropped_events_count, want.dropped_events + (want.events.len() - got.events.len()) as u32);
        eq!(got.dropped_links_count, want.dropped_links + (want.links.len() - got.links.len()) as u32);
        return Ok(());
    }
    eq!(got.name.as_str(), &*want.name);
    same_attrs(&got.attributes, want.attributes.items())?;
    eq!(got.dropped_attributes_count, want.attributes.dropped());
    eq!(got.events.len(), want.events.len());
    for (g, w) in got.events.iter().zip(&want.events) {
        eq!(&g.name, &w.name);
        eq!(g.time_unix_nano, w.time_ns);
        same_attrs(&g.attributes, w.attributes.items())?;
        eq!(g.dropped_attributes_count, w.attributes.dropped());
    }
    eq!(got.dropped_events_count, want.dropped_events);
    eq!(got.links.len(), want.links.len());
    for (g, w) in got.links.iter().zip(&want.links) {
        eq!(&g.trace_id, &w.context.trace_id.to_bytes().to_vec());
        eq!(&g.span_id, &w.context.span_id.to_bytes().to_vec());
        eq!(g.flags, u32::from(w.context.flags.bits()) | 0x100 | if w.context.is_remote { 0x200 } else { 0 });
        same_attrs(&g.attributes, w.attributes.items())?;
        eq!(g.dropped_attributes_count, w.attributes.dropped());
    }
    eq!(got.dropped_links_count, want.dropped_links);
    let status = got.status.clone().unwrap_or_default();
    match &want.status {
        Status::Unset => eq!(status.code, StatusCode::Unset as i32),
        Status::Ok => eq!(status.code, StatusCode::Ok as i32),
        Status::Error(m) => {
            eq!(status.code, StatusCode::Error as i32);
            eq!(&status.message, m);
        }
    }
    Ok(())
}

#[test]
fn thousands_of_generated_bodies_decode_with_opentelemetry_proto() {
    let resource = Resource::new("game-ünï\"code\"")
        .with("service.version", "1.2.3".into())
        .with("telemetry.sdk.language", "webjs".into())
        .with("session.count", 3i64.into());
    let enc = Encoder::new(Format::OtlpJson, &resource, "playtrace", "0.1.0");
    let mut runner = TestRunner::new(Config { cases: 1500, failure_persistence: None, ..Config::default() });
    // The runner takes an `Fn`; counters go through cells.
    let bodies_decoded = Cell::new(0usize);
    let spans_checked = Cell::new(0usize);
    let trimmed_seen = Cell::new(0usize);
    let strategy = (vec(common::span(), 1..16), 3_000usize..40_000, 1usize..20);
    runner
        .run(&strategy, |(spans, limit, max_spans)| {
            let bodies = enc.encode_bodies(&spans, limit, max_spans);
            let by_id: HashMap<Vec<u8>, &SpanData> =
                spans.iter().map(|s| (s.context.span_id.to_bytes().to_vec(), s)).collect();
            let mut seen = 0;
            for body in &bodies {
                proptest::prop_assert!(body.json.len() <= limit, "body of {} bytes over {}", body.json.len(), limit);
                proptest::prop_assert!(body.spans <= max_spans);
                let req: ExportTraceServiceRequest = serde_json::from_str(&body.json)
                    .map_err(|e| TestCaseError::fail(format!("opentelemetry-proto rejected the body: {e}")))?;
                bodies_decoded.set(bodies_decoded.get() + 1);
                proptest::prop_assert_eq!(req.resource_spans.len(), 1);
                let rs = &req.resource_spans[0];
                let res = rs.resource.as_ref().unwrap();
                same_attrs(&res.attributes, resource.attributes.items())?;
                let ss = &rs.scope_spans[0];
                let scope = ss.scope.as_ref().unwrap();
                proptest::prop_assert_eq!((&scope.name[..], &scope.version[..]), ("playtrace", "0.1.0"));
                proptest::prop_assert_eq!(ss.spans.len(), body.spans);
                for got in &ss.spans {
                    let want = by_id.get(&got.span_id).expect("decoded span matches a generated one");
                    if *got.name != *want.name || got.attributes.len() < want.attributes.items().len() {
                        trimmed_seen.set(trimmed_seen.get() + 1);
                    }
                    compare(got, want)?;
                    seen += 1;
                }
            }
            // Nothing is lost: with limits of 3,000 bytes and up every span fits, trimmed if need be.
            proptest::prop_assert_eq!(seen, spans.len());
            spans_checked.set(spans_checked.get() + seen);
            Ok(())
        })
        .unwrap();
    let (bodies_decoded, spans_checked, trimmed_seen) = (bodies_decoded.get(), spans_checked.get(), trimmed_seen.get());
    println!("decoded {bodies_decoded} OTLP bodies holding {spans_checked} spans ({trimmed_seen} trimmed to fit)");
    assert!(bodies_decoded >= 2000, "only {bodies_decoded} bodies");
    assert!(trimmed_seen > 0, "no case exercised trimming");
}
