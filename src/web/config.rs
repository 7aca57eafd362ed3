//! Reads `init`'s JS config into the core's [`TracerConfig`]. `config.js` checks each key's JS
//! type (a wrong one throws an Error naming the key, and no deserializer with its formatted
//! messages ships to players); the core checks ranges and combinations.

use js_sys::{Array, RegExp};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::runtime::UrlPatterns;
use super::scratch;
use crate::core::background::BackgroundMode;
use crate::core::config::{ConfigError, ExportFormat, SamplerConfig, TracerConfig};
use crate::core::http::PropagationTarget;

#[wasm_bindgen(module = "/src/web/config.js")]
extern "C" {
    /// The config with every key of the right JS type, or the Error naming the first that is not.
    /// Its resource attributes are given to the engine as `PENDING`.
    #[wasm_bindgen(catch, js_name = readConfig)]
    fn read_config(config: &JsValue) -> Result<JsValue, JsValue>;

    /// The endpoint resolved against the page: its absolute URL, "" where it is not http(s),
    /// `None` where it is no URL.
    #[wasm_bindgen(js_name = resolveUrl)]
    pub(crate) fn resolve_url(endpoint: &str) -> Option<String>;
}

/// The place of a key's value in `config.js`'s answer, fixed at compile time.
macro_rules! slot {
    ($key:literal) => {
        const { crate::core::layout::config_slot($key) }
    };
}

/// The items of a JS array (none for anything else).
fn items(list: &JsValue) -> js_sys::ArrayIntoIter {
    let list = if Array::is_array(list) { list.clone() } else { Array::new().into() };
    list.unchecked_into::<Array>().into_iter()
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

/// Reads and validates a config object: its JS types are checked by `config.js`, the rest by the
/// core. The Error names the key.
pub(crate) fn parse(input: &JsValue) -> Result<(TracerConfig, UrlPatterns), JsValue> {
    scratch::take_pending(); // what a config that threw part way through its resource left
    let v: Array = read_config(input)?.unchecked_into();
    let text = |slot| v.get(slot).as_string();
    let number = |slot| v.get(slot).as_f64();
    let whole = |slot| number(slot).map(|n| n as u32);
    let mut c = TracerConfig::new(&text(slot!("serviceName")).unwrap_or_default());
    c.service_version = text(slot!("serviceVersion"));
    c.environment = text(slot!("environment"));
    if let Some(e) = text(slot!("endpoint")) {
        c.endpoint = e;
    }
    let format = number(slot!("format")).unwrap_or(0.0) as usize;
    c.format = [ExportFormat::Otlp, ExportFormat::Zipkin, ExportFormat::Console][format.min(2)];
    let codes: Vec<f64> = items(&v.get(slot!("sampler"))).filter_map(|n| n.as_f64()).collect();
    if !codes.is_empty() {
        c.sampler = sampler(&codes);
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
        if let Some(b) = v.get(slot).as_bool() {
            *value = b;
        }
    }
    // config.js gave the resource's attributes as `PENDING` (and threw for one without a type).
    c.resource_attributes = scratch::take_pending().0;
    let strings = |slot| items(&v.get(slot)).filter_map(|s| s.as_string());
    c.propagate_to = strings(slot!("propagateTo")).map(|t| PropagationTarget::from_config(&t)).collect();
    c.ignore_urls = strings(slot!("ignoreUrls")).collect();
    c.redact_query_params = strings(slot!("redactQueryParams")).collect();
    let patterns = |slot| items(&v.get(slot)).map(JsCast::unchecked_into::<RegExp>).collect();
    let regexps = UrlPatterns {
        propagate_to: patterns(slot!("propagatePatterns")),
        ignore_urls: patterns(slot!("ignorePatterns")),
    };
    if let Some(n) = number(slot!("background")) {
        c.background = [BackgroundMode::Group, BackgroundMode::Trace, BackgroundMode::Off][(n as usize).min(2)];
    }
    // Zipkin servers answer CORS without allowing credentials, so beacons to them fail; nor do
    // they allow `Content-Encoding`, though they take gzip from a page of their own origin.
    c.credentials = number(slot!("credentials")).map_or(c.format != ExportFormat::Zipkin, |n| n == 0.0);
    c.gzip = number(slot!("compression")).map_or(c.format != ExportFormat::Zipkin, |n| n == 0.0);
    c.validate().map_err(error)?;
    Ok((c, regexps))
}

/// The JS Error for a problem the core found.
fn error(e: ConfigError) -> JsValue {
    js_sys::Error::new(&e.message()).into()
}
