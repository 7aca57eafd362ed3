//! The tracer engine, sans-IO: it samples, keeps open spans, ends forgotten ones, encodes ended
//! ones and queues them, and says when to flush. The browser layer supplies the clock and does
//! the sending; nothing here reads a clock or performs IO.

use super::config::{ExportFormat, TracerConfig};
use super::encode::{console, Body, Encoder, Format, Resource};
use super::ids::IdGenerator;
use super::queue::{BatchConfig, BatchQueue, FlushReason};
use super::sampler::{Sampler, SamplingParams};
use super::span::{AttributeValue, SpanData, SpanKind, SpanLimits};
use super::span_context::{SpanContext, TraceFlags};
use super::stats::Stats;

/// The attribute set on a span that the span timeout ended.
pub const TIMED_OUT_ATTRIBUTE: &str = "playtrace.span.timed_out";

/// Refers to an open, recording span. Stale handles (the span already ended) are harmless.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanHandle {
    index: u32,
    generation: u32,
}

/// Generations wrap below 2^21, so that a handle fits the 53 bits a JS number holds exactly.
const GENERATION_MASK: u32 = (1 << 21) - 1;

impl SpanHandle {
    /// The handle as one number, never 0 (0 means "no recording span" at the JS boundary).
    ///
    /// ```
    /// use playtrace::core::config::TracerConfig;
    /// use playtrace::core::encode::Resource;
    /// use playtrace::core::ids::IdGenerator;
    /// use playtrace::core::span::SpanKind;
    /// use playtrace::core::tracer::{SpanHandle, TracerCore};
    /// let mut t = TracerCore::new(&TracerConfig::new("g"), Resource::new("g"), IdGenerator::from_seed(1)).unwrap();
    /// let h = t.start_span("a", SpanKind::Internal, None, 0, 0).1.unwrap();
    /// assert_eq!(SpanHandle::from_bits(h.to_bits()), Some(h));
    /// assert_eq!(SpanHandle::from_bits(0), None);
    /// ```
    pub fn to_bits(self) -> u64 {
        (u64::from(self.generation) << 32) | (u64::from(self.index) + 1)
    }

    /// The handle [`to_bits`](Self::to_bits) gave; `None` for 0 or anything it never gives.
    pub fn from_bits(bits: u64) -> Option<Self> {
        let low = (bits & 0xFFFF_FFFF) as u32;
        let generation = (bits >> 32) as u32;
        (low != 0 && generation <= GENERATION_MASK).then(|| Self { index: low - 1, generation })
    }
}

/// Where a span lives from its start until it is encoded: an ended span waits in its slot (no
/// copy of the span is made), and the slot, with the span's memory, is reused once the span is
/// encoded or dropped.
struct Slot {
    generation: u32,
    /// Still open: the handle of this generation may change it.
    open: bool,
    span: SpanData,
}

/// What happened to a span that ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Encoded and queued for export.
    Queued,
    /// The console format's text for the span.
    Printed(String),
    /// Not exported: the queue was full or the span could not fit a body.
    Dropped,
    /// The handle was stale: the span had ended already.
    AlreadyEnded,
}

/// The engine behind one tracer.
///
/// ```
/// use playtrace::core::config::TracerConfig;
/// use playtrace::core::encode::Resource;
/// use playtrace::core::ids::IdGenerator;
/// use playtrace::core::span::SpanKind;
/// use playtrace::core::tracer::{Ended, TracerCore};
/// let config = TracerConfig::new("game");
/// let mut t = TracerCore::new(&config, Resource::new("game"), IdGenerator::from_seed(1)).unwrap();
/// let (cx, handle) = t.start_span("click", SpanKind::Internal, None, 1_000, 1_000);
/// assert!(cx.flags.is_sampled());
/// assert_eq!(t.end_span(handle.unwrap(), 2_000), Ended::Queued);
/// assert_eq!(t.queue_len(), 1);
/// ```
pub struct TracerCore {
    ids: IdGenerator,
    sampler: Sampler,
    limits: SpanLimits,
    format: ExportFormat,
    encoder: Encoder,
    queue: BatchQueue,
    /// Slots of ended spans not encoded yet, with the time each ended: encoding waits for the
    /// flush, so that ending a span inside a frame costs a push, not a JSON writer.
    ended: Vec<(u32, u64)>,
    /// An estimate of the encoded bytes of `ended`, for the byte trigger; bodies are exact.
    ended_bytes: usize,
    slots: Vec<Slot>,
    free: Vec<u32>,
    /// Open spans with the clock time they opened (their start may be the caller's, far in the
    /// past), in that order, so the earliest timeout is at the front. Ended
    /// spans are skipped lazily (their handle's generation no longer matches).
    opened: Opened,
    span_timeout_ns: u64,
    enabled: bool,
    stats: Stats,
}

