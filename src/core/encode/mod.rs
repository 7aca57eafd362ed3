//! Encoders: spans to request bodies that never exceed the transport's byte limit.
//!
//! A span is encoded once, when it ends, into a fragment (one element of the body's span array).
//! Fragments are packed into bodies by [`Encoder::pack_body`]; the text around them (resource,
//! scope) is written once per encoder. Because every fragment's size is known exactly, the
//! queue can tell precisely when a body is full, and a body never needs re-encoding to fit.

pub mod console;
pub mod json;
mod otlp;
mod zipkin;

use super::span::{AttributeValue, Attributes, SpanData};
use super::text::{find_bytes, split};

/// The default body limit: below Chromium's 64 KiB keepalive quota, with room for headers.
pub const DEFAULT_MAX_BODY_BYTES: usize = 60_000;

/// The room a span's encoding starts with (a span with a few attributes takes 300 to 400 bytes).
const SPAN_CAPACITY: usize = 512;

/// What produced the spans: `service.name` and the other resource attributes.
///
/// ```
/// use playtrace::core::encode::Resource;
/// let r = Resource::new("my-game").with("service.version", "1.2.0".into());
/// assert_eq!(r.service_name(), "my-game");
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    /// Resource attributes; `service.name` among them.
    pub attributes: Attributes,
}

impl Resource {
    /// A resource with `service.name` set.
    pub fn new(service_name: &str) -> Self {
        Self::default().with("service.name", service_name.into())
    }

    /// Adds or replaces an attribute (at most 128; no value length limit).
    #[must_use]
    pub fn with(mut self, key: &str, value: super::span::AttributeValue) -> Self {
        self.set(key, value);
        self
    }

    /// Adds or replaces an attribute in place (at most 128; no value length limit).
    pub fn set(&mut self, key: &str, value: super::span::AttributeValue) {
        self.attributes.set(key, value, 128, None);
    }

    /// `service.name` if it is a string, else OpenTelemetry's `unknown_service`.
    pub fn service_name(&self) -> &str {
        match self.attributes.get("service.name") {
            Some(super::span::AttributeValue::String(s)) if !s.is_empty() => s,
            _ => "unknown_service",
        }
    }
}

/// The wire format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OTLP/HTTP JSON (`POST /v1/traces`).
    OtlpJson,
    /// Zipkin v2 JSON (`POST /api/v2/spans`).
    ZipkinJson,
}

/// One span, encoded and guaranteed to fit in a body on its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedSpan {
    /// The span's JSON, one element of the body's span array.
    pub json: String,
    /// Whether attributes, events, links or text had to be dropped to make it fit.
    pub trimmed: bool,
}

/// A request body ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The JSON text.
    pub json: String,
    /// How many spans it carries.
    pub spans: usize,
}

/// Appends the body `more_json` (`more_spans` spans) to the body `json` holding `spans`, where
/// `merge` (see [`Encoder::merge`]) can; returns how many bytes `json` grew, or `None` when the
/// two stay apart. Bodies that wait for the endpoint and bodies kept in storage both merge so.
pub fn append_body(
    json: &mut String,
    spans: &mut usize,
    more_json: &str,
    more_spans: usize,
    merge: impl FnOnce(&mut String, &str) -> bool,
) -> Option<usize> {
    let before = json.len();
    if !merge(json, more_json) {
        return None;
    }
    *spans += more_spans;
    Some(json.len() - before)
}

/// Encodes spans of one resource and instrumentation scope in one format.
///
/// ```
/// use playtrace::core::encode::{Encoder, Format, Resource};
/// use playtrace::core::ids::IdGenerator;
/// use playtrace::core::span::{SpanData, SpanKind, SpanLimits};
/// use playtrace::core::span_context::{SpanContext, TraceFlags};
///
/// let enc = Encoder::new(Format::OtlpJson, &Resource::new("game"), "playtrace", "0.1.0");
/// let mut ids = IdGenerator::from_seed(1);
/// let spans: Vec<SpanData> = (0..1000).map(|i| {
///     let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
///     let mut s = SpanData::new(cx, None, "frame", SpanKind::Internal, i, SpanLimits::default());
///     s.end(i + 10);
///     s
/// }).collect();
/// let bodies = enc.encode_bodies(&spans, 20_000, 512);
/// assert!(bodies.len() > 1);
/// assert!(bodies.iter().all(|b| b.json.len() <= 20_000));
/// assert_eq!(bodies.iter().map(|b| b.spans).sum::<usize>(), 1000);
/// ```
#[derive(Clone, Debug)]
pub struct Encoder {
    format: Format,
    prefix: String,
    suffix: String,
    service_name: String,
    scope_name: String,
    scope_version: String,
}

