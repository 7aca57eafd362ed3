//! Reads `init`'s JS config into the core's [`TracerConfig`]. `config.js` checks each key's JS
//! type (a wrong one throws an Error naming the key, and no deserializer with its formatted
//! messages ships to players) and gives the values through the numeric boundary (`pt_config`,
//! by their place in `core::layout::CONFIG_KEYS`); the core checks ranges and combinations.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;

use super::scratch;
use crate::core::background::BackgroundMode;
use crate::core::config::{ConfigError, ExportFormat, SamplerConfig, TracerConfig};
use crate::core::http::PropagationTarget;
use crate::core::layout::{CONFIG_LIST, CONFIG_TEXT};

#[wasm_bindgen(module = "/src/web/config.js")]
extern "C" {
    /// Gives the engine the config's values (`give`), or throws the Error naming the first key
    /// of a wrong type. Its resource attributes are given as `PENDING`.
    #[wasm_bindgen(catch, js_name = readConfig)]
    fn read_config(config: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(js_name = resolveUrl)]
    fn resolve_url_len(endpoint: &str) -> i32;
}

/// The endpoint resolved against the page (by `config.js`): its absolute URL, "" where it is
/// not http(s), `None` where it is no URL.
pub(crate) fn resolve_url(endpoint: &str) -> Option<String> {
    scratch::answer(resolve_url_len(endpoint))
}

/// The place of a key's value, fixed at compile time.
macro_rules! slot {
    ($key:literal) => {
        const { crate::core::layout::config_slot($key) as usize }
    };
}

/// A config value as `config.js` gave it.
enum Given {
    Unset,
    Number(f64),
    Text(String),
    List(Vec<f64>, Vec<String>),
}

thread_local! {
    /// The values `config.js` has given for the `init` under way, by slot.
    static GIVEN: RefCell<Vec<Given>> = const { RefCell::new(Vec::new()) };
}

/// `pt_config` (see wasm/src/lib.rs): the value of the key at `slot` is `value`, or, by `kind`
/// (`core::layout::CONFIG_*`), the text of `value` bytes in the scratch buffer or the list of
/// the items given (`pt_item`).
pub fn give(slot: u32, value: f64, kind: u32) {
    let given = match kind {
        CONFIG_TEXT => {
            let text = scratch::texts().next(value as u32);
            Given::Text(text)
        }
        CONFIG_LIST => {
            let (numbers, strings) = scratch::take_items();
            Given::List(numbers, strings)
        }
        _ => Given::Number(value),
    };
    GIVEN.with(|g| {
        let mut g = g.borrow_mut();
        let at = slot as usize;
        while g.len() <= at {
            g.push(Given::Unset); // not resize_with: one way of growing it in the wasm
        }
        g[at] = given;
    });
}

/// A sampler from `config.js`'s codes: pairs of (type, rate); a parent-based one is followed by
/// its root's.
fn sampler(codes: &[f64]) -> SamplerConfig {
    let [code, rate, root @ ..] = codes else { return SamplerConfig::Always };
    match *code as u32 {
        0 => SamplerConfig::Always,
        1 => SamplerConfig::Never,
        2 => SamplerConfig::Ratio(*rate),
        3 => SamplerConfig::RateLimited(*rate),
        4 => SamplerConfig::ParentBased(Box::new(sampler(root))),
        _ => SamplerConfig::Session(*rate),
    }
}