/// The open spans' queue: pushed at the back, consumed from the front. A `Vec` read from
/// `head` and compacted once half of it is consumed, so pushing and popping stay amortised O(1)
/// without a `VecDeque`, whose generic code is about a kilobyte of wasm and whose push was a
/// call on the span path.
#[derive(Default)]
struct Opened {
    items: Vec<(u64, SpanHandle)>,
    head: usize,
}

impl Opened {
    #[inline]
    fn push(&mut self, item: (u64, SpanHandle)) {
        self.items.push(item);
    }

    fn front(&self) -> Option<&(u64, SpanHandle)> {
        self.items.get(self.head)
    }

    fn pop_front(&mut self) -> Option<(u64, SpanHandle)> {
        let item = *self.items.get(self.head)?;
        self.head += 1;
        if self.head * 2 >= self.items.len() {
            let len = self.items.len();
            self.items.copy_within(self.head.., 0);
            self.items.truncate(len - self.head);
            self.head = 0;
        }
        Some(item)
    }

    /// The entries not consumed yet, oldest first.
    fn live(&self) -> &[(u64, SpanHandle)] {
        self.items.get(self.head..).unwrap_or_default()
    }
}

impl TracerCore {
    /// An engine for a validated configuration.
    pub fn new(
        config: &TracerConfig,
        resource: Resource,
        ids: IdGenerator,
    ) -> Result<Self, super::config::ConfigError> {
        let sampler = config.validate()?;
        let wire = if config.format == ExportFormat::Zipkin { Format::ZipkinJson } else { Format::OtlpJson };
        let encoder = Encoder::new(wire, &resource, crate::SCOPE_NAME, crate::SCOPE_VERSION);
        let queue = BatchQueue::new(
            BatchConfig {
                max_queue_spans: config.queue_size,
                max_batch_spans: config.batch_size,
                max_body_bytes: config.batch_bytes,
                flush_interval_ns: u64::from(config.flush_interval_ms) * 1_000_000,
            },
            &encoder,
        );
        Ok(Self {
            ids,
            sampler,
            limits: SpanLimits { attribute_value_length: config.attribute_value_length_limit, ..SpanLimits::default() },
            format: config.format,
            encoder,
            queue,
            ended: Vec::new(),
            ended_bytes: 0,
            slots: Vec::new(),
            free: Vec::new(),
            opened: Opened::default(),
            span_timeout_ns: u64::from(config.span_timeout_ms) * 1_000_000,
            enabled: config.enabled,
            stats: Stats::default(),
        })
    }

    /// The encoder (content type, format) bodies are written with.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// Which play session this is: the session sampler decides from it, and bodies written from
    /// now on carry it as the resource's `session.id` where that is empty.
    pub fn bind_session(&mut self, session_id: &str) {
        self.sampler.bind_session(session_id);
        self.encoder.fill_session(session_id);
        self.queue.rewrap(&self.encoder);
    }

    /// The ID generator, for IDs the browser layer needs (session IDs).
    pub fn ids(&mut self) -> &mut IdGenerator {
        &mut self.ids
    }

    /// Counters; `queued` is not a counter and is read with [`queue_len`](Self::queue_len).
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Counters, for the transport to update.
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// Spans waiting to be sent.
    #[inline]
    pub fn queue_len(&self) -> usize {
        self.queue.len() + self.ended.len()
    }