/// Which part of a span a trimming step removes.
#[derive(Clone, Copy)]
enum Part {
    Attribute,
    Event,
    Link,
}

impl Encoder {
    /// An encoder for `resource` and the instrumentation scope `scope_name`/`scope_version`.
    pub fn new(format: Format, resource: &Resource, scope_name: &str, scope_version: &str) -> Self {
        let (prefix, suffix) = match format {
            Format::OtlpJson => otlp::envelope(resource, scope_name, scope_version),
            Format::ZipkinJson => (String::from("["), String::from("]")),
        };
        Self {
            format,
            prefix,
            suffix,
            service_name: resource.service_name().to_owned(),
            scope_name: scope_name.to_owned(),
            scope_version: scope_version.to_owned(),
        }
    }

    /// The MIME type of a body.
    pub fn content_type(&self) -> &'static str {
        "application/json"
    }

    /// A body that exports nothing, which every receiver of the format accepts.
    ///
    /// ```
    /// use playtrace::core::encode::{Encoder, Format, Resource};
    /// let otlp = Encoder::new(Format::OtlpJson, &Resource::new("g"), "playtrace", "0.1.0");
    /// let zipkin = Encoder::new(Format::ZipkinJson, &Resource::new("g"), "playtrace", "0.1.0");
    /// assert_eq!((otlp.empty_body(), zipkin.empty_body()), ("{}", "[]"));
    /// ```
    pub fn empty_body(&self) -> &'static str {
        match self.format {
            Format::OtlpJson => "{}",
            Format::ZipkinJson => "[]",
        }
    }

    /// Writes the play session's ID into the resource's `session.id` where it is still empty
    /// (the browser layer reads the ID after the encoder is made; a game's own stays).
    pub fn fill_session(&mut self, id: &str) {
        const EMPTY: &str = "{\"key\":\"session.id\",\"value\":{\"stringValue\":";
        if let Some(at) = find_bytes(&self.prefix, EMPTY.as_bytes()) {
            let (head, rest) = split(&self.prefix, at + EMPTY.len());
            if let Some(rest) = rest.strip_prefix("\"\"") {
                let mut prefix = String::from(head);
                json::write_str(&mut prefix, id);
                prefix.push_str(rest);
                self.prefix = prefix;
            }
        }
    }

    /// Bytes a body spends on everything but its spans.
    pub fn envelope_len(&self) -> usize {
        self.prefix.len() + self.suffix.len()
    }

    /// Appends one span's fragment, untrimmed.
    // One copy: trimming calls it from several places, and it is not on the span's hot path.
    #[inline(never)]
    pub fn encode_span(&self, span: &SpanData, out: &mut String) {
        match self.format {
            Format::OtlpJson => otlp::write_span(out, span),
            Format::ZipkinJson => {
                zipkin::write_span(out, span, &self.service_name, &self.scope_name, &self.scope_version)
            }
        }
    }

    fn part_len(&self, span: &SpanData, part: Part, index: usize, scratch: &mut String) -> usize {
        scratch.clear();
        match (self.format, part) {
            (Format::OtlpJson, Part::Attribute) => otlp::write_key_value(scratch, &span.attributes.items()[index]),
            (Format::OtlpJson, Part::Event) => otlp::write_event(scratch, &span.events[index]),
            (Format::OtlpJson, Part::Link) => otlp::write_link(scratch, &span.links[index]),
            (Format::ZipkinJson, Part::Attribute) => {
                zipkin::write_attribute_tag(scratch, &span.attributes.items()[index])
            }
            (Format::ZipkinJson, Part::Event) => zipkin::write_annotation(scratch, &span.events[index]),
            (Format::ZipkinJson, Part::Link) => {}
        }
        scratch.len() + 1 // and its separating comma
    }

    /// About the encoded length of `span` (OTLP JSON's; Zipkin's is shorter), without
    /// encoding it: enough for a queue to flush near a full body. Bodies are packed from the
    /// exact encoding, so an estimate off by some bytes costs nothing.
    #[inline]
    pub fn estimated_len(&self, span: &SpanData) -> usize {
        // Loops rather than iterator sums: each sum was a function of its own in the wasm.
        fn attrs(a: &super::span::Attributes) -> usize {
            let mut n = 0;
            for kv in a.items() {
                n += kv.key.len() + value_len(&kv.value) + 36;
            }
            n
        }
        fn value_len(v: &AttributeValue) -> usize {
            match v {
                AttributeValue::String(s) => {
                    let mut n = s.len();
                    for &b in s.as_bytes() {
                        n += usize::from(b < 0x20 || b == b'"' || b == b'\\');
                    }
                    n
                }
                AttributeValue::StringArray(items) => {
                    let mut n = 0;
                    for s in items {
                        n += s.len() + 20;
                    }
                    n
                }
                AttributeValue::IntArray(items) => items.len() * 24,
                AttributeValue::DoubleArray(items) => items.len() * 30,
                AttributeValue::BoolArray(items) => items.len() * 20,
                _ => 24,
            }
        }
        let mut events = 0;
        for e in &span.events {
            events += e.name.len() + 60 + attrs(&e.attributes);
        }
        let mut links = 0;
        for l in &span.links {
            links += 120 + attrs(&l.attributes);
        }
        let status = match &span.status {
            super::span::Status::Error(m) => m.len() + 40,
            _ => 0,
        };
        // IDs, flags, kind and two 19-digit epoch times; the parent's ID when there is one.
        let parent = if span.parent_span_id.is_some() { 32 } else { 0 };
        170 + parent + span.name.len() + attrs(&span.attributes) + events + links + status
    }

    /// Encodes `span` so that a body holding only it stays within `max_body_bytes`.
    ///
    /// A span too large for that is trimmed, never sent broken: attributes go first, largest
    /// first, then events, then links, each counted in the span's dropped counts; as a last
    /// resort the name and status message are shortened. `None` only if even an empty span
    /// cannot fit (a limit smaller than the resource itself).
    ///
    /// The trimming is done on `span` itself, which is left as it was encoded: the tracer
    /// encodes a span as its slot is freed, so no copy of it is made (nor the code to copy one).
    pub fn encode_span_within(&self, span: &mut SpanData, max_body_bytes: usize) -> Option<EncodedSpan> {
        let budget = max_body_bytes.checked_sub(self.envelope_len())?;
        // Most spans encode to a few hundred bytes: one allocation rather than one per doubling.
        let mut json = String::with_capacity(SPAN_CAPACITY);
        self.encode_span(span, &mut json);
        if json.len() <= budget {
            return Some(EncodedSpan { json, trimmed: false });
        }
        let s = span;
        let mut scratch = String::new();
        for part in [Part::Attribute, Part::Event, Part::Link] {
            loop {
                let count = match part {
                    Part::Attribute => s.attributes.items().len(),
                    Part::Event => s.events.len(),
                    Part::Link => s.links.len(),
                };
                if count == 0 || json.len() <= budget {
                    break;
                }
                // Remove the largest items until their sizes cover the excess, then re-measure.
                // A selection of maxima, not a sort: n is at most a few hundred, this runs only
                // for oversized spans, and it keeps sorting code out of the wasm. A removed
                // item's size becomes 0 (every item encodes to at least its comma).
                let mut sizes = Vec::with_capacity(count);
                for i in 0..count {
                    sizes.push(self.part_len(s, part, i, &mut scratch));
                }
                let mut excess = json.len() - budget;
                let mut removed = 0;
                while excess > 0 {
                    let (mut largest, mut max) = (0, 0);
                    for (i, &len) in sizes.iter().enumerate() {
                        if len > max {
                            (largest, max) = (i, len); // the first of equals
                        }
                    }
                    if max == 0 {
                        break;
                    }
                    sizes[largest] = 0;
                    excess = excess.saturating_sub(max);
                    removed += 1;
                }
                if removed == 0 {
                    break;
                }
                // From the last, so that the indices of those still to go stay put.
                for i in (0..count).rev().filter(|&i| sizes[i] == 0) {
                    match part {
                        Part::Attribute => s.attributes.remove(i),
                        Part::Event => {
                            s.events.remove(i);
                        }
                        Part::Link => {
                            s.links.remove(i);
                        }
                    }
                }
                match part {
                    Part::Attribute => s.attributes.count_dropped(removed),
                    Part::Event => s.dropped_events = s.dropped_events.saturating_add(removed),
                    Part::Link => s.dropped_links = s.dropped_links.saturating_add(removed),
                }
                json.clear();
                self.encode_span(s, &mut json);
            }
        }
        while json.len() > budget {
            let message_len = match &s.status {
                super::span::Status::Error(m) => m.len(),
                _ => 0,
            };
            if s.name.is_empty() && message_len == 0 {
                return None;
            }
            let mut name = String::from(&*s.name);
            halve(&mut name);
            s.name = name.into();
            if let super::span::Status::Error(m) = &mut s.status {
                halve(m);
            }
            json.clear();
            self.encode_span(s, &mut json);
        }
        Some(EncodedSpan { json, trimmed: true })
    }

    /// Moves fragments from the front of `fragments` into one body of at most `max_body_bytes`
    /// and `max_spans` spans. Every fragment must have come from
    /// [`encode_span_within`](Self::encode_span_within) with the same limit, so each body takes
    /// at least one. `None` when there is nothing to send.
    pub fn pack_body(&self, fragments: &mut Vec<String>, max_body_bytes: usize, max_spans: usize) -> Option<Body> {
        let mut len = self.envelope_len();
        let mut n = 0;
        for f in fragments.iter() {
            let add = f.len() + usize::from(n > 0);
            if n == max_spans.max(1) || (n > 0 && len + add > max_body_bytes) {
                break;
            }
            len += add;
            n += 1;
        }
        if n == 0 {
            return None;
        }
        let mut json = String::with_capacity(len);
        json.push_str(&self.prefix);
        // The rest split off and kept, rather than a drain: Drain's code is not otherwise in the
        // wasm.
        let rest = fragments.split_off(n);
        for (i, f) in std::mem::replace(fragments, rest).iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(f);
        }
        json.push_str(&self.suffix);
        Some(Body { json, spans: n })
    }

    /// Appends the spans of body `more` to body `into`, when both are this encoder's (the same
    /// envelope) and the result stays within `max_body_bytes`. Many small bodies kept while the
    /// endpoint fails become few, so their bounds count spans rather than flushes.
    ///
    /// ```
    /// use playtrace::core::encode::{Encoder, Format, Resource};
    /// let e = Encoder::new(Format::ZipkinJson, &Resource::new("g"), "s", "1");
    /// let mut a = String::from("[{}]");
    /// assert!(e.merge(&mut a, "[{},{}]", 1_000));
    /// assert_eq!(a, "[{},{},{}]");
    /// assert!(!e.merge(&mut a, "[{}]", 12));
    /// assert!(!e.merge(&mut a, "{}", 1_000));
    /// ```
    pub fn merge(&self, into: &mut String, more: &str, max_body_bytes: usize) -> bool {
        let env = self.envelope_len();
        let ours = |b: &str| b.len() > env && b.starts_with(&self.prefix) && b.ends_with(&self.suffix);
        if !ours(into) || !ours(more) || into.len() + more.len() + 1 - env > max_body_bytes {
            return false;
        }
        into.truncate(into.len() - self.suffix.len());
        into.push(',');
        into.push_str(super::text::after(more, self.prefix.len()));
        true
    }

    /// Encodes `spans` into as many bodies as it takes, each within the limits. Spans that
    /// cannot fit even when trimmed are left out (see [`encode_span_within`](Self::encode_span_within)).
    pub fn encode_bodies(&self, spans: &[SpanData], max_body_bytes: usize, max_spans: usize) -> Vec<Body> {
        let mut fragments: Vec<String> = spans
            .iter()
            .filter_map(|s| self.encode_span_within(&mut s.clone(), max_body_bytes))
            .map(|e| e.json)
            .collect();
        let mut bodies = Vec::new();
        while let Some(body) = self.pack_body(&mut fragments, max_body_bytes, max_spans) {
            bodies.push(body);
        }
        bodies
    }
}

