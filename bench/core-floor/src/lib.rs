//! The engine's rules (`src/core`) compiled alone, behind the smallest boundary there is:
//! numbers and byte ranges of one shared buffer in, byte ranges out through one host import.
//! Whatever the browser layer becomes, the wasm cannot be smaller than this while the rules
//! are these; `make core-floor` prints the figure.
#![allow(missing_docs, static_mut_refs)]

#[path = "../../../src/core/mod.rs"]
pub mod core;
#[path = "../../../src/heap.rs"]
#[allow(dead_code)]
mod heap;

pub const SCOPE_NAME: &str = "playtrace";
pub const SCOPE_VERSION: &str = "0.1.0";

use crate::core::config::{ExportFormat, SamplerConfig, TracerConfig};
use crate::core::delivery::Answer;
use crate::core::diagnostics::Diagnostics;
use crate::core::encode::Resource;
use crate::core::engine::export::{Command, Endpoint, Event, Export, Reply};
use crate::core::ids::IdGenerator;
use crate::core::span::{AttributeValue, SpanKind};
use crate::core::span_context::SpanContext;
use crate::core::tracer::{SpanHandle, TracerCore};

#[link(wasm_import_module = "env")]
extern "C" {
    /// Hands the host `len` bytes at `ptr`, of a kind (a header, a body, a URL, a line).
    fn host_out(kind: u32, ptr: *const u8, len: usize);
    /// Arms the host's timer (0: clears it).
    fn host_arm(ms: u32);
}

fn out(kind: u32, s: &str) {
    unsafe { host_out(kind, s.as_ptr(), s.len()) }
}

struct State {
    core: TracerCore,
    export: Export,
    commands: Vec<Command>,
    diagnostics: Diagnostics,
    #[cfg(feature = "all-rules")]
    rules: Rules,
}

#[cfg(feature = "all-rules")]
#[derive(Default)]
struct Rules {
    baggage: crate::core::propagation::baggage::Baggage,
    frames: Option<crate::core::frames::FrameWatch>,
    errors: crate::core::errors::ErrorLimiter,
}

static mut STATE: Option<State> = None;
static mut BUFFER: Vec<u8> = Vec::new();

/// The shared buffer the host writes arguments into, `n` bytes long.
#[no_mangle]
pub extern "C" fn buffer(n: usize) -> *mut u8 {
    unsafe {
        BUFFER.resize(n, 0);
        BUFFER.as_mut_ptr()
    }
}

fn arg(from: usize, to: usize) -> &'static str {
    unsafe { std::str::from_utf8_unchecked(&BUFFER[from..to]) }
}

fn state() -> &'static mut State {
    unsafe { STATE.as_mut().unwrap() }
}

fn handle(bits: u64) -> SpanHandle {
    SpanHandle::from_bits(bits).unwrap()
}

#[no_mangle]
pub extern "C" fn init(
    service: usize,
    zipkin: u32,
    ratio: f64,
    seed: u64,
    session: usize,
    url: usize,
    origin: usize,
) -> u32 {
    let mut config = TracerConfig::new(arg(0, service));
    if zipkin == 1 {
        config.format = ExportFormat::Zipkin;
    }
    config.sampler = SamplerConfig::Ratio(ratio);
    let resource = Resource::new(arg(0, service)).with("session.id", AttributeValue::from(arg(service, session)));
    match TracerCore::new(&config, resource, IdGenerator::from_seed(seed)) {
        Ok(core) => {
            let endpoint = Endpoint {
                url: arg(session, url).into(),
                page_origin: arg(url, origin).into(),
                credentials: false,
                gzip: true,
                can_fetch: true,
            };
            unsafe {
                STATE = Some(State {
                    core,
                    export: Export::new(endpoint),
                    commands: Vec::new(),
                    diagnostics: Diagnostics::new(true),
                    #[cfg(feature = "all-rules")]
                    rules: Rules::default(),
                })
            };
            0
        }
        Err(e) => {
            out(9, &e.message());
            1
        }
    }
}

