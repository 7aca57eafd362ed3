//! Counters a game can read with `tracer.stats()` (the seeds' trace_total, trace_dropped_total,
//! trace_queue_size, and what the transport did).

/// What the tracer has done since `init`. Every span that does not reach the backend is counted
/// under one of the `dropped_*` reasons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Spans started, recording or not.
    pub spans_started: u64,
    /// Recording spans ended (by the game or by the span timeout).
    pub spans_ended: u64,
    /// Spans the sampler did not sample (never recorded, never exported).
    pub sampled_out: u64,
    /// Spans ended by the span timeout.
    pub timed_out: u64,
    /// Spans trimmed to fit one request body.
    pub trimmed: u64,
    /// Spans dropped because the queue was full.
    pub dropped_queue_full: u64,
    /// Spans dropped because even trimmed they could not fit a request body.
    pub dropped_too_large: u64,
    /// Spans dropped after sending failed for good: the endpoint refused them (a 4xx or 500), a
    /// retryable answer (429, 502, 503, 504) came five times, or they were pushed out of the
    /// bodies waiting for a failing endpoint by newer ones.
    pub dropped_send_failed: u64,
    /// Spans dropped from storage to keep it within its bound.
    pub dropped_storage_full: u64,
    /// Spans in bodies the endpoint answered with 2xx: delivered, and nothing else counts here.
    pub exported: u64,
    /// Spans handed to `sendBeacon` or `fetchLater` as the page went away: the browser queued
    /// them, but no page can see whether they arrived.
    pub beaconed: u64,
    /// Request bodies handed to a transport (any answer, or none).
    pub bodies_sent: u64,
    /// Bytes of those bodies.
    pub bytes_sent: u64,
    /// Bodies sent gzipped (`Content-Encoding: gzip`).
    pub bodies_gzipped: u64,
    /// `sendBeacon` calls that queued the body.
    pub beacons_sent: u64,
    /// `sendBeacon` calls that returned false or threw.
    pub beacons_refused: u64,
    /// Bodies sent with `fetch(..., {keepalive: true})`, which outlives the page.
    pub fetch_keepalive: u64,
    /// Bodies sent with a plain `fetch` (the keepalive quota was full).
    pub fetch_plain: u64,
    /// Bodies handed to `fetchLater` while the page was going away.
    pub fetch_later: u64,
    /// Attempts that failed: no answer (nothing listens, offline, CORS refused) or not 2xx.
    pub send_failures: u64,
    /// Bodies sent again after a failed attempt.
    pub retries: u64,
    /// Spans written to storage for the next visit: the page went away while the endpoint
    /// failed, or with bodies still waiting for it.
    pub persisted: u64,
    /// Spans read back from storage by `init` and sent (counted again as `exported` when they
    /// are answered 2xx).
    pub recovered: u64,
    /// Spans printed by the console format.
    pub printed: u64,
    /// Uncaught errors and unhandled rejections recorded (on the open action, or as a span).
    pub errors_recorded: u64,
    /// Uncaught errors and unhandled rejections only counted: repeats within a minute, or
    /// beyond the minute's limit.
    pub errors_suppressed: u64,
    /// A WebSocket `inject` or `extract` hook threw: the message went, or was received, as the
    /// game sent it, without trace context.
    pub hook_errors: u64,
    /// Values given to the API whose conversion threw (a throwing `toString`, a Proxy, a
    /// getter): skipped, never thrown into the game.
    pub conversion_errors: u64,
    /// Span names, attribute keys and event names longer than the interning limit, cut to it.
    pub names_cut: u64,
}

impl Stats {
    /// The names `stats()` gives the counters in JS, comma-separated, in the order of
    /// [`Self::values`]: one text rather than a pointer and a length per name in the wasm.
    pub const NAMES: &'static str = "spansStarted,spansEnded,sampledOut,timedOut,trimmed,droppedQueueFull,droppedTooLarge,droppedSendFailed,droppedStorageFull,queued,sending,waiting,exported,beaconed,bodiesSent,bytesSent,bodiesGzipped,beaconsSent,beaconsRefused,fetchKeepalive,fetchPlain,fetchLater,sendFailures,retries,persisted,recovered,printed,errorsRecorded,errorsSuppressed,hookErrors,conversionErrors,namesCut";

    /// Every counter, in the order [`Self::NAMES`] names them, with the gauges the caller knows
    /// (`queued`: spans waiting to be batched; `sending`: spans in requests not answered yet;
    /// `waiting`: spans in bodies waiting for a failing endpoint): the one list a game can read.
    ///
    /// ```
    /// use playtrace::core::stats::Stats;
    /// let stats = Stats { exported: 7, ..Stats::default() };
    /// let fields: Vec<_> = Stats::NAMES.split(',').zip(stats.values(3, 0, 0)).collect();
    /// assert!(fields.contains(&("exported", 7)) && fields.contains(&("queued", 3)));
    /// assert_eq!(fields.len(), 32);
    /// ```
    pub fn values(&self, queued: u64, sending: u64, waiting: u64) -> [u64; 32] {
        [
            self.spans_started,
            self.spans_ended,
            self.sampled_out,
            self.timed_out,
            self.trimmed,
            self.dropped_queue_full,
            self.dropped_too_large,
            self.dropped_send_failed,
            self.dropped_storage_full,
            queued,
            sending,
            waiting,
            self.exported,
            self.beaconed,
            self.bodies_sent,
            self.bytes_sent,
            self.bodies_gzipped,
            self.beacons_sent,
            self.beacons_refused,
            self.fetch_keepalive,
            self.fetch_plain,
            self.fetch_later,
            self.send_failures,
            self.retries,
            self.persisted,
            self.recovered,
            self.printed,
            self.errors_recorded,
            self.errors_suppressed,
            self.hook_errors,
            self.conversion_errors,
            self.names_cut,
        ]
    }
}
