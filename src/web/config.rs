//! Reads `init`'s JS config into the core's [`TracerConfig`]. Each key is read on its own with
//! serde-wasm-bindgen, so a wrong type is reported with the key it belongs to; the core checks
//! ranges and combinations.

use js_sys::{Array, Object, Reflect};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::core::config::{ConfigError, ExportFormat, SamplerConfig, TracerConfig};

fn read<T: DeserializeOwned>(key: &str, value: JsValue) -> Result<T, ConfigError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| ConfigError::new(key, &e.to_string()))
}

fn object(value: &JsValue) -> Option<&Object> {
    if Array::is_array(value) {
        return None;
    }
    value.dyn_ref::<Object>().filter(|_| value.is_object())
}

/// The own keys of `obj` whose values are not `undefined`, with their values.
fn entries(obj: &Object) -> Vec<(String, JsValue)> {
    Object::keys(obj)
        .iter()
        .filter_map(|k| {
            let value = Reflect::get(obj, &k).unwrap_or(JsValue::UNDEFINED);
            let key = k.as_string()?;
            (!value.is_undefined()).then_some((key, value))
        })
        .collect()
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
        _ => Err(ConfigError::new(&sub(key, "type"), "must be always, never, ratio, rate-limited or parent-based")),
    }
}

/// Parses and validates a config object.
pub(crate) fn parse(input: &JsValue) -> Result<TracerConfig, ConfigError> {
    let obj = object(input).ok_or_else(|| ConfigError::new("config", "must be an object with a serviceName"))?;
    let mut c = TracerConfig::new("");
    let mut has_service_name = false;
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
                c.format = match read::<String>(k, v)?.as_str() {
                    "otlp" => ExportFormat::Otlp,
                    "zipkin" => ExportFormat::Zipkin,
                    "console" => ExportFormat::Console,
                    _ => return Err(ConfigError::new(k, "must be \"otlp\", \"zipkin\" or \"console\"")),
                }
            }
            "sampler" => c.sampler = sampler(k, v)?,
            "queueSize" => c.queue_size = read::<u32>(k, v)? as usize,
            "batchSize" => c.batch_size = read::<u32>(k, v)? as usize,
            "batchBytes" => c.batch_bytes = read::<u32>(k, v)? as usize,
            "flushIntervalMs" => c.flush_interval_ms = read(k, v)?,
            "spanTimeoutMs" => c.span_timeout_ms = read(k, v)?,
            "attributeValueLengthLimit" => c.attribute_value_length_limit = Some(read(k, v)?),
            "enabled" => c.enabled = read(k, v)?,
            "resourceAttributes" => {
                let attrs = object(&v).ok_or_else(|| ConfigError::new(k, "must be an object of attributes"))?;
                for (name, value) in entries(attrs) {
                    let typed = super::attributes::from_js(&value).ok_or_else(|| {
                        ConfigError::new(&sub(k, &name), "is not a string, number, boolean or homogeneous array")
                    })?;
                    c.resource_attributes.push((name, typed));
                }
            }
            _ => return Err(ConfigError::new(k, "is not a playtrace option")),
        }
    }
    if !has_service_name {
        return Err(ConfigError::new("serviceName", "is required"));
    }
    c.validate()?;
    Ok(c)
}
