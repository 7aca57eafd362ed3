//! The span model: what a span records, and the limits that keep one span from growing without
//! bound. Everything a limit drops is counted, so a backend can show that data was lost.

use std::sync::Arc;

use super::ids::SpanId;
use super::span_context::SpanContext;

/// Text shared rather than copied: span names and attribute keys repeat on every span, so a
/// span holds a reference to the one copy (on wasm, cloning one costs an increment, not a
/// malloc).
pub type SharedStr = Arc<str>;

/// Text that can become a [`SharedStr`]: a shared one is passed on as it is, anything else is
/// copied once.
pub trait IntoSharedStr: AsRef<str> {
    /// The shared text.
    fn into_shared(self) -> SharedStr;
}

impl IntoSharedStr for SharedStr {
    #[inline]
    fn into_shared(self) -> SharedStr {
        self
    }
}

impl IntoSharedStr for &SharedStr {
    #[inline]
    fn into_shared(self) -> SharedStr {
        Arc::clone(self)
    }
}

impl IntoSharedStr for &str {
    #[inline]
    fn into_shared(self) -> SharedStr {
        self.into()
    }
}

impl IntoSharedStr for String {
    #[inline]
    fn into_shared(self) -> SharedStr {
        self.into()
    }
}

impl IntoSharedStr for &String {
    #[inline]
    fn into_shared(self) -> SharedStr {
        self.as_str().into()
    }
}

/// What role a span plays, as in OpenTelemetry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SpanKind {
    /// In-process work, such as a player action.
    #[default]
    Internal,
    /// Handling a request from a remote client.
    Server,
    /// A request to a remote server, such as a `fetch`.
    Client,
    /// Sending a message to be processed later.
    Producer,
    /// Processing a message sent earlier.
    Consumer,
}

impl SpanKind {
    /// The OTLP enum value (`SPAN_KIND_INTERNAL` is 1 ... `SPAN_KIND_CONSUMER` is 5).
    pub fn otlp_code(self) -> u8 {
        match self {
            Self::Internal => 1,
            Self::Server => 2,
            Self::Client => 3,
            Self::Producer => 4,
            Self::Consumer => 5,
        }
    }
}

/// A typed attribute value. Arrays are homogeneous by construction.
#[derive(Clone, Debug, PartialEq)]
pub enum AttributeValue {
    /// UTF-8 text.
    String(String),
    /// A boolean.
    Bool(bool),
    /// A signed 64-bit integer.
    Int(i64),
    /// A double; NaN and infinities are allowed and encoded as the proto3 JSON mapping says.
    Double(f64),
    /// Texts.
    StringArray(Vec<String>),
    /// Booleans.
    BoolArray(Vec<bool>),
    /// Integers.
    IntArray(Vec<i64>),
    /// Doubles.
    DoubleArray(Vec<f64>),
}

impl From<&str> for AttributeValue {
    #[inline]
    fn from(v: &str) -> Self {
        Self::String(v.to_owned())
    }
}
impl From<String> for AttributeValue {
    #[inline]
    fn from(v: String) -> Self {
        Self::String(v)
    }
}
impl From<bool> for AttributeValue {
    #[inline]
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<i64> for AttributeValue {
    #[inline]
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}
impl From<f64> for AttributeValue {
    #[inline]
    fn from(v: f64) -> Self {
        Self::Double(v)
    }
}

/// Cuts `s` to at most `max_chars` Unicode scalar values, never inside a character.
/// Returns whether anything was cut.
fn truncate_chars(s: &mut String, max_chars: usize) -> bool {
    if s.len() <= max_chars {
        return false; // byte length bounds the character count
    }
    // The byte where character `max_chars` starts: UTF-8 starts a character on every byte
    // that is not a continuation byte (10xxxxxx).
    let mut chars = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if b & 0xC0 != 0x80 {
            if chars == max_chars {
                s.truncate(i);
                return true;
            }
            chars += 1;
        }
    }
    false
}

impl AttributeValue {
    /// Applies the attribute value length limit to strings and to each string of an array.
    fn limit_length(&mut self, max_chars: Option<u32>) {
        let Some(max) = max_chars else { return };
        let max = max as usize;
        match self {
            Self::String(s) => {
                truncate_chars(s, max);
            }
            Self::StringArray(items) => {
                for s in items {
                    truncate_chars(s, max);
                }
            }
            _ => {}
        }
    }
}

/// One attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    /// The key; keys are never empty.
    pub key: SharedStr,
    /// The value.
    pub value: AttributeValue,
}

