//! The forest's random streams: a splitmix64 generator seeded from
//! `(seed, index, stream)`, one stream per purpose, so that every value of an
//! account is a pure function of the options and its index, and adding draws
//! to one purpose never shifts another.

pub(crate) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// splitmix64, seeded from (seed, index, stream).
#[derive(Clone, Debug)]
pub(crate) struct Rng {
    s: u64,
}

// Independent streams per purpose, so adding draws to one never shifts another.
pub(crate) const S_IDENTITY: u64 = 1;
pub(crate) const S_ACCOUNT: u64 = 2;
pub(crate) const S_LDIF: u64 = 3;
pub(crate) const S_SLOT: u64 = 4;
pub(crate) const S_MEMBER: u64 = 5;
pub(crate) const S_SPECIAL: u64 = 6;
pub(crate) const S_NO_UPN: u64 = 7;
pub(crate) const S_DUPLICATE: u64 = 8;

impl Rng {
    pub(crate) fn new(seed: u64, index: u64, stream: u64) -> Rng {
        let a = mix64(stream.wrapping_mul(GOLDEN) ^ 0x5851_F42D_4C95_7F2D);
        let b = mix64(index.wrapping_add(a));
        Rng {
            s: mix64(seed ^ b.rotate_left(17)) ^ b,
        }
    }

    #[inline]
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.s = self.s.wrapping_add(GOLDEN);
        mix64(self.s)
    }

    /// Uniform in `0..n` (`n > 0`).
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    #[inline]
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    #[inline]
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    #[inline]
    pub(crate) fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }

    pub(crate) fn fill(&mut self, buf: &mut [u8]) {
        for c in buf.chunks_mut(8) {
            let v = self.next_u64().to_le_bytes();
            c.copy_from_slice(&v[..c.len()]);
        }
    }

    pub(crate) fn guid(&mut self) -> [u8; 16] {
        let mut g = [0u8; 16];
        self.fill(&mut g);
        g[7] = (g[7] & 0x0F) | 0x40; // version 4 (time_hi_and_version is little-endian)
        g[8] = (g[8] & 0x3F) | 0x80; // RFC 4122 variant
        g
    }
}

// ---------------------------------------------------------------------------
// Context shared by all accounts of one run
