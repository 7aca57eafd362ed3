//! Samplers decide, when a span starts, whether it is recorded and exported.
//!
//! They are an enum rather than trait objects: the set is closed, dispatch is a jump table,
//! and the wasm build carries no vtables.

use super::ids::TraceId;
use super::span::SpanKind;
use super::span_context::SpanContext;

/// The outcome of a sampling decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SamplingDecision {
    /// Not recorded, not exported; the span is as cheap as it can be.
    Drop,
    /// Recorded and exported, and the sampled flag is propagated.
    RecordAndSample,
}

impl SamplingDecision {
    fn from_bool(sampled: bool) -> Self {
        if sampled {
            Self::RecordAndSample
        } else {
            Self::Drop
        }
    }

    /// Whether the span is sampled.
    #[inline]
    pub fn is_sampled(self) -> bool {
        self == Self::RecordAndSample
    }
}

/// What a sampler may look at.
#[derive(Clone, Copy, Debug)]
pub struct SamplingParams<'a> {
    /// The parent, local or remote, if any.
    pub parent: Option<&'a SpanContext>,
    /// The trace the new span belongs to (the parent's, or a new one for a root).
    pub trace_id: TraceId,
    /// The span name.
    pub name: &'a str,
    /// The span kind.
    pub kind: SpanKind,
    /// Now, in nanoseconds since the Unix epoch (the rate limiter's clock).
    pub now_ns: u64,
}

/// Samples a fixed fraction of traces, decided from the trace ID alone, so every service that
/// sees the same trace ID with the same ratio makes the same decision.
///
/// It uses the rule of OpenTelemetry's probability sampling: the low 56 bits of the trace ID are
/// compared with a rejection threshold.
///
/// ```
/// use playtrace::core::sampler::TraceIdRatio;
/// assert!(TraceIdRatio::new(0.25).is_some());
/// assert!(TraceIdRatio::new(1.5).is_none());
/// assert!(TraceIdRatio::new(f64::NAN).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceIdRatio {
    ratio: f64,
    threshold: u64,
}

const RANDOM_SPACE: u64 = 1 << 56;

impl TraceIdRatio {
    /// `ratio` in `0.0..=1.0`; anything else (including NaN) is `None`.
    pub fn new(ratio: f64) -> Option<Self> {
        if !(0.0..=1.0).contains(&ratio) {
            return None;
        }
        let threshold = ((1.0 - ratio) * RANDOM_SPACE as f64).round() as u64;
        Some(Self { ratio, threshold: threshold.min(RANDOM_SPACE) })
    }

    /// The configured ratio.
    pub fn ratio(&self) -> f64 {
        self.ratio
    }

    /// Whether a trace with this ID is sampled.
    pub fn samples(&self, trace_id: TraceId) -> bool {
        trace_id.random_bits_56() >= self.threshold
    }
}

/// Samples at most `rate` new traces a second: a token bucket holding up to `max(rate, 1)`
/// credits, refilled continuously (the rate-limiting sampler of Jaeger and of the seeds).
///
/// ```
/// use playtrace::core::sampler::RateLimiter;
/// let mut r = RateLimiter::new(2.0).unwrap();
/// let t = 1_000_000_000;
/// assert!(r.try_acquire(t) && r.try_acquire(t));
/// assert!(!r.try_acquire(t)); // a third trace in the same instant is not sampled
/// assert!(r.try_acquire(t + 500_000_000)); // half a second later one credit is back
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RateLimiter {
    per_second: f64,
    max_balance: f64,
    balance: f64,
    last_ns: Option<u64>,
}

impl RateLimiter {
    /// `per_second` must be finite and non-negative.
    pub fn new(per_second: f64) -> Option<Self> {
        if !per_second.is_finite() || per_second < 0.0 {
            return None;
        }
        let max_balance = per_second.max(1.0);
        Some(Self { per_second, max_balance, balance: if per_second > 0.0 { max_balance } else { 0.0 }, last_ns: None })
    }

