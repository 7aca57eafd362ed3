//! The JS API: `init`, `Tracer` and `Span`, in the shape of the seeds' Tracer/Span/SpanContext
//! and of OpenTelemetry JS. Nothing here throws into game code except `init` on bad config.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::runtime::{HttpSettings, Inner};
use super::types::*;
use super::{attributes, clock, config};
use crate::core::encode::Resource;
use crate::core::ids::{IdGenerator, SpanId, TraceId};
use crate::core::propagation::{Baggage, TraceState};
use crate::core::span::{AttributeValue, SpanData, SpanKind, Status};
use crate::core::span_context::{SpanContext, TraceFlags};
use crate::core::tracer::{SpanHandle, TracerCore};
use crate::{SCOPE_NAME, SCOPE_VERSION};

thread_local! {
    /// The installed tracer: one per JS realm, however often `init` is called.
    static GLOBAL: RefCell<Option<Rc<Inner>>> = const { RefCell::new(None) };
}

const SESSION_KEY: &str = "playtrace.session.id";

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// `session.id`: random, kept in `sessionStorage` for the life of the tab.
fn session_id(ids: &mut IdGenerator) -> String {
    let storage = get(&js_sys::global(), "sessionStorage").dyn_into::<web_sys::Storage>().ok();
    if let Some(id) = storage.as_ref().and_then(|s| s.get_item(SESSION_KEY).ok().flatten()) {
        if !id.is_empty() {
            return id;
        }
    }
    let id = ids.trace_id().to_string();
    if let Some(s) = storage {
        let _ = s.set_item(SESSION_KEY, &id);
    }
    id
}

/// The endpoint as an absolute http(s) URL, resolved against the page.
fn resolve_endpoint(endpoint: &str) -> Result<String, JsError> {
    let base = get(&get(&js_sys::global(), "location"), "href").as_string().unwrap_or_default();
    let url = web_sys::Url::new_with_base(endpoint, &base)
        .or_else(|_| web_sys::Url::new(endpoint))
        .map_err(|_| JsError::new("playtrace config: endpoint: is not a valid URL"))?;
    match url.protocol().as_str() {
        "http:" | "https:" => Ok(url.href()),
        _ => Err(JsError::new("playtrace config: endpoint: must be an http(s) URL or a path on this origin")),
    }
}

fn resource(config: &crate::core::config::TracerConfig, ids: &mut IdGenerator) -> Resource {
    let navigator = get(&js_sys::global(), "navigator");
    let mut r = Resource::default()
        .with("telemetry.sdk.name", SCOPE_NAME.into())
        .with("telemetry.sdk.language", "webjs".into())
        .with("telemetry.sdk.version", SCOPE_VERSION.into())
        .with("session.id", session_id(ids).into());
    for (key, prop) in [("user_agent.original", "userAgent"), ("browser.language", "language")] {
        if let Some(v) = get(&navigator, prop).as_string() {
            r = r.with(key, v.into());
        }
    }
    for (k, v) in &config.resource_attributes {
        r = r.with(k, v.clone());
    }
    r = r.with("service.name", config.service_name.as_str().into());
    if let Some(v) = &config.service_version {
        r = r.with("service.version", v.as_str().into());
    }
    if let Some(v) = &config.environment {
        r = r.with("deployment.environment.name", v.as_str().into());
    }
    r
}

