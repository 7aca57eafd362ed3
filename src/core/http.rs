//! HTTP client spans, sans-IO: which requests get trace headers, what a client span records
//! (OpenTelemetry's HTTP client semantic conventions), how `url.full` is redacted, and which
//! network phases Resource Timing adds as events.

use std::borrow::Cow;

use super::encode::json::write_u64;
use super::span::{AttributeValue, SpanData, Status};
use super::text::{after, before, find_any, find_byte, find_bytes, rfind_byte, split, split_byte, split_once_byte};

/// Query keys whose values semantic conventions redact by default (matched case-sensitively).
pub const SENSITIVE_QUERY_KEYS: [&str; 4] = ["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"];

/// `url.full` for an absolute URL: `user:password@` becomes `REDACTED:REDACTED@`, and the values
/// of sensitive query keys (the defaults plus `extra_keys`) become `REDACTED`, keys kept.
///
/// ```
/// use playtrace::core::http::redact_url;
/// assert_eq!(
///     redact_url("https://u:p@cdn.example/a?sig=abc&level=3&token=t#top", &["token".into()]),
///     "https://REDACTED:REDACTED@cdn.example/a?sig=REDACTED&level=3&token=REDACTED#top"
/// );
/// ```
pub fn redact_url(url: &str, extra_keys: &[String]) -> String {
    let mut out = String::with_capacity(url.len() + 16);
    let (scheme_end, rest) = match find_bytes(url, b"://") {
        Some(i) => (i + 3, after(url, i + 3)),
        None => (0, url),
    };
    out.push_str(before(url, scheme_end));
    let authority_end = find_any(rest, b"/?#");
    let (authority, tail) = split(rest, authority_end);
    match rfind_byte(authority, b'@') {
        Some(at) => {
            out.push_str(if find_byte(before(authority, at), b':').is_some() {
                "REDACTED:REDACTED@"
            } else {
                "REDACTED@"
            });
            out.push_str(after(authority, at + 1));
        }
        None => out.push_str(authority),
    }
    let (before_fragment, fragment) = match find_byte(tail, b'#') {
        Some(i) => split(tail, i),
        None => (tail, ""),
    };
    let (path, query) = match find_byte(before_fragment, b'?') {
        Some(i) => (before(before_fragment, i), Some(after(before_fragment, i + 1))),
        None => (before_fragment, None),
    };
    out.push_str(path);
    if let Some(query) = query {
        out.push('?');
        for (i, pair) in split_byte(query, b'&').enumerate() {
            if i > 0 {
                out.push('&');
            }
            let key = split_once_byte(pair, b'=').map_or(pair, |(k, _)| k);
            let sensitive = SENSITIVE_QUERY_KEYS.contains(&key) || extra_keys.iter().any(|k| k == key);
            if sensitive && pair.len() > key.len() {
                out.push_str(key);
                out.push_str("=REDACTED");
            } else {
                out.push_str(pair);
            }
        }
    }
    out.push_str(fragment);
    out
}

/// The parts of an absolute URL as the browser's URL parser normalises it (lowercase scheme
/// and host, default port omitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `https://api.example.com:8443`, as `URL.origin` gives it.
    pub origin: Cow<'a, str>,
    /// `api.example.com`, or `[::1]` for IPv6.
    pub host: &'a str,
    /// The explicit port, or the scheme's default.
    pub port: u16,
}