    /// Takes a credit if one is available at `now_ns`.
    pub fn try_acquire(&mut self, now_ns: u64) -> bool {
        if let Some(last) = self.last_ns {
            let elapsed_s = now_ns.saturating_sub(last) as f64 / 1e9;
            self.balance = (self.balance + elapsed_s * self.per_second).min(self.max_balance);
        }
        // A clock that steps back does not move the refill point back with it.
        self.last_ns = Some(self.last_ns.map_or(now_ns, |l| l.max(now_ns)));
        if self.balance >= 1.0 {
            self.balance -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Keeps or drops a whole play session, as browser SDKs do: the decision is made once, from
/// the session's ID (a hash of it against the rate), so a session's traces are all kept or all
/// dropped, also across reloads of the tab. In a kept session, spans follow their parent's
/// decision; in a dropped one nothing is recorded, though trace context still propagates with
/// the sampled flag off.
///
/// ```
/// use playtrace::core::sampler::SessionSampler;
/// let mut s = SessionSampler::new(0.5).unwrap();
/// s.bind("4bf92f3577b34da6");
/// let kept = s.keeps();
/// s.bind("4bf92f3577b34da6");
/// assert_eq!(s.keeps(), kept, "the same session, the same decision");
/// assert!(SessionSampler::new(1.5).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionSampler {
    threshold: u64,
    keep: bool,
}

impl SessionSampler {
    /// `rate` in `0.0..=1.0`, the share of sessions kept; anything else is `None`. Until
    /// [`bind`](Self::bind) is called, a session is kept unless the rate is 0.
    pub fn new(rate: f64) -> Option<Self> {
        if !(0.0..=1.0).contains(&rate) {
            return None;
        }
        Some(Self { threshold: (rate * RANDOM_SPACE as f64) as u64, keep: rate > 0.0 })
    }

    /// Decides for the session with this ID.
    pub fn bind(&mut self, session_id: &str) {
        // FNV-1a, then a 64-bit finaliser (MurmurHash3's fmix64): FNV alone barely moves the
        // high bits for IDs that differ only at the end ("session-1", "session-2"), and the low
        // 56 bits are compared with the threshold, as the ratio sampler compares.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in session_id.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        self.keep = (h & (RANDOM_SPACE - 1)) < self.threshold;
    }

    /// Whether this session is kept.
    pub fn keeps(&self) -> bool {
        self.keep
    }
}

/// Follows the parent's decision; a root span goes to `root`. Each of the four parent cases
/// can be given its own sampler, as in OpenTelemetry.
#[derive(Clone, Debug, PartialEq)]
pub struct ParentBased {
    /// For spans without a parent.
    pub root: Sampler,
    /// Remote parent, sampled (default: always on).
    pub remote_sampled: Sampler,
    /// Remote parent, not sampled (default: always off).
    pub remote_not_sampled: Sampler,
    /// Local parent, sampled (default: always on).
    pub local_sampled: Sampler,
    /// Local parent, not sampled (default: always off).
    pub local_not_sampled: Sampler,
}

impl ParentBased {
    /// Parent-based with the default delegates and `root` for root spans.
    pub fn new(root: Sampler) -> Self {
        Self {
            root,
            remote_sampled: Sampler::AlwaysOn,
            remote_not_sampled: Sampler::AlwaysOff,
            local_sampled: Sampler::AlwaysOn,
            local_not_sampled: Sampler::AlwaysOff,
        }
    }
}

/// A sampling strategy.
///
/// ```
/// use playtrace::core::ids::IdGenerator;
/// use playtrace::core::sampler::{Sampler, SamplingParams};
/// use playtrace::core::span::SpanKind;
/// let mut s = Sampler::parent_based(Sampler::ratio(0.1).unwrap());
/// let mut ids = IdGenerator::from_seed(5);
/// let p = SamplingParams { parent: None, trace_id: ids.trace_id(), name: "click", kind: SpanKind::Internal, now_ns: 0 };
/// let _decision = s.should_sample(&p);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Sampler {
    /// Sample everything.
    AlwaysOn,
    /// Sample nothing.
    AlwaysOff,
    /// Sample a fixed fraction of traces, by trace ID.
    TraceIdRatio(TraceIdRatio),
    /// At most N decisions a second come out sampled.
    RateLimiting(RateLimiter),
    /// Follow the parent.
    ParentBased(Box<ParentBased>),
    /// Keep or drop whole sessions.
    Session(SessionSampler),
}

impl Sampler {
    /// A trace-ID ratio sampler; `None` outside `0.0..=1.0`.
    pub fn ratio(ratio: f64) -> Option<Self> {
        TraceIdRatio::new(ratio).map(Self::TraceIdRatio)
    }

    /// A rate-limiting sampler; `None` for a negative or non-finite rate.
    pub fn rate_limited(per_second: f64) -> Option<Self> {
        RateLimiter::new(per_second).map(Self::RateLimiting)
    }

    /// Parent-based with the default delegates.
    pub fn parent_based(root: Sampler) -> Self {
        Self::ParentBased(Box::new(ParentBased::new(root)))
    }

