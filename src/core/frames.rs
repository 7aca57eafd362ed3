//! Frame times, as a player sees smoothness. The game (or an opt-in `requestAnimationFrame`
//! loop) records each frame's timestamp; a frame lasts from one timestamp to the next. This
//! module turns those timestamps into what a span carries: per action, the frames it spanned
//! (count, p50, p95, max, and the frames over the budget); outside actions, one summary of the
//! page's jank per flush instead of one span per frame. Times are page milliseconds (the
//! `performance.now()` timeline, as `requestAnimationFrame` gives them).

use super::span::AttributeValue;
use super::span_context::SpanContext;

/// A gap between two timestamps longer than this is a pause (a hidden tab stops animation
/// frames), not a frame.
pub const PAUSE_MS: f64 = 5_000.0;
/// Frames over the budget kept per action as events; the rest are only counted.
pub const MAX_LONG_FRAMES: usize = 32;
/// Actions remembered after they end, for a Long Animation Frame reported late.
const REMEMBERED_ACTIONS: usize = 32;
/// How long an ended action is remembered: Long Animation Frame entries arrive after the frame.
const REMEMBER_MS: f64 = 10_000.0;

/// The default budget: two frames at 60 Hz.
pub const DEFAULT_BUDGET_MS: f64 = 2.0 * 1000.0 / 60.0;

/// One frame: when it started and how long it lasted, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// Its start, in page milliseconds.
    pub start_ms: f64,
    /// Its duration in milliseconds.
    pub duration_ms: f64,
}

/// The frames of an interval.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FrameStats {
    /// Frames that ended in the interval.
    pub count: u32,
    /// Median frame time (nearest rank).
    pub p50_ms: f64,
    /// 95th percentile frame time (nearest rank).
    pub p95_ms: f64,
    /// Longest frame time.
    pub max_ms: f64,
    /// Frames over the budget.
    pub long_count: u32,
    /// The first [`MAX_LONG_FRAMES`] of them, oldest first.
    pub long: Vec<Frame>,
}

/// Milliseconds to microsecond precision: timestamp differences carry float noise
/// (`16.700000000000003`).
fn ms(v: f64) -> AttributeValue {
    AttributeValue::Double((v * 1000.0).round() / 1000.0)
}

fn count(n: u32) -> AttributeValue {
    AttributeValue::Int(i64::from(n))
}

