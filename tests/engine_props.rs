//! The engine's exporter (`core::engine::export`) over random event sequences, driven by a fake
//! browser with a fake clock: spans ended in bursts, time passing (the timer firing when due),
//! `flush()`, the page hiding, answers of every kind to any request in flight in any order,
//! beacons and `fetchLater` taken or refused, storage that works or is missing, bodies an
//! earlier page kept, and finally `shutdown()` with every request answered.
//!
//! After every step: each span the queue accepted is in exactly one place (queued, in a request
//! in flight, waiting for the endpoint, or counted as exported, beaconed, persisted or dropped);
//! every request the engine counts as in flight is one the browser was asked to make (no
//! command lost); a queued span has a timer armed, and a waiting body a timer or a request in
//! flight whose answer sends it; what an earlier page kept is asked for once, with a timer
//! armed until then. At the end nothing is queued, in flight or waiting, what an earlier page
//! kept was sent or is still stored, and `shutdown()`'s promise may resolve.

#![cfg(not(target_arch = "wasm32"))]

use playtrace::core::config::TracerConfig;
use playtrace::core::delivery::Answer;
use playtrace::core::encode::Resource;
use playtrace::core::engine::export::{keeps_body, Command, Endpoint, Event, Export, Reply};
use playtrace::core::ids::IdGenerator;
use playtrace::core::span::SpanKind;
use playtrace::core::tracer::{Ended, TracerCore};
use playtrace::core::transport::PendingBody;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Step {
    /// This many spans end now, each with an attribute of this many bytes.
    Spans(usize, usize),
    /// Time passes (ms); the page is hidden or not when the timer fires.
    Time(u64, bool),
    /// `tracer.flush()`.
    Flush,
    /// The page hides.
    Leave,
    /// The request in flight at this index (modulo their number) settles so.
    Answer(usize, Reply),
}

fn reply() -> impl Strategy<Value = Reply> {
    let status = prop_oneof![
        4 => Just(200u16),
        1 => Just(204),
        1 => prop_oneof![Just(429u16), Just(502), Just(503), Just(504)],
        1 => prop_oneof![Just(400u16), Just(404), Just(413), Just(500)],
        2 => Just(0),
    ];
    (status, proptest::option::of(0u64..5_000), any::<bool>(), any::<bool>()).prop_map(|(status, retry, probe, gz)| {
        let answer = if status == 0 { Answer::None } else { Answer::Status(status, retry) };
        Reply { answer, probe_answered: status == 0 && probe, sent_bytes: 100, gzipped: gz }
    })
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        30 => (1usize..20, prop_oneof![3 => 0usize..40, 1 => 2_000usize..9_000]).prop_map(|(n, b)| Step::Spans(n, b)),
        25 => (0u64..40_000, proptest::bool::weighted(0.1)).prop_map(|(ms, h)| Step::Time(ms, h)),
        5 => Just(Step::Flush),
        2 => Just(Step::Leave),
        30 => (any::<usize>(), reply()).prop_map(|(i, r)| Step::Answer(i, r)),
    ]
}

/// The fake browser: what the engine asked for and what became of it.
struct Browser {
    core: TracerCore,
    export: Export,
    now_ns: u64,
    /// Requests in flight: (attempt, spans, body).
    fetches: Vec<(u32, usize, String)>,
    /// The armed timer's deadline.
    armed: Option<u64>,
    /// Spans the queue accepted, and those it refused when they ended.
    accepted: u64,
    refused: u64,
    settled: bool,
    /// The fake browser's choices: beacons taken, storage present.
    choices: u64,
    /// What an earlier page kept in storage, until the engine asks for it; how often it asked.
    stored: Vec<PendingBody>,
    recovers: u32,
}

/// Bodies an earlier page kept: `spans` spans in each, written by an engine of its own.
fn kept_bodies(spans: &[usize], url: &str) -> Vec<PendingBody> {
    let mut core =
        TracerCore::new(&TracerConfig::new("earlier"), Resource::new("earlier"), IdGenerator::from_seed(7)).unwrap();
    spans
        .iter()
        .map(|&n| {
            for _ in 0..n {
                let (_, h) = core.start_span("kept", SpanKind::Internal, None, 1, 1);
                core.end_span(h.expect("always sampled"), 2);
            }
            let body = core.next_body_within(usize::MAX).expect("a body");
            assert_eq!(body.spans, n);
            PendingBody { url: url.to_owned(), spans: n, json: body.json }
        })
        .collect()
}

impl Browser {
    fn new(seed: u64, credentials: bool, gzip: bool, same_origin: bool, kept: &[usize]) -> Self {
        let mut c = TracerConfig::new("props");
        c.batch_size = 8;
        c.batch_bytes = 6_000;
        c.queue_size = 64;
        c.flush_interval_ms = 1_000;
        let core = TracerCore::new(&c, Resource::new("props"), IdGenerator::from_seed(seed)).unwrap();
        let url = if same_origin { "https://game.example/v1/traces" } else { "https://collector.example/v1/traces" };
        let export = Export::new(Endpoint {
            url: url.to_owned(),
            page_origin: "https://game.example".to_owned(),
            credentials,
            gzip,
            can_fetch: true,
        });
        let mut b = Self {
            core,
            export,
            now_ns: 1_000_000,
            fetches: Vec::new(),
            armed: None,
            accepted: 0,
            refused: 0,
            settled: false,
            choices: seed | 1,
            stored: kept_bodies(kept, url),
            recovers: 0,
        };
        b.event(Event::Started);
        b
    }

    fn choose(&mut self) -> bool {
        self.choices ^= self.choices << 13;
        self.choices ^= self.choices >> 7;
        self.choices ^= self.choices << 17;
        self.choices % 4 != 0
    }