/// Cuts a string to about half its bytes, on a character boundary.
fn halve(s: &mut String) {
    let mut keep = s.len() / 2;
    while !s.is_char_boundary(keep) {
        keep -= 1;
    }
    s.truncate(keep);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::IdGenerator;
    use crate::core::span::{AttributeValue, SpanKind, SpanLimits, Status};
    use crate::core::span_context::{SpanContext, TraceFlags};

    fn span() -> SpanData {
        let mut ids = IdGenerator::from_seed(11);
        let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        let mut s = SpanData::new(cx, None, "load_level", SpanKind::Internal, 1_000_000, SpanLimits::default());
        s.end(2_000_000);
        s
    }

    fn otlp() -> Encoder {
        Encoder::new(Format::OtlpJson, &Resource::new("g"), "playtrace", "0.1.0")
    }

    #[test]
    fn the_estimate_is_near_the_real_length() {
        let e = otlp();
        let epoch = |mut s: SpanData| {
            s.start_time_ns = 1_796_108_630_796_699_904;
            s.end_time_ns = Some(1_796_108_630_797_499_904);
            s
        };
        let mut bare = epoch(span());
        let mut busy = epoch(span());
        busy.set_attribute("item.id", 42i64.into());
        busy.set_attribute("item.name", "sword \"of\" doom".into());
        busy.set_attribute("vip", true.into());
        busy.set_attribute("tags", AttributeValue::StringArray(vec!["a".into(), "bb".into()]));
        busy.add_event("paid", 1_500_000, vec![("coins".into(), 300i64.into())]);
        busy.set_status(super::super::span::Status::Error("declined".into()));
        for s in [&mut bare, &mut busy] {
            let mut json = String::new();
            e.encode_span(s, &mut json);
            let (real, estimate) = (json.len() as f64, e.estimated_len(s) as f64);
            assert!((estimate - real).abs() <= real * 0.3, "estimated {estimate} for {real} bytes: {json}");
        }
    }

    #[test]
    fn a_fitting_span_is_untouched() {
        let e = otlp();
        let mut s = span();
        s.set_attribute("k", "v".into());
        let mut full = String::new();
        e.encode_span(&s, &mut full);
        let exact = e.envelope_len() + full.len();
        let enc = e.encode_span_within(&mut s.clone(), exact).unwrap();
        assert!(!enc.trimmed);
        assert_eq!(enc.json, full);
        assert!(e.encode_span_within(&mut s.clone(), exact - 1).unwrap().trimmed);
    }

    #[test]
    fn trimming_drops_largest_attributes_first_and_counts_them() {
        let e = otlp();
        let mut s = span();
        s.set_attribute("small", "x".into());
        s.set_attribute("huge", "y".repeat(50_000).into());
        s.set_attribute("medium", "z".repeat(500).into());
        s.add_event("hit", 1_500_000, vec![]);
        let enc = e.encode_span_within(&mut s.clone(), 5_000).unwrap();
        assert!(enc.trimmed);
        assert!(enc.json.len() + e.envelope_len() <= 5_000);
        assert!(!enc.json.contains("\"huge\""));
        assert!(enc.json.contains("\"medium\"") && enc.json.contains("\"small\""));
        assert!(enc.json.contains("\"droppedAttributesCount\":1"));
        assert!(enc.json.contains("\"hit\""), "events stay while dropping attributes suffices");
    }

    #[test]
    fn then_events_links_and_finally_text() {
        let e = otlp();
        let mut s = span();
        for i in 0..50 {
            s.add_event(&format!("event-{i}-{}", "e".repeat(100)), 1_500_000, vec![]);
        }
        let cx = s.context.clone();
        s.add_link(cx, vec![("why".into(), AttributeValue::String("q".repeat(3000)))]);
        s.update_name(&"n".repeat(10_000));
        s.set_status(Status::Error("m".repeat(10_000)));
        let enc = e.encode_span_within(&mut s.clone(), 1_500).unwrap();
        assert!(enc.json.len() + e.envelope_len() <= 1_500);
        let v: serde_json::Value = serde_json::from_str(&enc.json).unwrap();
        assert_eq!(v["droppedEventsCount"], 50);
        assert_eq!(v["droppedLinksCount"], 1);
        assert!(v["name"].as_str().unwrap().starts_with("nnn"));
        assert_eq!(v["status"]["code"], 2);
        // The envelope alone over the limit: nothing can be sent, and nothing broken is.
        assert!(e.encode_span_within(&mut s.clone(), e.envelope_len() + 10).is_none());
        assert!(e.encode_span_within(&mut s.clone(), 3).is_none());
    }

    #[test]
    fn otlp_json_shapes_follow_the_spec_mapping() {
        // Decoders are lenient about these (opentelemetry-proto takes numbers or strings), so
        // the spelling itself is checked: 64-bit integers as decimal strings, enums as numbers,
        // lowercase hex IDs, lowerCamelCase keys.
        let mut s = span();
        s.set_attribute("n", AttributeValue::Int(i64::MIN));
        s.set_attribute("arr", AttributeValue::IntArray(vec![u32::MAX as i64 + 1]));
        s.set_status(Status::Error("x".into()));
        let mut json = String::new();
        otlp().encode_span(&s, &mut json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["startTimeUnixNano"], "1000000");
        assert_eq!(v["endTimeUnixNano"], "2000000");
        assert_eq!(v["attributes"][0]["value"]["intValue"], "-9223372036854775808");
        assert_eq!(v["attributes"][1]["value"]["arrayValue"]["values"][0]["intValue"], "4294967296");
        assert_eq!(v["kind"], 1);
        assert_eq!(v["status"]["code"], 2);
        assert_eq!(v["flags"], 0x101);
        let id = v["traceId"].as_str().unwrap();
        assert!(id.len() == 32 && id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        for key in v.as_object().unwrap().keys() {
            assert!(!key.contains('_') && key.chars().next().unwrap().is_ascii_lowercase(), "{key}");
        }
    }

    #[test]
    fn the_session_is_filled_in_where_it_is_empty() {
        let unread = Resource::new("g").with("session.id", "".into());
        let mut enc = Encoder::new(Format::OtlpJson, &unread, "playtrace", "0.1.0");
        let before = enc.envelope_len();
        enc.fill_session("a\"b");
        assert_eq!(enc.envelope_len(), before + 4, "a\\\"b, escaped");
        let body = enc.encode_bodies(&[span()], 60_000, 10).remove(0).json;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let attrs = &v["resourceSpans"][0]["resource"]["attributes"];
        assert_eq!(attrs[1]["value"]["stringValue"], "a\"b");
        // A game's own session.id stays; Zipkin has no resource in its envelope.
        let own = Resource::new("g").with("session.id", "mine".into());
        let mut enc = Encoder::new(Format::OtlpJson, &own, "playtrace", "0.1.0");
        enc.fill_session("theirs");
        let body = enc.encode_bodies(&[span()], 60_000, 10).remove(0).json;
        assert!(body.contains("\"mine\"") && !body.contains("theirs"));
        let mut zipkin = Encoder::new(Format::ZipkinJson, &unread, "playtrace", "0.1.0");
        zipkin.fill_session("x");
        assert_eq!(zipkin.envelope_len(), 2);
    }

    #[test]
    fn resource_and_scope_are_in_the_envelope() {
        let r = Resource::new("space \"game\"").with("service.version", "2".into());
        let e = Encoder::new(Format::OtlpJson, &r, "playtrace", "0.1.0");
        let body = e.encode_bodies(&[span()], 60_000, 10).remove(0);
        let v: serde_json::Value = serde_json::from_str(&body.json).unwrap();
        let rs = &v["resourceSpans"][0];
        assert_eq!(rs["resource"]["attributes"][0]["value"]["stringValue"], "space \"game\"");
        assert_eq!(rs["scopeSpans"][0]["scope"]["version"], "0.1.0");
        assert_eq!(Resource::default().service_name(), "unknown_service");
        let z = Encoder::new(Format::ZipkinJson, &r, "playtrace", "0.1.0");
        assert_eq!(z.content_type(), "application/json");
        let v: serde_json::Value = serde_json::from_str(&z.encode_bodies(&[span()], 60_000, 10)[0].json).unwrap();
        assert_eq!(v[0]["localEndpoint"]["serviceName"], "space \"game\"");
        assert_eq!(v[0]["duration"], 1000);
    }
}