/// Limits on what one span may hold. The defaults are OpenTelemetry's.
///
/// ```
/// use playtrace::core::span::SpanLimits;
/// let limits = SpanLimits { attribute_value_length: Some(256), ..SpanLimits::default() };
/// assert_eq!(limits.attribute_count, 128);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanLimits {
    /// Attributes on a span.
    pub attribute_count: u32,
    /// Events on a span.
    pub event_count: u32,
    /// Links on a span.
    pub link_count: u32,
    /// Attributes on one event.
    pub attributes_per_event: u32,
    /// Attributes on one link.
    pub attributes_per_link: u32,
    /// Characters kept of a string value (and of each string in an array); `None` keeps all.
    pub attribute_value_length: Option<u32>,
}

impl Default for SpanLimits {
    fn default() -> Self {
        Self {
            attribute_count: 128,
            event_count: 128,
            link_count: 128,
            attributes_per_event: 128,
            attributes_per_link: 128,
            attribute_value_length: None,
        }
    }
}

/// A bounded attribute set that counts what it had to drop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes {
    items: Vec<KeyValue>,
    dropped: u32,
}

impl Attributes {
    /// Sets `key`. An existing key is overwritten in place; a new key beyond `max_count` is
    /// dropped and counted; an empty key is invalid and counted as dropped. (Owned keys are
    /// passed as `&str` by the engine: each key type is a copy of this code in the wasm.)
    pub fn set<K: IntoSharedStr>(&mut self, key: K, mut value: AttributeValue, max_count: u32, max_len: Option<u32>) {
        let k = key.as_ref();
        if k.is_empty() {
            self.dropped = self.dropped.saturating_add(1);
            return;
        }
        value.limit_length(max_len);
        if let Some(kv) = self.items.iter_mut().find(|kv| &*kv.key == k) {
            kv.value = value;
        } else if self.items.len() < max_count as usize {
            self.items.push(KeyValue { key: key.into_shared(), value });
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    /// Empties the set for a new span, keeping its memory unless it grew large.
    fn reset(&mut self) {
        if self.items.capacity() > 32 {
            self.items = Vec::new();
        } else {
            self.items.clear();
        }
        self.dropped = 0;
    }

    /// Counts attributes dropped before they reached this set (for example values of a type
    /// that cannot be represented).
    pub fn count_dropped(&mut self, n: u32) {
        self.dropped = self.dropped.saturating_add(n);
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&AttributeValue> {
        self.items.iter().find(|kv| &*kv.key == key).map(|kv| &kv.value)
    }

    /// The attributes, in insertion order.
    pub fn items(&self) -> &[KeyValue] {
        &self.items
    }

    /// How many attributes were dropped.
    pub fn dropped(&self) -> u32 {
        self.dropped
    }

    /// Removes the attribute at `index` (see [`items`](Self::items)); the caller counts it
    /// (see [`count_dropped`](Self::count_dropped)).
    pub(crate) fn remove(&mut self, index: usize) {
        self.items.remove(index);
    }

    /// Whether there are no attributes.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A timestamped annotation on a span (the seeds' LogKV/LogFields).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// What happened.
    pub name: String,
    /// When, in nanoseconds since the Unix epoch.
    pub time_ns: u64,
    /// Details.
    pub attributes: Attributes,
}

/// A reference to another span, for example the action that queued this work.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The linked span.
    pub context: SpanContext,
    /// Details.
    pub attributes: Attributes,
}

/// The outcome of a span.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Status {
    /// Not set by the application.
    #[default]
    Unset,
    /// Explicitly successful; final.
    Ok,
    /// Failed, with a description.
    Error(String),
}

/// A span being recorded, or ended and ready for export.
///
/// ```
/// use playtrace::core::ids::IdGenerator;
/// use playtrace::core::span::{SpanData, SpanKind, SpanLimits};
/// use playtrace::core::span_context::{SpanContext, TraceFlags};
/// let mut ids = IdGenerator::from_seed(9);
/// let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
/// let mut span = SpanData::new(cx, None, "buy_item", SpanKind::Internal, 1_000, SpanLimits::default());
/// span.set_attribute("item.id", 42i64.into());
/// span.add_event("paid", 1_500, vec![]);
/// assert!(span.end(2_000));
/// assert!(!span.end(3_000)); // a span ends once
/// assert_eq!(span.end_time_ns, Some(2_000));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct SpanData {
    /// This span's identity.
    pub context: SpanContext,
    /// The parent span, if any.
    pub parent_span_id: Option<SpanId>,
    /// Whether the parent lives in another process.
    pub parent_is_remote: bool,
    /// The operation name.
    pub name: SharedStr,
    /// The role of the span.
    pub kind: SpanKind,
    /// Start, in nanoseconds since the Unix epoch.
    pub start_time_ns: u64,
    /// End, once ended.
    pub end_time_ns: Option<u64>,
    /// Attributes and how many were dropped.
    pub attributes: Attributes,
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// Events dropped by the limit.
    pub dropped_events: u32,
    /// Links.
    pub links: Vec<Link>,
    /// Links dropped by the limit.
    pub dropped_links: u32,
    /// The outcome.
    pub status: Status,
    /// The limits this span was created with.
    pub limits: SpanLimits,
}