    /// Gives the engine an event, then applies its commands as the driver does.
    fn event(&mut self, event: Event) {
        let mut out = Vec::new();
        self.export.handle(&mut self.core, event, self.now_ns, &mut out);
        for command in out {
            match command {
                Command::Fetch { attempt, body, .. } => {
                    let spans = body.matches("\"spanId\"").count();
                    self.fetches.push((attempt, spans, body));
                }
                Command::Hand { walk, body, .. } => {
                    let refused = (!self.choose()).then_some(body);
                    self.event(Event::Handed { walk, refused });
                }
                Command::Persist { spans, .. } => {
                    let result = if self.choose() { Ok(0) } else { Err(spans) };
                    self.event(Event::Persisted { spans, result });
                }
                Command::Recover => {
                    self.recovers += 1;
                    let bodies = std::mem::take(&mut self.stored);
                    self.event(Event::Recovered(bodies));
                }
                Command::Arm { at_ns, .. } => self.armed = Some(self.armed.map_or(at_ns, |a| a.min(at_ns))),
                Command::Disarm => self.armed = None,
                Command::Settled => self.settled = true,
                Command::Print(_) | Command::Say(..) | Command::Warn(_) | Command::ProbePreflight { .. } => {}
            }
        }
    }

    fn spans(&mut self, n: usize, attribute_bytes: usize) {
        for _ in 0..n {
            let (_, handle) = self.core.start_span("op", SpanKind::Internal, None, self.now_ns, self.now_ns);
            let h = handle.expect("always sampled");
            if let Some(s) = self.core.span_mut(h) {
                s.set_attribute("pad", "x".repeat(attribute_bytes).into());
            }
            match self.core.end_span(h, self.now_ns + 1) {
                Ended::Queued => {
                    self.accepted += 1;
                    if self.export.moves_timer_when_queued(&self.core) {
                        self.event(Event::Schedule);
                    }
                }
                Ended::Dropped => self.refused += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    fn time(&mut self, ms: u64, hidden: bool) {
        self.now_ns += ms * 1_000_000;
        if self.armed.is_some_and(|at| at <= self.now_ns) {
            self.armed = None;
            self.event(Event::Timer { hidden });
        }
    }

    fn answer(&mut self, index: usize, reply: Reply) {
        if self.fetches.is_empty() {
            return;
        }
        let (attempt, _, body) = self.fetches.remove(index % self.fetches.len());
        let body = keeps_body(&reply).then_some(body);
        self.event(Event::Answered { attempt, reply, body, hidden: false });
    }

    /// Every span accepted or refused is in exactly one place; nothing in flight is unknown to
    /// the browser; a timer is armed while anything waits.
    fn check(&self) -> Result<(), TestCaseError> {
        let st = self.core.stats();
        let in_flight: u64 = self.fetches.iter().map(|f| f.1 as u64).sum();
        prop_assert_eq!(in_flight, self.export.sending_spans(), "every request in flight was asked of the browser");
        let placed = self.core.queue_len() as u64
            + in_flight
            + self.export.waiting_spans()
            + st.exported
            + st.beaconed
            + st.persisted
            + st.dropped_send_failed
            + st.dropped_too_large
            + st.dropped_queue_full;
        prop_assert_eq!(placed, self.accepted + self.refused + st.recovered, "each span in one place: {:?}", st);
        prop_assert!(self.recovers <= 1, "what an earlier page kept is asked for once");
        if !self.export.is_shut_down() {
            // A queued span has its flush coming; a waiting body its retry, or the answer of
            // the request in flight to the failing endpoint, which sends it.
            prop_assert!(self.core.queue_len() == 0 || self.armed.is_some(), "spans queued and no timer armed");
            prop_assert!(
                self.stored.is_empty() || self.armed.is_some(),
                "what an earlier page kept waits with no timer armed"
            );
            prop_assert!(
                self.export.waiting_spans() == 0 || self.armed.is_some() || !self.fetches.is_empty(),
                "a body waits with no timer armed and nothing in flight"
            );
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_span_ends_in_one_place_and_no_command_is_lost(
        steps in proptest::collection::vec(step(), 1..150),
        seed in any::<u64>(),
        credentials in any::<bool>(),
        gzip in any::<bool>(),
        same_origin in any::<bool>(),
        kept in proptest::collection::vec(1usize..6, 0..3),
    ) {
        let mut b = Browser::new(seed, credentials, gzip, same_origin, &kept);
        for s in steps {
            match s {
                Step::Spans(n, bytes) => b.spans(n, bytes),
                Step::Time(ms, hidden) => b.time(ms, hidden),
                Step::Flush => b.event(Event::Flush),
                Step::Leave => b.event(Event::Leaving),
                Step::Answer(i, reply) => b.answer(i, reply),
            }
            b.check()?;
        }
        b.event(Event::Shutdown { hidden: false });
        b.check()?;
        let mut rounds = 0;
        while !b.fetches.is_empty() {
            rounds += 1;
            prop_assert!(rounds < 1_000, "requests keep coming after shutdown");
            let reply = Reply { answer: Answer::Status(503, None), probe_answered: false, sent_bytes: 100, gzipped: false };
            b.settled = false;
            b.answer(0, reply);
            b.check()?;
        }
        prop_assert!(b.settled, "shutdown's promise resolves with the last answer");
        prop_assert_eq!(b.core.queue_len(), 0);
        prop_assert_eq!(b.export.waiting_spans(), 0, "what waited was kept");
        // What an earlier page kept was sent, or waits in storage for the next visit.
        let left: usize = b.stored.iter().map(|body| body.spans).sum();
        prop_assert_eq!(b.core.stats().recovered + left as u64, kept.iter().sum::<usize>() as u64);
    }
}
