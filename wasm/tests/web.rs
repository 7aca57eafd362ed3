//! The browser runtime in headless Chromium: spans made through the JS API are captured where
//! they leave for the network (`sendBeacon`, `fetch`, `fetchLater`), decoded and checked.
//!
//! A capture wraps those three functions for the length of one test. In "real" mode the beacon
//! goes to the real `navigator.sendBeacon`, so the browser's own keepalive quota applies.

#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Evaluates a JS expression.
fn js(src: &str) -> JsValue {
    Function::new_no_args(&format!("return ({src});")).call0(&JsValue::NULL).unwrap()
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |acc, key| match key.parse::<u32>() {
        Ok(i) if Array::is_array(&acc) => Array::from(&acc).get(i),
        _ => Reflect::get(&acc, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED),
    })
}

fn num(v: &JsValue, path: &str) -> f64 {
    get(v, path).as_f64().unwrap_or(f64::NAN)
}

fn text(v: &JsValue, path: &str) -> String {
    get(v, path).as_string().unwrap_or_default()
}

/// Calls a method of a JS object, as game code would.
fn call(target: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let f = Function::from(get(target, name));
    f.apply(target, &args.iter().collect::<Array>()).unwrap_or_else(|e| panic!("{name} threw {e:?}"))
}

fn opt<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map_or(JsValue::UNDEFINED, Into::into)
}

/// The tracer as game code holds it: the object `init` returns, used through its methods.
#[derive(Clone)]
struct Tracer(JsValue);

/// A span as game code holds it.
struct Span(JsValue);

fn init(config: &JsValue) -> Result<Tracer, JsValue> {
    playtrace_wasm::init(config.clone()).map(Tracer)
}

impl Tracer {
    fn start_span(&self, name: &str, options: Option<JsValue>) -> Span {
        Span(call(&self.0, "startSpan", &[name.into(), opt(options)]))
    }
    fn with_span(&self, span: &JsValue, f: &Function) -> Result<JsValue, JsValue> {
        Function::from(get(&self.0, "withSpan")).call2(&self.0, span, f)
    }
    fn active_span(&self) -> JsValue {
        call(&self.0, "activeSpan", &[])
    }
    fn inject(&self, carrier: &JsValue, span: Option<JsValue>) {
        call(&self.0, "inject", &[carrier.clone(), opt(span)]);
    }
    fn extract(&self, carrier: &JsValue) -> JsValue {
        call(&self.0, "extract", std::slice::from_ref(carrier))
    }
    fn set_baggage(&self, key: &str, value: &str) -> bool {
        call(&self.0, "setBaggage", &[key.into(), value.into()]).as_bool().unwrap()
    }
    fn flush(&self) {
        call(&self.0, "flush", &[]);
    }
    fn shutdown(&self) {
        call(&self.0, "shutdown", &[]);
    }
    fn stats(&self) -> JsValue {
        call(&self.0, "stats", &[])
    }
}

impl From<Tracer> for JsValue {
    fn from(t: Tracer) -> JsValue {
        t.0
    }
}

impl Span {
    fn set_attribute(&self, key: &str, value: &JsValue) {
        call(&self.0, "setAttribute", &[key.into(), value.clone()]);
    }
    fn set_attributes(&self, attributes: &JsValue) {
        call(&self.0, "setAttributes", std::slice::from_ref(attributes));
    }
    fn add_event(&self, name: &str, attributes: Option<JsValue>, time: Option<f64>) {
        call(&self.0, "addEvent", &[name.into(), opt(attributes), opt(time)]);
    }
    fn record_exception(&self, exception: &JsValue, time: Option<f64>) {
        call(&self.0, "recordException", &[exception.clone(), opt(time)]);
    }
    fn set_status(&self, status: &JsValue) {
        call(&self.0, "setStatus", std::slice::from_ref(status));
    }
    fn end(&self, time: Option<f64>) {
        call(&self.0, "end", &[opt(time)]);
    }
    fn span_context(&self) -> JsValue {
        call(&self.0, "spanContext", &[])
    }
    fn is_recording(&self) -> bool {
        call(&self.0, "isRecording", &[]).as_bool().unwrap()
    }
}

impl From<Span> for JsValue {
    fn from(s: Span) -> JsValue {
        s.0
    }
}

const CAPTURE: &str = r#"(() => {
  const cap = { calls: [], beacon: "real", fetchStatus: [200], fetchLater: "record" };
  const orig = { beacon: navigator.sendBeacon, fetch: window.fetch, fetchLater: window.fetchLater };
  navigator.sendBeacon = function (url, data) {
    if (cap.beacon === "throw") throw new TypeError("blocked by the test");
    const ok = cap.beacon === "refuse" ? false : orig.beacon.call(navigator, url, data);
    cap.calls.push({ via: "beacon", url: String(url), type: data.type, ok, text: data.text() });
    return ok;
  };
  window.fetch = function (url, init) {
    const status = cap.fetchStatus.length > 1 ? cap.fetchStatus.shift() : cap.fetchStatus[0];
    cap.calls.push({ via: "fetch", url: String(url), keepalive: !!init.keepalive, credentials: init.credentials,
                     type: init.headers["content-type"], text: new Response(init.body).text(), status });
    if (status === 0) return Promise.reject(new TypeError("network error from the test"));
    const headers = status === 503 ? { "Retry-After": "0" } : {};
    return Promise.resolve(new Response(null, { status, headers }));
  };
  window.fetchLater = function (url, init) {
    if (cap.fetchLater === "throw") throw new DOMException("quota", "QuotaExceededError");
    cap.calls.push({ via: "fetchLater", url: String(url), type: init.headers["content-type"], text: new Response(init.body).text() });
    return { activated: false };
  };
  cap.restore = () => {
    navigator.sendBeacon = orig.beacon; window.fetch = orig.fetch; window.fetchLater = orig.fetchLater;
    delete document.visibilityState;
  };
  return cap;
})()"#;

/// One test's world: a capture and a tracer; both undone by `finish`.
struct World {
    cap: JsValue,
    tracer: Tracer,
}