impl SpanData {
    /// Starts a span.
    #[inline]
    pub fn new(
        context: SpanContext,
        parent: Option<&SpanContext>,
        name: impl IntoSharedStr,
        kind: SpanKind,
        start_time_ns: u64,
        limits: SpanLimits,
    ) -> Self {
        Self {
            context,
            parent_span_id: parent.map(|p| p.span_id),
            parent_is_remote: parent.is_some_and(|p| p.is_remote),
            name: name.into_shared(),
            kind,
            start_time_ns,
            end_time_ns: None,
            attributes: Attributes::default(),
            events: Vec::new(),
            dropped_events: 0,
            links: Vec::new(),
            dropped_links: 0,
            status: Status::Unset,
            limits,
        }
    }

    /// Starts a new span in this one's place: what [`new`](Self::new) makes, in memory that
    /// is already allocated (a tracer reuses the storage of spans it has sent).
    #[inline]
    pub fn restart(
        &mut self,
        context: SpanContext,
        parent: Option<&SpanContext>,
        name: impl IntoSharedStr,
        kind: SpanKind,
        start_time_ns: u64,
        limits: SpanLimits,
    ) {
        let mut attributes = std::mem::take(&mut self.attributes);
        let mut events = std::mem::take(&mut self.events);
        let mut links = std::mem::take(&mut self.links);
        attributes.reset();
        events.clear();
        links.clear();
        *self = Self { attributes, events, links, ..Self::new(context, parent, name, kind, start_time_ns, limits) };
    }

    /// Sets an attribute within the span's limits.
    #[inline]
    pub fn set_attribute<K: IntoSharedStr>(&mut self, key: K, value: AttributeValue) {
        let l = self.limits;
        self.attributes.set(key, value, l.attribute_count, l.attribute_value_length);
    }

    /// An event's or a link's attributes, at most `max_count` of them and within the value
    /// length limit.
    fn limited(&self, attributes: Vec<(String, AttributeValue)>, max_count: u32) -> Attributes {
        let mut attrs = Attributes::default();
        for (k, v) in attributes {
            attrs.set(k.as_str(), v, max_count, self.limits.attribute_value_length);
        }
        attrs
    }

    /// Records an event; beyond the event limit it is dropped and counted.
    pub fn add_event(&mut self, name: &str, time_ns: u64, attributes: Vec<(String, AttributeValue)>) {
        if self.events.len() >= self.limits.event_count as usize {
            self.dropped_events = self.dropped_events.saturating_add(1);
            return;
        }
        let attributes = self.limited(attributes, self.limits.attributes_per_event);
        self.events.push(Event { name: name.to_owned(), time_ns, attributes });
    }

    /// Adds a link; beyond the link limit it is dropped and counted.
    pub fn add_link(&mut self, context: SpanContext, attributes: Vec<(String, AttributeValue)>) {
        if self.links.len() >= self.limits.link_count as usize {
            self.dropped_links = self.dropped_links.saturating_add(1);
            return;
        }
        let attributes = self.limited(attributes, self.limits.attributes_per_link);
        self.links.push(Link { context, attributes });
    }

    /// Sets the status as OpenTelemetry prescribes: `Ok` is final, `Unset` changes nothing,
    /// and an error replaces an earlier error's description.
    pub fn set_status(&mut self, status: Status) {
        match (&self.status, status) {
            (Status::Ok, _) | (_, Status::Unset) => {}
            (_, s) => self.status = s,
        }
    }

    /// Renames the span (the seeds' SetOperationName).
    pub fn update_name(&mut self, name: &str) {
        self.name = name.into();
    }

    /// Ends the span; an end before the start is clamped to the start. Returns false, changing
    /// nothing, if it had already ended.
    #[inline]
    pub fn end(&mut self, end_time_ns: u64) -> bool {
        if self.end_time_ns.is_some() {
            return false;
        }
        self.end_time_ns = Some(end_time_ns.max(self.start_time_ns));
        true
    }

