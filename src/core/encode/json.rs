//! A minimal JSON writer: exactly what the encoders need, without serde_json or `format!`.

/// Appends `s` as a JSON string literal. Quotes, backslashes and every control character are
/// escaped, and so are U+2028 and U+2029 (valid JSON, but line breaks to older JavaScript
/// parsers). Rust strings cannot hold lone surrogates; text from JavaScript arrives with each
/// lone surrogate already replaced by U+FFFD, so the output is always well-formed UTF-8.
pub fn write_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&str> = match b {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0x00..=0x1f | 0x7f => None,
            // U+2028 and U+2029 are E2 80 A8 / E2 80 A9.
            0xe2 if bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xa8 | 0xa9)) => None,
            _ => continue,
        };
        // `get` rather than indexing: `start` and `i` are always character boundaries, and this
        // keeps the panic path (and the formatting code it drags into the wasm) out.
        out.push_str(s.get(start..i).unwrap_or_default());
        match escape {
            Some(e) => {
                out.push_str(e);
                start = i + 1;
            }
            None if b == 0xe2 => {
                out.push_str(if bytes[i + 2] == 0xa8 { "\\u2028" } else { "\\u2029" });
                start = i + 3;
            }
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 15)] as char);
                start = i + 1;
            }
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

/// Appends `open`, then each item written by `each` with commas between, then `close`.
pub fn write_joined<T>(out: &mut String, open: &str, items: &[T], close: &str, mut each: impl FnMut(&mut String, &T)) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push_str(close);
}

/// Appends an unsigned integer.
pub fn write_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    // SAFETY: the buffer holds only ASCII digits.
    out.push_str(unsafe { crate::core::text::ascii(&buf[i..]) });
}

/// Appends a signed integer.
pub fn write_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    write_u64(out, v.unsigned_abs());
}

/// The proto3 JSON names of the doubles JSON numbers cannot express: `NaN`, `Infinity`,
/// `-Infinity`; `None` for finite values.
pub fn non_finite_name(v: f64) -> Option<&'static str> {
    if v.is_nan() {
        Some("NaN")
    } else if v == f64::INFINITY {
        Some("Infinity")
    } else if v == f64::NEG_INFINITY {
        Some("-Infinity")
    } else {
        None
    }
}

/// Appends a finite double in shortest round-trip form (`1.5`, `1e300`). Callers handle NaN
/// and infinities, which JSON numbers cannot express.
#[cfg(not(target_arch = "wasm32"))]
pub fn write_finite_f64(out: &mut String, v: f64) {
    let mut buf = ryu::Buffer::new();
    out.push_str(buf.format_finite(v));
}

/// A writer of finite doubles in shortest round-trip form.
pub type DoubleWriter = fn(&mut String, f64);

#[cfg(target_arch = "wasm32")]
thread_local! {
    static DOUBLES: std::cell::Cell<DoubleWriter> = const { std::cell::Cell::new(write_whole_f64) };
}

/// In the browser, doubles are written by the engine's host, whose JavaScript already has the
/// shortest round-trip algorithm (`String(v)`), rather than by a second copy of it in the wasm;
/// the browser layer installs it with [`use_double_writer`]. Callers handle NaN and infinities.
#[cfg(target_arch = "wasm32")]
pub fn write_finite_f64(out: &mut String, v: f64) {
    DOUBLES.with(|w| (w.get())(out, v));
}

/// Installs the writer of doubles (see [`write_finite_f64`]).
#[cfg(target_arch = "wasm32")]
pub fn use_double_writer(writer: DoubleWriter) {
    DOUBLES.with(|w| w.set(writer));
}

/// Before a writer is installed: the value rounded toward zero. The browser layer installs its
/// own in `init`, before any span exists, so no body is written with this one; it is only a
/// defined value for the cell.
#[cfg(target_arch = "wasm32")]
fn write_whole_f64(out: &mut String, v: f64) {
    write_i64(out, v as i64);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> String {
        let mut o = String::new();
        write_str(&mut o, v);
        o
    }

    #[test]
    fn escapes() {
        assert_eq!(s("plain"), "\"plain\"");
        assert_eq!(s("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(s("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(s("\u{0}\u{1f}\u{7f}"), r#""\u0000\u001f\u007f""#);
        assert_eq!(s("x\u{2028}y\u{2029}z"), r#""x\u2028y\u2029z""#);
        assert_eq!(s("é🎮\u{fffd}"), "\"é🎮\u{fffd}\"");
        assert_eq!(s("\u{2027}\u{202a}"), "\"\u{2027}\u{202a}\"");
        assert_eq!(s(""), "\"\"");
    }

    #[test]
    fn every_char_survives_a_real_json_parser() {
        // All of the BMP outside surrogates, and some astral characters, round-trip through
        // serde_json, which no one here wrote.
        let text: String = (0u32..0x11000).filter_map(char::from_u32).collect();
        let parsed: String = serde_json::from_str(&s(&text)).unwrap();
        assert_eq!(parsed, text);
    }

    #[test]
    fn numbers() {
        let mut o = String::new();
        for v in [0u64, 9, 10, 99, 100, 101, 999, 1000, 12345, u64::MAX] {
            o.clear();
            write_u64(&mut o, v);
            assert_eq!(o, v.to_string());
        }
        for v in [i64::MIN, -1, 0, i64::MAX] {
            o.clear();
            write_i64(&mut o, v);
            assert_eq!(o, v.to_string());
        }
        for v in [0.0, -0.0, 1.5, 1e300, 5e-324, -2.25] {
            o.clear();
            write_finite_f64(&mut o, v);
            assert_eq!(o.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{o}");
        }
    }
}