impl World {
    fn new(config: &str) -> World {
        let left_over = playtrace_wasm::get_tracer();
        if !left_over.is_undefined() {
            Tracer(left_over).shutdown(); // a failed test must not hand its tracer to the next
        }
        let cap = js(CAPTURE);
        let _ = js("localStorage.removeItem('playtrace:pending:v1')");
        // Plain bodies: these tests pin down which transport takes which body, at the moment it
        // is sent (a gzipped body leaves a moment later; the e2e and interop suites cover gzip).
        let config = js(config);
        if !Reflect::has(&config, &"compression".into()).unwrap_or(false) {
            Reflect::set(&config, &"compression".into(), &"none".into()).unwrap();
        }
        // A Long Animation Frame outside an action becomes a `jank` span at the next flush; on a
        // loaded machine the browser reports one now and then, a span these tests never made
        // (one counted as waiting failed a run). The e2e frames suite covers jank.
        if !Reflect::has(&config, &"longAnimationFrames".into()).unwrap_or(false) {
            Reflect::set(&config, &"longAnimationFrames".into(), &false.into()).unwrap();
        }
        let tracer = init(config.unchecked_ref()).expect("valid config");
        World { cap, tracer }
    }

    fn set(&self, key: &str, value: JsValue) {
        Reflect::set(&self.cap, &key.into(), &value).unwrap();
    }

    fn calls(&self) -> Vec<JsValue> {
        Array::from(&get(&self.cap, "calls")).iter().collect()
    }

    fn calls_via(&self, via: &str) -> Vec<JsValue> {
        self.calls().into_iter().filter(|c| text(c, "via") == via).collect()
    }

    /// The decoded bodies of every captured request, in order.
    async fn bodies(&self) -> Vec<JsValue> {
        let mut out = Vec::new();
        for c in self.calls() {
            let t = JsFuture::from(Promise::resolve(&get(&c, "text"))).await.unwrap();
            out.push(JSON::parse(&t.as_string().unwrap()).expect("every body is JSON"));
        }
        out
    }

    /// Every OTLP span of every captured body.
    async fn spans(&self) -> Vec<JsValue> {
        let mut spans = Vec::new();
        for b in self.bodies().await {
            spans.extend(Array::from(&get(&b, "resourceSpans.0.scopeSpans.0.spans")).iter());
        }
        spans
    }

    fn stat(&self, key: &str) -> f64 {
        num(&self.tracer.stats(), key)
    }

    fn finish(self) {
        self.tracer.shutdown();
        Function::from(get(&self.cap, "restore")).call0(&self.cap).unwrap();
    }
}

fn span_named<'a>(spans: &'a [JsValue], name: &str) -> &'a JsValue {
    spans.iter().find(|s| text(s, "name") == name).unwrap_or_else(|| panic!("no span named {name}"))
}

fn attr(span: &JsValue, key: &str) -> JsValue {
    let attrs = Array::from(&get(span, "attributes"));
    attrs.iter().find(|kv| text(kv, "key") == key).map_or(JsValue::UNDEFINED, |kv| get(&kv, "value"))
}

async fn sleep(ms: u32) {
    TimeoutFuture::new(ms).await;
}

const BIG: &str = "queueSize: 10000, batchSize: 10000, flushIntervalMs: 600000";

#[wasm_bindgen_test]
async fn spans_arrive_with_parents_attributes_events_status_and_resource() {
    // A config refused part way through its resource leaves nothing for the next one.
    assert!(init(js("{ serviceName: 's', resourceAttributes: { leftover: 1, region: {} } }").unchecked_ref()).is_err());
    let w = World::new(&format!(
        "{{ serviceName: 'arena', serviceVersion: '1.4.2', environment: 'staging', \
           resourceAttributes: {{ 'game.build': 77, 'game.modes': ['duel', 'raid'] }}, {BIG} }}"
    ));
    let t = &w.tracer;
    let level = t.start_span("level", None);
    let opts = js("{ kind: 'client', attributes: { 'item.id': 42, price: 9.5, name: 'sword', vip: true, \
                   tags: ['a', 'b'], nope: null, big: 9007199254740993n, low: -(2n ** 63n), \
                   ints: [1, -2], mixed: [1, 2.5], flags: [true, false], none: [] } }");
    Reflect::set(&opts, &"parent".into(), &level.span_context()).unwrap();
    let link = js("{ attributes: { why: 'combo', hits: [3, 4], huge: 2n ** 64n } }");
    Reflect::set(&link, &"context".into(), &level.span_context()).unwrap();
    Reflect::set(&opts, &"links".into(), &Array::of1(&link)).unwrap();
    let buy = t.start_span("buy_item", Some(opts.unchecked_into()));
    buy.add_event("paid", Some(js("{ coins: 3, bag: ['gem', 'key'], odd: {} }").unchecked_into()), None);
    buy.record_exception(&js("new RangeError('not enough gold')"), None);
    buy.set_status(js("{ code: 'error', message: 'declined' }").unchecked_ref());
    buy.end(None);
    level.end(None);
    assert!(!buy.is_recording());
    t.flush();

    // A page that stays sends by fetch, whose answer it reads (keepalive, so a close in
    // between does not lose it; with credentials, as a beacon would carry them).
    let fetches = w.calls_via("fetch");
    assert_eq!(fetches.len(), 1, "one body for both spans");
    assert!(w.calls_via("beacon").is_empty());
    assert_eq!(text(&fetches[0], "type"), "application/json");
    assert!(text(&fetches[0], "url").ends_with("/v1/traces") && text(&fetches[0], "url").starts_with("http"));
    assert_eq!((get(&fetches[0], "keepalive"), text(&fetches[0], "credentials")), (JsValue::TRUE, "include".into()));
    assert_eq!((w.stat("sending"), w.stat("exported")), (2.0, 0.0), "not exported before the answer");
    sleep(10).await;

    let body = &w.bodies().await[0];
    let res = Array::from(&get(body, "resourceSpans.0.resource.attributes"));
    let res_attr = |k: &str| res.iter().find(|kv| text(kv, "key") == k).map(|kv| get(&kv, "value"));
    assert_eq!(text(&res_attr("service.name").unwrap(), "stringValue"), "arena");
    assert_eq!(text(&res_attr("service.version").unwrap(), "stringValue"), "1.4.2");
    assert_eq!(text(&res_attr("deployment.environment.name").unwrap(), "stringValue"), "staging");
    assert_eq!(text(&res_attr("telemetry.sdk.name").unwrap(), "stringValue"), "playtrace");
    assert_eq!(text(&res_attr("telemetry.sdk.language").unwrap(), "stringValue"), "webjs");
    assert_eq!(text(&res_attr("game.build").unwrap(), "intValue"), "77");
    assert_eq!(text(&res_attr("game.modes").unwrap(), "arrayValue.values.1.stringValue"), "raid");
    assert!(res_attr("leftover").is_none());
    let ua = text(&res_attr("user_agent.original").unwrap(), "stringValue");
    assert_eq!(ua, js("navigator.userAgent").as_string().unwrap());
    assert_eq!(
        text(&res_attr("browser.language").unwrap(), "stringValue"),
        js("navigator.language").as_string().unwrap()
    );
    let session = text(&res_attr("session.id").unwrap(), "stringValue");
    assert_eq!(session, js("sessionStorage.getItem('playtrace.session.id')").as_string().unwrap());
    assert_eq!(session.len(), 32);

    let spans = w.spans().await;
    let (lvl, buy_s) = (span_named(&spans, "level"), span_named(&spans, "buy_item"));
    assert_eq!(text(buy_s, "parentSpanId"), text(lvl, "spanId"));
    assert_eq!(text(buy_s, "traceId"), text(lvl, "traceId"));
    assert!(get(lvl, "parentSpanId").is_undefined());
    assert_eq!(num(buy_s, "kind"), 3.0);
    assert_eq!(text(&attr(buy_s, "item.id"), "intValue"), "42");
    assert_eq!(num(&attr(buy_s, "price"), "doubleValue"), 9.5);
    assert_eq!(text(&attr(buy_s, "name"), "stringValue"), "sword");
    assert_eq!(get(&attr(buy_s, "vip"), "boolValue"), true);
    assert_eq!(text(&attr(buy_s, "tags"), "arrayValue.values.1.stringValue"), "b");
    assert_eq!(text(&attr(buy_s, "big"), "intValue"), "9007199254740993");
    assert_eq!(text(&attr(buy_s, "low"), "intValue"), "-9223372036854775808");
    assert_eq!(text(&attr(buy_s, "ints"), "arrayValue.values.1.intValue"), "-2");
    assert_eq!(num(&attr(buy_s, "mixed"), "arrayValue.values.0.doubleValue"), 1.0);
    assert_eq!(num(&attr(buy_s, "mixed"), "arrayValue.values.1.doubleValue"), 2.5);
    assert_eq!(get(&attr(buy_s, "flags"), "arrayValue.values.1.boolValue"), false);
    assert!(get(&attr(buy_s, "none"), "arrayValue").is_object(), "an empty array is an array");
    assert_eq!(num(buy_s, "droppedAttributesCount"), 1.0, "null has no attribute type");
    assert_eq!(text(buy_s, "links.0.spanId"), text(lvl, "spanId"));
    assert_eq!(text(&attr(&get(buy_s, "links.0"), "why"), "stringValue"), "combo");
    assert_eq!(text(&attr(&get(buy_s, "links.0"), "hits"), "arrayValue.values.0.intValue"), "3");
    assert_eq!(num(buy_s, "links.0.droppedAttributesCount"), 1.0, "2^64 is no 64-bit integer");
    assert_eq!(text(buy_s, "events.0.name"), "paid");
    assert_eq!(text(buy_s, "events.0.attributes.0.value.intValue"), "3");
    assert_eq!(text(&attr(&get(buy_s, "events.0"), "bag"), "arrayValue.values.1.stringValue"), "key");
    assert_eq!(num(buy_s, "events.0.droppedAttributesCount"), 1.0, "an object has no attribute type");
    let exc = get(buy_s, "events.1");
    assert_eq!(text(&exc, "name"), "exception");
    let exc_attr = |k: &str| text(&attr(&exc, k), "stringValue");
    assert_eq!(exc_attr("exception.type"), "RangeError");
    assert_eq!(exc_attr("exception.message"), "not enough gold");
    assert!(exc_attr("exception.stacktrace").contains("RangeError"));
    assert_eq!(num(buy_s, "status.code"), 2.0);
    assert_eq!(text(buy_s, "status.message"), "declined");
    assert_eq!((w.stat("exported"), w.stat("sending")), (2.0, 0.0), "answered 200");
    assert_eq!((w.stat("beaconed"), w.stat("beaconsSent")), (0.0, 0.0));
    w.finish();
}