    /// A session sampler keeping `rate` of sessions; `None` outside `0.0..=1.0`.
    pub fn session(rate: f64) -> Option<Self> {
        SessionSampler::new(rate).map(Self::Session)
    }

    /// Tells session samplers, wherever they are in this sampler, which session this is.
    pub fn bind_session(&mut self, session_id: &str) {
        match self {
            Self::Session(s) => s.bind(session_id),
            Self::ParentBased(pb) => {
                for delegate in [
                    &mut pb.root,
                    &mut pb.remote_sampled,
                    &mut pb.remote_not_sampled,
                    &mut pb.local_sampled,
                    &mut pb.local_not_sampled,
                ] {
                    delegate.bind_session(session_id);
                }
            }
            _ => {}
        }
    }

    /// Decides for a new span.
    #[inline]
    pub fn should_sample(&mut self, params: &SamplingParams<'_>) -> SamplingDecision {
        match self {
            Self::Session(s) => {
                SamplingDecision::from_bool(s.keeps() && params.parent.is_none_or(|p| p.flags.is_sampled()))
            }
            Self::AlwaysOn => SamplingDecision::RecordAndSample,
            Self::AlwaysOff => SamplingDecision::Drop,
            Self::TraceIdRatio(r) => SamplingDecision::from_bool(r.samples(params.trace_id)),
            Self::RateLimiting(r) => SamplingDecision::from_bool(r.try_acquire(params.now_ns)),
            Self::ParentBased(pb) => {
                let delegate = match params.parent {
                    None => &mut pb.root,
                    Some(p) => match (p.is_remote, p.flags.is_sampled()) {
                        (true, true) => &mut pb.remote_sampled,
                        (true, false) => &mut pb.remote_not_sampled,
                        (false, true) => &mut pb.local_sampled,
                        (false, false) => &mut pb.local_not_sampled,
                    },
                };
                delegate.should_sample(params)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::IdGenerator;
    use crate::core::span_context::TraceFlags;

    fn params(trace_id: TraceId, parent: Option<&SpanContext>, now_ns: u64) -> SamplingParams<'_> {
        SamplingParams { parent, trace_id, name: "x", kind: SpanKind::Internal, now_ns }
    }

    #[test]
    fn a_session_is_kept_or_dropped_whole_and_about_rate_of_them_are_kept() {
        let mut ids = IdGenerator::from_seed(11);
        let mut kept = 0;
        for i in 0..2000 {
            let mut s = Sampler::session(0.25).unwrap();
            let session = ids.span_id().to_string();
            s.bind_session(&session);
            let first = s.should_sample(&params(ids.trace_id(), None, 0)).is_sampled();
            for _ in 0..20 {
                assert_eq!(s.should_sample(&params(ids.trace_id(), None, 0)).is_sampled(), first, "session {i}");
            }
            kept += usize::from(first);
        }
        assert!((400..600).contains(&kept), "{kept} of 2000 sessions kept at 0.25");
        // IDs that differ only in their last characters spread as well.
        let similar = (0..1000)
            .filter(|i| {
                let mut s = SessionSampler::new(0.5).unwrap();
                s.bind(&format!("session-{i}"));
                s.keeps()
            })
            .count();
        assert!((430..570).contains(&similar), "{similar} of 1000 similar IDs kept at 0.5");
        let mut all = Sampler::session(1.0).unwrap();
        let mut none = Sampler::session(0.0).unwrap();
        all.bind_session("x");
        none.bind_session("x");
        assert!(all.should_sample(&params(ids.trace_id(), None, 0)).is_sampled());
        assert!(!none.should_sample(&params(ids.trace_id(), None, 0)).is_sampled());
    }

    #[test]
    fn in_a_kept_session_children_follow_their_parent() {
        let mut ids = IdGenerator::from_seed(12);
        let mut s = Sampler::session(1.0).unwrap();
        s.bind_session("kept");
        let unsampled = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::NONE, true);
        let sampled = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, true);
        assert!(!s.should_sample(&params(unsampled.trace_id, Some(&unsampled), 0)).is_sampled());
        assert!(s.should_sample(&params(sampled.trace_id, Some(&sampled), 0)).is_sampled());
        // Nested in parent-based, the session is bound too.
        let mut pb = Sampler::parent_based(Sampler::session(0.0).unwrap());
        pb.bind_session("any");
        assert!(!pb.should_sample(&params(ids.trace_id(), None, 0)).is_sampled());
    }

