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
    /// Every counter with the name `stats()` gives it in JS, with the gauges the caller knows
    /// (`queued`: spans waiting to be batched; `sending`: spans in requests not answered yet;
    /// `waiting`: spans in bodies waiting for a failing endpoint): the one list a game can read.
    ///
    /// ```
    /// use playtrace::core::stats::Stats;
    /// let stats = Stats { exported: 7, ..Stats::default() };
    /// let fields = stats.fields(3, 0, 0);
    /// assert!(fields.contains(&("exported", 7)) && fields.contains(&("queued", 3)));
    /// ```
    pub fn fields(&self, queued: u64, sending: u64, waiting: u64) -> [(&'static str, u64); 32] {
        [
            ("spansStarted", self.spans_started),
            ("spansEnded", self.spans_ended),
            ("sampledOut", self.sampled_out),
            ("timedOut", self.timed_out),
            ("trimmed", self.trimmed),
            ("droppedQueueFull", self.dropped_queue_full),
            ("droppedTooLarge", self.dropped_too_large),
            ("droppedSendFailed", self.dropped_send_failed),
            ("droppedStorageFull", self.dropped_storage_full),
            ("queued", queued),
            ("sending", sending),
            ("waiting", waiting),
            ("exported", self.exported),
            ("beaconed", self.beaconed),
            ("bodiesSent", self.bodies_sent),
            ("bytesSent", self.bytes_sent),
            ("bodiesGzipped", self.bodies_gzipped),
            ("beaconsSent", self.beacons_sent),
            ("beaconsRefused", self.beacons_refused),
            ("fetchKeepalive", self.fetch_keepalive),
            ("fetchPlain", self.fetch_plain),
            ("fetchLater", self.fetch_later),
            ("sendFailures", self.send_failures),
            ("retries", self.retries),
            ("persisted", self.persisted),
            ("recovered", self.recovered),
            ("printed", self.printed),
            ("errorsRecorded", self.errors_recorded),
            ("errorsSuppressed", self.errors_suppressed),
            ("hookErrors", self.hook_errors),
            ("conversionErrors", self.conversion_errors),
            ("namesCut", self.names_cut),
        ]
    }
}