    /// Starts a span: a child of `parent` (same trace, its trace state) or the root of a new
    /// trace. Returns its context and, if the sampler sampled it, the handle of the recording
    /// span. Unsampled spans are never recorded: they cost an ID and a sampling decision.
    pub fn start_span<N: super::span::IntoSharedStr>(
        &mut self,
        name: N,
        kind: SpanKind,
        parent: Option<&SpanContext>,
        start_ns: u64,
        now_ns: u64,
    ) -> (SpanContext, Option<SpanHandle>) {
        self.stats.spans_started += 1;
        let (trace_id, base_flags, trace_state) = match parent {
            Some(p) => (p.trace_id, p.flags, p.trace_state.clone()),
            None => (self.ids.trace_id(), TraceFlags::RANDOM, Default::default()),
        };
        let sampled = self.enabled
            && self
                .sampler
                .should_sample(&SamplingParams { parent, trace_id, name: name.as_ref(), kind, now_ns })
                .is_sampled();
        let mut cx = SpanContext::new(trace_id, self.ids.span_id(), base_flags.with_sampled(sampled), false);
        cx.trace_state = trace_state;
        if !sampled {
            self.stats.sampled_out += 1;
            return (cx, None);
        }
        let handle = match self.free.pop() {
            Some(index) => {
                let slot = &mut self.slots[index as usize];
                slot.span.restart(cx.clone(), parent, name, kind, start_ns, self.limits);
                slot.open = true;
                SpanHandle { index, generation: slot.generation }
            }
            None => {
                let span = SpanData::new(cx.clone(), parent, name, kind, start_ns, self.limits);
                self.slots.push(Slot { generation: 0, open: true, span });
                SpanHandle { index: (self.slots.len() - 1) as u32, generation: 0 }
            }
        };
        self.opened.push((now_ns, handle));
        (cx, Some(handle))
    }

    #[inline]
    fn is_open(&self, handle: SpanHandle) -> bool {
        self.slots.get(handle.index as usize).is_some_and(|s| s.generation == handle.generation && s.open)
    }

    /// Drops ended spans from the front of `opened`, so its front is the oldest open span.
    fn prune_opened(&mut self) {
        while let Some(&(_, h)) = self.opened.front() {
            if self.is_open(h) {
                break;
            }
            self.opened.pop_front();
        }
    }

    /// The open span with this span ID, if any: how an error finds the open action.
    pub fn open_span(&self, span_id: super::ids::SpanId) -> Option<SpanHandle> {
        let live = self.opened.live();
        // The newest first; a loop, as an iterator chain is a function of its own in the wasm.
        for i in (0..live.len()).rev() {
            let h = live[i].1;
            if self.is_open(h) && self.slots[h.index as usize].span.context.span_id == span_id {
                return Some(h);
            }
        }
        None
    }

    /// The open span behind `handle`, if it has not ended.
    #[inline]
    pub fn span_mut(&mut self, handle: SpanHandle) -> Option<&mut SpanData> {
        let slot = self.slots.get_mut(handle.index as usize)?;
        if slot.generation != handle.generation || !slot.open {
            return None;
        }
        Some(&mut slot.span)
    }

    /// Ends the span at `end_ns` and queues it (or returns its console text).
    #[inline]
    pub fn end_span(&mut self, handle: SpanHandle, end_ns: u64) -> Ended {
        let queued = self.queue_len();
        let console = self.format == ExportFormat::Console;
        let full = queued >= self.queue.config().max_queue_spans;
        let Some(slot) = self.slots.get_mut(handle.index as usize) else { return Ended::AlreadyEnded };
        if slot.generation != handle.generation || !slot.open {
            return Ended::AlreadyEnded;
        }
        slot.open = false;
        slot.generation = slot.generation.wrapping_add(1) & GENERATION_MASK;
        slot.span.end(end_ns);
        self.stats.spans_ended += 1;
        if console {
            let mut text = String::new();
            console::write_span(&mut text, &slot.span);
            self.free.push(handle.index);
            self.stats.printed += 1;
            return Ended::Printed(text);
        }
        if full {
            self.free.push(handle.index);
            self.stats.dropped_queue_full += 1;
            return Ended::Dropped;
        }
        let estimate = self.encoder.estimated_len(&slot.span);
        self.ended_bytes += estimate;
        self.ended.push((handle.index, end_ns));
        Ended::Queued
    }