/// Sorts finite numbers ascending. By hand: the standard library's sort costs the wasm some
/// 5 KB, and percentiles of a few thousand frame times need nothing faster.
fn heap_sort(v: &mut [f64]) {
    fn sift_down(v: &mut [f64], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for start in (0..v.len() / 2).rev() {
        sift_down(v, start, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Statistics of the frames that ended in `(from_ms, to_ms]`, from timestamps newest first;
/// `None` if no frame did.
///
/// ```
/// use playtrace::core::frames::frame_stats;
/// // 60 Hz, with one 50 ms frame (100 -> 150).
/// let stamps = [0.0, 16.7, 33.4, 50.1, 66.8, 83.5, 100.0, 150.0, 166.7];
/// let stats = frame_stats(stamps.iter().rev().copied(), 10.0, 160.0, 1000.0 / 30.0).unwrap();
/// assert_eq!(stats.count, 7);
/// assert_eq!(stats.max_ms, 50.0);
/// assert_eq!(stats.long_count, 1);
/// assert_eq!(stats.long[0].start_ms, 100.0);
/// ```
pub fn frame_stats(
    newest_first: impl Iterator<Item = f64>,
    from_ms: f64,
    to_ms: f64,
    budget_ms: f64,
) -> Option<FrameStats> {
    let mut times = Vec::new();
    let mut long = Vec::new();
    let mut long_count = 0u32;
    // Each pair of neighbouring timestamps is one frame, the later its end; timestamps that go
    // backwards, are not finite or leave a pause are skipped.
    let mut later: Option<f64> = None;
    for t in newest_first {
        let Some(end) = later.replace(t) else { continue };
        let duration_ms = end - t;
        if !(t.is_finite() && duration_ms > 0.0 && duration_ms <= PAUSE_MS) {
            continue;
        }
        let frame = Frame { start_ms: t, duration_ms };
        if end <= from_ms {
            break;
        }
        if end > to_ms {
            continue;
        }
        times.push(frame.duration_ms);
        if frame.duration_ms > budget_ms {
            long_count += 1;
            long.push(frame);
        }
    }
    if times.is_empty() {
        return None;
    }
    // Collected newest first: keep the oldest long frames, in order.
    long.reverse();
    long.truncate(MAX_LONG_FRAMES);
    heap_sort(&mut times);
    let rank = |p: usize| times[((times.len() * p).div_ceil(100)).max(1) - 1];
    Some(FrameStats {
        count: times.len() as u32,
        p50_ms: rank(50),
        p95_ms: rank(95),
        max_ms: times[times.len() - 1],
        long_count,
        long,
    })
}

impl FrameStats {
    /// What an action carries: `frames.count`, `frames.p50_ms`, `frames.p95_ms`,
    /// `frames.max_ms` and `frames.long_count`.
    pub fn attributes(&self) -> Vec<(&'static str, AttributeValue)> {
        vec![
            ("frames.count", count(self.count)),
            ("frames.p50_ms", ms(self.p50_ms)),
            ("frames.p95_ms", ms(self.p95_ms)),
            ("frames.max_ms", ms(self.max_ms)),
            ("frames.long_count", count(self.long_count)),
        ]
    }
}

impl Frame {
    /// A long frame as an event's attributes: `frame.duration_ms`.
    pub fn event_attributes(&self) -> Vec<(String, AttributeValue)> {
        vec![("frame.duration_ms".to_owned(), ms(self.duration_ms))]
    }
}

/// A Long Animation Frame entry (`PerformanceObserver` type `long-animation-frame`); its
/// script attribution is added to its span by the JS that reads the entry.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LongFrame {
    /// `startTime`, in page milliseconds.
    pub start_ms: f64,
    /// `duration`.
    pub duration_ms: f64,
    /// `blockingDuration`: the part that kept input waiting.
    pub blocking_ms: f64,
    /// How many scripts the browser attributed.
    pub scripts: u32,
    /// How long the longest of them ran; negative if none was attributed.
    pub script_ms: f64,
}

impl LongFrame {
    /// Its span's numeric attributes: `loaf.duration_ms`, `loaf.blocking_duration_ms`,
    /// `loaf.scripts` and, with a script, `loaf.script.duration_ms`.
    pub fn attributes(&self) -> Vec<(&'static str, AttributeValue)> {
        let mut attrs = vec![
            ("loaf.duration_ms", ms(self.duration_ms)),
            ("loaf.blocking_duration_ms", ms(self.blocking_ms)),
            ("loaf.scripts", count(self.scripts)),
        ];
        if self.script_ms >= 0.0 {
            attrs.push(("loaf.script.duration_ms", ms(self.script_ms)));
        }
        attrs
    }
}

/// Page-wide jank outside actions since the last summary.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Jank {
    /// The first and last frame time covered, in page milliseconds.
    pub from_ms: f64,
    /// See `from_ms`.
    pub to_ms: f64,
    /// Frames seen outside actions.
    pub frames: u32,
    /// Of them, over the budget.
    pub long_frames: u32,
    /// Their total time over the budget's frames, in milliseconds.
    pub long_ms: f64,
    /// The longest frame.
    pub max_ms: f64,
    /// Long Animation Frames outside actions.
    pub long_animation_frames: u32,
    /// The longest of them, in milliseconds.
    pub loaf_max_ms: f64,
    /// Their blocking time in all, in milliseconds.
    pub loaf_blocking_ms: f64,
}

impl Jank {
    /// Whether there is anything worth a span: frames over the budget or a Long Animation Frame.
    pub fn is_worth_reporting(&self) -> bool {
        self.long_frames > 0 || self.long_animation_frames > 0
    }

    /// The summary span's attributes: `frames.count`, `frames.long_count`, `frames.long_ms`,
    /// `frames.max_ms`, `loaf.count`, `loaf.max_ms` and `loaf.blocking_ms`.
    pub fn attributes(&self) -> Vec<(&'static str, AttributeValue)> {
        vec![
            ("frames.count", count(self.frames)),
            ("frames.long_count", count(self.long_frames)),
            ("frames.long_ms", ms(self.long_ms)),
            ("frames.max_ms", ms(self.max_ms)),
            ("loaf.count", count(self.long_animation_frames)),
            ("loaf.max_ms", ms(self.loaf_max_ms)),
            ("loaf.blocking_ms", ms(self.loaf_blocking_ms)),
        ]
    }

    fn cover(&mut self, from_ms: f64, to_ms: f64) {
        if self.frames == 0 && self.long_animation_frames == 0 {
            self.from_ms = from_ms;
        }
        self.from_ms = self.from_ms.min(from_ms);
        self.to_ms = self.to_ms.max(to_ms);
    }
}

/// An action's time on the page, and its context, to place frames in or outside it.
#[derive(Clone, Debug, PartialEq)]
struct Window {
    start_ms: f64,
    end_ms: f64,
    context: SpanContext,
}

/// What the frames seen so far mean: which actions they fall in, and the jank outside them.
/// The web layer feeds it ended actions, new frames and Long Animation Frames.
///
/// ```
/// use playtrace::core::frames::FrameWatch;
/// let mut watch = FrameWatch::new(1000.0 / 30.0, 2000.0);
/// assert!(!watch.is_on());
/// watch.switch_on();
/// // Frames 0..4 of the ring: 60 Hz, then a 100 ms frame, outside any action.
/// watch.scan([0.0, 16.7, 33.4, 133.4].into_iter(), 4, &[]);
/// assert_eq!(watch.scanned(), 4);
/// let jank = watch.take_jank().unwrap();
/// assert_eq!((jank.frames, jank.long_frames, jank.max_ms), (3, 1, 100.0));
/// assert!(watch.take_jank().is_none(), "taken");
/// ```
#[derive(Clone, Debug)]
pub struct FrameWatch {
    /// Off until the game feeds a frame or Long Animation Frames are observed: a game that uses
    /// neither pays one branch per action.
    on: bool,
    budget_ms: f64,
    /// The longest jank is gathered before it is due as a summary.
    interval_ms: f64,
    /// Frames of the ring already scanned.
    scanned: u64,
    /// The last timestamp scanned: the next frame starts there.
    last_ms: Option<f64>,
    ended: Vec<Window>,
    jank: Jank,
}

impl FrameWatch {
    /// A watch, off, with frames over `budget_ms` counting as long and a jank summary due every
    /// `interval_ms`.
    pub fn new(budget_ms: f64, interval_ms: f64) -> Self {
        Self { on: false, budget_ms, interval_ms, scanned: 0, last_ms: None, ended: Vec::new(), jank: Jank::default() }
    }

    /// Starts watching.
    pub fn switch_on(&mut self) {
        self.on = true;
    }

    /// Whether frames are watched.
    pub fn is_on(&self) -> bool {
        self.on
    }

    /// How many frames of the ring [`scan`](Self::scan) has seen.
    pub fn scanned(&self) -> u64 {
        self.scanned
    }

    /// The budget a frame may take.
    pub fn budget_ms(&self) -> f64 {
        self.budget_ms
    }

    /// An action ended: frames and Long Animation Frames in `[start_ms, end_ms]` are its own.
    pub fn action_ended(&mut self, context: SpanContext, start_ms: f64, end_ms: f64) {
        let keep_after = end_ms - REMEMBER_MS;
        // Vec::remove, as below: one way of removing windows in the wasm, not two.
        let mut i = 0;
        while i < self.ended.len() {
            if self.ended[i].end_ms < keep_after {
                self.ended.remove(i);
            } else {
                i += 1;
            }
        }
        if self.ended.len() == REMEMBERED_ACTIONS {
            self.ended.remove(0);
        }
        self.ended.push(Window { start_ms, end_ms, context });
    }

    fn in_action(&self, start_ms: f64, end_ms: f64, open_since: &[f64]) -> bool {
        for &s in open_since {
            if end_ms > s {
                return true;
            }
        }
        for w in &self.ended {
            if start_ms < w.end_ms && end_ms > w.start_ms {
                return true;
            }
        }
        false
    }

    /// New frame timestamps, oldest first: those after [`scanned`](Self::scanned), up to frame
    /// `up_to`; `open_since`: the start of every action still open. Frames outside actions go
    /// to the jank summary.
    pub fn scan(&mut self, timestamps: impl Iterator<Item = f64>, up_to: u64, open_since: &[f64]) {
        self.scanned = up_to;
        for t in timestamps {
            let Some(start) = self.last_ms.replace(t) else { continue };
            let duration = t - start;
            if !(duration > 0.0 && duration <= PAUSE_MS) || self.in_action(start, t, open_since) {
                continue;
            }
            self.jank.cover(start, t);
            self.jank.frames += 1;
            self.jank.max_ms = self.jank.max_ms.max(duration);
            if duration > self.budget_ms {
                self.jank.long_frames += 1;
                self.jank.long_ms += duration;
            }
        }
    }

    /// The action a Long Animation Frame overlaps: among `open` (start, context) and the ended
    /// ones, the most recently started. `None`: it goes to the jank summary.
    pub fn place(&mut self, frame: LongFrame, open: &[(f64, SpanContext)]) -> Option<(SpanContext, LongFrame)> {
        let (start, end) = (frame.start_ms, frame.start_ms + frame.duration_ms);
        // The latest started of the candidates; the last of equals, as `max_by` picks.
        let mut owner: Option<(f64, &SpanContext)> = None;
        let mut consider = |s: f64, cx| {
            if owner.is_none_or(|(o, _)| s.total_cmp(&o).is_ge()) {
                owner = Some((s, cx));
            }
        };
        for (s, cx) in open {
            if end > *s {
                consider(*s, cx);
            }
        }
        for w in &self.ended {
            if start < w.end_ms && end > w.start_ms {
                consider(w.start_ms, &w.context);
            }
        }
        let owner = owner.map(|(_, cx)| cx.clone());
        match owner {
            Some(cx) => Some((cx, frame)),
            None => {
                self.jank.cover(start, end);
                self.jank.long_animation_frames += 1;
                self.jank.loaf_max_ms = self.jank.loaf_max_ms.max(frame.duration_ms);
                self.jank.loaf_blocking_ms += frame.blocking_ms;
                None
            }
        }
    }

    /// The jank summary since the last one, if it is worth a span; starts a new one.
    pub fn take_jank(&mut self) -> Option<Jank> {
        let jank = std::mem::take(&mut self.jank);
        jank.is_worth_reporting().then_some(jank)
    }

    /// Whether a summary is pending and has covered at least the interval of page time.
    pub fn jank_due(&self, now_ms: f64) -> bool {
        self.jank.is_worth_reporting() && now_ms - self.jank.from_ms >= self.interval_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::{SpanId, TraceId};
    use crate::core::span_context::TraceFlags;

    fn cx(n: u8) -> SpanContext {
        SpanContext::new(
            TraceId::from_bytes([n + 1; 16]).unwrap(),
            SpanId::from_bytes([n + 1; 8]).unwrap(),
            TraceFlags::SAMPLED,
            false,
        )
    }

    fn at_60hz(from: f64, n: usize) -> Vec<f64> {
        (0..n).map(|i| from + i as f64 * 16.0).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        // Twenty frames: 1..=20 ms long.
        let mut t = vec![0.0];
        for d in 1..=20 {
            t.push(t[t.len() - 1] + f64::from(d));
        }
        let s = frame_stats(t.iter().rev().copied(), 0.0, 1e9, 18.5).unwrap();
        assert_eq!((s.count, s.p50_ms, s.p95_ms, s.max_ms), (20, 10.0, 19.0, 20.0));
        assert_eq!(s.long_count, 2);
        assert_eq!(s.long.iter().map(|f| f.duration_ms).collect::<Vec<_>>(), [19.0, 20.0], "oldest first");
    }

    #[test]
    fn a_pause_or_a_clock_going_back_is_no_frame() {
        let stamps = [0.0, 16.0, 32.0, 9_000.0, 9_016.0, 9_010.0, 9_026.0];
        let s = frame_stats(stamps.iter().rev().copied(), -1.0, 1e9, 33.0).unwrap();
        assert_eq!((s.count, s.max_ms, s.long_count), (4, 16.0, 0));
        assert_eq!(frame_stats([5.0].into_iter(), 0.0, 10.0, 33.0), None, "one timestamp is no frame");
    }

    #[test]
    fn heap_sort_sorts() {
        let mut ids = crate::core::ids::IdGenerator::from_seed(3);
        for n in [0usize, 1, 2, 3, 10, 257] {
            let mut v: Vec<f64> = (0..n).map(|_| f64::from(ids.span_id().to_bytes()[0])).collect();
            let mut expected = v.clone();
            expected.sort_by(f64::total_cmp);
            heap_sort(&mut v);
            assert_eq!(v, expected);
        }
    }

    #[test]
    fn long_frames_kept_are_bounded() {
        let stamps: Vec<f64> = (0..100).map(|i| f64::from(i) * 50.0).collect();
        let s = frame_stats(stamps.iter().rev().copied(), -1.0, 1e9, 33.0).unwrap();
        assert_eq!((s.long_count, s.long.len()), (99, MAX_LONG_FRAMES));
        assert_eq!(s.long[0].start_ms, 0.0);
    }

    #[test]
    fn frames_inside_actions_are_not_jank() {
        let mut w = FrameWatch::new(33.0, 2000.0);
        w.action_ended(cx(1), 100.0, 300.0);
        let mut stamps = at_60hz(0.0, 5); // 0..64
        stamps.extend([120.0, 250.0]); // 64->120 overlaps the action, 120->250 is inside it
        stamps.extend(at_60hz(400.0, 3)); // 250->400 overlaps it; 400..432 outside
        stamps.push(1_000.0); // 432->1000: outside, long
        w.scan(stamps.into_iter(), 0, &[]);
        let j = w.take_jank().unwrap();
        assert_eq!((j.frames, j.long_frames, j.long_ms, j.max_ms), (7, 1, 568.0, 568.0));
        assert_eq!((j.from_ms, j.to_ms), (0.0, 1_000.0));
        // An open action started at 2000 owns what comes after.
        w.scan([1_016.0, 2_100.0].into_iter(), 0, &[2_000.0]);
        assert!(w.take_jank().is_none());
    }

    #[test]
    fn a_late_long_animation_frame_finds_its_ended_action() {
        let mut w = FrameWatch::new(33.0, 2000.0);
        w.action_ended(cx(1), 0.0, 100.0);
        w.action_ended(cx(2), 80.0, 200.0);
        let lf = |start_ms| LongFrame { start_ms, duration_ms: 60.0, ..LongFrame::default() };
        assert_eq!(w.place(lf(90.0), &[]).map(|(c, _)| c), Some(cx(2)), "the newest overlapping action");
        assert_eq!(w.place(lf(10.0), &[]).map(|(c, _)| c), Some(cx(1)));
        assert_eq!(w.place(lf(500.0), &[(450.0, cx(3))]).map(|(c, _)| c), Some(cx(3)), "an open action");
        assert_eq!(w.place(lf(300.0), &[(450.0, cx(3))]), None);
        let j = w.take_jank().unwrap();
        assert_eq!((j.long_animation_frames, j.frames, j.loaf_max_ms), (1, 0, 60.0));
    }

    #[test]
    fn ended_actions_are_forgotten() {
        let mut w = FrameWatch::new(33.0, 2000.0);
        for i in 0..100u8 {
            w.action_ended(cx(i), f64::from(i), f64::from(i) + 1.0);
        }
        assert_eq!(w.ended.len(), REMEMBERED_ACTIONS);
        w.action_ended(cx(199), 50_000.0, 50_001.0);
        assert_eq!(w.ended.len(), 1, "older than REMEMBER_MS");
    }
}
