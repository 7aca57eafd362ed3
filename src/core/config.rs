//! Tracer configuration: the defaults, and the rules a value must meet. Every error names the
//! key it is about, so a game developer can fix the call without reading our source.

use core::fmt;

use super::encode::DEFAULT_MAX_BODY_BYTES;
use super::sampler::Sampler;
use super::span::AttributeValue;
use super::text::{find_byte, split_once_byte, trim_ascii};

/// Where finished spans go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    /// OTLP/HTTP JSON.
    Otlp,
    /// Zipkin v2 JSON.
    Zipkin,
    /// Each span printed to the console as it ends, for development.
    Console,
}

/// How new traces are sampled, as configured (a [`Sampler`] is built from it per tracer).
#[derive(Clone, Debug, PartialEq)]
pub enum SamplerConfig {
    /// Everything.
    Always,
    /// Nothing.
    Never,
    /// A fraction of traces, by trace ID.
    Ratio(f64),
    /// Follow the parent; roots use the inner config.
    ParentBased(Box<SamplerConfig>),
    /// At most N new traces a second.
    RateLimited(f64),
    /// A share of play sessions, each kept or dropped whole.
    Session(f64),
}

impl SamplerConfig {
    /// The sampler, or the key-qualified problem with this config.
    pub fn build(&self, key: &str) -> Result<Sampler, ConfigError> {
        const FRACTION: &str = "must be a number from 0 to 1";
        let (sampler, problem) = match self {
            Self::Always => (Some(Sampler::AlwaysOn), ""),
            Self::Never => (Some(Sampler::AlwaysOff), ""),
            Self::Ratio(r) => (Sampler::ratio(*r), FRACTION),
            Self::RateLimited(r) => {
                (Sampler::rate_limited(*r), "must be a finite number of traces a second, 0 or more")
            }
            Self::ParentBased(root) => (Some(Sampler::parent_based(root.build(&join(key, "root"))?)), ""),
            Self::Session(r) => (Sampler::session(*r), FRACTION),
        };
        sampler.ok_or_else(|| ConfigError::new(&join(key, "rate"), problem))
    }

    /// Whether it decides by the play session (a session sampler, also as a parent-based root),
    /// and so needs the session's ID before the first span.
    pub fn by_session(&self) -> bool {
        match self {
            Self::Session(_) => true,
            Self::ParentBased(root) => root.by_session(),
            _ => false,
        }
    }
}

fn join(key: &str, sub: &str) -> String {
    let mut k = String::with_capacity(key.len() + sub.len() + 1);
    k.push_str(key);
    k.push('.');
    k.push_str(sub);
    k
}

/// A configuration problem: which key, and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The key, dotted for nested keys (`sampler.rate`).
    pub key: String,
    /// What is wrong.
    pub problem: String,
}

impl ConfigError {
    /// A problem with `key`.
    pub fn new(key: &str, problem: &str) -> Self {
        Self { key: key.to_owned(), problem: problem.to_owned() }
    }