#[wasm_bindgen_test]
async fn size_threshold_sends_without_being_asked() {
    let w = World::new("{ serviceName: 's', batchSize: 5, flushIntervalMs: 600000 }");
    for i in 0..4 {
        w.tracer.start_span(&format!("s{i}"), None).end(None);
    }
    sleep(5).await;
    assert!(w.calls().is_empty());
    w.tracer.start_span("s4", None).end(None);
    assert!(w.calls().is_empty(), "a full batch is sent after the game's task, not inside it");
    sleep(5).await;
    assert_eq!(w.calls().len(), 1, "the fifth span fills the batch");
    assert_eq!(w.spans().await.len(), 5);
    w.finish();
}

#[wasm_bindgen_test]
async fn byte_threshold_sends_without_being_asked() {
    let w = World::new(
        "{ serviceName: 's', batchBytes: 4000, queueSize: 10000, batchSize: 10000, flushIntervalMs: 600000 }",
    );
    let attrs = js("{ blob: 'x'.repeat(900) }");
    let mut n = 0;
    while w.calls().is_empty() && n < 10 {
        let s = w.tracer.start_span("heavy", None);
        s.set_attributes(attrs.unchecked_ref());
        s.end(None);
        n += 1;
        sleep(5).await;
    }
    assert_eq!(w.calls().len(), 1, "a full body is sent as soon as one is full");
    assert!((3..=5).contains(&n), "sent after {n} spans of about 1 KB");
    for b in w.calls() {
        let t = JsFuture::from(Promise::resolve(&get(&b, "text"))).await.unwrap().as_string().unwrap();
        assert!(t.len() <= 4000);
    }
    w.finish();
}

#[wasm_bindgen_test]
async fn timer_sends_what_waited_the_flush_interval() {
    let w = World::new("{ serviceName: 's', flushIntervalMs: 40 }");
    w.tracer.start_span("waits", None).end(None);
    assert!(w.calls().is_empty());
    sleep(150).await;
    assert_eq!(w.calls().len(), 1);
    assert_eq!(text(&w.spans().await[0], "name"), "waits");
    w.finish();
}

#[wasm_bindgen_test]
async fn visibilitychange_to_hidden_sends_everything() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    w.tracer.start_span("before_hide", None).end(None);
    // The page cannot hide itself in a headless test; its visibility state is set and the
    // browser's own event is dispatched.
    js("Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })");
    js("document.dispatchEvent(new Event('visibilitychange'))");
    assert_eq!(w.calls_via("beacon").len(), 1);
    assert_eq!(text(&w.spans().await[0], "name"), "before_hide");
    w.finish();
}

#[wasm_bindgen_test]
async fn visibilitychange_to_visible_sends_nothing() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    w.tracer.start_span("stays", None).end(None);
    js("document.dispatchEvent(new Event('visibilitychange'))");
    assert!(w.calls().is_empty());
    w.finish();
}