    /// Encodes the ended spans into the queue, where body sizes are exact.
    /// The latest end of the ended spans not yet encoded whose parent is `parent`: what a
    /// span grouping them must cover before it ends.
    pub fn latest_child_end(&self, parent: super::ids::SpanId) -> Option<u64> {
        let mut latest = None;
        for &(i, end) in &self.ended {
            if self.slots[i as usize].span.parent_span_id == Some(parent) {
                latest = latest.max(Some(end));
            }
        }
        latest
    }

    fn encode_ended(&mut self) {
        let max = self.queue.config().max_body_bytes;
        // Taken out while the others are used, and put back empty: its capacity is kept.
        let mut ended = std::mem::take(&mut self.ended);
        for &(index, ended_ns) in &ended {
            let Some(slot) = self.slots.get_mut(index as usize) else { continue };
            // Trimmed in place: the slot is free from here, and restarted before it is used again.
            let encoded = self.encoder.encode_span_within(&mut slot.span, max);
            self.free.push(index);
            let Some(encoded) = encoded else {
                self.stats.dropped_too_large += 1;
                continue;
            };
            if encoded.trimmed {
                self.stats.trimmed += 1;
            }
            if self.queue.push(encoded, ended_ns).is_err() {
                self.stats.dropped_queue_full += 1;
            }
        }
        ended.clear();
        self.ended = ended;
        self.ended_bytes = 0;
    }

    /// Ends every span open longer than the span timeout, at the moment it timed out, marked
    /// with [`TIMED_OUT_ATTRIBUTE`]. Returns the console texts, if that is the format.
    pub fn expire_spans(&mut self, now_ns: u64) -> Vec<String> {
        let mut printed = Vec::new();
        loop {
            self.prune_opened();
            let Some(&(opened_ns, handle)) = self.opened.front() else { break };
            let deadline = opened_ns.saturating_add(self.span_timeout_ns);
            if now_ns < deadline {
                break;
            }
            self.opened.pop_front();
            // The end is the deadline in the span's own timeline (its start may be the caller's).
            let end = {
                let Some(span) = self.span_mut(handle) else { continue };
                span.set_attribute(TIMED_OUT_ATTRIBUTE, AttributeValue::Bool(true));
                span.start_time_ns.saturating_add(self.span_timeout_ns)
            };
            self.stats.timed_out += 1;
            if let Ended::Printed(text) = self.end_span(handle, end) {
                printed.push(text);
            }
        }
        printed
    }

    /// Ends every open span now, marked with `attribute` = true: the document is going away and
    /// an open span would otherwise be lost. Returns the console texts, if that is the format.
    pub fn end_all_open(&mut self, now_ns: u64, attribute: &str) -> Vec<String> {
        let mut printed = Vec::new();
        while let Some((_, handle)) = self.opened.pop_front() {
            let Some(span) = self.span_mut(handle) else { continue };
            span.set_attribute(attribute, AttributeValue::Bool(true));
            if let Ended::Printed(text) = self.end_span(handle, now_ns) {
                printed.push(text);
            }
        }
        printed
    }

    /// The next time something is due: a queued span's flush interval or the oldest open span's
    /// timeout. `None` when idle, so an idle game needs no timer. Amortised O(1): it runs after
    /// every span.
    pub fn next_deadline_ns(&mut self) -> Option<u64> {
        self.prune_opened();
        let timeout = self.opened.front().map(|&(t, _)| t.saturating_add(self.span_timeout_ns));
        // A full batch is due now; the caller's timer sends it once the current task is done.
        let full = self.size_trigger().map(|_| 0);
        earliest(earliest(timeout, self.flush_due_ns()), full)
    }

    /// When the oldest waiting span will have waited the flush interval.
    fn flush_due_ns(&self) -> Option<u64> {
        let ended = self.ended.first().map(|(_, t)| t.saturating_add(self.queue.config().flush_interval_ns));
        earliest(self.queue.timer_due_ns(), ended)
    }

    /// How long a span may stay open before the timeout ends it.
    #[inline]
    pub fn span_timeout_ns(&self) -> u64 {
        self.span_timeout_ns
    }