/// Splits a normalised absolute `href` (what `URL.href` returns) without asking the browser
/// five separate questions. `None` for anything that is not http(s).
///
/// ```
/// use playtrace::core::http::url_parts;
/// let p = url_parts("https://user:pw@api.example.com:8443/v1?q#f").unwrap();
/// assert_eq!((&*p.origin, p.host, p.port), ("https://api.example.com:8443", "api.example.com", 8443));
/// ```
pub fn url_parts(href: &str) -> Option<UrlParts<'_>> {
    let (scheme, default_port) = if href.starts_with("https://") {
        ("https://", 443)
    } else if href.starts_with("http://") {
        ("http://", 80)
    } else {
        return None;
    };
    let rest = after(href, scheme.len());
    let authority = before(rest, find_any(rest, b"/?#"));
    let (userinfo, host_port) = match rfind_byte(authority, b'@') {
        Some(at) => (true, after(authority, at + 1)),
        None => (false, authority),
    };
    let port_sep = match host_port.as_bytes().first() {
        Some(b'[') => find_bytes(host_port, b"]:").map(|i| i + 1),
        _ => rfind_byte(host_port, b':'),
    };
    let (host, port) = match port_sep {
        Some(i) => (before(host_port, i), after(host_port, i + 1).parse().ok()?),
        None => (host_port, default_port),
    };
    let origin = if userinfo {
        let mut o = String::with_capacity(scheme.len() + host_port.len());
        o.push_str(scheme);
        o.push_str(host_port);
        Cow::Owned(o)
    } else {
        Cow::Borrowed(before(href, scheme.len() + authority.len()))
    };
    Some(UrlParts { origin, host, port })
}

/// The methods semantic conventions know; anything else is recorded as `_OTHER`.
const KNOWN_METHODS: [&str; 9] = ["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"];

/// Whether the absolute URL `href` is on `page_origin` (`https://game.example`); a page
/// without an origin has none.
///
/// ```
/// use playtrace::core::http::same_origin;
/// assert!(same_origin("https://game.example", "https://game.example/v1/traces"));
/// assert!(!same_origin("https://game.example", "https://game.example.evil/v1/traces"));
/// assert!(!same_origin("", "https://game.example/"));
/// ```
pub fn same_origin(page_origin: &str, href: &str) -> bool {
    !page_origin.is_empty()
        && href.starts_with(page_origin)
        && matches!(href.as_bytes().get(page_origin.len()), None | Some(b'/' | b'?' | b'#'))
}

/// The method as the browser sends it: the Fetch standard upper-cases `delete`, `get`, `head`,
/// `options`, `post` and `put`, and leaves every other method as written.
pub fn fetch_normalized_method(method: &str) -> String {
    const NORMALIZED: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match NORMALIZED.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(m) => (*m).to_owned(),
        None => method.to_owned(),
    }
}

/// What a client span knows when the request starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method as sent (see [`fetch_normalized_method`]).
    pub method: String,
    /// `url.full`, already redacted.
    pub url_full: String,
    /// The host name or address.
    pub server_address: String,
    /// The port, explicit or the scheme's default.
    pub server_port: u16,
}

impl HttpRequest {
    /// The span name: the method, or `HTTP` for a method semantic conventions do not know.
    pub fn span_name(&self) -> &str {
        if KNOWN_METHODS.contains(&self.method.as_str()) {
            &self.method
        } else {
            "HTTP"
        }
    }

