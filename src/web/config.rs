//! Reads `init`'s JS config into the core's [`TracerConfig`]. Each key is read on its own, by
//! hand, so a wrong type is reported with the key it belongs to (and no deserializer with its
//! formatted messages ships to players); the core checks ranges and combinations.

use js_sys::{Array, RegExp};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{entries, object};
use super::runtime::UrlPatterns;
use crate::core::background::BackgroundMode;
use crate::core::config::{ConfigError, ExportFormat, SamplerConfig, TracerConfig};
use crate::core::http::PropagationTarget;

/// A value of one JS type, read for one config key.
trait FromConfig: Sized {
    /// What the key must be, for the error message.
    const EXPECTED: &'static str;
    fn from_js(value: &JsValue) -> Option<Self>;
}

impl FromConfig for String {
    const EXPECTED: &'static str = "must be a string";
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_string()
    }
}

impl FromConfig for bool {
    const EXPECTED: &'static str = "must be true or false";
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_bool()
    }
}

impl FromConfig for f64 {
    const EXPECTED: &'static str = "must be a number";
    fn from_js(value: &JsValue) -> Option<Self> {
        value.as_f64()
    }
}

impl FromConfig for u32 {
    const EXPECTED: &'static str = "must be a whole number from 0 to 4294967295";
    fn from_js(value: &JsValue) -> Option<Self> {
        let n = value.as_f64()?;
        (n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n)).then_some(n as u32)
    }
}

impl FromConfig for Vec<String> {
    const EXPECTED: &'static str = "must be an array of strings";
    fn from_js(value: &JsValue) -> Option<Self> {
        if !Array::is_array(value) {
            return None;
        }
        Array::from(value).iter().map(|v| v.as_string()).collect()
    }
}

fn read<T: FromConfig>(key: &str, value: JsValue) -> Result<T, ConfigError> {
    T::from_js(&value).ok_or_else(|| ConfigError::new(key, T::EXPECTED))
}

/// Which of `choices` the string `value` is, else the error `problem` (which names them).
#[inline(never)]
fn choice(key: &str, value: JsValue, choices: &[&str], problem: &str) -> Result<usize, ConfigError> {
    let text = value.as_string().unwrap_or_default();
    choices.iter().position(|c| *c == text).ok_or_else(|| ConfigError::new(key, problem))
}

fn sub(key: &str, name: &str) -> String {
    let mut k = String::from(key);
    k.push('.');
    k.push_str(name);
    k
}

fn sampler(key: &str, value: JsValue) -> Result<SamplerConfig, ConfigError> {
    let expected = "must be \"always\", \"never\", \"parent-based\" or {type, rate, root}";
    if let Some(name) = value.as_string() {
        return match name.as_str() {
            "always" => Ok(SamplerConfig::Always),
            "never" => Ok(SamplerConfig::Never),
            "parent-based" => Ok(SamplerConfig::ParentBased(Box::new(SamplerConfig::Always))),
            _ => Err(ConfigError::new(key, expected)),
        };
    }
    let obj = object(&value).ok_or_else(|| ConfigError::new(key, expected))?;
    let (mut kind, mut rate, mut root) = (None::<String>, None::<f64>, None);
    for (k, v) in entries(obj) {
        match k.as_str() {
            "type" => kind = Some(read(&sub(key, "type"), v)?),
            "rate" => rate = Some(read(&sub(key, "rate"), v)?),
            "root" => root = Some(sampler(&sub(key, "root"), v)?),
            other => return Err(ConfigError::new(&sub(key, other), "is not a sampler option")),
        }
    }
    let need_rate =
        |rate: Option<f64>| rate.ok_or_else(|| ConfigError::new(&sub(key, "rate"), "is required for this sampler"));
    match kind.as_deref() {
        Some("always") => Ok(SamplerConfig::Always),
        Some("never") => Ok(SamplerConfig::Never),
        Some("ratio") => Ok(SamplerConfig::Ratio(need_rate(rate)?)),
        Some("rate-limited") => Ok(SamplerConfig::RateLimited(need_rate(rate)?)),
        Some("parent-based") => Ok(SamplerConfig::ParentBased(Box::new(root.unwrap_or(SamplerConfig::Always)))),
        Some("session") => Ok(SamplerConfig::Session(need_rate(rate)?)),
        _ => Err(ConfigError::new(
            &sub(key, "type"),
            "must be always, never, ratio, rate-limited, parent-based or session",
        )),
    }
}

enum UrlMatcher {
    Text(String),
    Pattern(RegExp),
    Invalid,
}

fn index_key(key: &str, i: usize) -> String {
    let mut k = String::from(key);
    k.push('[');
    crate::core::encode::json::write_u64(&mut k, i as u64);
    k.push(']');
    k
}

fn list(key: &str, v: &JsValue) -> Result<Vec<UrlMatcher>, ConfigError> {
    if !Array::is_array(v) {
        return Err(ConfigError::new(key, "must be an array of strings and RegExps"));
    }
    Ok(Array::from(v)
        .iter()
        .map(|item| match (item.as_string(), item.dyn_into::<RegExp>()) {
            (Some(t), _) => UrlMatcher::Text(t),
            (None, Ok(re)) => UrlMatcher::Pattern(re),
            _ => UrlMatcher::Invalid,
        })
        .collect())
}

/// A `propagateTo` string as the browser normalises it: `https://API.example.com:443` is the
/// origin `https://api.example.com`; anything with a path stays a prefix, as written.
fn origin_or_prefix(text: &str) -> String {
    match web_sys::Url::new(text) {
        Ok(url) if url.pathname() == "/" && url.search().is_empty() && url.hash().is_empty() => url.origin(),
        _ => text.to_owned(),
    }
}