/// Starts tracing: validates `config`, installs the tracer globally (listeners, timer) and sends
/// what an earlier page of this origin could not. Calling it again returns the installed tracer
/// and installs nothing twice; call `shutdown()` first to start over with another config.
///
/// Throws an `Error` whose message names the offending key when the config is invalid.
#[wasm_bindgen]
pub fn init(config: &ConfigInput) -> Result<Tracer, JsError> {
    if let Some(inner) = GLOBAL.with(|g| g.borrow().clone()) {
        return Ok(Tracer { inner });
    }
    let (config, patterns) = config::parse(config).map_err(|e| JsError::new(&e.message()))?;
    let endpoint = resolve_endpoint(&config.endpoint)?;
    let mut ids = IdGenerator::from_entropy(clock::now_ns());
    let resource = resource(&config, &mut ids);
    let core = TracerCore::new(&config, resource, ids).map_err(|e| JsError::new(&e.message()))?;
    let http = HttpSettings {
        page_origin: get(&get(&js_sys::global(), "location"), "origin").as_string().unwrap_or_default(),
        propagate_to: config.propagate_to.clone(),
        ignore_urls: config.ignore_urls.clone(),
        redact_query_params: config.redact_query_params.clone(),
        patterns,
    };
    let inner = Inner::new(core, endpoint, http);
    inner.install_listeners();
    inner.install_instrumentation(config.instrument_fetch, config.instrument_xhr);
    inner.start_page_load();
    GLOBAL.with(|g| *g.borrow_mut() = Some(Rc::clone(&inner)));
    inner.recover();
    Ok(Tracer { inner })
}

/// The tracer installed by `init`, if any.
#[wasm_bindgen(js_name = getTracer)]
pub fn get_tracer() -> Option<Tracer> {
    GLOBAL.with(|g| g.borrow().clone()).map(|inner| Tracer { inner })
}

fn kind_from_js(v: &JsValue) -> SpanKind {
    v.as_string().and_then(|k| SpanKind::from_name(&k)).unwrap_or_default()
}

/// A context from a `SpanContextInfo`, or from anything with a `spanContext()` method (a Span).
pub(crate) fn context_from_js(v: &JsValue) -> Option<SpanContext> {
    let info = match method(v, "spanContext") {
        Some(f) => f.call0(v).ok()?,
        None => v.clone(),
    };
    let trace_id = TraceId::from_hex(&get(&info, "traceId").as_string()?)?;
    let span_id = SpanId::from_hex(&get(&info, "spanId").as_string()?)?;
    // `traceFlags` keeps every flag (the Level 2 random flag too); `sampled` alone is enough.
    let flags = match get(&info, "traceFlags").as_f64() {
        Some(bits) if (0.0..=255.0).contains(&bits) => TraceFlags::from_wire(bits as u8),
        _ => TraceFlags::NONE.with_sampled(get(&info, "sampled").as_bool().unwrap_or(false)),
    };
    let is_remote = get(&info, "isRemote").as_bool().unwrap_or(true);
    let mut cx = SpanContext::new(trace_id, span_id, flags, is_remote);
    if let Some(ts) = get(&info, "traceState").as_string() {
        cx.trace_state = TraceState::parse(&ts).unwrap_or_default();
    }
    Some(cx)
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    if !target.is_object() {
        return None;
    }
    get(target, name).dyn_into::<Function>().ok()
}

fn context_to_js(cx: &SpanContext) -> JsValue {
    let o = Object::new();
    set(&o, "traceId", &cx.trace_id.to_string().into());
    set(&o, "spanId", &cx.span_id.to_string().into());
    set(&o, "traceFlags", &f64::from(cx.flags.bits()).into());
    set(&o, "sampled", &cx.flags.is_sampled().into());
    set(&o, "traceState", &cx.trace_state.header_value().into());
    set(&o, "isRemote", &cx.is_remote.into());
    o.into()
}

/// Times from JS, or the clock when none is given.
fn time_ns(t: Option<f64>) -> u64 {
    t.map_or_else(clock::now_ns, clock::time_input_ns)
}