    /// A full batch by count, or enough bytes (estimated for spans not encoded yet) for a body:
    /// a flush is due now, whatever the time.
    pub fn size_trigger(&self) -> Option<FlushReason> {
        let n = self.queue_len();
        let config = self.queue.config();
        if n == 0 {
            None
        } else if n >= config.max_batch_spans {
            Some(FlushReason::BatchSpans)
        } else if self.encoder.envelope_len() + self.queue.queued_bytes() + self.ended_bytes + (n - 1)
            >= config.max_body_bytes
        {
            Some(FlushReason::BatchBytes)
        } else {
            None
        }
    }

    /// Whether queued spans should be sent now, by size or age.
    pub fn should_flush(&self, now_ns: u64) -> Option<FlushReason> {
        self.size_trigger().or_else(|| match self.flush_due_ns() {
            Some(due) if now_ns >= due => Some(FlushReason::Timer),
            _ => None,
        })
    }

    /// The next body to send; the caller sends it and reports the outcome in the stats.
    pub fn next_body(&mut self) -> Option<Body> {
        self.next_body_within(self.queue.config().max_body_bytes)
    }

    /// The next body, of at most `max_body_bytes` (see [`super::transport::body_limit`]).
    pub fn next_body_within(&mut self, max_body_bytes: usize) -> Option<Body> {
        self.encode_ended();
        self.queue.next_body_within(&self.encoder, max_body_bytes)
    }

    /// The bytes of one body holding every span queued (the ended ones are encoded first).
    pub fn queued_body_bytes(&mut self) -> usize {
        self.encode_ended();
        self.queue.body_bytes()
    }

    /// The configured body limit, which bodies that may leave with the page keep to.
    pub fn max_body_bytes(&self) -> usize {
        self.queue.config().max_body_bytes
    }
}

