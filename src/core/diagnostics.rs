//! `init({ debug: true })`: the decisions a developer would otherwise have to guess, said once
//! per kind. The browser layer reports each decision where it is made; this decides whether to
//! say it and what. Nothing here is an error: messages go to the console's info level, never
//! into the game's error paths.

/// A decision worth telling a developer about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The sampler did not sample a span (or tracing is disabled).
    SampledOut,
    /// A span ended while the queue was full.
    DroppedQueueFull,
    /// A span could not fit one body even trimmed.
    DroppedTooLarge,
    /// A span was trimmed to fit one body.
    Trimmed,
    /// A body did not go by `sendBeacon` and took a fallback transport.
    TransportFallback,
    /// The collector refused a body, or retries ran out.
    SendFailed,
    /// Bodies were kept in storage for the next page.
    Persisted,
    /// A request got no trace headers: its origin is not the page's nor in `propagateTo`.
    NotPropagated,
    /// The endpoint's CORS refused a gzipped body: bodies go plain from now on.
    GzipRefused,
    /// The endpoint answers CORS preflights without `Access-Control-Max-Age`: the browser sends
    /// one before nearly every request.
    PreflightRepeats,
}

impl Decision {
    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    fn text(self) -> &'static str {
        match self {
            Self::SampledOut => {
                "a span was sampled out (or tracing is disabled): it is not recorded, and its context \
                 still propagates with the sampled flag off"
            }
            Self::DroppedQueueFull => {
                "a span was dropped: the queue already holds queueSize spans (stats().droppedQueueFull); \
                 raise queueSize or send more often"
            }
            Self::DroppedTooLarge => {
                "a span was dropped: even trimmed it does not fit one body of batchBytes (stats().droppedTooLarge)"
            }
            Self::Trimmed => {
                "a span was trimmed to fit one body of batchBytes, largest attributes first (stats().trimmed)"
            }
            Self::TransportFallback => "a body did not go by sendBeacon",
            Self::SendFailed => "spans were dropped after sending failed (stats().droppedSendFailed)",
            Self::Persisted => "the page went away before spans could be sent: kept in localStorage for the next visit",
            Self::NotPropagated => {
                "no trace headers on a request: only the page's own origin and propagateTo get them \
                 (another origin would need them allowed by CORS)"
            }
            Self::GzipRefused => {
                "the endpoint's CORS refused a gzipped body: bodies go plain from now on. If plain ones pass, \
                 allow the Content-Encoding header (the Collector's cors: allowed_headers)"
            }
            Self::PreflightRepeats => {
                "each request to the endpoint needs a CORS preflight of its own: the preflight's answer has \
                 no Access-Control-Max-Age (the Collector's cors: max_age: 7200)"
            }
        }
    }
}

/// What `debug` has said so far.
///
/// ```
/// use playtrace::core::diagnostics::{Decision, Diagnostics};
/// let mut d = Diagnostics::new(true);
/// let first = d.report(Decision::SampledOut, "span \"jump\"").unwrap();
/// assert!(first.starts_with("[playtrace] a span was sampled out") && first.ends_with("(span \"jump\")"));
/// assert_eq!(d.report(Decision::SampledOut, "span \"land\""), None, "once per kind");
/// assert_eq!(Diagnostics::new(false).report(Decision::SampledOut, ""), None);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Diagnostics {
    enabled: bool,
    said: u16,
}

impl Diagnostics {
    /// Says nothing unless `enabled`.
    pub fn new(enabled: bool) -> Self {
        Self { enabled, said: 0 }
    }

    /// The message for `decision` with `detail` (the span, the URL, the transport), the first
    /// time this kind of decision is made; `None` afterwards, or when debugging is off.
    pub fn report(&mut self, decision: Decision, detail: &str) -> Option<String> {
        if !self.enabled || self.said & decision.bit() != 0 {
            return None;
        }
        self.said |= decision.bit();
        let mut m = String::from("[playtrace] ");
        m.push_str(decision.text());
        if !detail.is_empty() {
            m.push_str(" (");
            m.push_str(detail);
            m.push(')');
        }
        Some(m)
    }

    /// Whether anything would be said for `decision` (to skip building its detail).
    #[inline]
    pub fn wants(&self, decision: Decision) -> bool {
        self.enabled && self.said & decision.bit() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_said_once_and_independently() {
        let all = [
            Decision::SampledOut,
            Decision::DroppedQueueFull,
            Decision::DroppedTooLarge,
            Decision::Trimmed,
            Decision::TransportFallback,
            Decision::SendFailed,
            Decision::Persisted,
            Decision::NotPropagated,
            Decision::GzipRefused,
            Decision::PreflightRepeats,
        ];
        let mut d = Diagnostics::new(true);
        for k in all {
            assert!(d.wants(k));
            assert!(d.report(k, "").is_some_and(|m| !m.ends_with(" ()")), "{k:?}");
            assert!(!d.wants(k) && d.report(k, "x").is_none());
        }
    }
}