    /// Whether the span has ended.
    pub fn is_ended(&self) -> bool {
        self.end_time_ns.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::IdGenerator;
    use crate::core::span_context::TraceFlags;

    fn span(limits: SpanLimits) -> SpanData {
        let mut ids = IdGenerator::from_seed(3);
        let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        SpanData::new(cx, None, "s", SpanKind::Internal, 10, limits)
    }

    #[test]
    fn a_restarted_span_is_a_new_span() {
        let mut ids = IdGenerator::from_seed(4);
        let cx = SpanContext::new(ids.trace_id(), ids.span_id(), TraceFlags::SAMPLED, false);
        let mut old = SpanData::new(cx.clone(), None, "old", SpanKind::Client, 5, SpanLimits::default());
        old.set_attribute("k", 1i64.into());
        old.add_event("e", 6, vec![]);
        old.set_status(Status::Error("bad".into()));
        old.end(9);
        let fresh = SpanData::new(cx.clone(), Some(&cx), "new", SpanKind::Internal, 7, SpanLimits::default());
        old.restart(cx.clone(), Some(&cx), "new", SpanKind::Internal, 7, SpanLimits::default());
        assert_eq!(old, fresh);
    }

    #[test]
    fn attribute_limit_counts_drops_and_overwrites_in_place() {
        let mut s = span(SpanLimits::default());
        for i in 0..200 {
            s.set_attribute(format!("k{i}"), (i as i64).into());
        }
        assert_eq!(s.attributes.items().len(), 128);
        assert_eq!(s.attributes.dropped(), 72);
        s.set_attribute("k0", "replaced".into());
        assert_eq!(s.attributes.get("k0"), Some(&AttributeValue::String("replaced".into())));
        assert_eq!(s.attributes.dropped(), 72);
        assert_eq!(&*s.attributes.items()[0].key, "k0");
        s.set_attribute("", true.into());
        assert_eq!(s.attributes.dropped(), 73);
    }

    #[test]
    fn event_and_link_limits() {
        let limits = SpanLimits {
            event_count: 2,
            link_count: 1,
            attributes_per_event: 1,
            attributes_per_link: 1,
            ..SpanLimits::default()
        };
        let mut s = span(limits);
        let attrs = || vec![("a".to_string(), AttributeValue::Bool(true)), ("b".to_string(), AttributeValue::Int(1))];
        for _ in 0..5 {
            s.add_event("e", 11, attrs());
        }
        assert_eq!((s.events.len(), s.dropped_events), (2, 3));
        assert_eq!(s.events[0].attributes.dropped(), 1);
        let cx = s.context.clone();
        s.add_link(cx.clone(), attrs());
        s.add_link(cx, attrs());
        assert_eq!((s.links.len(), s.dropped_links), (1, 1));
        assert_eq!(s.links[0].attributes.dropped(), 1);
    }

    #[test]
    fn value_length_limit_respects_characters() {
        let mut s = span(SpanLimits { attribute_value_length: Some(3), ..SpanLimits::default() });
        s.set_attribute("s", "héllo🎮".into());
        s.set_attribute("a", AttributeValue::StringArray(vec!["🎮🎮🎮🎮".into(), "ab".into()]));
        s.set_attribute("n", 123456i64.into());
        s.add_event("e", 11, vec![("x".into(), "abcdef".into())]);
        assert_eq!(s.attributes.get("s"), Some(&AttributeValue::String("hél".into())));
        assert_eq!(s.attributes.get("a"), Some(&AttributeValue::StringArray(vec!["🎮🎮🎮".into(), "ab".into()])));
        assert_eq!(s.attributes.get("n"), Some(&AttributeValue::Int(123456)));
        assert_eq!(s.events[0].attributes.get("x"), Some(&AttributeValue::String("abc".into())));
    }

    #[test]
    fn status_rules() {
        let mut s = span(SpanLimits::default());
        s.set_status(Status::Error("boom".into()));
        s.set_status(Status::Unset);
        assert_eq!(s.status, Status::Error("boom".into()));
        s.set_status(Status::Ok);
        s.set_status(Status::Error("late".into()));
        assert_eq!(s.status, Status::Ok);
    }

    #[test]
    fn end_once_and_never_before_start() {
        let mut s = span(SpanLimits::default());
        assert!(s.end(5));
        assert_eq!(s.end_time_ns, Some(10));
        assert!(!s.end(50));
        assert_eq!(s.end_time_ns, Some(10));
        s.update_name("renamed");
        assert_eq!(&*s.name, "renamed");
    }

    #[test]
    fn parent_fields() {
        let p = span(SpanLimits::default()).context;
        let mut remote = p.clone();
        remote.is_remote = true;
        let child = SpanData::new(p.clone(), Some(&remote), "c", SpanKind::Client, 0, SpanLimits::default());
        assert_eq!(child.parent_span_id, Some(p.span_id));
        assert!(child.parent_is_remote);
    }
}