/// Parses and validates a config object.
pub(crate) fn parse(input: &JsValue) -> Result<(TracerConfig, UrlPatterns), ConfigError> {
    let obj = object(input).ok_or_else(|| ConfigError::new("config", "must be an object with a serviceName"))?;
    let mut c = TracerConfig::new("");
    let mut regexps = UrlPatterns::default();
    let mut has_service_name = false;
    let mut credentials = None;
    let mut gzip = None;
    for (key, v) in entries(obj) {
        let k = key.as_str();
        match k {
            "serviceName" => {
                c.service_name = read(k, v)?;
                has_service_name = true;
            }
            "serviceVersion" => c.service_version = Some(read(k, v)?),
            "environment" => c.environment = Some(read(k, v)?),
            "endpoint" => c.endpoint = read(k, v)?,
            "format" => {
                c.format = [ExportFormat::Otlp, ExportFormat::Zipkin, ExportFormat::Console]
                    [choice(k, v, &["otlp", "zipkin", "console"], "must be \"otlp\", \"zipkin\" or \"console\"")?]
            }
            "compression" => gzip = Some(choice(k, v, &["gzip", "none"], "must be \"gzip\" or \"none\"")? == 0),
            "sampler" => c.sampler = sampler(k, v)?,
            "queueSize" => c.queue_size = read::<u32>(k, v)? as usize,
            "batchSize" => c.batch_size = read::<u32>(k, v)? as usize,
            "batchBytes" => c.batch_bytes = read::<u32>(k, v)? as usize,
            "flushIntervalMs" => c.flush_interval_ms = read(k, v)?,
            "spanTimeoutMs" => c.span_timeout_ms = read(k, v)?,
            "attributeValueLengthLimit" => c.attribute_value_length_limit = Some(read(k, v)?),
            "enabled" => c.enabled = read(k, v)?,
            "debug" => c.debug = read(k, v)?,
            "captureErrors" => c.capture_errors = read(k, v)?,
            "frameBudgetMs" => c.frame_budget_ms = read(k, v)?,
            "observeFrames" => c.observe_frames = read(k, v)?,
            "longAnimationFrames" => c.long_animation_frames = read(k, v)?,
            "inputTiming" => c.input_timing = read(k, v)?,
            "credentials" => {
                credentials = Some(choice(k, v, &["include", "omit"], "must be \"include\" or \"omit\"")? == 0)
            }
            "resourceAttributes" => {
                let attrs = object(&v).ok_or_else(|| ConfigError::new(k, "must be an object of attributes"))?;
                for (name, value) in entries(attrs) {
                    let typed = super::attributes::from_js(&value).ok_or_else(|| {
                        ConfigError::new(&sub(k, &name), "is not a string, number, boolean or homogeneous array")
                    })?;
                    c.resource_attributes.push((name, typed));
                }
            }
            "instrument" => {
                let obj = object(&v)
                    .ok_or_else(|| ConfigError::new(k, "must be an object such as { fetch: true, xhr: true }"))?;
                for (name, value) in entries(obj) {
                    let key = sub(k, &name);
                    match name.as_str() {
                        "fetch" => c.instrument_fetch = read(&key, value)?,
                        "xhr" => c.instrument_xhr = read(&key, value)?,
                        "webSocket" => c.instrument_websocket = read(&key, value)?,
                        _ => return Err(ConfigError::new(&key, "is not an instrumentation (fetch, xhr, webSocket)")),
                    }
                }
            }
            "propagateTo" => {
                for (i, item) in list(k, &v)?.into_iter().enumerate() {
                    match item {
                        UrlMatcher::Text(t) => {
                            c.propagate_to.push(PropagationTarget::from_config(&origin_or_prefix(&t)))
                        }
                        UrlMatcher::Pattern(re) => regexps.propagate_to.push(re),
                        UrlMatcher::Invalid => {
                            return Err(ConfigError::new(&index_key(k, i), "must be a string or a RegExp"))
                        }
                    }
                }
            }
            "ignoreUrls" => {
                for (i, item) in list(k, &v)?.into_iter().enumerate() {
                    match item {
                        UrlMatcher::Text(t) => c.ignore_urls.push(t),
                        UrlMatcher::Pattern(re) => regexps.ignore_urls.push(re),
                        UrlMatcher::Invalid => {
                            return Err(ConfigError::new(&index_key(k, i), "must be a string or a RegExp"))
                        }
                    }
                }
            }
            "redactQueryParams" => c.redact_query_params = read(k, v)?,
            "background" => {
                c.background = [BackgroundMode::Group, BackgroundMode::Trace, BackgroundMode::Off]
                    [choice(k, v, &["span", "trace", "none"], "must be \"span\", \"trace\" or \"none\"")?]
            }
            _ => return Err(ConfigError::new(k, "is not a playtrace option")),
        }
    }
    if !has_service_name {
        return Err(ConfigError::new("serviceName", "is required"));
    }
    // Zipkin servers answer CORS without allowing credentials, so beacons to them fail; nor do
    // they allow `Content-Encoding`, though they take gzip from a page of their own origin.
    c.credentials = credentials.unwrap_or(c.format != ExportFormat::Zipkin);
    c.gzip = gzip.unwrap_or(c.format != ExportFormat::Zipkin);
    c.validate()?;
    Ok((c, regexps))
}