/// Creates spans and carries trace context for one game.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Tracer {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Tracer {
    /// Starts a span. Its parent is `options.parent` if given (`null` for a new trace), else the
    /// span active through `withSpan`, else the most recently started open `action`, else none.
    #[wasm_bindgen(js_name = startSpan)]
    pub fn start_span(&self, name: &str, options: Option<SpanOptionsInput>) -> Span {
        self.start(name, options, true)
    }

    /// Runs a player action: starts a span, calls `f(span)`, and ends the span when the promise
    /// `f` returns settles (a rejection is recorded as an exception and an error status). While
    /// the action is open it is the implicit parent of `fetch` and XHR spans, also after `await`s.
    /// When actions overlap, the synchronous part of each callback parents its own requests;
    /// after an `await`, requests go to the most recently started open action, so pass
    /// `{ playtraceParent: span }` to `fetch` when overlapping actions must stay apart.
    /// Resolves or rejects exactly as `f`'s promise does.
    pub fn action(&self, name: &str, options: Option<SpanOptionsInput>, f: &ActionCallback) -> Promise {
        let span = self.start(name, options, false);
        let id = {
            let mut s = self.inner.state.borrow_mut();
            let id = s.next_action_id;
            s.next_action_id += 1;
            s.actions.push((id, span.context.clone()));
            id
        };
        let ender = span.clone();
        let context = span.context.clone();
        let span_js: JsValue = span.into();
        self.inner.state.borrow_mut().active.push((context, span_js.clone()));
        let result = f.unchecked_ref::<Function>().call1(&JsValue::UNDEFINED, &span_js);
        self.inner.state.borrow_mut().active.pop();
        let inner = Rc::clone(&self.inner);
        let finish = move |error: Option<&JsValue>| {
            if let Some(e) = error {
                ender.fail(e);
            }
            inner.state.borrow_mut().actions.retain(|(i, _)| *i != id);
            ender.end(None);
        };
        match result {
            Err(e) => {
                finish(Some(&e));
                Promise::reject(&e)
            }
            Ok(v) => wasm_bindgen_futures::future_to_promise(async move {
                let r = JsFuture::from(Promise::resolve(&v)).await;
                finish(r.as_ref().err());
                r
            }),
        }
    }

    /// Runs `f` with `span` as the active parent, and returns what `f` returns (or rethrows what
    /// it throws). Spans started inside `f`, synchronously, become children of `span`.
    #[wasm_bindgen(js_name = withSpan)]
    pub fn with_span(&self, span: &SpanInput, f: &SpanCallback) -> Result<JsValue, JsValue> {
        let f: &Function = f.unchecked_ref();
        let span: &JsValue = span;
        let Some(cx) = context_from_js(span) else { return f.call0(&JsValue::UNDEFINED) };
        self.inner.state.borrow_mut().active.push((cx, span.clone()));
        let result = f.call0(&JsValue::UNDEFINED);
        self.inner.state.borrow_mut().active.pop();
        result
    }

    /// The span made active by the innermost `withSpan`, if any.
    #[wasm_bindgen(js_name = activeSpan, unchecked_return_type = "Span | undefined")]
    pub fn active_span(&self) -> JsValue {
        self.inner.state.borrow().active.last().map_or(JsValue::UNDEFINED, |(_, span)| span.clone())
    }

    /// Writes `traceparent` (and `tracestate`, `baggage` when there are any) for `span`, or the
    /// active span, into a plain object or a `Headers`. Nothing is written without a span.
    pub fn inject(&self, carrier: &CarrierInput, span: Option<SpanInput>) {
        let explicit = span.as_ref().and_then(|sp| context_from_js(sp));
        let s = self.inner.state.borrow();
        let cx = match explicit {
            Some(cx) => cx,
            None => match s.active.last() {
                Some((cx, _)) => cx.clone(),
                None => return,
            },
        };
        let headers = s.trace_headers(&cx);
        drop(s);
        let carrier: &JsValue = carrier;
        for (name, value) in headers {
            match carrier.dyn_ref::<web_sys::Headers>() {
                Some(h) => {
                    let _ = h.set(name, &value);
                }
                None => set(carrier, name, &value.into()),
            }
        }
    }

    /// Reads trace context from a plain object (keys in any case) or a `Headers`. Returns
    /// `null` when there is no valid `traceparent`; an invalid `tracestate` is dropped and the
    /// `traceparent` kept, as W3C Trace Context says. Use the result as `parent`.
    #[wasm_bindgen]
    pub fn extract(&self, carrier: &CarrierInput) -> MaybeSpanContextOutput {
        let carrier: &JsValue = carrier;
        let read = |name: &str| -> Option<String> {
            if let Some(h) = carrier.dyn_ref::<web_sys::Headers>() {
                return h.get(name).ok().flatten();
            }
            let obj = carrier.dyn_ref::<Object>()?;
            Object::keys(obj).iter().find_map(|k| {
                let key = k.as_string()?;
                key.eq_ignore_ascii_case(name).then(|| get(carrier, &key).as_string()).flatten()
            })
        };
        let Some(cx) = read("traceparent").and_then(|tp| SpanContext::from_headers(&tp, read("tracestate").as_deref()))
        else {
            return JsValue::NULL.unchecked_into();
        };
        let out = context_to_js(&cx);
        if let Some(b) = read("baggage") {
            let bag = Object::new();
            for e in Baggage::parse(&b).entries() {
                set(&bag, &e.key, &e.value.as_str().into());
            }
            set(&out, "baggage", &bag);
        }
        out.unchecked_into()
    }

    /// Sets a baggage entry sent with every `inject`. Returns false for an invalid key.
    #[wasm_bindgen(js_name = setBaggage)]
    pub fn set_baggage(&self, key: &str, value: &str) -> bool {
        self.inner.state.borrow_mut().baggage.set(key, value)
    }

    /// A baggage entry.
    #[wasm_bindgen(js_name = getBaggage)]
    pub fn get_baggage(&self, key: &str) -> Option<String> {
        self.inner.state.borrow().baggage.get(key).map(str::to_owned)
    }

    /// Removes a baggage entry.
    #[wasm_bindgen(js_name = removeBaggage)]
    pub fn remove_baggage(&self, key: &str) -> bool {
        self.inner.state.borrow_mut().baggage.remove(key)
    }

    /// Sends every queued span now.
    pub fn flush(&self) {
        self.inner.flush(false);
        self.inner.schedule();
    }

    /// Sends every queued span, removes listeners and timers, and uninstalls the tracer so that
    /// `init` can install a new one. Spans of this tracer that end later are not exported.
    pub fn shutdown(&self) {
        self.inner.shutdown();
        GLOBAL.with(|g| {
            let mut g = g.borrow_mut();
            if g.as_ref().is_some_and(|i| Rc::ptr_eq(i, &self.inner)) {
                *g = None;
            }
        });
    }

    /// Counters since `init`, and the spans queued now.
    pub fn stats(&self) -> StatsOutput {
        let s = self.inner.state.borrow();
        let st = s.core.stats();
        let o = Object::new();
        let fields: [(&str, u64); 22] = [
            ("spansStarted", st.spans_started),
            ("spansEnded", st.spans_ended),
            ("sampledOut", st.sampled_out),
            ("timedOut", st.timed_out),
            ("trimmed", st.trimmed),
            ("droppedQueueFull", st.dropped_queue_full),
            ("droppedTooLarge", st.dropped_too_large),
            ("droppedSendFailed", st.dropped_send_failed),
            ("droppedStorageFull", st.dropped_storage_full),
            ("queued", s.core.queue_len() as u64),
            ("exported", st.exported),
            ("bodiesSent", st.bodies_sent),
            ("bytesSent", st.bytes_sent),
            ("beaconsSent", st.beacons_sent),
            ("beaconsRefused", st.beacons_refused),
            ("fallbackKeepalive", st.fallback_keepalive),
            ("fallbackFetch", st.fallback_fetch),
            ("fallbackFetchLater", st.fallback_fetch_later),
            ("retries", st.retries),
            ("persisted", st.persisted),
            ("recovered", st.recovered),
            ("printed", st.printed),
        ];
        for (k, v) in fields {
            set(&o, k, &(v as f64).into());
        }
        o.unchecked_into()
    }
}