/// Reads and validates a config object: its JS types are checked by `config.js`, which gives
/// the values; the rest is checked by the core. The Error names the key.
pub(crate) fn parse(input: &JsValue) -> Result<TracerConfig, JsValue> {
    // What a config that threw part way through left.
    scratch::take_pending();
    scratch::take_items();
    GIVEN.with(|g| g.borrow_mut().clear());
    read_config(input)?;
    let mut v = GIVEN.with(|g| std::mem::take(&mut *g.borrow_mut()));
    while v.len() <= slot!("webSocket") {
        v.push(Given::Unset);
    }
    let text = |slot: usize| match &v[slot] {
        Given::Text(t) => Some(t.clone()),
        _ => None,
    };
    let number = |slot: usize| match v[slot] {
        Given::Number(n) => Some(n),
        _ => None,
    };
    let whole = |slot| number(slot).map(|n| n as u32);
    let list = |slot: usize| match &v[slot] {
        Given::List(numbers, strings) => (numbers.as_slice(), strings.as_slice()),
        _ => (&[][..], &[][..]),
    };
    let mut c = TracerConfig::new(&text(slot!("serviceName")).unwrap_or_default());
    c.service_version = text(slot!("serviceVersion"));
    c.environment = text(slot!("environment"));
    if let Some(e) = text(slot!("endpoint")) {
        c.endpoint = e;
    }
    let format = number(slot!("format")).unwrap_or(0.0) as usize;
    c.format = [ExportFormat::Otlp, ExportFormat::Zipkin, ExportFormat::Console][format.min(2)];
    let codes = list(slot!("sampler")).0;
    if !codes.is_empty() {
        c.sampler = sampler(codes);
    }
    for (slot, value) in [
        (slot!("queueSize"), &mut c.queue_size),
        (slot!("batchSize"), &mut c.batch_size),
        (slot!("batchBytes"), &mut c.batch_bytes),
    ] {
        if let Some(n) = whole(slot) {
            *value = n as usize;
        }
    }
    for (slot, value) in
        [(slot!("flushIntervalMs"), &mut c.flush_interval_ms), (slot!("spanTimeoutMs"), &mut c.span_timeout_ms)]
    {
        if let Some(n) = whole(slot) {
            *value = n;
        }
    }
    c.attribute_value_length_limit = whole(slot!("attributeValueLengthLimit"));
    if let Some(n) = number(slot!("frameBudgetMs")) {
        c.frame_budget_ms = n;
    }
    for (slot, value) in [
        (slot!("enabled"), &mut c.enabled),
        (slot!("debug"), &mut c.debug),
        (slot!("captureErrors"), &mut c.capture_errors),
        (slot!("observeFrames"), &mut c.observe_frames),
        (slot!("longAnimationFrames"), &mut c.long_animation_frames),
        (slot!("inputTiming"), &mut c.input_timing),
        (slot!("fetch"), &mut c.instrument_fetch),
        (slot!("xhr"), &mut c.instrument_xhr),
        (slot!("webSocket"), &mut c.instrument_websocket),
    ] {
        if let Some(b) = number(slot) {
            *value = b != 0.0;
        }
    }
    // config.js gave the resource's attributes as `PENDING` (and threw for one without a type).
    c.resource_attributes = scratch::take_pending().0;
    for target in list(slot!("propagateTo")).1 {
        c.propagate_to.push(PropagationTarget::from_config(target));
    }
    c.ignore_urls = list(slot!("ignoreUrls")).1.to_vec();
    c.redact_query_params = list(slot!("redactQueryParams")).1.to_vec();
    if let Some(n) = number(slot!("background")) {
        c.background = [BackgroundMode::Group, BackgroundMode::Trace, BackgroundMode::Off][(n as usize).min(2)];
    }
    // Zipkin servers answer CORS without allowing credentials, so beacons to them fail; nor do
    // they allow `Content-Encoding`, though they take gzip from a page of their own origin.
    c.credentials = number(slot!("credentials")).map_or(c.format != ExportFormat::Zipkin, |n| n == 0.0);
    c.gzip = number(slot!("compression")).map_or(c.format != ExportFormat::Zipkin, |n| n == 0.0);
    c.validate().map_err(error)?;
    Ok(c)
}

/// The JS Error for a problem the core found.
fn error(e: ConfigError) -> JsValue {
    js_sys::Error::new(&e.message()).into()
}
