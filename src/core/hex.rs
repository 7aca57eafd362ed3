//! Lowercase hex, the only form W3C Trace Context and OTLP JSON accept for IDs.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Appends `bytes`, at most 16 (an ID or the flags), as lowercase hex. The digits are written
/// into a buffer and appended at once: a `push` per digit costs a call each where the engine is
/// compiled for size, which made hex the largest part of encoding a span.
pub(crate) fn encode_lower(bytes: &[u8], out: &mut String) {
    let mut buf = [0u8; 32];
    let n = bytes.len().min(16);
    for i in 0..n {
        buf[2 * i] = DIGITS[usize::from(bytes[i] >> 4)];
        buf[2 * i + 1] = DIGITS[usize::from(bytes[i] & 0x0f)];
    }
    // SAFETY: the buffer holds only ASCII digits.
    out.push_str(unsafe { crate::core::text::ascii(&buf[..2 * n]) });
}

/// The value of one lowercase hex digit; uppercase is not a hex digit here.
pub(crate) fn lower_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Decodes exactly `out.len() * 2` lowercase hex digits; false on any other input. One copy
/// for every ID length: inlined, the optimiser unrolled it into each ID's parser (1 KB of wasm).
#[inline(never)]
pub(crate) fn decode_lower(text: &[u8], out: &mut [u8]) -> bool {
    if text.len() != out.len() * 2 {
        return false;
    }
    for (slot, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        match (lower_digit(pair[0]), lower_digit(pair[1])) {
            (Some(h), Some(l)) => *slot = (h << 4) | l,
            _ => return false,
        }
    }
    true
}
