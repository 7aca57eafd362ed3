//! The browser side: the wasm-bindgen API that game code calls. It only does what needs the
//! browser (clock, entropy, JS values); every decision is made in [`crate::core`].

mod attributes;
mod clock;

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use crate::core::encode::{Encoder, Format, Resource, DEFAULT_MAX_BODY_BYTES};
use crate::core::ids::IdGenerator;
use crate::core::span::{SpanData, SpanKind, SpanLimits};
use crate::core::span_context::{SpanContext, TraceFlags};
use crate::{SCOPE_NAME, SCOPE_VERSION};

thread_local! {
    /// Seeded once from `crypto.getRandomValues`; spans never call into Web Crypto themselves.
    static IDS: RefCell<IdGenerator> = RefCell::new(IdGenerator::from_entropy(clock::now_ns()));
}


/// Creates a root span named `span_name` with the attributes of the plain object `attributes`,
/// records one event, ends it, and returns the OTLP/HTTP JSON body that would be exported for
/// it. Values that have no attribute type are dropped and counted in the span.
///
/// ```js
/// import init, { smokeSpanBody } from "playtrace";
/// await init();
/// const body = JSON.parse(smokeSpanBody("my-game", "click", { "game.level": 3 }));
/// ```
#[wasm_bindgen(js_name = smokeSpanBody)]
pub fn smoke_span_body(service_name: &str, span_name: &str, attributes: &JsValue) -> Result<String, JsError> {
    let start = clock::now_ns();
    let (trace_id, span_id) = IDS.with(|ids| {
        let mut ids = ids.borrow_mut();
        (ids.trace_id(), ids.span_id())
    });
    let cx = SpanContext::new(trace_id, span_id, TraceFlags::SAMPLED.with(TraceFlags::RANDOM), false);
    let mut span = SpanData::new(cx, None, span_name, SpanKind::Internal, start, SpanLimits::default());
    let (attrs, dropped) = attributes::from_object(attributes);
    for (key, value) in attrs {
        span.set_attribute(&key, value);
    }
    span.attributes.count_dropped(dropped);
    span.add_event("smoke", clock::now_ns(), Vec::new());
    span.end(clock::now_ns());
    let resource = Resource::new(service_name)
        .with("telemetry.sdk.name", SCOPE_NAME.into())
        .with("telemetry.sdk.language", "webjs".into())
        .with("telemetry.sdk.version", SCOPE_VERSION.into());
    let encoder = Encoder::new(Format::OtlpJson, &resource, SCOPE_NAME, SCOPE_VERSION);
    encoder
        .encode_bodies(&[span], DEFAULT_MAX_BODY_BYTES, 1)
        .pop()
        .map(|body| body.json)
        .ok_or_else(|| JsError::new("serviceName: too long to fit in one export body"))
}
