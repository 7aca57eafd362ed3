//! Zipkin v2 JSON (`POST /api/v2/spans`), mapped from the span model as OpenTelemetry's Zipkin
//! exporters do: microsecond timestamps, a duration of at least 1, string tags, the service in
//! `localEndpoint.serviceName`, events as annotations, status and dropped counts as `otel.*`
//! tags. Zipkin has no links; they are not sent.

use super::json::{non_finite_name, write_finite_f64, write_i64, write_joined, write_str, write_u64};
use crate::core::span::{AttributeValue, Event, KeyValue, SpanData, SpanKind, Status};

/// The tag text of a value: strings as they are, scalars in their usual text form, arrays as a
/// JSON array (non-finite doubles inside arrays become JSON strings).
pub(super) fn value_text(v: &AttributeValue, out: &mut String) {
    fn list<T>(out: &mut String, items: &[T], each: impl FnMut(&mut String, &T)) {
        write_joined(out, "[", items, "]", each);
    }
    match v {
        AttributeValue::String(s) => out.push_str(s),
        AttributeValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        AttributeValue::Int(i) => write_i64(out, *i),
        AttributeValue::Double(d) => match non_finite_name(*d) {
            Some(name) => out.push_str(name),
            None => write_finite_f64(out, *d),
        },
        AttributeValue::StringArray(a) => list(out, a, |o, s| write_str(o, s)),
        AttributeValue::BoolArray(a) => list(out, a, |o, b| o.push_str(if *b { "true" } else { "false" })),
        AttributeValue::IntArray(a) => list(out, a, |o, i| write_i64(o, *i)),
        AttributeValue::DoubleArray(a) => list(out, a, |o, d| match non_finite_name(*d) {
            Some(name) => write_str(o, name),
            None => write_finite_f64(o, *d),
        }),
    }
}

fn write_tag(out: &mut String, first: &mut bool, key: &str, value: &str) {
    if !*first {
        out.push(',');
    }
    *first = false;
    write_str(out, key);
    out.push(':');
    write_str(out, value);
}

/// The size of one attribute as a tag, for choosing what to trim.
pub(super) fn write_attribute_tag(out: &mut String, kv: &KeyValue) {
    let mut text = String::new();
    value_text(&kv.value, &mut text);
    write_tag(out, &mut false, &kv.key, &text);
}

pub(super) fn write_annotation(out: &mut String, e: &Event) {
    out.push_str("{\"timestamp\":");
    write_u64(out, e.time_ns / 1000);
    out.push_str(",\"value\":");
    if e.attributes.is_empty() {
        write_str(out, &e.name);
    } else {
        // OpenTelemetry's mapping: the value is a JSON object {"<name>":{attributes}}.
        let mut text = String::from("{");
        write_str(&mut text, &e.name);
        text.push_str(":{");
        let mut first = true;
        for kv in e.attributes.items() {
            if !first {
                text.push(',');
            }
            first = false;
            write_str(&mut text, &kv.key);
            text.push(':');
            match &kv.value {
                AttributeValue::String(s) => write_str(&mut text, s),
                AttributeValue::Double(d) if !d.is_finite() => {
                    write_str(&mut text, non_finite_name(*d).unwrap_or_default())
                }
                other => value_text(other, &mut text),
            }
        }
        text.push_str("}}");
        write_str(out, &text);
    }
    out.push('}');
}

/// Writes one Zipkin v2 span.
pub(super) fn write_span(out: &mut String, s: &SpanData, service_name: &str, scope_name: &str, scope_version: &str) {
    out.push_str("{\"traceId\":\"");
    s.context.trace_id.write_hex(out);
    out.push_str("\",\"id\":\"");
    s.context.span_id.write_hex(out);
    out.push('"');
    if let Some(parent) = s.parent_span_id {
        out.push_str(",\"parentId\":\"");
        parent.write_hex(out);
        out.push('"');
    }
    let kind = match s.kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("SERVER"),
        SpanKind::Client => Some("CLIENT"),
        SpanKind::Producer => Some("PRODUCER"),
        SpanKind::Consumer => Some("CONSUMER"),
    };
    if let Some(kind) = kind {
        out.push_str(",\"kind\":\"");
        out.push_str(kind);
        out.push('"');
    }
    out.push_str(",\"name\":");
    write_str(out, &s.name);
    // Zipkin reads a timestamp of 0 as "unset".
    let start_us = (s.start_time_ns / 1000).max(1);
    let end_ns = s.end_time_ns.unwrap_or(s.start_time_ns);
    out.push_str(",\"timestamp\":");
    write_u64(out, start_us);
    out.push_str(",\"duration\":");
    write_u64(out, (end_ns.saturating_sub(s.start_time_ns) / 1000).max(1));
    out.push_str(",\"localEndpoint\":{\"serviceName\":");
    write_str(out, service_name);
    out.push('}');
    if !s.events.is_empty() {
        write_joined(out, ",\"annotations\":[", &s.events, "]", write_annotation);
    }
    out.push_str(",\"tags\":{");
    let mut first = true;
    let mut text = String::new();
    for kv in s.attributes.items() {
        text.clear();
        value_text(&kv.value, &mut text);
        write_tag(out, &mut first, &kv.key, &text);
    }
    write_tag(out, &mut first, "otel.scope.name", scope_name);
    if !scope_version.is_empty() {
        write_tag(out, &mut first, "otel.scope.version", scope_version);
    }
    match &s.status {
        Status::Unset => {}
        Status::Ok => write_tag(out, &mut first, "otel.status_code", "OK"),
        Status::Error(message) => {
            write_tag(out, &mut first, "otel.status_code", "ERROR");
            write_tag(out, &mut first, "error", message);
        }
    }
    for (key, n) in [
        ("otel.dropped_attributes_count", s.attributes.dropped()),
        ("otel.dropped_events_count", s.dropped_events),
        ("otel.dropped_links_count", s.dropped_links.saturating_add(s.links.len() as u32)),
    ] {
        if n > 0 {
            text.clear();
            write_u64(&mut text, u64::from(n));
            write_tag(out, &mut first, key, &text);
        }
    }
    out.push_str("}}");
}