#[no_mangle]
pub extern "C" fn start(name: usize, kind: u32, traceparent: usize, tracestate: usize, start_ns: u64, now: u64) -> u64 {
    let s = state();
    let parent = (traceparent > name)
        .then(|| {
            SpanContext::from_headers(
                arg(name, traceparent),
                (tracestate > traceparent).then(|| arg(traceparent, tracestate)),
            )
        })
        .flatten();
    let kind = [SpanKind::Internal, SpanKind::Client, SpanKind::Server][kind as usize % 3];
    let (cx, recording) = s.core.start_span(arg(0, name), kind, parent.as_ref(), start_ns, now);
    out(1, &cx.to_traceparent());
    recording.map(|h| h.to_bits()).unwrap_or(0)
}

#[no_mangle]
pub extern "C" fn attr_text(span: u64, key: usize, value: usize) {
    if let Some(x) = state().core.span_mut(handle(span)) {
        x.set_attribute(arg(0, key), AttributeValue::from(arg(key, value)));
    }
}

#[no_mangle]
pub extern "C" fn attr_number(span: u64, key: usize, value: f64) {
    if let Some(x) = state().core.span_mut(handle(span)) {
        x.set_attribute(arg(0, key), AttributeValue::Double(value));
    }
}

#[no_mangle]
pub extern "C" fn end(span: u64, now: u64) {
    let s = state();
    s.core.end_span(handle(span), now);
    event(Event::Schedule, now);
}

#[no_mangle]
pub extern "C" fn flush(now: u64) {
    event(Event::Flush, now);
}

#[no_mangle]
pub extern "C" fn timer(now: u64, hidden: u32) {
    event(Event::Timer { hidden: hidden != 0 }, now);
}

#[no_mangle]
pub extern "C" fn leaving(now: u64) {
    event(Event::Leaving, now);
}

#[no_mangle]
pub extern "C" fn answered(attempt: u32, status: u32, now: u64, body: usize) {
    let reply =
        Reply { answer: Answer::Status(status as u16, None), probe_answered: false, sent_bytes: 0, gzipped: false };
    let body = (body > 0).then(|| arg(0, body).into());
    event(Event::Answered { attempt, reply, body, hidden: false }, now);
}

#[no_mangle]
pub extern "C" fn handed(walk: u32, refused: usize, now: u64) {
    event(Event::Handed { walk, refused: (refused > 0).then(|| arg(0, refused).into()) }, now);
}

fn event(event: Event, now: u64) {
    let s = state();
    s.export.handle(&mut s.core, event, now, &mut s.commands);
    for c in s.commands.drain(..) {
        match c {
            Command::Fetch { attempt, url, body, .. } => {
                out(2, &url);
                out(3, &body);
                out(100 + attempt, "")
            }
            Command::Hand { url, body, walk, .. } => {
                out(4, &url);
                out(3, &body);
                out(200 + walk, "")
            }
            Command::Persist { bodies, .. } => bodies.iter().for_each(|b| out(5, &b.json)),
            Command::Arm { ms, .. } => unsafe { host_arm(ms) },
            Command::Disarm => unsafe { host_arm(0) },
            Command::Print(lines) => lines.iter().for_each(|l| out(6, l)),
            Command::Say(d, t) => {
                if s.diagnostics.report(d) {
                    out(70 + d.code(), &t)
                }
            }
            Command::Warn(t) => out(8, &t),
            Command::ProbePreflight { body } => out(10, body),
            Command::Settled => out(11, ""),
            Command::Recover => out(12, ""),
        }
    }
}

#[cfg(feature = "all-rules")]
mod all_rules {
    use super::{arg, handle, out, state};
    use crate::core::diagnostics::Decision;
    use crate::core::propagation::{baggage::Baggage, tracestate::TraceState};
    use crate::core::span::{AttributeValue, Status};

