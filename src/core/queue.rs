//! The batch queue: holds encoded spans and decides when to flush. Sans-IO: it never sends,
//! never reads a clock and never sets a timer; the caller tells it the time and asks it what to
//! do.

use super::encode::{Body, EncodedSpan, Encoder, DEFAULT_MAX_BODY_BYTES};

/// Queue and batch sizes.
///
/// ```
/// use playtrace::core::queue::BatchConfig;
/// let c = BatchConfig::default();
/// assert_eq!((c.max_queue_spans, c.max_body_bytes), (2048, 60_000));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// Spans held at most; more are dropped and counted.
    pub max_queue_spans: usize,
    /// Spans in one body at most; a full batch triggers a flush.
    pub max_batch_spans: usize,
    /// Bytes in one body at most; enough queued bytes to fill one triggers a flush.
    pub max_body_bytes: usize,
    /// The longest a span waits in the queue before a timer flush.
    pub flush_interval_ns: u64,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            max_queue_spans: 2048,
            max_batch_spans: 512,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            // A request is worth its cost at the collectors: a game with an action every two
            // seconds sends two bodies a minute. A page that is hidden or goes away sends
            // everything at once; only one killed without warning loses what waits.
            flush_interval_ns: 30_000_000_000,
        }
    }
}

/// Why a flush is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlushReason {
    /// A full batch of spans is queued.
    BatchSpans,
    /// Enough bytes are queued to fill a body.
    BatchBytes,
    /// The oldest queued span has waited the flush interval.
    Timer,
}

/// Why a span was not queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropped {
    /// The queue held `max_queue_spans` already.
    QueueFull,
}

/// A bounded FIFO of encoded spans with its flush policy.
///
/// ```
/// use playtrace::core::encode::{EncodedSpan, Encoder, Format, Resource};
/// use playtrace::core::queue::{BatchConfig, BatchQueue, FlushReason};
/// let enc = Encoder::new(Format::OtlpJson, &Resource::new("g"), "playtrace", "");
/// let mut q = BatchQueue::new(BatchConfig { max_batch_spans: 2, ..Default::default() }, &enc);
/// let span = || EncodedSpan { json: "{}".into(), trimmed: false };
/// q.push(span(), 0).unwrap();
/// assert_eq!(q.should_flush(0), None);
/// q.push(span(), 0).unwrap();
/// assert_eq!(q.should_flush(0), Some(FlushReason::BatchSpans));
/// let body = q.next_body(&enc).unwrap();
/// assert_eq!(body.spans, 2);
/// ```
#[derive(Clone, Debug)]
pub struct BatchQueue {
    config: BatchConfig,
    envelope_len: usize,
    /// Encoded spans, oldest first; `queued_at` holds the time each was queued.
    items: Vec<String>,
    queued_at: Vec<u64>,
    bytes: usize,
}

impl BatchQueue {
    /// A queue whose bodies will be written by `encoder`.
    pub fn new(config: BatchConfig, encoder: &Encoder) -> Self {
        Self { config, envelope_len: encoder.envelope_len(), items: Vec::new(), queued_at: Vec::new(), bytes: 0 }
    }

    /// Bodies will be written by `encoder` from now on (its envelope changed).
    pub fn rewrap(&mut self, encoder: &Encoder) {
        self.envelope_len = encoder.envelope_len();
    }

    /// The configuration.
    pub fn config(&self) -> &BatchConfig {
        &self.config
    }

    /// Queues an ended span, encoded with this queue's body limit, at time `now_ns`.
    pub fn push(&mut self, span: EncodedSpan, now_ns: u64) -> Result<(), Dropped> {
        if self.items.len() >= self.config.max_queue_spans {
            return Err(Dropped::QueueFull);
        }
        self.bytes += span.json.len();
        self.items.push(span.json);
        self.queued_at.push(now_ns);
        Ok(())
    }

    /// Spans queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Encoded bytes queued, without envelope and separators.
    pub fn queued_bytes(&self) -> usize {
        self.bytes
    }

    /// The bytes of one body holding everything queued; 0 when empty.
    pub fn body_bytes(&self) -> usize {
        match self.items.len() {
            0 => 0,
            n => self.envelope_len + self.bytes + (n - 1),
        }
    }

    /// Whether a flush is due at `now_ns` by size or by age, and why.
    pub fn should_flush(&self, now_ns: u64) -> Option<FlushReason> {
        let n = self.items.len();
        if n == 0 {
            return None;
        }
        if n >= self.config.max_batch_spans {
            return Some(FlushReason::BatchSpans);
        }
        // Everything queued no longer fits in one body: send the full one now.
        if self.body_bytes() >= self.config.max_body_bytes {
            return Some(FlushReason::BatchBytes);
        }
        match self.timer_due_ns() {
            Some(due) if now_ns >= due => Some(FlushReason::Timer),
            _ => None,
        }
    }