    /// `playtrace config: <key>: <problem>`, the text of the JS Error.
    pub fn message(&self) -> String {
        let mut m = String::from("playtrace config: ");
        m.push_str(&self.key);
        m.push_str(": ");
        m.push_str(&self.problem);
        m
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Everything `init` accepts, with OpenTelemetry-like defaults.
///
/// ```
/// use playtrace::core::config::TracerConfig;
/// let mut c = TracerConfig::new("my-game");
/// assert!(c.validate().is_ok());
/// c.endpoint = "ftp://collector/v1/traces".into();
/// assert_eq!(c.validate().unwrap_err().key, "endpoint");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TracerConfig {
    /// `service.name`; required and not empty.
    pub service_name: String,
    /// `service.version`.
    pub service_version: Option<String>,
    /// `deployment.environment.name`.
    pub environment: Option<String>,
    /// More resource attributes.
    pub resource_attributes: Vec<(String, AttributeValue)>,
    /// Where to send spans: an http(s) URL, or a path on the page's origin.
    pub endpoint: String,
    /// The wire format.
    pub format: ExportFormat,
    /// The sampler.
    pub sampler: SamplerConfig,
    /// Spans held at most while waiting to be sent.
    pub queue_size: usize,
    /// Spans in one request at most.
    pub batch_size: usize,
    /// Bytes in one request body at most (at most 64 KiB, the browsers' keepalive quota).
    pub batch_bytes: usize,
    /// The longest a finished span waits before it is sent while the page is visible, in
    /// milliseconds (a full batch or body goes at once, and a hidden page sends everything).
    pub flush_interval_ms: u32,
    /// Spans still open after this many milliseconds are ended and marked.
    pub span_timeout_ms: u32,
    /// Characters kept of each string attribute value; `None` keeps all.
    pub attribute_value_length_limit: Option<u32>,
    /// When false, nothing is recorded or sent; the API still works.
    pub enabled: bool,
    /// Say each kind of decision (sampled out, dropped, transport fallback...) once on the
    /// console, for a developer wiring playtrace in.
    pub debug: bool,
    /// Send cookies with the bodies (`credentials: "include"`): what `sendBeacon` always does,
    /// so the collector must answer CORS with credentials allowed. False (`"omit"`) never uses
    /// `sendBeacon` and sends with `fetch` and `fetchLater` without credentials, for collectors
    /// that cannot allow them (Zipkin). Default: true, false for the Zipkin format.
    pub credentials: bool,
    /// Gzip the bodies sent by `fetch` (`Content-Encoding: gzip`) where the browser has
    /// `CompressionStream`; beacons cannot say how they are encoded and stay plain. The collector's
    /// CORS must allow the `Content-Encoding` header; where it does not, bodies go plain. Default:
    /// true (`compression: "gzip"`), false for the Zipkin format (Zipkin's CORS does not allow
    /// the header).
    pub gzip: bool,
    /// Record uncaught errors and unhandled rejections (deduplicated, rate-limited).
    pub capture_errors: bool,
    /// A frame longer than this many milliseconds is a long frame (default two frames at 60 Hz).
    pub frame_budget_ms: f64,
    /// Feed frame times from a `requestAnimationFrame` loop, for games that do not call
    /// `tracer.frame()`.
    pub observe_frames: bool,
    /// Record Long Animation Frames (where the browser reports them) on the actions they overlap.
    pub long_animation_frames: bool,
    /// Give actions started from an input event the Event Timing breakdown and the latency to
    /// the frame that can show their result.
    pub input_timing: bool,
    /// Trace `fetch` calls (client spans, trace headers).
    pub instrument_fetch: bool,
    /// Trace `XMLHttpRequest`s.
    pub instrument_xhr: bool,
    /// Trace every `WebSocket` the page opens (the constructor is wrapped), with the default
    /// JSON hooks.
    pub instrument_websocket: bool,
    /// Other origins or URL prefixes that receive trace headers (the page's own origin always
    /// does). Regular expressions live in the browser layer.
    pub propagate_to: Vec<super::http::PropagationTarget>,
    /// URL prefixes whose requests are not traced.
    pub ignore_urls: Vec<String>,
    /// Query keys redacted in `url.full` besides the semantic conventions' defaults.
    pub redact_query_params: Vec<String>,
    /// Requests outside any action and without a parent: grouped under one `background` span
    /// per flush interval (the default), each its own trace, or not traced.
    pub background: super::background::BackgroundMode,
}

/// Chromium's keepalive quota: bodies larger than this can never be sent by `sendBeacon`.
pub const KEEPALIVE_QUOTA_BYTES: usize = 65_536;

impl TracerConfig {
    /// Defaults for a service: OTLP to `/v1/traces` on the page's origin, parent-based always-on
    /// sampling, a 2048-span queue, 512 spans or 60,000 bytes a request, a 30 s flush interval
    /// (while the page is visible: hiding it sends everything),
    /// a 30 s span timeout.
    pub fn new(service_name: &str) -> Self {
        Self {
            service_name: service_name.to_owned(),
            service_version: None,
            environment: None,
            resource_attributes: Vec::new(),
            endpoint: String::from("/v1/traces"),
            format: ExportFormat::Otlp,
            sampler: SamplerConfig::ParentBased(Box::new(SamplerConfig::Always)),
            queue_size: 2048,
            batch_size: 512,
            batch_bytes: DEFAULT_MAX_BODY_BYTES,
            flush_interval_ms: 30_000,
            span_timeout_ms: 30_000,
            attribute_value_length_limit: None,
            enabled: true,
            debug: false,
            credentials: true,
            gzip: true,
            capture_errors: true,
            frame_budget_ms: super::frames::DEFAULT_BUDGET_MS,
            observe_frames: false,
            long_animation_frames: true,
            input_timing: true,
            instrument_fetch: true,
            instrument_xhr: true,
            instrument_websocket: false,
            propagate_to: Vec::new(),
            ignore_urls: Vec::new(),
            redact_query_params: Vec::new(),
            background: super::background::BackgroundMode::Group,
        }
    }