#[wasm_bindgen_test]
async fn pagehide_sends_everything() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    w.tracer.start_span("before_close", None).end(None);
    js("window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }))");
    assert_eq!(w.calls().len(), 1);
    assert_eq!(text(&w.spans().await[0], "name"), "before_close");
    w.finish();
}

#[wasm_bindgen_test]
async fn thousands_of_spans_are_split_into_bodies_within_the_limit() {
    let w = World::new(
        "{ serviceName: 's', batchBytes: 8000, queueSize: 10000, batchSize: 10000, flushIntervalMs: 600000 }",
    );
    for i in 0..3000 {
        let s = w.tracer.start_span("tick", None);
        s.set_attribute("frame", &JsValue::from(i).unchecked_into());
        s.end(None);
    }
    w.tracer.flush();
    sleep(20).await; // fetch fallbacks settle
    let mut total = 0;
    for c in w.calls() {
        let t = JsFuture::from(Promise::resolve(&get(&c, "text"))).await.unwrap().as_string().unwrap();
        // What may leave with the page keeps to batchBytes; a plain fetch takes a whole batch.
        if get(&c, "keepalive") == true {
            assert!(t.len() <= 8000, "a keepalive body of {} bytes", t.len());
        } else {
            assert!(t.len() <= 1_000_000, "a fetch body of {} bytes", t.len());
        }
        total += Array::from(&get(&JSON::parse(&t).unwrap(), "resourceSpans.0.scopeSpans.0.spans")).length();
    }
    assert_eq!(total, 3000, "no span lost or sent twice");
    // A flush of far more than one keepalive body: one plain fetch takes the whole batch,
    // rather than one request per 8 KB (or a keepalive body cut off its front, then the rest).
    let fetches = w.calls_via("fetch");
    assert!(fetches.iter().all(|f| get(f, "keepalive") != true));
    assert_eq!(fetches.len(), 1);
    assert_eq!(w.stat("exported"), 3000.0);
    w.finish();
}

#[wasm_bindgen_test]
async fn only_answered_bodies_count_as_exported_and_a_failing_endpoint_holds_the_rest() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    w.set("fetchStatus", js("[0]"));
    w.tracer.start_span("unanswered", None).end(None);
    w.tracer.flush();
    sleep(10).await;
    assert_eq!((w.stat("exported"), w.stat("waiting"), w.stat("sendFailures")), (0.0, 1.0, 1.0));
    // While it fails, new bodies wait behind the first instead of being sent into the void.
    for _ in 0..3 {
        w.tracer.start_span("held", None).end(None);
        w.tracer.flush();
    }
    sleep(10).await;
    assert_eq!(w.calls_via("fetch").len(), 1, "nothing more was sent");
    assert_eq!((w.stat("waiting"), w.stat("exported"), w.stat("droppedSendFailed")), (4.0, 0.0, 0.0));
    // It comes back: the next retry (0.5 to 1 s later) succeeds. The held spans had joined the
    // waiting body (a long outage keeps spans, not one body per flush): one request takes all.
    w.set("fetchStatus", js("[200]"));
    sleep(1200).await;
    assert_eq!((w.stat("waiting"), w.stat("exported"), w.stat("retries")), (0.0, 4.0, 1.0));
    assert!(w.calls_via("beacon").is_empty());
    let names: Vec<String> = w.spans().await.iter().map(|s| text(s, "name")).collect();
    let count = |name: &str| names.iter().filter(|n| *n == name).count();
    assert_eq!((count("unanswered"), count("held")), (2, 3), "each held span sent once: {names:?}");
    w.finish();
}

#[wasm_bindgen_test]
async fn retryable_answers_are_retried_and_others_dropped_and_counted() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    w.set("beacon", "refuse".into());
    w.set("fetchStatus", js("[0, 503, 200]"));
    w.tracer.start_span("retried", None).end(None);
    w.tracer.flush();
    // A network error backs off 0.5 to 1 s; the 503 says Retry-After: 0.
    sleep(1600).await;
    let fetches = w.calls_via("fetch");
    assert_eq!(fetches.len(), 3, "network error, 503, then 200");
    assert_eq!(get(&fetches[1], "keepalive"), false, "retries are plain fetches");
    assert_eq!((w.stat("retries"), w.stat("exported")), (2.0, 1.0));
    w.set("fetchStatus", js("[400]"));
    w.tracer.start_span("rejected", None).end(None);
    w.tracer.flush();
    sleep(10).await;
    assert_eq!(w.stat("droppedSendFailed"), 1.0);
    w.finish();
}

#[wasm_bindgen_test]
async fn leaving_with_a_refused_beacon_uses_fetch_later() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    w.set("beacon", "refuse".into());
    w.tracer.start_span("last_words", None).end(None);
    js("window.dispatchEvent(new PageTransitionEvent('pagehide'))");
    let later = w.calls_via("fetchLater");
    assert_eq!(later.len(), 1);
    assert_eq!((w.stat("fetchLater"), w.stat("beaconed"), w.stat("exported")), (1.0, 1.0, 0.0));
    w.finish();
}

#[wasm_bindgen_test]
async fn unsendable_spans_are_persisted_on_hide_and_sent_by_the_next_init() {
    let w = World::new(&format!("{{ serviceName: 'first', {BIG} }}"));
    w.set("beacon", "refuse".into());
    w.set("fetchLater", "throw".into());
    w.tracer.start_span("kept_for_later", None).end(None);
    js("window.dispatchEvent(new PageTransitionEvent('pagehide'))");
    assert_eq!(w.stat("persisted"), 1.0);
    let stored = js("localStorage.getItem('playtrace:pending:v1')").as_string().expect("stored");
    assert!(stored.contains("kept_for_later"));
    w.tracer.shutdown();

    // The next visit: a new tracer on the same origin sends what was stored, a second after
    // init (init itself touches no storage).
    let tracer = init(js("{ serviceName: 'second' }").unchecked_ref()).unwrap();
    assert_eq!(num(&tracer.stats(), "recovered"), 0.0);
    sleep(1_100).await;
    let fetches = w.calls_via("fetch");
    assert_eq!(fetches.len(), 1);
    let t = JsFuture::from(Promise::resolve(&get(&fetches[0], "text"))).await.unwrap().as_string().unwrap();
    assert!(t.contains("kept_for_later"));
    assert_eq!(num(&tracer.stats(), "recovered"), 1.0);
    assert!(js("localStorage.getItem('playtrace:pending:v1')").is_null(), "sent once, then cleared");
    tracer.shutdown();
    Function::from(get(&w.cap, "restore")).call0(&w.cap).unwrap();
}

