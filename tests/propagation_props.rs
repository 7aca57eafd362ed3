//! Parsers take any input without panicking, and what they emit parses back to itself.

#![cfg(not(target_arch = "wasm32"))]

use playtrace::core::ids::{SpanId, TraceId};
use playtrace::core::propagation::{Baggage, TraceParent, TraceState};
use playtrace::core::span_context::{SpanContext, TraceFlags};
use proptest::prelude::*;

/// Strings near the valid forms, where parser bugs live, plus arbitrary Unicode.
fn header_like() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-fA-F-]{50,60}",
        "[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}.{0,5}",
        "([a-z0-9@_*/-]{0,8}=[ -~]{0,8}[ ,\t]{0,2}){0,40}",
        "([!-~]{0,6}[ ]?=[ ]?[!-~%]{0,10}(;[a-z]{1,3}(=[a-z%0-9]{0,4})?)?,?){0,80}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn parsers_never_panic(h in header_like()) {
        let _ = TraceParent::parse(&h);
        let _ = TraceState::parse(&h);
        let _ = Baggage::parse(&h);
        let _ = SpanContext::from_headers(&h, Some(&h));
        // Whatever is accepted is re-emitted in valid form.
        if let Ok(ts) = TraceState::parse(&h) {
            let out = ts.header_value();
            prop_assert!(out.len() <= 512);
            prop_assert!(TraceState::parse(&out).is_ok());
        }
        let b = Baggage::parse(&h);
        let out = b.header_value();
        prop_assert!(out.len() <= 8192);
        prop_assert_eq!(Baggage::parse(&out), b);
    }

    #[test]
    fn traceparent_round_trips(t in any::<[u8; 16]>(), s in any::<[u8; 8]>(), flags in any::<u8>()) {
        let (Some(trace_id), Some(parent_id)) = (TraceId::from_bytes(t), SpanId::from_bytes(s)) else {
            return Ok(());
        };
        let tp = TraceParent { trace_id, parent_id, flags: TraceFlags::from_wire(flags) };
        let h = tp.to_header();
        prop_assert_eq!(h.len(), 55);
        prop_assert_eq!(TraceParent::parse(&h), Some(tp));
        // The same header in uppercase is invalid whenever it has a hex letter in it.
        let upper = h.to_uppercase();
        if upper != h {
            prop_assert_eq!(TraceParent::parse(&upper), None);
        }
    }

    #[test]
    fn baggage_values_round_trip(entries in proptest::collection::vec(("[A-Za-z0-9!#$&'*+.^_`|~-]{1,10}", any::<String>()), 0..10)) {
        let mut b = Baggage::default();
        for (k, v) in &entries {
            prop_assert!(b.set(k, v));
        }
        let parsed = Baggage::parse(&b.header_value());
        for e in b.entries() {
            prop_assert_eq!(parsed.get(&e.key), Some(e.value.as_str()));
        }
    }
}
