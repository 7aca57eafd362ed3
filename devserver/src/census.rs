//! A census of a request body before it is decoded: how many spans, values and levels of nesting
//! decoding would produce. A body's bytes alone do not bound that (4 MB of empty protobuf spans
//! is two million of them, and half a gigabyte decoded), so a body over these caps is refused
//! with 413 before anything is allocated for it. The scans read the bytes once and allocate
//! nothing but a small stack.

/// Spans one request may carry.
pub const MAX_SPANS: usize = 20_000;
/// Attributes, events, links, objects and arrays one request may carry, all told.
pub const MAX_VALUES: usize = 400_000;
/// Levels of nesting (JSON containers, or protobuf values inside values).
pub const MAX_DEPTH: usize = 64;

#[derive(Default)]
struct Counts {
    spans: usize,
    values: usize,
}

impl Counts {
    fn check(&self, depth: usize) -> Result<(), String> {
        if self.spans > MAX_SPANS {
            return Err(format!("more than {MAX_SPANS} spans in one request: send them in smaller batches"));
        }
        if self.values > MAX_VALUES {
            return Err(format!("more than {MAX_VALUES} attributes, events, objects and arrays in one request"));
        }
        if depth > MAX_DEPTH {
            return Err(format!("values nested more than {MAX_DEPTH} levels deep"));
        }
        Ok(())
    }
}

/// The census of a JSON body: OTLP JSON (a span is an object in an array named `spans`) or a
/// Zipkin v2 list (a span is an object in the top-level array). Malformed JSON passes: the
/// decoder reports it.
pub fn json(body: &[u8]) -> Result<(), String> {
    let mut counts = Counts::default();
    // Each open container: whether its elements are spans.
    let mut stack: Vec<bool> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut string_start = 0;
    let mut last_string: &[u8] = b"";
    let mut key: &[u8] = b"";
    for (i, &c) in body.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
                last_string = &body[string_start..i];
            }
            continue;
        }
        match c {
            b'"' => {
                in_string = true;
                string_start = i + 1;
            }
            b':' => key = last_string,
            b'{' | b'[' => {
                let parent_holds_spans = stack.last().copied().unwrap_or(false);
                if c == b'{' && parent_holds_spans {
                    counts.spans += 1;
                }
                counts.values += 1;
                // A Zipkin list holds spans at the top; an OTLP body in its `spans` arrays.
                let holds_spans = c == b'[' && (stack.is_empty() || key == b"spans");
                stack.push(holds_spans);
                key = b"";
                counts.check(stack.len())?;
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => key = b"",
            _ => {}
        }
    }
    Ok(())
}

/// Which protobuf message a scan is in, for the fields that hold further messages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Msg {
    Request,
    ResourceSpans,
    Resource,
    ScopeSpans,
    Scope,
    Span,
    Event,
    Link,
    KeyValue,
    AnyValue,
    ArrayValue,
    KeyValueList,
    Other,
}

impl Msg {
    /// The message a length-delimited field holds (`Other`: bytes or a string).
    fn field(self, number: u64) -> Msg {
        use Msg::*;
        match (self, number) {
            (Request, 1) => ResourceSpans,
            (ResourceSpans, 1) => Resource,
            (ResourceSpans, 2) => ScopeSpans,
            (Resource, 1) | (Scope, 3) | (Span, 9) | (Event, 3) | (Link, 5) | (KeyValueList, 1) => KeyValue,
            (ScopeSpans, 1) => Scope,
            (ScopeSpans, 2) => Span,
            (Span, 11) => Event,
            (Span, 13) => Link,
            (KeyValue, 2) | (ArrayValue, 1) => AnyValue,
            (AnyValue, 5) => ArrayValue,
            (AnyValue, 6) => KeyValueList,
            _ => Other,
        }
    }
}

fn varint(buf: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*at)?;
        *at += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The census of an OTLP protobuf `ExportTraceServiceRequest`. Malformed bytes pass: the
/// decoder reports them.
pub fn otlp_protobuf(body: &[u8]) -> Result<(), String> {
    let mut counts = Counts::default();
    // (end of the message, its kind), innermost last.
    let mut stack: Vec<(usize, Msg)> = vec![(body.len(), Msg::Request)];
    let mut at = 0;
    while let Some(&(end, msg)) = stack.last() {
        if at >= end {
            stack.pop();
            continue;
        }
        let Some(key) = varint(body, &mut at) else { return Ok(()) };
        match key & 7 {
            0 => {
                if varint(body, &mut at).is_none() {
                    return Ok(());
                }
            }
            1 => at += 8,
            5 => at += 4,
            2 => {
                let Some(len) = varint(body, &mut at) else { return Ok(()) };
                let Some(inner_end) = at.checked_add(len as usize).filter(|&e| e <= end) else { return Ok(()) };
                match msg.field(key >> 3) {
                    Msg::Other => at = inner_end,
                    inner => {
                        match inner {
                            Msg::Span => counts.spans += 1,
                            Msg::KeyValue | Msg::AnyValue | Msg::Event | Msg::Link => counts.values += 1,
                            _ => {}
                        }
                        stack.push((inner_end, inner));
                        counts.check(stack.len())?;
                    }
                }
            }
            _ => return Ok(()),
        }
    }
    Ok(())
}