    /// `http.request.method` (and `http.request.method_original` for unknown methods),
    /// `url.full`, `server.address`, `server.port`.
    pub fn attributes(&self) -> Vec<(&'static str, AttributeValue)> {
        let known = KNOWN_METHODS.contains(&self.method.as_str());
        let mut attrs = vec![(
            "http.request.method",
            AttributeValue::String(if known { self.method.clone() } else { "_OTHER".to_owned() }),
        )];
        if !known {
            attrs.push(("http.request.method_original", self.method.as_str().into()));
        }
        attrs.push(("url.full", self.url_full.as_str().into()));
        attrs.push(("server.address", self.server_address.as_str().into()));
        attrs.push(("server.port", AttributeValue::Int(i64::from(self.server_port))));
        attrs
    }
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpOutcome {
    /// A response arrived with this status.
    Response(u16),
    /// No response: the error's type (`TypeError`) and message.
    Failed {
        /// `error.type`.
        error_type: String,
        /// The status description.
        message: String,
    },
    /// The caller aborted it: recorded, but not an error.
    Aborted,
}

/// How a request without a response ended, from what the browser said: its error's name and
/// message for `fetch`, or the event (`error`, `timeout`, `abort`) for XHR. The caller aborting
/// (`AbortError`, XHR's `abort`) is recorded, but is not an error.
///
/// ```
/// use playtrace::core::http::{failure, HttpOutcome};
/// assert_eq!(failure("AbortError".into(), "signal is aborted".into()), HttpOutcome::Aborted);
/// assert_eq!(failure("abort".into(), String::new()), HttpOutcome::Aborted);
/// assert_eq!(
///     failure("TypeError".into(), "Failed to fetch".into()),
///     HttpOutcome::Failed { error_type: "TypeError".into(), message: "Failed to fetch".into() }
/// );
/// ```
pub fn failure(error_type: String, message: String) -> HttpOutcome {
    match error_type.as_str() {
        "AbortError" | "abort" => HttpOutcome::Aborted,
        _ => HttpOutcome::Failed { error_type, message },
    }
}

/// Records the outcome on a client span: `http.response.status_code`; for 4xx, 5xx and failures
/// `error.type` and an error status; for an abort an `abort` event and no error.
pub fn record_outcome(span: &mut SpanData, outcome: &HttpOutcome, time_ns: u64) {
    match outcome {
        HttpOutcome::Response(code) => {
            span.set_attribute("http.response.status_code", AttributeValue::Int(i64::from(*code)));
            if *code >= 400 {
                let mut text = String::new();
                write_u64(&mut text, u64::from(*code));
                span.set_attribute("error.type", text.into());
                span.set_status(Status::Error(String::new()));
            }
        }
        HttpOutcome::Failed { error_type, message } => {
            span.set_attribute("error.type", error_type.as_str().into());
            span.set_status(Status::Error(message.clone()));
        }
        HttpOutcome::Aborted => span.add_event("abort", time_ns, Vec::new()),
    }
}

/// A `PerformanceResourceTiming` entry's marks, in milliseconds on the page's timeline
/// (0 where the browser withholds them, as for cross-origin responses without
/// `Timing-Allow-Origin`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ResourceTiming {
    /// `domainLookupStart`.
    pub domain_lookup_start: f64,
    /// `domainLookupEnd`.
    pub domain_lookup_end: f64,
    /// `connectStart`.
    pub connect_start: f64,
    /// `secureConnectionStart`.
    pub secure_connection_start: f64,
    /// `connectEnd`.
    pub connect_end: f64,
    /// `requestStart`.
    pub request_start: f64,
    /// `responseStart`.
    pub response_start: f64,
    /// `responseEnd`.
    pub response_end: f64,
}

/// A span event to add: name, time in epoch nanoseconds, attributes.
pub type EventSpec = (String, u64, Vec<(String, AttributeValue)>);

/// The network phases as span events, each at its start with `duration_ms` (to the
/// microsecond: the browser's clock is coarser, and the digits of float noise cost every body
/// bytes): `dns`, `connect`, `tls`, `request` (sent until the first byte), `download` (from the
/// first byte, so its time is the time to first byte). Phases the browser did not report
/// (zeros, or a reused connection's empty DNS and connect) are left out. `to_ns` maps page time
/// to epoch nanoseconds.
pub fn timing_events(t: &ResourceTiming, to_ns: impl Fn(f64) -> u64) -> Vec<EventSpec> {
    let mut events = Vec::new();
    let mut phase = |name: &str, start: f64, end: f64| {
        if start <= 0.0 || end <= start {
            return;
        }
        let ms = ((end - start) * 1e3 + 0.5).floor() / 1e3;
        events.push((name.to_owned(), to_ns(start), vec![("duration_ms".to_owned(), AttributeValue::Double(ms))]));
    };
    phase("dns", t.domain_lookup_start, t.domain_lookup_end);
    phase("connect", t.connect_start, t.connect_end);
    phase("tls", t.secure_connection_start, t.connect_end);
    phase("request", t.request_start, t.response_start);
    phase("download", t.response_start, t.response_end);
    events
}

