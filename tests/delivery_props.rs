//! Delivery's accounting over random sequences of what a page lives through: bodies flushed,
//! answers of every kind in any order, retries coming due, the page hiding (due bodies kept for
//! the next visit) and going away (every waiting body kept). After every step each span is in
//! exactly one place (in flight, waiting, delivered, dropped and counted, or kept), the bounds
//! hold, and a body that waits always has a retry coming, so none is forgotten.

#![cfg(not(target_arch = "wasm32"))]

use playtrace::core::delivery::{Answer, Delivery, Verdict, WAITING_MAX_BODIES, WAITING_MAX_BYTES};
use playtrace::core::encode::{Body, Encoder, Format, Resource};
use playtrace::core::transport::MAX_RETRIES;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Event {
    /// A flush: a body of this many spans.
    Flush(usize),
    /// The answer to the in-flight body at this index (modulo how many there are).
    Answer(usize, Answer),
    /// Time passes (ms); retries that came due are sent, or kept if the page is hidden.
    Tick(u64, bool),
    /// The page goes away: what waits is kept for the next visit.
    Leave,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        3 => Just(Answer::Status(200, None)),
        1 => Just(Answer::Status(204, None)),
        2 => Just(Answer::None),
        1 => (prop_oneof![Just(429u16), Just(502), Just(503), Just(504)], proptest::option::of(0u64..5_000))
            .prop_map(|(s, r)| Answer::Status(s, r)),
        1 => prop_oneof![Just(400u16), Just(401), Just(404), Just(413), Just(500)].prop_map(|s| Answer::Status(s, None)),
    ]
}

fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        50 => (1usize..12).prop_map(Event::Flush),
        30 => (any::<usize>(), answer()).prop_map(|(i, a)| Event::Answer(i, a)),
        20 => (0u64..70_000, proptest::bool::weighted(0.1)).prop_map(|(ms, hidden)| Event::Tick(ms, hidden)),
        1 => Just(Event::Leave),
    ]
}

/// A long outage: flushes go on, every attempt goes unanswered, the page stays visible.
fn outage() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec(
        prop_oneof![
            3 => (1usize..12).prop_map(Event::Flush),
            2 => any::<usize>().prop_map(|i| Event::Answer(i, Answer::None)),
            1 => (0u64..70_000).prop_map(|ms| Event::Tick(ms, false)),
        ],
        50..400,
    )
}

/// Stretches of ordinary life and of outages, in any order.
fn life() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec(prop_oneof![proptest::collection::vec(event(), 1..100), outage()], 1..6)
        .prop_map(|parts| parts.into_iter().flatten().collect())
}

/// A body of `spans` one-span fragments in the OTLP envelope, so that merging is real.
fn body(enc: &Encoder, spans: usize) -> Body {
    let mut fragments: Vec<String> = (0..spans).map(|i| format!("{{\"name\":\"s{i}\"}}")).collect();
    enc.pack_body(&mut fragments, usize::MAX, usize::MAX).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_span_is_in_one_place_and_no_waiting_body_is_forgotten(events in life()) {
        let enc = Encoder::new(Format::OtlpJson, &Resource::new("g"), "playtrace", "0");
        // Small bodies merge up to 300 bytes, so that long outages also meet the bound on bodies.
        let merge = |into: &mut String, more: &str| enc.merge(into, more, 300);
        let mut d = Delivery::default();
        let mut now = 0u64;
        let mut in_flight: Vec<(Body, u32)> = Vec::new();
        let (mut flushed, mut delivered, mut dropped, mut kept) = (0u64, 0u64, 0u64, 0u64);
        for (step, e) in events.into_iter().enumerate() {
            let jitter = (step % 7) as f64 / 6.0;
            match e {
                Event::Flush(n) => {
                    flushed += n as u64;
                    let b = body(&enc, n);
                    if d.must_wait() {
                        dropped += d.wait(b, now, jitter, merge);
                    } else {
                        d.sending(&b);
                        in_flight.push((b, 0));
                    }
                }
                Event::Answer(i, a) => {
                    if in_flight.is_empty() {
                        continue;
                    }
                    let (b, retries) = in_flight.remove(i % in_flight.len());
                    let spans = b.spans as u64;
                    let verdict = d.settled(b, retries, a, now, jitter);
                    dropped += d.take_pushed_out();
                    match verdict {
                        Verdict::Delivered => delivered += spans,
                        Verdict::Dropped => dropped += spans,
                        Verdict::Waiting => {
                            if let Answer::Status(_, _) = a {
                                prop_assert!(retries < MAX_RETRIES, "a server that keeps failing is given up on");
                            }
                        }
                    }
                }
                Event::Tick(ms, hidden) => {
                    now += ms * 1_000_000;
                    if hidden {
                        kept += d.keep_due(now).iter().map(|b| b.spans as u64).sum::<u64>();
                    } else {
                        while let Some(w) = d.take_due(now) {
                            d.sending(&w.body);
                            in_flight.push((w.body, w.retries));
                        }
                    }
                }
                Event::Leave => {
                    kept += d.take_all().iter().map(|b| b.spans as u64).sum::<u64>();
                }
            }
            let sending: u64 = in_flight.iter().map(|(b, _)| b.spans as u64).sum();
            prop_assert_eq!(d.sending_spans(), sending);
            prop_assert_eq!(d.sending_bodies(), in_flight.len() as u64);
            prop_assert_eq!(flushed, sending + d.waiting_spans() + delivered + dropped + kept, "every span in one place");
            prop_assert!(d.waiting_bodies() <= WAITING_MAX_BODIES && d.waiting_bytes() <= WAITING_MAX_BYTES);
            if d.waiting_spans() > 0 && in_flight.is_empty() {
                prop_assert!(d.next_deadline_ns().is_some(), "a waiting body with nothing in flight has a retry coming");
            }
        }
    }
}
