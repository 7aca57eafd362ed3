//! `init({ debug: true })`: the decisions a developer would otherwise have to guess, said once
//! per kind. The browser layer reports each decision where it is made; this decides whether to
//! say it. What is said is the decision's text, which lives in `src/web/debug.js` (indexed by
//! [`Decision::code`]; a page loads it only with `debug` on), and the detail of this occurrence.
//! Nothing here is an error: messages go to the console's info level, never into the game's
//! error paths.

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
    /// Every decision, in the order of their codes.
    pub const ALL: [Decision; 10] = [
        Self::SampledOut,
        Self::DroppedQueueFull,
        Self::DroppedTooLarge,
        Self::Trimmed,
        Self::TransportFallback,
        Self::SendFailed,
        Self::Persisted,
        Self::NotPropagated,
        Self::GzipRefused,
        Self::PreflightRepeats,
    ];

    /// The decision's code: the index of its text in `debug.js`.
    pub fn code(self) -> u32 {
        self as u32
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// What `debug` has said so far.
///
/// ```
/// use playtrace::core::diagnostics::{Decision, Diagnostics};
/// let mut d = Diagnostics::new(true);
/// assert!(d.wants(Decision::SampledOut));
/// assert!(d.report(Decision::SampledOut), "said the first time");
/// assert!(!d.report(Decision::SampledOut), "once per kind");
/// assert!(!Diagnostics::new(false).report(Decision::SampledOut));
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

    /// Whether to say `decision` now: the first time this kind is made, when debugging is on.
    /// It counts as said from here.
    pub fn report(&mut self, decision: Decision) -> bool {
        let say = self.wants(decision);
        self.said |= decision.bit();
        say
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
        let mut d = Diagnostics::new(true);
        for (i, k) in Decision::ALL.into_iter().enumerate() {
            assert_eq!(k.code() as usize, i, "{k:?}");
            assert!(d.wants(k) && d.report(k), "{k:?}");
            assert!(!d.wants(k) && !d.report(k));
        }
    }
}
