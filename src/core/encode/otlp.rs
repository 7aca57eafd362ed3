//! OTLP/HTTP JSON, as the OTLP specification maps the protobuf messages to JSON: trace and span
//! IDs in lowercase hex (not base64), lowerCamelCase keys, enums as integers, 64-bit integers as
//! decimal strings. Default values are omitted, as proto3 JSON allows, to keep bodies small.

use super::json::{non_finite_name, write_finite_f64, write_i64, write_joined, write_str, write_u64};
use super::Resource;
use crate::core::span::{AttributeValue, Event, KeyValue, Link, SpanData, Status};
use crate::core::span_context::SpanContext;

/// `SpanFlags`: the W3C flags in bits 0-7, then "is the remote-ness of the parent known" and
/// "is the parent remote".
const HAS_IS_REMOTE: u32 = 0x100;
const IS_REMOTE: u32 = 0x200;

fn write_double(out: &mut String, v: f64) {
    match non_finite_name(v) {
        Some(name) => write_str(out, name),
        None => write_finite_f64(out, v),
    }
}

fn write_array<T>(out: &mut String, items: &[T], each: impl FnMut(&mut String, &T)) {
    write_joined(out, "{\"arrayValue\":{\"values\":[", items, "]}}", each);
}

/// Writes an `AnyValue`.
fn write_any_value(out: &mut String, v: &AttributeValue) {
    #[allow(clippy::ptr_arg)]
    fn string(out: &mut String, s: &String) {
        // &String, not &str: it is also the element callback for Vec<String> arrays.
        out.push_str("{\"stringValue\":");
        write_str(out, s);
        out.push('}');
    }
    fn boolean(out: &mut String, b: &bool) {
        out.push_str(if *b { "{\"boolValue\":true}" } else { "{\"boolValue\":false}" });
    }
    fn int(out: &mut String, i: &i64) {
        out.push_str("{\"intValue\":\"");
        write_i64(out, *i);
        out.push_str("\"}");
    }
    fn double(out: &mut String, d: &f64) {
        out.push_str("{\"doubleValue\":");
        write_double(out, *d);
        out.push('}');
    }
    match v {
        AttributeValue::String(s) => string(out, s),
        AttributeValue::Bool(b) => boolean(out, b),
        AttributeValue::Int(i) => int(out, i),
        AttributeValue::Double(d) => double(out, d),
        AttributeValue::StringArray(a) => write_array(out, a, string),
        AttributeValue::BoolArray(a) => write_array(out, a, boolean),
        AttributeValue::IntArray(a) => write_array(out, a, int),
        AttributeValue::DoubleArray(a) => write_array(out, a, double),
    }
}

/// Writes one `KeyValue`.
pub(super) fn write_key_value(out: &mut String, kv: &KeyValue) {
    out.push_str("{\"key\":");
    write_str(out, &kv.key);
    out.push_str(",\"value\":");
    write_any_value(out, &kv.value);
    out.push('}');
}

/// Writes `,"attributes":[...]` and `,"droppedAttributesCount":n` when they are not empty.
fn write_attributes(out: &mut String, items: &[KeyValue], dropped: u32) {
    if !items.is_empty() {
        write_joined(out, ",\"attributes\":[", items, "]", write_key_value);
    }
    write_count(out, "droppedAttributesCount", dropped);
}

fn write_count(out: &mut String, key: &str, n: u32) {
    if n > 0 {
        out.push_str(",\"");
        out.push_str(key);
        out.push_str("\":");
        write_u64(out, u64::from(n));
    }
}

fn write_nanos(out: &mut String, key: &str, ns: u64) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":\"");
    write_u64(out, ns);
    out.push('"');
}

pub(super) fn write_event(out: &mut String, e: &Event) {
    out.push_str("{\"name\":");
    write_str(out, &e.name);
    write_nanos(out, "timeUnixNano", e.time_ns);
    write_attributes(out, e.attributes.items(), e.attributes.dropped());
    out.push('}');
}

