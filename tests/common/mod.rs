//! Generated spans for the property tests: random names and values (any Unicode, control
//! characters included), every attribute type, and limits small enough to be hit.

#![allow(dead_code)]

use playtrace::core::ids::IdGenerator;
use playtrace::core::propagation::TraceState;
use playtrace::core::span::{AttributeValue, SpanData, SpanKind, SpanLimits, Status};
use playtrace::core::span_context::{SpanContext, TraceFlags};
use proptest::collection::vec;
use proptest::prelude::*;

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO, (-1e6f64..1e6),]
}

/// Text: mostly short arbitrary Unicode, sometimes long enough to force trimming.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => any::<String>(),
        1 => "[a-z\u{0}-\u{1f}\"\\\\\u{2028}é🎮]{0,40}",
        1 => "[a-zé🎮]{2000,6000}",
    ]
}

pub fn attr_value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        text().prop_map(AttributeValue::String),
        any::<bool>().prop_map(AttributeValue::Bool),
        any::<i64>().prop_map(AttributeValue::Int),
        finite_f64().prop_map(AttributeValue::Double),
        vec(any::<String>(), 0..4).prop_map(AttributeValue::StringArray),
        vec(any::<bool>(), 0..4).prop_map(AttributeValue::BoolArray),
        vec(any::<i64>(), 0..4).prop_map(AttributeValue::IntArray),
        vec(finite_f64(), 0..4).prop_map(AttributeValue::DoubleArray),
    ]
}

fn attrs(max: usize) -> impl Strategy<Value = Vec<(String, AttributeValue)>> {
    vec(("[a-z.é_]{0,12}", attr_value()), 0..max)
}

fn limits() -> impl Strategy<Value = SpanLimits> {
    (1u32..12, 0u32..5, 0u32..3, 0u32..4, proptest::option::of(0u32..64)).prop_map(|(a, e, l, ea, len)| SpanLimits {
        attribute_count: a,
        event_count: e,
        link_count: l,
        attributes_per_event: ea,
        attributes_per_link: ea,
        attribute_value_length: len,
    })
}

/// A span built through the public model API, so limits and dropped counts are the model's own.
pub fn span() -> impl Strategy<Value = SpanData> {
    (
        (any::<u64>(), text(), 0usize..5, 1u64..(1 << 62), 0u64..10_000_000_000, any::<bool>(), limits()),
        attrs(16),
        vec((text(), 0u64..(1 << 62), attrs(5)), 0..7),
        vec((any::<u64>(), any::<bool>(), any::<bool>(), attrs(3)), 0..4),
        (0u8..3, text(), any::<bool>(), proptest::option::of("[a-z]{1,5}=[a-zA-Z0-9]{1,8}")),
    )
        .prop_map(|((seed, name, kind, start, dur, has_parent, limits), attributes, events, links, status)| {
            let mut ids = IdGenerator::from_seed(seed);
            let kind =
                [SpanKind::Internal, SpanKind::Server, SpanKind::Client, SpanKind::Producer, SpanKind::Consumer][kind];
            let (code, message, sampled, tracestate) = status;
            let mut cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::NONE.with_sampled(sampled), false);
            if let Some(ts) = tracestate {
                cx.trace_state = TraceState::parse(&ts).unwrap();
            }
            let parent =
                has_parent.then(|| SpanContext::new(cx.trace_id, ids.span_id(), TraceFlags::SAMPLED, seed % 2 == 0));
            let mut s = SpanData::new(cx, parent.as_ref(), name.as_str(), kind, start, limits);
            for (k, v) in attributes {
                s.set_attribute(k, v);
            }
            for (n, t, a) in events {
                s.add_event(&n, t, a);
            }
            for (lseed, remote, lsampled, a) in links {
                let mut li = IdGenerator::from_seed(lseed);
                s.add_link(
                    SpanContext::new(li.trace_id(), li.span_id(), TraceFlags::NONE.with_sampled(lsampled), remote),
                    a,
                );
            }
            s.set_status(match code {
                0 => Status::Unset,
                1 => Status::Ok,
                _ => Status::Error(message),
            });
            s.end(start.saturating_add(dur));
            s
        })
}
