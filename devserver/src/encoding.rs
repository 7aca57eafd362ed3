//! `Content-Encoding` of request bodies. OTLP/HTTP servers must accept gzip (exporters send it
//! with `OTEL_EXPORTER_OTLP_COMPRESSION=gzip`); Zipkin's reporters send it too. The limit
//! applies to the decoded body, so a small compressed body cannot expand without bound.

use std::io::Read;

use flate2::read::MultiGzDecoder;

/// Why a body could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// An encoding this server does not take (415).
    Unsupported(String),
    /// Not valid gzip (400).
    Corrupt(String),
    /// Larger than the limit once decoded (413).
    TooLarge,
}

/// The body as sent, decoded per its `Content-Encoding` (none, `identity` or `gzip`).
pub fn decode(content_encoding: Option<&str>, body: &[u8], limit: usize) -> Result<Vec<u8>, DecodeError> {
    let encoding = content_encoding.map(|e| e.trim().to_ascii_lowercase()).unwrap_or_default();
    match encoding.as_str() {
        "" | "identity" => Ok(body.to_vec()),
        "gzip" | "x-gzip" => {
            let mut out = Vec::new();
            // One byte past the limit tells "too large" from "exactly at the limit".
            MultiGzDecoder::new(body)
                .take(limit as u64 + 1)
                .read_to_end(&mut out)
                .map_err(|e| DecodeError::Corrupt(format!("invalid gzip body: {e}")))?;
            if out.len() > limit {
                return Err(DecodeError::TooLarge);
            }
            Ok(out)
        }
        other => Err(DecodeError::Unsupported(format!("content encoding {other:?}: send gzip or none"))),
    }
}