/// Where trace headers may go besides the page's own origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropagationTarget {
    /// An origin, `https://api.example.com` (default ports omitted, as `URL.origin` gives).
    Origin(String),
    /// A URL prefix, `https://cdn.example.com/api/`.
    Prefix(String),
}

impl PropagationTarget {
    /// A config string: an origin when it has no path (or only `/`), a prefix otherwise.
    pub fn from_config(value: &str) -> Self {
        let after_scheme = find_bytes(value, b"://").map_or(value, |i| after(value, i + 3));
        match find_byte(after_scheme, b'/') {
            None => Self::Origin(value.to_owned()),
            // The one slash is the last byte.
            Some(i) if i + 1 == after_scheme.len() => Self::Origin(before(value, value.len() - 1).to_owned()),
            Some(_) => Self::Prefix(value.to_owned()),
        }
    }

    /// Whether a request to `href` (of origin `origin`) matches.
    pub fn matches(&self, href: &str, origin: &str) -> bool {
        match self {
            Self::Origin(o) => o.eq_ignore_ascii_case(origin),
            Self::Prefix(p) => href.starts_with(p.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::IdGenerator;
    use crate::core::span::{SpanKind, SpanLimits};
    use crate::core::span_context::{SpanContext, TraceFlags};

    #[test]
    fn redaction() {
        let r = |u: &str| redact_url(u, &[]);
        assert_eq!(r("https://example.com/a?q=1"), "https://example.com/a?q=1");
        assert_eq!(r("https://user@example.com/"), "https://REDACTED@example.com/");
        assert_eq!(r("https://u:p@example.com"), "https://REDACTED:REDACTED@example.com");
        assert_eq!(
            r("https://example.com/?Signature=x&AWSAccessKeyId=y&X-Goog-Signature=z"),
            "https://example.com/?Signature=REDACTED&AWSAccessKeyId=REDACTED&X-Goog-Signature=REDACTED"
        );
        // Case-sensitive, keys without values untouched, @ in the path is not userinfo.
        assert_eq!(
            r("https://example.com/@me?SIG=1&sig&sig=&x=@"),
            "https://example.com/@me?SIG=1&sig&sig=REDACTED&x=@"
        );
        assert_eq!(r("https://example.com/p#sig=1"), "https://example.com/p#sig=1");
        assert_eq!(redact_url("https://e.com/?session=abc", &["session".into()]), "https://e.com/?session=REDACTED");
    }

    #[test]
    fn methods_and_names() {
        assert_eq!(fetch_normalized_method("post"), "POST");
        assert_eq!(fetch_normalized_method("patch"), "patch");
        let req = |m: &str| HttpRequest {
            method: m.into(),
            url_full: "u".into(),
            server_address: "h".into(),
            server_port: 443,
        };
        assert_eq!(req("GET").span_name(), "GET");
        assert_eq!(req("PATCH").span_name(), "PATCH");
        assert_eq!(req("patch").span_name(), "HTTP");
        let attrs = req("BREW").attributes();
        assert_eq!(attrs[0].1, AttributeValue::String("_OTHER".into()));
        assert_eq!(attrs[1], ("http.request.method_original", "BREW".into()));
        assert_eq!(req("GET").attributes()[3], ("server.port", AttributeValue::Int(443)));
    }

    fn span() -> SpanData {
        let mut ids = IdGenerator::from_seed(1);
        let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        SpanData::new(cx, None, "GET", SpanKind::Client, 0, SpanLimits::default())
    }

    #[test]
    fn outcomes() {
        let mut ok = span();
        record_outcome(&mut ok, &HttpOutcome::Response(200), 1);
        assert_eq!(ok.attributes.get("http.response.status_code"), Some(&AttributeValue::Int(200)));
        assert_eq!((ok.status.clone(), ok.attributes.get("error.type")), (Status::Unset, None));
        let mut nf = span();
        record_outcome(&mut nf, &HttpOutcome::Response(404), 1);
        assert_eq!(nf.attributes.get("error.type"), Some(&AttributeValue::String("404".into())));
        assert!(matches!(nf.status, Status::Error(_)));
        let mut failed = span();
        record_outcome(
            &mut failed,
            &HttpOutcome::Failed { error_type: "TypeError".into(), message: "Failed to fetch".into() },
            1,
        );
        assert_eq!(failed.status, Status::Error("Failed to fetch".into()));
        let mut aborted = span();
        record_outcome(&mut aborted, &HttpOutcome::Aborted, 7);
        assert_eq!(
            (aborted.status.clone(), aborted.events[0].name.as_str(), aborted.events[0].time_ns),
            (Status::Unset, "abort", 7)
        );
    }

    #[test]
    fn resource_timing_phases() {
        let t = ResourceTiming {
            domain_lookup_start: 10.0,
            domain_lookup_end: 12.0,
            connect_start: 12.0,
            secure_connection_start: 14.0,
            connect_end: 20.0,
            request_start: 21.0,
            response_start: 41.0,
            response_end: 45.0,
        };
        let events = timing_events(&t, |ms| (ms * 1e6) as u64);
        let names: Vec<&str> = events.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["dns", "connect", "tls", "request", "download"]);
        assert_eq!(events[3].1, 21_000_000);
        assert_eq!(events[3].2[0].1, AttributeValue::Double(20.0));
        // Float noise of the browser's times is not sent.
        let noisy = ResourceTiming { request_start: 6.0, response_start: 8.300000004470348, ..Default::default() };
        assert_eq!(timing_events(&noisy, |ms| ms as u64)[0].2[0].1, AttributeValue::Double(2.3));
        // A reused connection and a cross-origin entry without Timing-Allow-Origin.
        let reused = ResourceTiming {
            domain_lookup_start: 5.0,
            domain_lookup_end: 5.0,
            connect_start: 5.0,
            connect_end: 5.0,
            request_start: 6.0,
            response_start: 9.0,
            response_end: 9.5,
            ..Default::default()
        };
        let names: Vec<String> = timing_events(&reused, |ms| ms as u64).into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["request", "download"]);
        assert!(timing_events(&ResourceTiming::default(), |ms| ms as u64).is_empty());
    }

    #[test]
    fn url_parts_match_what_the_browser_reports() {
        let p = |h| url_parts(h).map(|p| (p.origin.into_owned(), p.host, p.port));
        assert_eq!(p("http://127.0.0.1:8080/x"), Some(("http://127.0.0.1:8080".into(), "127.0.0.1", 8080)));
        assert_eq!(p("https://example.com/"), Some(("https://example.com".into(), "example.com", 443)));
        assert_eq!(p("http://example.com?q=1"), Some(("http://example.com".into(), "example.com", 80)));
        assert_eq!(p("http://[::1]:9/a"), Some(("http://[::1]:9".into(), "[::1]", 9)));
        assert_eq!(p("https://[::1]/a"), Some(("https://[::1]".into(), "[::1]", 443)));
        assert_eq!(p("https://u:p@h.example:1/a@b"), Some(("https://h.example:1".into(), "h.example", 1)));
        assert_eq!(p("ftp://x/"), None);
        assert_eq!(p("http://h:99999/"), None);
    }

    #[test]
    fn propagation_targets() {
        let o = PropagationTarget::from_config("https://api.example.com");
        assert_eq!(o, PropagationTarget::Origin("https://api.example.com".into()));
        assert_eq!(PropagationTarget::from_config("https://api.example.com/"), o);
        assert!(o.matches("https://api.example.com/x", "https://api.example.com"));
        assert!(!o.matches("https://api.example.com.evil.io/x", "https://api.example.com.evil.io"));
        let p = PropagationTarget::from_config("https://cdn.example.com/api/");
        assert!(p.matches("https://cdn.example.com/api/v1", "https://cdn.example.com"));
        assert!(!p.matches("https://cdn.example.com/apix", "https://cdn.example.com"));
    }
}