#[wasm_bindgen_test]
async fn a_full_queue_drops_and_counts() {
    let w = World::new("{ serviceName: 's', queueSize: 5, batchSize: 100, flushIntervalMs: 600000 }");
    for _ in 0..8 {
        w.tracer.start_span("s", None).end(None);
    }
    assert_eq!((w.stat("queued"), w.stat("droppedQueueFull"), w.stat("spansEnded")), (5.0, 3.0, 8.0));
    w.finish();
}

#[wasm_bindgen_test]
fn every_bad_config_throws_an_error_naming_the_key() {
    let cases = [
        ("42", "config"),
        ("{}", "serviceName"),
        ("{ serviceName: 5 }", "serviceName"),
        ("{ serviceName: '' }", "serviceName"),
        ("{ serviceName: 's', colour: 'red' }", "colour"),
        ("{ serviceName: 's', sampler: 'sometimes' }", "sampler"),
        ("{ serviceName: 's', sampler: { type: 'ratio', rate: 1.5 } }", "sampler.rate"),
        ("{ serviceName: 's', sampler: { type: 'ratio' } }", "sampler.rate"),
        (
            "{ serviceName: 's', sampler: { type: 'parent-based', root: { type: 'ratio', rate: -1 } } }",
            "sampler.root.rate",
        ),
        ("{ serviceName: 's', sampler: { type: 'rate-limited', rate: 'fast' } }", "sampler.rate"),
        ("{ serviceName: 's', sampler: { type: 'ratio', rate: 0.5, extra: 1 } }", "sampler.extra"),
        ("{ serviceName: 's', sampler: { type: 'session' } }", "sampler.rate"),
        ("{ serviceName: 's', sampler: { type: 'session', rate: 2 } }", "sampler.rate"),
        ("{ serviceName: 's', endpoint: 'ftp://collector/v1/traces' }", "endpoint"),
        ("{ serviceName: 's', endpoint: 42 }", "endpoint"),
        ("{ serviceName: 's', format: 'xml' }", "format"),
        ("{ serviceName: 's', credentials: true }", "credentials"),
        ("{ serviceName: 's', credentials: 'same-origin' }", "credentials"),
        ("{ serviceName: 's', queueSize: -1 }", "queueSize"),
        ("{ serviceName: 's', queueSize: 1.5 }", "queueSize"),
        ("{ serviceName: 's', batchSize: 0 }", "batchSize"),
        ("{ serviceName: 's', batchBytes: 100 }", "batchBytes"),
        ("{ serviceName: 's', batchBytes: 70000 }", "batchBytes"),
        ("{ serviceName: 's', flushIntervalMs: 0 }", "flushIntervalMs"),
        ("{ serviceName: 's', spanTimeoutMs: 'soon' }", "spanTimeoutMs"),
        ("{ serviceName: 's', attributeValueLengthLimit: 0 }", "attributeValueLengthLimit"),
        ("{ serviceName: 's', enabled: 'yes' }", "enabled"),
        ("{ serviceName: 's', debug: 1 }", "debug"),
        ("{ serviceName: 's', resourceAttributes: { region: {} } }", "resourceAttributes.region"),
        ("{ serviceName: 's', resourceAttributes: 'eu' }", "resourceAttributes"),
        ("{ serviceName: 's', instrument: true }", "instrument"),
        ("{ serviceName: 's', instrument: { fetch: 'yes' } }", "instrument.fetch"),
        ("{ serviceName: 's', instrument: { websocket: true } }", "instrument.websocket"),
        ("{ serviceName: 's', propagateTo: 'https://api.example.com' }", "propagateTo"),
        ("{ serviceName: 's', propagateTo: ['https://a.example', 5] }", "propagateTo[1]"),
        ("{ serviceName: 's', ignoreUrls: [{}] }", "ignoreUrls[0]"),
        ("{ serviceName: 's', redactQueryParams: [1] }", "redactQueryParams"),
        ("{ serviceName: 's', background: 'spans' }", "background"),
        ("{ serviceName: 's', background: false }", "background"),
        ("null", "config"),
        ("[]", "config"),
        ("{ serviceName: 's', format: 1 }", "format"),
        ("{ serviceName: 's', sampler: { type: 7 } }", "sampler.type"),
        ("{ serviceName: 's', sampler: { type: 'parent-based', root: 'sometimes' } }", "sampler.root"),
        (
            "{ serviceName: 's', sampler: { type: 'parent-based', root: { type: 'parent-based', root: { type: 'ratio', rate: 2 } } } }",
            "sampler.root.root.rate",
        ),
        ("{ serviceName: 's', instrument: { webSocket: 'yes' } }", "instrument.webSocket"),
        ("{ serviceName: 's', fetch: false }", "fetch"),
        ("{ serviceName: 's', resourceAttributes: { mixed: [1, 'a'] } }", "resourceAttributes.mixed"),
        ("{ serviceName: 's', ignoreUrls: '/health' }", "ignoreUrls"),
        ("{ serviceName: 's', frameBudgetMs: '16' }", "frameBudgetMs"),
        ("{ serviceName: 's', batchSize: 2 ** 32 }", "batchSize"),
    ];
    for (config, key) in cases {
        let err: JsValue = match init(js(config).unchecked_ref()) {
            Ok(t) => {
                t.shutdown();
                panic!("accepted {config}");
            }
            Err(e) => e,
        };
        assert!(err.is_instance_of::<js_sys::Error>(), "{config}: not an Error");
        let message = text(&err, "message");
        let expected = format!("playtrace config: {key}: ");
        assert!(message.starts_with(&expected), "{config}: message {message:?} does not name {key}");
    }
}

#[wasm_bindgen_test]
async fn init_twice_installs_once() {
    let w = World::new(&format!("{{ serviceName: 'once', {BIG} }}"));
    let again = init(js("{ serviceName: 'twice', format: 'zipkin' }").unchecked_ref()).unwrap();
    again.start_span("from_second_handle", None).end(None);
    assert_eq!(w.stat("spansStarted"), 1.0, "both handles are the same tracer");
    js("window.dispatchEvent(new PageTransitionEvent('pagehide'))");
    assert_eq!(w.calls().len(), 1, "one listener, one body");
    let body = &w.bodies().await[0];
    assert!(get(body, "resourceSpans").is_object(), "the first config (OTLP) is the one in force");
    w.finish();
}