impl Tracer {
    /// Starts a span; `actions_parent`: whether an open action may be the implicit parent (a
    /// new player action never is: each one starts its own trace).
    fn start(&self, name: &str, options: Option<SpanOptionsInput>, actions_parent: bool) -> Span {
        let options: JsValue = options.map_or(JsValue::UNDEFINED, Into::into);

        let has_options = options.is_object();
        let opt = |key: &str| if has_options { get(&options, key) } else { JsValue::UNDEFINED };
        let parent_value = opt("parent");
        let explicit_parent =
            if parent_value.is_null() { Some(None) } else { context_from_js(&parent_value).map(Some) };
        let start = time_ns(opt("startTime").as_f64());
        let kind = kind_from_js(&opt("kind"));
        // Everything read from JS (getters, spanContext() methods) is read before the state is
        // borrowed: JS may call back into the tracer.
        let attrs = attributes::from_object(&opt("attributes"));
        let links_value = opt("links");
        let links: Vec<Option<(SpanContext, attributes::Converted)>> = if Array::is_array(&links_value) {
            Array::from(&links_value)
                .iter()
                .map(|link| {
                    context_from_js(&get(&link, "context"))
                        .map(|cx| (cx, attributes::from_object(&get(&link, "attributes"))))
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut s = self.inner.state.borrow_mut();
        let parent = match explicit_parent {
            Some(p) => p,
            None if actions_parent => s.implicit_parent(),
            None => s.active.last().map(|(cx, _)| cx.clone()),
        };
        let (context, handle) = s.core.start_span(name, kind, parent.as_ref(), start, clock::now_ns());
        if let Some(span) = handle.and_then(|h| s.core.span_mut(h)) {
            apply_attributes(span, attrs);
            for link in links {
                match link {
                    Some((cx, (list, dropped))) => {
                        span.add_link(cx, list);
                        if let Some(l) = span.links.last_mut() {
                            l.attributes.count_dropped(dropped);
                        }
                    }
                    None => span.dropped_links = span.dropped_links.saturating_add(1),
                }
            }
        }
        drop(s);
        if handle.is_some() {
            self.inner.schedule();
        }
        Span { inner: Rc::clone(&self.inner), handle, context }
    }
}

fn apply_attributes(span: &mut SpanData, (list, dropped): attributes::Converted) {
    for (k, v) in list {
        span.set_attribute(&k, v);
    }
    span.attributes.count_dropped(dropped);
}

/// One unit of work: a player action, a request, a level load.
#[wasm_bindgen]
#[derive(Clone)]
pub struct Span {
    inner: Rc<Inner>,
    handle: Option<SpanHandle>,
    context: SpanContext,
}

impl Span {
    /// Records `error` as an exception and sets an error status with its message.
    fn fail(&self, error: &JsValue) {
        self.record_exception(error, None);
        let message = match get(error, "message").as_string() {
            Some(m) => m,
            None => error.as_string().unwrap_or_default(),
        };
        self.with(|span| span.set_status(Status::Error(message)));
    }

    /// Runs `f` on the recording span; a no-op for unsampled or ended spans.
    fn with(&self, f: impl FnOnce(&mut SpanData)) {
        if let Some(h) = self.handle {
            if let Some(span) = self.inner.state.borrow_mut().core.span_mut(h) {
                f(span);
            }
        }
    }
}

#[wasm_bindgen]
impl Span {
    /// Sets one attribute; a value without an attribute type is dropped and counted.
    #[wasm_bindgen(js_name = setAttribute)]
    pub fn set_attribute(&self, key: &str, value: &AttributeValueInput) {
        // Converted before the state is borrowed, here and below: JS may call back into us.
        let value = attributes::from_js(value);
        self.with(|span| match value {
            Some(v) => span.set_attribute(key, v),
            None => span.attributes.count_dropped(1),
        });
    }

    /// Sets several attributes.
    #[wasm_bindgen(js_name = setAttributes)]
    pub fn set_attributes(&self, attributes: &AttributesInput) {
        let attrs = attributes::from_object(attributes);
        self.with(|span| apply_attributes(span, attrs));
    }

    /// Records an event (the seeds' LogKV/LogFields), at `time` or now.
    #[wasm_bindgen(js_name = addEvent)]
    pub fn add_event(
        &self,
        name: &str,
        attributes: Option<AttributesInput>,
        #[wasm_bindgen(js_name = "time")] time: Option<f64>,
    ) {
        let t = time_ns(time);
        let (list, dropped) = attributes.map(|a| attributes::from_object(&a)).unwrap_or_default();
        self.with(|span| {
            span.add_event(name, t, list);
            if let Some(e) = span.events.last_mut() {
                e.attributes.count_dropped(dropped);
            }
        });
    }

    /// Records an `exception` event with `exception.type`, `exception.message` and
    /// `exception.stacktrace` from an Error (or a message from anything else). The status is
    /// left to the caller, as in OpenTelemetry.
    #[wasm_bindgen(js_name = recordException)]
    pub fn record_exception(
        &self,
        #[wasm_bindgen(unchecked_param_type = "unknown")] exception: &JsValue,
        time: Option<f64>,
    ) {
        let t = time_ns(time);
        let mut attrs: Vec<(String, AttributeValue)> = Vec::new();
        if exception.is_object() {
            for (key, prop) in
                [("exception.type", "name"), ("exception.message", "message"), ("exception.stacktrace", "stack")]
            {
                if let Some(v) = get(exception, prop).as_string() {
                    attrs.push((key.to_owned(), v.into()));
                }
            }
        } else if let Some(m) = exception.as_string() {
            attrs.push(("exception.message".to_owned(), m.into()));
        }
        self.with(|span| span.add_event("exception", t, attrs));
    }

    /// Sets the status: `{code: "ok"}`, `{code: "error", message}` or `{code: "unset"}`.
    #[wasm_bindgen(js_name = setStatus)]
    pub fn set_status(&self, status: &StatusInput) {
        let code = get(status, "code");
        let message = get(status, "message").as_string().unwrap_or_default();
        let status = match (code.as_string().as_deref(), code.as_f64()) {
            (Some("ok"), _) | (_, Some(1.0)) => Status::Ok,
            (Some("error"), _) | (_, Some(2.0)) => Status::Error(message),
            _ => Status::Unset,
        };
        self.with(|span| span.set_status(status));
    }

    /// Renames the span (the seeds' SetOperationName).
    #[wasm_bindgen(js_name = updateName)]
    pub fn update_name(&self, name: &str) {
        self.with(|span| span.update_name(name));
    }

    /// Ends the span at `endTime` or now. Later calls do nothing.
    pub fn end(&self, #[wasm_bindgen(js_name = "endTime")] end_time: Option<f64>) {
        let Some(h) = self.handle else { return };
        let end = time_ns(end_time);
        let ended = self.inner.state.borrow_mut().core.end_span(h, end);
        if !self.inner.state.borrow().shut_down {
            self.inner.after_end(ended);
        }
    }

    /// IDs, sampled flag and trace state, for propagation or as another span's parent.
    #[wasm_bindgen(js_name = spanContext)]
    pub fn span_context(&self) -> SpanContextOutput {
        context_to_js(&self.context).unchecked_into()
    }

    /// Whether the span records (sampled and not yet ended); the seeds' IsNoop, inverted.
    #[wasm_bindgen(js_name = isRecording)]
    pub fn is_recording(&self) -> bool {
        self.handle.is_some_and(|h| self.inner.state.borrow_mut().core.span_mut(h).is_some())
    }
}