    #[no_mangle]
    pub extern "C" fn attr_int(span: u64, key: usize, value: i64) {
        if let Some(x) = state().core.span_mut(handle(span)) {
            x.set_attribute(arg(0, key), AttributeValue::Int(value));
        }
    }

    #[no_mangle]
    pub extern "C" fn attr_bool(span: u64, key: usize, value: u32) {
        if let Some(x) = state().core.span_mut(handle(span)) {
            x.set_attribute(arg(0, key), AttributeValue::Bool(value != 0));
        }
    }

    #[no_mangle]
    pub extern "C" fn add_event(span: u64, name: usize, time: u64) {
        if let Some(x) = state().core.span_mut(handle(span)) {
            x.add_event(arg(0, name), time, Vec::new());
        }
    }

    #[no_mangle]
    pub extern "C" fn set_status(span: u64, message: usize, code: u32) {
        if let Some(x) = state().core.span_mut(handle(span)) {
            x.set_status(if code == 2 { Status::Error(arg(0, message).into()) } else { Status::Ok });
        }
    }

    #[no_mangle]
    pub extern "C" fn baggage_parse(header: usize) {
        state().rules.baggage = Baggage::parse(arg(0, header));
    }

    #[no_mangle]
    pub extern "C" fn baggage_set(key: usize, value: usize) -> u32 {
        let b = &mut state().rules.baggage;
        let set = b.set(arg(0, key), arg(key, value));
        out(12, &b.header_value());
        set as u32
    }

    #[no_mangle]
    pub extern "C" fn tracestate_parse(header: usize) -> u32 {
        match TraceState::parse(arg(0, header)) {
            Ok(mut t) => {
                let _ = t.insert("pt", "1");
                out(13, &t.header_value());
                1
            }
            Err(_) => 0,
        }
    }

    #[no_mangle]
    pub extern "C" fn redact(url: usize) {
        out(14, &crate::core::http::redact_url(arg(0, url), &[]));
    }

    #[no_mangle]
    pub extern "C" fn http_failed(span: u64, name: usize, message: usize, time: u64) {
        let outcome = crate::core::http::failure(arg(0, name).into(), arg(name, message).into());
        if let Some(x) = state().core.span_mut(handle(span)) {
            crate::core::http::record_outcome(x, &outcome, time);
        }
    }

    #[no_mangle]
    pub extern "C" fn frames(count: usize, up_to: u64) {
        let times = unsafe { std::slice::from_raw_parts(super::BUFFER.as_ptr() as *const f64, count) };
        let watch = state().rules.frames.get_or_insert_with(|| crate::core::frames::FrameWatch::new(16.7, 1000.0));
        watch.switch_on();
        watch.scan(times.iter().copied(), up_to, &[]);
        if let Some(jank) = watch.take_jank() {
            jank.attributes().iter().for_each(|(k, _)| out(15, k));
        }
    }

    #[no_mangle]
    pub extern "C" fn error(kind: usize, message: usize, stack: usize, now: u64) -> u32 {
        let verdict = state().rules.errors.judge(arg(0, kind), arg(kind, message), arg(message, stack), now);
        matches!(verdict, crate::core::errors::ErrorVerdict::Record) as u32
    }

    #[no_mangle]
    pub extern "C" fn stats() {
        let s = state();
        let values =
            s.core.stats().values(s.core.queue_len() as u64, s.export.sending_spans(), s.export.waiting_spans());
        for (k, v) in crate::core::stats::Stats::NAMES.split(',').zip(values) {
            out(16, k);
            unsafe { super::host_arm(v as u32) }
        }
    }

    #[no_mangle]
    pub extern "C" fn say(sampled_out: u32) {
        let decision = if sampled_out == 1 { Decision::SampledOut } else { Decision::DroppedQueueFull };
        if state().diagnostics.report(decision) {
            out(70 + decision.code(), "detail")
        }
    }
}