#[wasm_bindgen_test]
async fn forgotten_spans_are_ended_by_the_timeout_and_marked() {
    let w = World::new("{ serviceName: 's', spanTimeoutMs: 30, flushIntervalMs: 10 }");
    let forgotten = w.tracer.start_span("forgotten", None);
    assert!(forgotten.is_recording());
    sleep(200).await;
    assert!(!forgotten.is_recording());
    let spans = w.spans().await;
    let s = span_named(&spans, "forgotten");
    assert_eq!(get(&attr(s, "playtrace.span.timed_out"), "boolValue"), true);
    let (start, end): (f64, f64) =
        (text(s, "startTimeUnixNano").parse().unwrap(), text(s, "endTimeUnixNano").parse().unwrap());
    assert!((end - start - 30e6).abs() < 1e6, "ended at its deadline, {} ms after start", (end - start) / 1e6);
    assert_eq!(w.stat("timedOut"), 1.0);
    w.finish();
}

#[wasm_bindgen_test]
async fn sampled_out_spans_are_never_exported() {
    let w = World::new("{ serviceName: 's', sampler: 'never' }");
    let s = w.tracer.start_span("invisible", Some(js("{ attributes: { a: 1 } }").unchecked_into()));
    assert!(!s.is_recording());
    assert_eq!(get(&s.span_context(), "sampled"), false);
    s.end(None);
    w.tracer.flush();
    assert!(w.calls().is_empty());
    assert_eq!(w.stat("sampledOut"), 1.0);
    w.finish();
}

#[wasm_bindgen_test]
async fn ratio_sampling_follows_the_parent() {
    let w = World::new("{ serviceName: 's', sampler: { type: 'parent-based', root: { type: 'ratio', rate: 0.5 } } }");
    let mut sampled = 0;
    for _ in 0..400 {
        let root = w.tracer.start_span("root", None);
        let root_sampled = get(&root.span_context(), "sampled").as_bool().unwrap();
        let opts = Object::new();
        Reflect::set(&opts, &"parent".into(), &root.span_context()).unwrap();
        let child = w.tracer.start_span("child", Some(opts.unchecked_into()));
        assert_eq!(child.is_recording(), root_sampled, "a child follows its parent's decision");
        sampled += usize::from(root_sampled);
    }
    assert!((140..260).contains(&sampled), "{sampled} of 400 sampled at 0.5");
    w.finish();
}