/// The earlier of two deadlines, either of which may be missing (the exporter's too).
pub(crate) fn earliest(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::SamplerConfig;

    fn core(edit: impl FnOnce(&mut TracerConfig)) -> TracerCore {
        let mut c = TracerConfig::new("g");
        edit(&mut c);
        TracerCore::new(&c, Resource::new("g"), IdGenerator::from_seed(9)).unwrap()
    }

    #[test]
    fn children_join_the_parent_trace_and_roots_are_random() {
        let mut t = core(|_| {});
        let (root, h) = t.start_span("a", SpanKind::Internal, None, 0, 0);
        assert!(root.flags.is_random() && root.flags.is_sampled());
        let (child, _) = t.start_span("b", SpanKind::Client, Some(&root), 0, 0);
        assert_eq!(child.trace_id, root.trace_id);
        assert_ne!(child.span_id, root.span_id);
        assert_eq!(t.end_span(h.unwrap(), 5), Ended::Queued);
        assert_eq!(t.end_span(h.unwrap(), 6), Ended::AlreadyEnded);
        assert!(t.span_mut(h.unwrap()).is_none());
    }

    #[test]
    fn sampled_out_spans_are_not_recorded_but_propagate() {
        let mut t = core(|c| c.sampler = SamplerConfig::Never);
        let (cx, h) = t.start_span("a", SpanKind::Internal, None, 0, 0);
        assert!(h.is_none() && !cx.flags.is_sampled());
        assert_eq!(t.stats().sampled_out, 1);
        let mut t = core(|c| c.enabled = false);
        assert!(t.start_span("a", SpanKind::Internal, None, 0, 0).1.is_none());
    }

    #[test]
    fn stale_handles_do_not_touch_a_reused_slot() {
        let mut t = core(|_| {});
        let (_, a) = t.start_span("a", SpanKind::Internal, None, 0, 0);
        t.end_span(a.unwrap(), 1);
        let (_, b) = t.start_span("b", SpanKind::Internal, None, 0, 0);
        assert!(t.span_mut(a.unwrap()).is_none());
        assert_eq!(&*t.span_mut(b.unwrap()).unwrap().name, "b");
    }

    #[test]
    fn forgotten_spans_time_out_marked() {
        let mut t = core(|c| c.span_timeout_ms = 10);
        let (_, h) = t.start_span("forgotten", SpanKind::Internal, None, 500, 1_000);
        assert_eq!(t.next_deadline_ns(), Some(1_000 + 10_000_000));
        assert!(t.expire_spans(1_000 + 9_999_999).is_empty());
        assert_eq!(t.stats().timed_out, 0);
        t.expire_spans(20_000_000);
        assert_eq!(t.stats().timed_out, 1);
        assert_eq!(t.end_span(h.unwrap(), 1), Ended::AlreadyEnded);
        let body = t.next_body().unwrap();
        assert!(body.json.contains(TIMED_OUT_ATTRIBUTE));
        assert!(body.json.contains("\"endTimeUnixNano\":\"10000500\""), "{}", body.json);
    }

    #[test]
    fn end_all_open_ends_and_marks_what_is_open() {
        let mut t = core(|_| {});
        let (_, a) = t.start_span("a", SpanKind::Internal, None, 0, 0);
        let (_, b) = t.start_span("b", SpanKind::Internal, None, 0, 0);
        t.end_span(a.unwrap(), 5);
        t.end_all_open(9, "closed");
        assert!(t.span_mut(b.unwrap()).is_none());
        assert_eq!(t.queue_len(), 2);
        let body = t.next_body().unwrap().json;
        assert_eq!(body.matches("\"closed\"").count(), 1, "only the open span is marked");
    }

    #[test]
    fn console_format_prints_instead_of_queueing() {
        let mut t = core(|c| c.format = ExportFormat::Console);
        let (_, h) = t.start_span("jump", SpanKind::Internal, None, 1_000_000, 0);
        t.span_mut(h.unwrap()).unwrap().set_attribute("height", 3i64.into());
        let Ended::Printed(text) = t.end_span(h.unwrap(), 13_345_678) else { panic!() };
        assert!(text.starts_with("[playtrace] jump (internal) 12.345 ms trace="), "{text}");
        assert!(text.contains("\n  height = 3"));
        assert_eq!(t.queue_len(), 0);
    }

    #[test]
    fn a_page_that_stays_may_send_a_whole_batch_in_one_body() {
        let mut t = core(|c| {
            c.batch_bytes = 2_000;
            c.batch_size = 40;
        });
        for _ in 0..60 {
            let (_, h) = t.start_span("tick", SpanKind::Internal, None, 0, 0);
            t.end_span(h.unwrap(), 1);
        }
        let big = t.next_body_within(crate::core::transport::FETCH_BODY_MAX_BYTES).unwrap();
        assert_eq!(big.spans, 40, "the batch size still bounds a body");
        assert!(big.json.len() > 2_000);
        let small = t.next_body().unwrap();
        assert!(small.json.len() <= 2_000 && small.spans < 20);
    }

    #[test]
    fn full_queue_drops_and_counts() {
        let mut t = core(|c| {
            c.queue_size = 3;
            c.batch_size = 3;
        });
        for _ in 0..5 {
            let (_, h) = t.start_span("s", SpanKind::Internal, None, 0, 0);
            t.end_span(h.unwrap(), 1);
        }
        assert_eq!((t.queue_len(), t.stats().dropped_queue_full), (3, 2));
        assert_eq!(t.should_flush(0), Some(FlushReason::BatchSpans));
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::{Opened, SpanHandle};

    proptest::proptest! {
        /// The open spans' queue behaves as a deque used from both ends, through compactions.
        #[test]
        fn opened_is_a_fifo(ops in proptest::collection::vec(proptest::prelude::any::<bool>(), 0..300)) {
            let mut q = Opened::default();
            let mut model = std::collections::VecDeque::new();
            for (i, push) in ops.into_iter().enumerate() {
                let item = (i as u64, SpanHandle { index: i as u32, generation: 0 });
                if push {
                    q.push(item);
                    model.push_back(item);
                } else {
                    proptest::prop_assert_eq!(q.pop_front(), model.pop_front());
                }
                proptest::prop_assert_eq!(q.front(), model.front());
                proptest::prop_assert_eq!(q.live().to_vec(), model.iter().copied().collect::<Vec<_>>());
            }
        }
    }
}
