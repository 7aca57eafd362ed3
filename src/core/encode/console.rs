//! A readable one-span-per-entry text for the console format (the seeds' ConsoleReporter).

use super::json::{write_str, write_u64};
use super::zipkin::value_text;
use crate::core::span::{AttributeValue, SpanData, SpanKind, Status};

/// Strings quoted (so trailing spaces and empty values show), everything else as Zipkin tags it.
fn write_value(out: &mut String, v: &AttributeValue) {
    match v {
        AttributeValue::String(s) => write_str(out, s),
        other => value_text(other, out),
    }
}

fn write_ms(out: &mut String, ns: u64) {
    let us = ns / 1000;
    write_u64(out, us / 1000);
    out.push('.');
    let frac = us % 1000;
    for d in [frac / 100, frac / 10 % 10, frac % 10] {
        out.push(char::from(b'0' + d as u8));
    }
    out.push_str(" ms");
}

/// `[playtrace] name (kind) 12.345 ms trace=… span=… parent=…`, then status, attributes and
/// events (with their offset from the span start) on indented lines.
pub fn write_span(out: &mut String, s: &SpanData) {
    out.push_str("[playtrace] ");
    out.push_str(&s.name);
    out.push_str(match s.kind {
        SpanKind::Internal => " (internal) ",
        SpanKind::Server => " (server) ",
        SpanKind::Client => " (client) ",
        SpanKind::Producer => " (producer) ",
        SpanKind::Consumer => " (consumer) ",
    });
    let end = s.end_time_ns.unwrap_or(s.start_time_ns);
    write_ms(out, end.saturating_sub(s.start_time_ns));
    out.push_str(" trace=");
    s.context.trace_id.write_hex(out);
    out.push_str(" span=");
    s.context.span_id.write_hex(out);
    if let Some(p) = s.parent_span_id {
        out.push_str(" parent=");
        p.write_hex(out);
    }
    match &s.status {
        Status::Unset => {}
        Status::Ok => out.push_str("\n  status: OK"),
        Status::Error(m) => {
            out.push_str("\n  status: ERROR ");
            write_str(out, m);
        }
    }
    for kv in s.attributes.items() {
        out.push_str("\n  ");
        out.push_str(&kv.key);
        out.push_str(" = ");
        write_value(out, &kv.value);
    }
    for e in &s.events {
        out.push_str("\n  event +");
        write_ms(out, e.time_ns.saturating_sub(s.start_time_ns));
        out.push(' ');
        out.push_str(&e.name);
        for kv in e.attributes.items() {
            out.push(' ');
            out.push_str(&kv.key);
            out.push('=');
            write_value(out, &kv.value);
        }
    }
    let dropped = s.attributes.dropped() + s.dropped_events + s.dropped_links;
    if dropped > 0 {
        out.push_str("\n  dropped: ");
        write_u64(out, u64::from(dropped));
    }
}
