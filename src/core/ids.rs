//! Trace and span identifiers, and the generator that makes them.
//!
//! IDs come from a small non-cryptographic generator (wyrand) seeded once from the operating
//! system or `crypto.getRandomValues`. A browser span therefore never pays for a call into the
//! Web Crypto API; the 64-bit state still gives IDs that are unique for all practical purposes,
//! and the low 56 bits of every trace ID are random, as W3C Trace Context Level 2's `random`
//! flag promises.

use core::fmt;

use super::hex;

/// A 16-byte trace ID. Never all-zero when it comes from [`IdGenerator`] or a successful parse.
///
/// ```
/// use playtrace::core::ids::TraceId;
/// let id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
/// assert_eq!(id.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
/// assert!(TraceId::from_hex("00000000000000000000000000000000").is_none());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId([u8; 16]);

/// An 8-byte span ID. Never all-zero when it comes from [`IdGenerator`] or a successful parse.
///
/// ```
/// use playtrace::core::ids::SpanId;
/// let id = SpanId::from_hex("00f067aa0ba902b7").unwrap();
/// assert_eq!(id.to_bytes(), [0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7]);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId([u8; 8]);

macro_rules! id_impl {
    ($ty:ident, $len:expr) => {
        impl $ty {
            /// Wraps raw bytes; `None` when they are all zero, which the W3C specs forbid.
            pub fn from_bytes(bytes: [u8; $len]) -> Option<Self> {
                if crate::core::text::all(&bytes, |b| b == 0) {
                    None
                } else {
                    Some(Self(bytes))
                }
            }

            /// Parses exactly the lowercase hex form; uppercase, wrong lengths and all-zero IDs
            /// are rejected, as W3C Trace Context requires.
            pub fn from_hex(text: &str) -> Option<Self> {
                Self::from_hex_bytes(text.as_bytes())
            }

            /// [`Self::from_hex`] of text given as bytes.
            pub fn from_hex_bytes(text: &[u8]) -> Option<Self> {
                let mut bytes = [0u8; $len];
                if !hex::decode_lower(text, &mut bytes) {
                    return None;
                }
                Self::from_bytes(bytes)
            }

            /// The raw bytes, big-endian as on the wire.
            pub fn to_bytes(self) -> [u8; $len] {
                self.0
            }

            /// Appends the lowercase hex form to `out` without allocating a temporary.
            pub fn write_hex(&self, out: &mut String) {
                hex::encode_lower(&self.0, out);
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut s = String::with_capacity($len * 2);
                self.write_hex(&mut s);
                f.write_str(&s)
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self)
            }
        }
    };
}

id_impl!(TraceId, 16);
id_impl!(SpanId, 8);

impl TraceId {
    /// The rightmost 56 bits, the part W3C Level 2 and OpenTelemetry's probability sampling
    /// treat as random.
    pub fn random_bits_56(self) -> u64 {
        let mut low = [0u8; 8];
        low[1..].copy_from_slice(&self.0[9..]);
        u64::from_be_bytes(low)
    }
}

/// Fast ID generator: wyrand over a 64-bit state, seeded once.
///
/// ```
/// use playtrace::core::ids::IdGenerator;
/// let mut ids = IdGenerator::from_seed(42);
/// let (a, b) = (ids.span_id(), ids.span_id());
/// assert_ne!(a, b);
/// ```
#[derive(Clone, Debug)]
pub struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    /// Seeds from the platform's secure random source (`crypto.getRandomValues` in a browser).
    /// If that source fails, the seed falls back to `fallback_entropy` (a clock reading), so a
    /// tracer never refuses to start because of entropy.
    pub fn from_entropy(fallback_entropy: u64) -> Self {
        let mut seed = [0u8; 8];
        let seed = match getrandom::fill(&mut seed) {
            Ok(()) => u64::from_le_bytes(seed),
            Err(_) => fallback_entropy ^ 0x9E37_79B9_7F4A_7C15,
        };
        Self::from_seed(seed)
    }

    /// A generator with a fixed seed: the same seed yields the same IDs (for tests).
    pub fn from_seed(seed: u64) -> Self {
        Self { state: seed }
    }

    /// SplitMix64: 64-bit multiplies only, which wasm has as one instruction each (a 128-bit
    /// product, as wyrand takes, is a call to a helper doing four).
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A new random trace ID, never all-zero.
    #[inline]
    pub fn trace_id(&mut self) -> TraceId {
        loop {
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
            bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
            if let Some(id) = TraceId::from_bytes(bytes) {
                return id;
            }
        }
    }

    /// A new random span ID, never all-zero.
    #[inline]
    pub fn span_id(&mut self) -> SpanId {
        loop {
            if let Some(id) = SpanId::from_bytes(self.next_u64().to_be_bytes()) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_rejections() {
        let t = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap();
        assert_eq!(t.to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(TraceId::from_hex("4BF92F3577B34DA6A3CE929D0E0E4736").is_none());
        assert!(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e473").is_none());
        assert!(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e47366").is_none());
        assert!(TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e473g").is_none());
        assert!(TraceId::from_hex("00000000000000000000000000000000").is_none());
        assert!(SpanId::from_hex("0000000000000000").is_none());
        assert!(SpanId::from_hex("00f067aa0ba902b7").is_some());
        assert!(SpanId::from_bytes([0; 8]).is_none());
    }

    #[test]
    fn generator_never_yields_zero_and_does_not_repeat() {
        let mut g = IdGenerator::from_seed(0);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100_000 {
            let s = g.span_id();
            assert_ne!(s.to_bytes(), [0; 8]);
            assert!(seen.insert(s), "span id repeated");
        }
        let t = g.trace_id();
        assert_ne!(t.to_bytes(), [0; 16]);
    }

    #[test]
    fn same_seed_same_ids_and_entropy_seeds_differ() {
        let (mut a, mut b) = (IdGenerator::from_seed(7), IdGenerator::from_seed(7));
        assert_eq!(a.trace_id(), b.trace_id());
        let (mut c, mut d) = (IdGenerator::from_entropy(1), IdGenerator::from_entropy(1));
        assert_ne!(c.trace_id(), d.trace_id());
    }

    #[test]
    fn generated_bits_are_balanced() {
        // Each of the 64 bit positions of the low half should be set about half the time.
        let mut g = IdGenerator::from_seed(123);
        let mut counts = [0u32; 64];
        let n = 20_000;
        for _ in 0..n {
            let v = u64::from_be_bytes(g.span_id().to_bytes());
            for (i, c) in counts.iter_mut().enumerate() {
                *c += ((v >> i) & 1) as u32;
            }
        }
        for c in counts {
            assert!((9_400..=10_600).contains(&c), "bit bias: {c} of {n}");
        }
    }

    #[test]
    fn random_bits_are_the_low_56() {
        let t = TraceId::from_hex("ffffffffffffffffff0102030405060a").unwrap();
        assert_eq!(t.random_bits_56(), 0x0001_0203_0405_060a);
    }
}