    /// When the oldest queued span will have waited the flush interval; `None` when empty, so
    /// an idle game sets no timer at all.
    pub fn timer_due_ns(&self) -> Option<u64> {
        self.queued_at.first().map(|t| t.saturating_add(self.config.flush_interval_ns))
    }

    /// Takes the next body's worth of spans from the front of the queue.
    pub fn next_body(&mut self, encoder: &Encoder) -> Option<Body> {
        self.next_body_within(encoder, self.config.max_body_bytes)
    }

    /// Takes the next body of at most `max_body_bytes` (the transport's limit, never less than
    /// the configured one, which every encoded span fits).
    pub fn next_body_within(&mut self, encoder: &Encoder, max_body_bytes: usize) -> Option<Body> {
        let max = max_body_bytes.max(self.config.max_body_bytes);
        let body = encoder.pack_body(&mut self.items, max, self.config.max_batch_spans)?;
        self.queued_at = self.queued_at.split_off(body.spans); // split_off, as pack_body: no Drain in the wasm
        self.bytes -= body.json.len() - encoder.envelope_len() - (body.spans - 1);
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::encode::{Format, Resource};

    fn enc() -> Encoder {
        Encoder::new(Format::OtlpJson, &Resource::new("g"), "playtrace", "0.1.0")
    }

    fn frag(len: usize) -> EncodedSpan {
        EncodedSpan { json: format!("\"{}\"", "x".repeat(len - 2)), trimmed: false }
    }

    #[test]
    fn bounded_and_counts_drops() {
        let e = enc();
        let mut q = BatchQueue::new(BatchConfig { max_queue_spans: 3, ..Default::default() }, &e);
        for _ in 0..3 {
            q.push(frag(10), 0).unwrap();
        }
        assert_eq!(q.push(frag(10), 0), Err(Dropped::QueueFull));
        assert_eq!(q.push(frag(10), 0), Err(Dropped::QueueFull));
        assert_eq!(q.len(), 3);
    }

    #[test]
    fn flush_by_count_bytes_and_timer() {
        let e = enc();
        let cfg =
            BatchConfig { max_batch_spans: 4, max_body_bytes: 1000, flush_interval_ns: 100, ..Default::default() };
        let mut q = BatchQueue::new(cfg, &e);
        assert_eq!(q.should_flush(1_000_000), None);
        assert_eq!(q.timer_due_ns(), None);
        q.push(frag(10), 50).unwrap();
        assert_eq!(q.timer_due_ns(), Some(150));
        assert_eq!(q.should_flush(149), None);
        assert_eq!(q.should_flush(150), Some(FlushReason::Timer));
        for _ in 0..3 {
            q.push(frag(10), 60).unwrap();
        }
        assert_eq!(q.should_flush(60), Some(FlushReason::BatchSpans));

        let mut q = BatchQueue::new(cfg, &e);
        let half = (1000 - e.envelope_len()) / 2 + 1;
        q.push(frag(half), 0).unwrap();
        assert_eq!(q.should_flush(0), None);
        q.push(frag(half), 0).unwrap();
        assert_eq!(q.should_flush(0), Some(FlushReason::BatchBytes));
        let b = q.next_body(&e).unwrap();
        assert!(b.json.len() <= 1000);
        assert_eq!(b.spans, 1, "two halves plus a comma exceed the body");
        assert_eq!(q.queued_bytes(), half);
        q.next_body(&e).unwrap();
        assert_eq!(q.queued_bytes(), 0);
        assert!(q.next_body(&e).is_none());
    }

    #[test]
    fn draining_thousands_yields_bodies_within_limits_in_order() {
        let e = enc();
        let cfg =
            BatchConfig { max_queue_spans: 5000, max_batch_spans: 300, max_body_bytes: 8000, flush_interval_ns: 1 };
        let mut q = BatchQueue::new(cfg, &e);
        for i in 0..5000usize {
            q.push(EncodedSpan { json: i.to_string(), trimmed: false }, i as u64).unwrap();
        }
        let mut next = 0usize;
        while let Some(b) = q.next_body(&e) {
            assert!(b.json.len() <= 8000 && b.spans <= 300);
            let inner = &b.json[b.json.find("\"spans\":[").unwrap() + 9..b.json.len() - 6];
            for n in inner.split(',') {
                assert_eq!(n.parse::<usize>().unwrap(), next);
                next += 1;
            }
            assert_eq!(q.timer_due_ns(), q.is_empty().then_some(()).map_or(Some(next as u64 + 1), |_| None));
        }
        assert_eq!(next, 5000);
        assert_eq!(q.queued_bytes(), 0);
    }
}