/// Opens an object with `traceId`, `spanId` and, if any, `traceState` of `cx`.
fn open_with_context(out: &mut String, cx: &SpanContext) {
    out.push_str("{\"traceId\":\"");
    cx.trace_id.write_hex(out);
    out.push_str("\",\"spanId\":\"");
    cx.span_id.write_hex(out);
    out.push('"');
    if !cx.trace_state.is_empty() {
        out.push_str(",\"traceState\":");
        write_str(out, &cx.trace_state.header_value());
    }
}

/// Writes `,"flags":n`: the W3C flags plus whether the (parent or linked) span is remote.
fn write_flags(out: &mut String, cx: &SpanContext, remote: bool) {
    out.push_str(",\"flags\":");
    let remote = if remote { IS_REMOTE } else { 0 };
    write_u64(out, u64::from(u32::from(cx.flags.bits()) | HAS_IS_REMOTE | remote));
}

pub(super) fn write_link(out: &mut String, l: &Link) {
    open_with_context(out, &l.context);
    write_flags(out, &l.context, l.context.is_remote);
    write_attributes(out, l.attributes.items(), l.attributes.dropped());
    out.push('}');
}

fn write_list<T>(out: &mut String, key: &str, items: &[T], each: fn(&mut String, &T)) {
    if items.is_empty() {
        return;
    }
    out.push_str(",\"");
    out.push_str(key);
    write_joined(out, "\":[", items, "]", each);
}

/// Writes one `Span` object.
pub(super) fn write_span(out: &mut String, s: &SpanData) {
    open_with_context(out, &s.context);
    if let Some(parent) = s.parent_span_id {
        out.push_str(",\"parentSpanId\":\"");
        parent.write_hex(out);
        out.push('"');
    }
    write_flags(out, &s.context, s.parent_is_remote);
    out.push_str(",\"name\":");
    write_str(out, &s.name);
    out.push_str(",\"kind\":");
    write_u64(out, u64::from(s.kind.otlp_code()));
    write_nanos(out, "startTimeUnixNano", s.start_time_ns);
    write_nanos(out, "endTimeUnixNano", s.end_time_ns.unwrap_or(s.start_time_ns));
    write_attributes(out, s.attributes.items(), s.attributes.dropped());
    write_list(out, "events", &s.events, write_event);
    write_count(out, "droppedEventsCount", s.dropped_events);
    write_list(out, "links", &s.links, write_link);
    write_count(out, "droppedLinksCount", s.dropped_links);
    match &s.status {
        Status::Unset => {}
        Status::Ok => out.push_str(",\"status\":{\"code\":1}"),
        Status::Error(message) => {
            out.push_str(",\"status\":{");
            if !message.is_empty() {
                out.push_str("\"message\":");
                write_str(out, message);
                out.push(',');
            }
            out.push_str("\"code\":2}");
        }
    }
    out.push('}');
}

/// The text before and after the spans of an `ExportTraceServiceRequest` with one resource
/// and one scope.
pub(super) fn envelope(resource: &Resource, scope_name: &str, scope_version: &str) -> (String, String) {
    let mut prefix = String::from("{\"resourceSpans\":[{\"resource\":{");
    let mut attrs = String::new();
    write_attributes(&mut attrs, resource.attributes.items(), resource.attributes.dropped());
    // write_attributes leads with a comma, meant for a preceding field; the resource has none.
    prefix.push_str(attrs.strip_prefix(",").unwrap_or(&attrs));
    prefix.push_str("},\"scopeSpans\":[{\"scope\":{\"name\":");
    write_str(&mut prefix, scope_name);
    if !scope_version.is_empty() {
        prefix.push_str(",\"version\":");
        write_str(&mut prefix, scope_version);
    }
    prefix.push_str("},\"spans\":[");
    (prefix, String::from("]}]}]}"))
}