#[wasm_bindgen_test]
async fn with_span_inject_and_extract_carry_the_context() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    let t = &w.tracer;
    let action = t.start_span("action", None);
    let action_js: JsValue = action.into();
    assert!(t.set_baggage("player.id", "p 42"));
    let headers = js("new Headers()");
    let plain = js("({})");
    let t2 = t.clone();
    let (h2, p2) = (headers.clone(), plain.clone());
    let f = Closure::<dyn Fn() -> JsValue>::new(move || {
        let child = t2.start_span("child", None);
        t2.inject(h2.unchecked_ref(), None);
        let child: JsValue = child.into();
        t2.inject(p2.unchecked_ref(), Some(child.clone().unchecked_into()));
        let end = Function::from(get(&child, "end"));
        end.call0(&child).unwrap();
        JsValue::from(7)
    });
    let result = t.with_span(action_js.unchecked_ref(), f.as_ref().unchecked_ref()).unwrap();
    assert_eq!(result, 7, "withSpan returns what the callback returns");
    assert!(t.active_span().is_undefined(), "the active span is restored");
    let action_cx = get(&action_js, "spanContext");
    let action_cx = Function::from(action_cx).call0(&action_js).unwrap();
    let tp = js("(h) => h.get('traceparent')").unchecked_into::<Function>().call1(&JsValue::NULL, &headers).unwrap();
    let tp = tp.as_string().unwrap();
    assert_eq!(tp, format!("00-{}-{}-03", text(&action_cx, "traceId"), text(&action_cx, "spanId")));
    assert_eq!(text(&plain, "baggage"), "player.id=p%2042");
    assert_ne!(text(&plain, "traceparent"), tp, "an explicit span wins over the active one");

    let extracted: JsValue = t.extract(js("{ TraceParent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'rojo=1', baggage: 'k=v%20w' }").unchecked_ref());
    assert_eq!(text(&extracted, "spanId"), "00f067aa0ba902b7");
    assert_eq!(text(&extracted, "traceState"), "rojo=1");
    assert_eq!(text(&extracted, "baggage.k"), "v w");
    assert_eq!(get(&extracted, "isRemote"), true);
    let opts = Object::new();
    Reflect::set(&opts, &"parent".into(), &extracted).unwrap();
    t.start_span("server_child", Some(opts.unchecked_into())).end(None);
    let linked = js("(cx) => ({ links: [{ context: cx, attributes: { why: 'message', bad: {} } }, { context: { traceId: 'x' } }] })")
        .unchecked_into::<Function>()
        .call1(&JsValue::NULL, &extracted)
        .unwrap();
    t.start_span("linked", Some(linked.unchecked_into())).end(None);
    assert!(t.extract(js("{ traceparent: 'garbage' }").unchecked_ref()).is_null());
    let no_parent = js("{ parent: null }");
    let f2 = {
        let t3 = t.clone();
        Closure::<dyn Fn() -> JsValue>::new(move || {
            t3.start_span("explicit_root", Some(no_parent.clone().unchecked_into())).end(None);
            JsValue::UNDEFINED
        })
    };
    t.with_span(action_js.unchecked_ref(), f2.as_ref().unchecked_ref()).unwrap();
    t.flush();
    let spans = w.spans().await;
    let sc = span_named(&spans, "server_child");
    assert_eq!(text(sc, "traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(text(sc, "parentSpanId"), "00f067aa0ba902b7");
    assert_eq!(text(sc, "traceState"), "rojo=1");
    assert_eq!(num(sc, "flags"), f64::from(0x301), "sampled, parent remote");
    assert!(get(span_named(&spans, "explicit_root"), "parentSpanId").is_undefined());
    let linked = span_named(&spans, "linked");
    assert!(get(linked, "parentSpanId").is_undefined(), "a link is not a parent");
    assert_eq!(text(linked, "links.0.spanId"), "00f067aa0ba902b7");
    assert_eq!(text(linked, "links.0.traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(text(linked, "links.0.traceState"), "rojo=1");
    assert_eq!(text(linked, "links.0.attributes.0.value.stringValue"), "message");
    assert_eq!(num(linked, "links.0.droppedAttributesCount"), 1.0, "the object-valued attribute");
    assert_eq!(num(linked, "droppedLinksCount"), 1.0, "the link without a valid context");
    assert_eq!(text(span_named(&spans, "child"), "parentSpanId"), text(&action_cx, "spanId"));
    w.finish();
}

#[wasm_bindgen_test]
async fn caller_timestamps_are_used_as_given() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    // A requestAnimationFrame-style time and an epoch time.
    let perf_ms = js("performance.now()").as_f64().unwrap() - 5.0;
    let origin = js("performance.timeOrigin").as_f64().unwrap();
    let opts = Object::new();
    Reflect::set(&opts, &"startTime".into(), &perf_ms.into()).unwrap();
    let s = w.tracer.start_span("frame", Some(opts.unchecked_into()));
    let epoch_ms = js("Date.now()").as_f64().unwrap() + 1000.0;
    s.add_event("late", None, Some(epoch_ms));
    s.end(Some(epoch_ms + 1.0));
    w.tracer.flush();
    let span = &w.spans().await[0];
    let start: f64 = text(span, "startTimeUnixNano").parse().unwrap();
    let end: f64 = text(span, "endTimeUnixNano").parse().unwrap();
    assert!((start - (origin + perf_ms) * 1e6).abs() < 2e3, "start {start}");
    assert!((end - (epoch_ms + 1.0) * 1e6).abs() < 2e3, "end {end}");
    let event: f64 = text(span, "events.0.timeUnixNano").parse().unwrap();
    assert!((event - epoch_ms * 1e6).abs() < 2e3);
    w.finish();
}

#[wasm_bindgen_test]
async fn console_format_prints_each_span() {
    let w = World::new("{ serviceName: 's', format: 'console' }");
    let printed = js("(() => { const p = []; const orig = console.log; console.log = (...a) => { p.push(a.join(' ')); }; p.restore = () => { console.log = orig; }; return p; })()");
    let s = w.tracer.start_span("jump", Some(js("{ attributes: { height: 3 } }").unchecked_into()));
    s.end(None);
    Function::from(get(&printed, "restore")).call0(&printed).unwrap();
    let line = text(&printed, "0");
    assert!(line.starts_with("[playtrace] jump (internal) "), "{line}");
    assert!(line.contains("height = 3"));
    w.tracer.flush();
    assert!(w.calls().is_empty(), "the console format sends nothing");
    w.finish();
}

#[wasm_bindgen_test]
async fn zipkin_format_is_sent_as_zipkin() {
    let w = World::new(&format!(
        "{{ serviceName: 'zk', format: 'zipkin', endpoint: 'http://127.0.0.1:9/api/v2/spans', {BIG} }}"
    ));
    w.set("beacon", "refuse".into());
    w.tracer.start_span("z", None).end(None);
    w.tracer.flush();
    sleep(10).await;
    let body = &w.bodies().await[0];
    assert_eq!(text(body, "0.name"), "z");
    assert_eq!(text(body, "0.localEndpoint.serviceName"), "zk");
    assert_eq!(text(&w.calls()[0], "url"), "http://127.0.0.1:9/api/v2/spans");
    w.finish();
}

#[wasm_bindgen_test]
async fn without_credentials_no_beacon_is_used_and_fetch_omits_cookies() {
    // Zipkin's server answers CORS without allowing credentials, which a beacon always carries:
    // its format defaults to sending without them. OTLP can ask for the same.
    for config in [
        "{ serviceName: 'zk', format: 'zipkin', endpoint: 'http://127.0.0.1:9/api/v2/spans' }",
        "{ serviceName: 'o', credentials: 'omit', endpoint: 'http://127.0.0.1:9/v1/traces' }",
    ] {
        let w = World::new(config);
        w.tracer.start_span("z", None).end(None);
        w.tracer.flush();
        sleep(10).await;
        assert!(w.calls_via("beacon").is_empty(), "{config}");
        let fetches = w.calls_via("fetch");
        assert_eq!(fetches.len(), 1, "{config}");
        assert_eq!((get(&fetches[0], "keepalive"), text(&fetches[0], "credentials")), (JsValue::TRUE, "omit".into()));
        assert_eq!(w.stat("exported"), 1.0);
        w.finish();
    }
    // And OTLP, by default, sends with credentials, as the beacon of a closing page must.
    let w = World::new("{ serviceName: 'o', endpoint: 'http://127.0.0.1:9/v1/traces' }");
    w.tracer.start_span("b", None).end(None);
    w.tracer.flush();
    assert_eq!(text(&w.calls_via("fetch")[0], "credentials"), "include");
    w.tracer.start_span("c", None).end(None);
    js("window.dispatchEvent(new PageTransitionEvent('pagehide'))");
    assert_eq!(w.calls_via("beacon").len(), 1);
    w.finish();
}

#[wasm_bindgen_test]
async fn long_strings_arrive_whole_and_harm_nothing_else() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    // Longer than the scratch buffer's first 4 KB: JS must make room before it writes.
    let ascii = "z".repeat(20_000);
    let wide = "\u{20ac}".repeat(5_000); // 15,000 bytes of UTF-8
    let s = w.tracer.start_span("long", None);
    s.set_attribute("ascii", &JsValue::from_str(&ascii));
    s.set_attribute("wide", &JsValue::from_str(&wide));
    s.set_attribute("after", &JsValue::from_str("short"));
    s.end(None);
    w.tracer.start_span("next", Some(js("{ attributes: { n: 1 } }").unchecked_into())).end(None);
    w.tracer.flush();
    let spans = w.spans().await;
    let long = span_named(&spans, "long");
    assert_eq!(text(&attr(long, "ascii"), "stringValue").len(), 20_000);
    assert_eq!(text(&attr(long, "wide"), "stringValue"), wide);
    assert_eq!(text(&attr(long, "after"), "stringValue"), "short");
    assert_eq!(text(&attr(span_named(&spans, "next"), "n"), "intValue"), "1");
    w.finish();
}

#[wasm_bindgen_test]
async fn inject_writes_baggage_of_any_size_whole() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    // 60 members of 125 bytes: a header of about 7.5 KB, under W3C's 8192.
    for i in 0..60 {
        assert!(w.tracer.set_baggage(&format!("k{i:02}"), &"v".repeat(120)));
    }
    let span: JsValue = w.tracer.start_span("carrier", None).into();
    let carrier = js("({})");
    w.tracer.inject(carrier.unchecked_ref(), Some(span.clone().unchecked_into()));
    let baggage = text(&carrier, "baggage");
    let members: Vec<&str> = baggage.split(',').collect();
    assert_eq!(members.len(), 60, "every member");
    assert!(
        members.iter().all(|m| m.len() == 124 && m.starts_with('k')),
        "each whole: {}",
        &baggage[..80.min(baggage.len())]
    );
    assert!(text(&carrier, "traceparent").starts_with("00-"));
    // The engine wrote past the scratch buffer's first size, which moved it: what JS writes next
    // must still reach the engine.
    let after = w.tracer.start_span("after", Some(js("{ attributes: { weapon: 'sword' } }").unchecked_into()));
    after.set_attribute("level", &JsValue::from(3));
    after.end(None);
    w.tracer.flush();
    let spans = w.spans().await;
    let after = span_named(&spans, "after");
    assert_eq!(text(&attr(after, "weapon"), "stringValue"), "sword");
    assert_eq!(text(&attr(after, "level"), "intValue"), "3");
    w.finish();
}