    /// Checks every rule; the first broken one is returned.
    pub fn validate(&self) -> Result<Sampler, ConfigError> {
        if trim_ascii(&self.service_name).is_empty() {
            return Err(ConfigError::new("serviceName", "is required and must not be empty"));
        }
        validate_endpoint(&self.endpoint)?;
        let ranges: [(&str, usize, usize, usize); 3] = [
            ("queueSize", self.queue_size, 1, 1_000_000),
            // A queue smaller than a batch is a memory cap: it flushes by time and bytes and drops
            // (counted) beyond its size.
            ("batchSize", self.batch_size, 1, 1_000_000),
            ("batchBytes", self.batch_bytes, 1024, KEEPALIVE_QUOTA_BYTES),
        ];
        for (key, value, min, max) in ranges {
            if value < min || value > max {
                let mut p = String::from("must be from ");
                super::encode::json::write_u64(&mut p, min as u64);
                p.push_str(" to ");
                super::encode::json::write_u64(&mut p, max as u64);
                return Err(ConfigError::new(key, &p));
            }
        }
        if self.flush_interval_ms == 0 {
            return Err(ConfigError::new("flushIntervalMs", "must be at least 1"));
        }
        if self.span_timeout_ms == 0 {
            return Err(ConfigError::new("spanTimeoutMs", "must be at least 1"));
        }
        if !(self.frame_budget_ms > 0.0 && self.frame_budget_ms.is_finite()) {
            return Err(ConfigError::new("frameBudgetMs", "must be a number of milliseconds above 0"));
        }
        if self.attribute_value_length_limit == Some(0) {
            return Err(ConfigError::new("attributeValueLengthLimit", "must be at least 1"));
        }
        self.sampler.build("sampler")
    }
}

/// An absolute `http:` or `https:` URL, or a path (`/v1/traces`) resolved against the page.
fn validate_endpoint(endpoint: &str) -> Result<(), ConfigError> {
    let e = trim_ascii(endpoint);
    if e.is_empty() {
        return Err(ConfigError::new("endpoint", "must not be empty"));
    }
    match split_once_byte(e, b':') {
        // A colon before any slash means a scheme.
        Some((scheme, rest)) if find_byte(scheme, b'/').is_none() => {
            let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
            if web && rest.starts_with("//") && rest.len() > 2 {
                Ok(())
            } else {
                Err(ConfigError::new("endpoint", "must be an http(s) URL or a path on this origin"))
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad(mut edit: impl FnMut(&mut TracerConfig)) -> ConfigError {
        let mut c = TracerConfig::new("g");
        edit(&mut c);
        c.validate().unwrap_err()
    }

    #[test]
    fn defaults_are_valid() {
        let c = TracerConfig::new("g");
        assert!(matches!(c.validate(), Ok(Sampler::ParentBased(_))));
        assert_eq!((c.queue_size, c.batch_bytes, c.span_timeout_ms), (2048, 60_000, 30_000));
    }

    #[test]
    fn every_rule_names_its_key() {
        assert_eq!(bad(|c| c.service_name = " ".into()).key, "serviceName");
        assert_eq!(bad(|c| c.endpoint = "ftp://x/v1".into()).key, "endpoint");
        assert_eq!(bad(|c| c.endpoint = "javascript:alert(1)".into()).key, "endpoint");
        assert_eq!(bad(|c| c.endpoint = "https:/x".into()).key, "endpoint");
        assert_eq!(bad(|c| c.endpoint = "".into()).key, "endpoint");
        assert_eq!(bad(|c| c.queue_size = 0).key, "queueSize");
        assert_eq!(bad(|c| c.batch_size = 0).key, "batchSize");
        assert_eq!(bad(|c| c.batch_bytes = 70_000).key, "batchBytes");
        assert_eq!(bad(|c| c.batch_bytes = 100).message(), "playtrace config: batchBytes: must be from 1024 to 65536");
        assert_eq!(bad(|c| c.flush_interval_ms = 0).key, "flushIntervalMs");
        assert_eq!(bad(|c| c.frame_budget_ms = 0.0).key, "frameBudgetMs");
        assert_eq!(bad(|c| c.frame_budget_ms = f64::NAN).key, "frameBudgetMs");
        assert_eq!(bad(|c| c.span_timeout_ms = 0).key, "spanTimeoutMs");
        assert_eq!(bad(|c| c.attribute_value_length_limit = Some(0)).key, "attributeValueLengthLimit");
        assert_eq!(bad(|c| c.sampler = SamplerConfig::Ratio(1.5)).key, "sampler.rate");
        assert_eq!(bad(|c| c.sampler = SamplerConfig::Ratio(f64::NAN)).key, "sampler.rate");
        assert_eq!(bad(|c| c.sampler = SamplerConfig::RateLimited(-1.0)).key, "sampler.rate");
        let nested = bad(|c| c.sampler = SamplerConfig::ParentBased(Box::new(SamplerConfig::Ratio(-0.5))));
        assert_eq!(nested.key, "sampler.root.rate");
    }

    #[test]
    fn endpoints() {
        for ok in ["/v1/traces", "v1/traces", "http://localhost:4318/v1/traces", "HTTPS://c.example/v1/traces"] {
            assert!(validate_endpoint(ok).is_ok(), "{ok}");
        }
    }
}