    #[test]
    fn always_on_and_off() {
        let t = IdGenerator::from_seed(1).trace_id();
        assert!(Sampler::AlwaysOn.should_sample(&params(t, None, 0)).is_sampled());
        assert!(!Sampler::AlwaysOff.should_sample(&params(t, None, 0)).is_sampled());
    }

    #[test]
    fn ratio_is_deterministic_and_close_to_the_ratio() {
        let mut ids = IdGenerator::from_seed(77);
        let mut a = Sampler::ratio(0.25).unwrap();
        let mut b = Sampler::ratio(0.25).unwrap();
        let n = 100_000;
        let mut sampled = 0;
        for _ in 0..n {
            let t = ids.trace_id();
            let da = a.should_sample(&params(t, None, 0));
            assert_eq!(da, b.should_sample(&params(t, None, 0)), "two services disagree");
            sampled += usize::from(da.is_sampled());
        }
        let frac = sampled as f64 / n as f64;
        assert!((0.24..0.26).contains(&frac), "{frac}");
    }

    #[test]
    fn ratio_edges_and_monotonicity() {
        let mut ids = IdGenerator::from_seed(8);
        let zero = TraceIdRatio::new(0.0).unwrap();
        let one = TraceIdRatio::new(1.0).unwrap();
        let low = TraceIdRatio::new(0.1).unwrap();
        let high = TraceIdRatio::new(0.5).unwrap();
        for _ in 0..10_000 {
            let t = ids.trace_id();
            assert!(!zero.samples(t) && one.samples(t));
            // A trace kept at 10% is also kept at 50%: consistent across differently tuned services.
            if low.samples(t) {
                assert!(high.samples(t));
            }
        }
        for bad in [-0.1, 1.0001, f64::NAN, f64::INFINITY] {
            assert!(TraceIdRatio::new(bad).is_none());
        }
        let t = TraceId::from_hex("000000000000000000ffffffffffffff").unwrap();
        assert!(TraceIdRatio::new(0.0001).unwrap().samples(t));
    }

    #[test]
    fn rate_limiter_caps_traces_per_second() {
        let mut s = Sampler::rate_limited(10.0).unwrap();
        let t = IdGenerator::from_seed(2).trace_id();
        let second = 1_000_000_000u64;
        // 1000 requests spread over 5 seconds: about 10 a second plus the initial burst.
        let mut sampled = 0;
        for i in 0..1000u64 {
            sampled += usize::from(s.should_sample(&params(t, None, 50 * second + i * 5 * second / 1000)).is_sampled());
        }
        assert!((55..=61).contains(&sampled), "{sampled}");
        let mut zero = Sampler::rate_limited(0.0).unwrap();
        assert!(!zero.should_sample(&params(t, None, 0)).is_sampled());
        assert!(Sampler::rate_limited(-1.0).is_none());
        let mut fractional = RateLimiter::new(0.5).unwrap();
        assert!(fractional.try_acquire(0));
        assert!(!fractional.try_acquire(second));
        assert!(fractional.try_acquire(2 * second));
        // A clock step backwards neither panics nor mints credits.
        assert!(!fractional.try_acquire(second));
    }

    #[test]
    fn parent_based_follows_parent_and_uses_root_for_roots() {
        let mut ids = IdGenerator::from_seed(4);
        let t = ids.trace_id();
        let mk = |sampled: bool, remote: bool, ids: &mut IdGenerator| {
            SpanContext::new(t, ids.span_id(), TraceFlags::NONE.with_sampled(sampled), remote)
        };
        let mut s = Sampler::parent_based(Sampler::AlwaysOff);
        assert!(!s.should_sample(&params(t, None, 0)).is_sampled());
        for remote in [false, true] {
            let yes = mk(true, remote, &mut ids);
            let no = mk(false, remote, &mut ids);
            assert!(s.should_sample(&params(t, Some(&yes), 0)).is_sampled());
            assert!(!s.should_sample(&params(t, Some(&no), 0)).is_sampled());
        }
        let mut pb = ParentBased::new(Sampler::AlwaysOn);
        pb.remote_not_sampled = Sampler::AlwaysOn;
        let mut s = Sampler::ParentBased(Box::new(pb));
        assert!(s.should_sample(&params(t, Some(&mk(false, true, &mut ids)), 0)).is_sampled());
        assert!(!s.should_sample(&params(t, Some(&mk(false, false, &mut ids)), 0)).is_sampled());
        assert!(s.should_sample(&params(t, None, 0)).is_sampled());
    }
}