#[wasm_bindgen_test]
async fn js_values_of_any_type_never_throw() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    let s = w.tracer.start_span(
        "odd",
        Some(js("{ kind: 'sideways', startTime: 'noon', links: [{ context: 5 }, 7] }").unchecked_into()),
    );
    for v in ["undefined", "null", "({})", "[1, 'a']", "Symbol('x')", "() => 1", "2n ** 70n", "'a\\ud800b'"] {
        s.set_attribute(&format!("v {v}"), js(v).unchecked_ref());
    }
    s.set_attributes(js("null").unchecked_ref());
    // JS that calls back into the tracer while we read it (a getter, a custom spanContext()).
    let reentrant = js("(t) => ({ get evil() { t.startSpan('from_getter').end(); return 1; }, \
                              spanContext() { t.startSpan('from_span_context').end(); return {}; } })");
    let tracer_js: JsValue = w.tracer.clone().into();
    let evil = Function::from(reentrant).call1(&JsValue::NULL, &tracer_js).unwrap();
    s.set_attributes(evil.unchecked_ref());
    s.add_event("evil", Some(evil.clone().unchecked_into()), None);
    w.tracer.inject(js("({})").unchecked_ref(), Some(evil.clone().unchecked_into()));
    let opts = Object::new();
    Reflect::set(&opts, &"attributes".into(), &evil).unwrap();
    Reflect::set(&opts, &"parent".into(), &evil).unwrap();
    w.tracer.start_span("with_evil_options", Some(opts.unchecked_into())).end(None);
    s.add_event("e", Some(js("7").unchecked_into()), Some(f64::NAN));
    s.record_exception(&js("undefined"), None);
    s.set_status(js("{ code: 'weird' }").unchecked_ref());
    s.end(Some(-1.0));
    s.end(None);
    w.tracer.flush();
    let spans = w.spans().await;
    let span = span_named(&spans, "odd");
    assert_eq!(text(&attr(span, "evil"), "intValue"), "1");
    assert!(spans.iter().filter(|s| text(s, "name") == "from_getter").count() >= 3, "re-entrant calls worked");
    assert_eq!(text(&attr(span, "v 'a\\ud800b'"), "stringValue"), "a\u{fffd}b", "a lone surrogate arrives as U+FFFD");
    assert_eq!(num(span, "droppedAttributesCount"), 8.0, "7 untyped values, and the spanContext function");
    assert_eq!(num(span, "droppedLinksCount"), 2.0);
    assert_eq!(num(span, "kind"), 1.0);
    w.finish();
}

#[wasm_bindgen_test]
async fn spans_do_not_call_web_crypto() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    let count = js("(() => { const o = crypto.getRandomValues.bind(crypto); const c = { calls: 0 }; \
                    crypto.getRandomValues = (a) => { c.calls += 1; return o(a); }; \
                    c.restore = () => { crypto.getRandomValues = o; }; return c; })()");
    for _ in 0..200 {
        w.tracer.start_span("s", None).end(None);
    }
    Function::from(get(&count, "restore")).call0(&count).unwrap();
    assert_eq!(num(&count, "calls"), 0.0, "IDs come from the generator seeded at init");
    w.tracer.flush();
    let ids: std::collections::HashSet<String> = w.spans().await.iter().map(|s| text(s, "spanId")).collect();
    assert_eq!(ids.len(), 200);
    w.finish();
}

#[wasm_bindgen_test]
async fn the_exporters_own_requests_bypass_later_fetch_wrappers() {
    let w = World::new(&format!("{{ serviceName: 's', {BIG} }}"));
    // Whatever wraps fetch after init (an instrumentation, an ad blocker shim) never sees ours.
    let seen = js("(() => { const inner = window.fetch; const s = { calls: 0 }; \
                   window.fetch = function (...a) { s.calls += 1; return inner.apply(this, a); }; \
                   s.restore = () => { window.fetch = inner; }; return s; })()");
    w.set("beacon", "refuse".into());
    w.tracer.start_span("exported", None).end(None);
    w.tracer.flush();
    sleep(10).await;
    Function::from(get(&seen, "restore")).call0(&seen).unwrap();
    assert_eq!(w.calls_via("fetch").len(), 1, "sent with the fetch the page had at init");
    assert_eq!(num(&seen, "calls"), 0.0);
    w.finish();
}

#[wasm_bindgen_test]
async fn a_session_sampler_keeps_or_drops_whole_sessions_and_dropped_ones_still_propagate() {
    let (mut kept, mut dropped) = (0, 0);
    for i in 0..24 {
        // A new tab's session: the sampler decides from its ID, once.
        js(&format!("sessionStorage.setItem('playtrace.session.id', 'session-{i}')"));
        let w = World::new(&format!("{{ serviceName: 's', sampler: {{ type: 'session', rate: 0.5 }}, {BIG} }}"));
        let spans: Vec<Span> = (0..5).map(|_| w.tracer.start_span("frame", None)).collect();
        let recording: Vec<bool> = spans.iter().map(Span::is_recording).collect();
        assert!(recording.iter().all(|&r| r == recording[0]), "session {i}: all or nothing, {recording:?}");
        let carrier = js("({})");
        w.tracer.inject(&carrier, Some(spans[0].0.clone()));
        let traceparent = text(&carrier, "traceparent");
        let flags = u8::from_str_radix(&traceparent[traceparent.len() - 2..], 16).unwrap();
        assert_eq!(flags & 1 == 1, recording[0], "session {i}: {traceparent} says what was decided");
        if recording[0] {
            kept += 1;
        } else {
            dropped += 1;
        }
        for s in &spans {
            s.end(None);
        }
        assert_eq!(w.stat("sampledOut"), if recording[0] { 0.0 } else { 5.0 });
        w.finish();
    }
    // Both outcomes at rate 0.5 over 24 sessions (all alike: about one chance in eight million).
    assert!(kept > 0 && dropped > 0, "{kept} kept, {dropped} dropped");
    js("sessionStorage.removeItem('playtrace.session.id')");
}
