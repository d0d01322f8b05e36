//! Identity encodings: GUID byte order, ImmutableId (source anchor) and SID.
//!
//! # Source anchor and ImmutableId (docs/identifiers.md)
//!
//! Entra Connect's default source anchor for users is
//! `IIF(IsPresent([mS-DS-ConsistencyGuid]),[mS-DS-ConsistencyGuid],[objectGUID])`
//! (docs/identifiers.md#source-anchor), modelled by [`AnchorSource::ConsistencyGuidThenObjectGuid`].
//! Deployments that chose another attribute are modelled by
//! [`AnchorSource::Attribute`] (the `--source-anchor ATTR` option). In every
//! case Connect writes `IIF(IsString(v), CStr(v), ConvertToBase64(v))` to the
//! cloud: string values **as they are**, binary values **base64-encoded**.
//! The cloud keeps that string in `onPremisesImmutableId`.
//!
//! A GUID's raw bytes are the AD `objectGUID` octet string, which is the
//! mixed-endian .NET `Guid.ToByteArray()` layout: the first three groups
//! (4+2+2 bytes) little-endian, the last two (2+6 bytes) in written order.
//! `88666888-0101-1111-bbbb-1234567890ab` therefore has the ImmutableId
//! `iGhmiAEBERG7uxI0VniQqw==`; base64 of the bytes in string order
//! (`iGZoiAEBERG7uxI0VniQqw==`) is the classic mistake.
//!
//! # How anchors compare
//!
//! An on-premises anchor and a cloud `onPremisesImmutableId` are the same
//! when the cloud holds exactly the string Connect would have written for the
//! on-premises value. So matching compares **ImmutableId strings**:
//! [`Anchor::match_key`] is that string (base64 for binary anchors, the text
//! itself for string anchors).
//!
//! The derived `Eq`/`Hash` on [`Anchor`] compare variants, which is *not*
//! enough for matching: an on-premises string anchor `"abcd"` is
//! `Anchor::Text("abcd")`, while the cloud value `"abcd"` is valid base64 (3
//! bytes) and parses as `Anchor::Bytes`. Both have the match key `"abcd"`.
//! Always join on [`Anchor::match_key`] (or [`Anchor::matches_immutable_id`]).
//!
//! Parsing the cloud side ([`Anchor::from_immutable_id`]):
//!
//! * canonical base64 (padded, zero trailing bits) of 16 bytes is an
//!   [`Anchor::Guid`]; of any other non-zero length an [`Anchor::Bytes`].
//!   For these the match key is the cloud string itself.
//! * base64 **without padding** that decodes to exactly 16 bytes is also an
//!   [`Anchor::Guid`]: a GUID compares by its bytes, so a cloud value whose
//!   `==` was stripped by some tool still matches. Its match key is the
//!   canonical padded form.
//! * anything else (not base64, empty, or unpadded base64 that is not 16
//!   bytes, which Connect never writes for a binary anchor) is
//!   [`Anchor::Text`] holding the value as is: compared as a string, never
//!   rejected (docs/identifiers.md#comparing-anchors; custom anchors such as an
//!   employeeID string).
//!
//! The only case where the cloud string and its match key differ is an
//! unpadded 16-byte GUID value. [`Anchor::matches_immutable_id`] accepts
//! either, so an on-premises *string* anchor that happens to look like
//! unpadded base64 still matches its cloud copy. An index keyed by
//! [`Anchor::match_key`] should therefore be probed with both the raw cloud
//! string and `Anchor::from_immutable_id(cloud).match_key()`. Anchors are
//! case-sensitive (docs/identifiers.md#source-anchor); no case folding is done.
//!
//! # SID (docs/identifiers.md#sid)
//!
//! [`Sid`] converts between the binary `objectSid` (MS-DTYP 2.4.2.2: revision,
//! count, 6-byte big-endian authority, little-endian 32-bit sub-authorities)
//! and the MS-DTYP 2.4.2.1 string form (`S-1-5-21-…`, authority in hex as
//! `0x` + 12 digits when it is 2^32 or more).
//!
//! # csvde binary values (docs/formats.md#csvde)
//!
//! [`parse_csvde_binary`] decodes csvde's `X'<hex>'` binary column form.

use std::fmt;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

/// Base64 decoder that accepts input with or without `=` padding (standard
/// alphabet, trailing bits must still be zero).
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Value of one ASCII hex digit.
fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes an even-length run of hex digits (either case).
#[cfg(test)]
fn decode_hex(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 2);
    decode_hex_into(s, &mut out).then_some(out)
}

/// Appends the bytes of an even-length run of hex digits to `out`; false
/// (with `out` partly written) on an odd length or a non-hex digit.
fn decode_hex_into(s: &[u8], out: &mut Vec<u8>) -> bool {
    let pairs = s.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return false;
    }
    // A table instead of `hex_val`: this runs for every binary value of a
    // csvde export. 0xFF marks a non-hex byte.
    static HEX: [u8; 256] = {
        let mut t = [0xFF; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            t[b'A' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    out.reserve(s.len() / 2);
    for p in pairs {
        let (h, l) = (HEX[usize::from(p[0])], HEX[usize::from(p[1])]);
        if (h | l) == 0xFF {
            return false;
        }
        out.push(h << 4 | l);
    }
    true
}

/// As [`parse_csvde_binary`], appending the bytes to `out` (no allocation on
/// the reader's hot path); false, with `out` partly written, when `v` is not
/// a valid `X'<hex>'` value.
pub fn decode_csvde_binary(v: &[u8], out: &mut Vec<u8>) -> bool {
    match v {
        [b'X' | b'x', b'\'', hex @ .., b'\''] => decode_hex_into(hex, out),
        _ => false,
    }
}

/// Decodes csvde's binary value form `X'<hex>'` (docs/formats.md#csvde) into bytes.
///
/// The `X` may be either case, hex digits may be either case. `X''` is an
/// empty value. Returns `None` for anything else (including an odd number of
/// hex digits).
pub fn parse_csvde_binary(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() / 2);
    decode_csvde_binary(s.as_bytes(), &mut out).then_some(out)
}

/// A GUID in AD's raw byte order (objectGUID octet string, .NET Guid.ToByteArray()).
///
/// The first three groups of the string form are stored little-endian, the
/// last two in written order (docs/identifiers.md#guid-byte-order). `Display` gives the lower-case
/// canonical string form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub [u8; 16]);

/// For each position of the 32 hex digits of the string form (in written
/// order, two digits per byte), the index of the raw byte it describes.
const GUID_STRING_ORDER: [usize; 16] = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

impl Guid {
    /// Takes raw AD bytes; `None` unless `b` is exactly 16 bytes long.
    pub fn from_bytes(b: &[u8]) -> Option<Guid> {
        <[u8; 16]>::try_from(b).ok().map(Guid)
    }

    /// Parses the string form `88666888-0101-1111-bbbb-1234567890ab`,
    /// optionally wrapped in braces `{…}`, hex digits in either case.
    ///
    /// Returns `None` for any other shape (wrong length, non-hex digit,
    /// dashes elsewhere than after the 8th, 12th, 16th and 20th digit,
    /// unbalanced braces, surrounding whitespace).
    pub fn parse(s: &str) -> Option<Guid> {
        let b = s.as_bytes();
        let body = match b {
            [b'{', inner @ .., b'}'] => inner,
            _ => b,
        };
        if body.len() != 36 {
            return None;
        }
        let mut digits = [0u8; 32];
        let mut n = 0;
        for (i, &c) in body.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return None;
                }
            } else {
                digits[n] = hex_val(c)?;
                n += 1;
            }
        }
        let mut raw = [0u8; 16];
        for (k, &pos) in GUID_STRING_ORDER.iter().enumerate() {
            raw[pos] = digits[2 * k] << 4 | digits[2 * k + 1];
        }
        Some(Guid(raw))
    }

    /// The ImmutableId: standard base64 (with padding) of the raw bytes.
    pub fn to_immutable_id(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// Parses an ImmutableId: base64 (padding optional) that decodes to
    /// exactly 16 bytes. Returns `None` otherwise.
    pub fn from_immutable_id(s: &str) -> Option<Guid> {
        let bytes = LENIENT_B64.decode(s).ok()?;
        Guid::from_bytes(&bytes)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, &pos) in GUID_STRING_ORDER.iter().enumerate() {
            if matches!(k, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{:02x}", self.0[pos])?;
        }
        Ok(())
    }
}

/// A parsed SID.
///
/// `authority` is the 48-bit identifier authority (values of 2^48 and more
/// are out of range: [`Sid::to_bytes`] keeps only the low 48 bits).
/// `sub_authorities` holds at most 15 values in a valid SID; [`Sid::to_bytes`]
/// assumes that. `Display` gives the MS-DTYP 2.4.2.1 string form: decimal
/// authority below 2^32, else `0x` + 12 upper-case hex digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sid {
    /// The revision; always 1 for SIDs accepted by this module.
    pub revision: u8,
    /// The 48-bit identifier authority (5 for the NT authority).
    pub authority: u64,
    /// The sub-authorities, the last one usually being the RID.
    pub sub_authorities: Vec<u32>,
}

/// Maximum number of sub-authorities (MS-DTYP 2.4.2.2).
const SID_MAX_SUB_AUTHORITIES: usize = 15;

/// Parses a run of decimal digits with no sign and no leading zero
/// (a single `0` is allowed), as MS-DTYP 2.4.2.1 requires.
fn parse_dec_no_leading_zero(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 10 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if b.len() > 1 && b[0] == b'0' {
        return None;
    }
    s.parse().ok()
}

/// The identifier authority and sub-authorities of a binary SID (MS-DTYP
/// 2.4.2.2): revision 1, at most 15 sub-authorities, exactly `8 + 4 * count`
/// bytes; otherwise `None`.
fn binary_sid_parts(b: &[u8]) -> Option<(u64, impl Iterator<Item = u32> + '_)> {
    let (&revision, rest) = b.split_first()?;
    let (&count, rest) = rest.split_first()?;
    let count = usize::from(count);
    if revision != 1 || count > SID_MAX_SUB_AUTHORITIES || rest.len() != 6 + 4 * count {
        return None;
    }
    let (auth, subs) = rest.split_at(6);
    let authority = auth.iter().fold(0u64, |a, &x| a << 8 | u64::from(x));
    let subs = subs
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]));
    Some((authority, subs))
}

impl Sid {
    /// Decodes the binary form (MS-DTYP 2.4.2.2 as stored in `objectSid`).
    ///
    /// Requires revision 1, a sub-authority count of at most 15 and a length
    /// of exactly `8 + 4 * count` bytes; otherwise `None`.
    pub fn from_bytes(b: &[u8]) -> Option<Sid> {
        let (authority, subs) = binary_sid_parts(b)?;
        Some(Sid {
            revision: 1,
            authority,
            sub_authorities: subs.collect(),
        })
    }

    /// Encodes the binary form: revision, count, 6-byte big-endian
    /// authority (low 48 bits of `authority`), little-endian sub-authorities.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 4 * self.sub_authorities.len());
        out.push(self.revision);
        // A valid SID has at most 15 sub-authorities (see the type's docs).
        out.push(self.sub_authorities.len() as u8);
        out.extend_from_slice(&self.authority.to_be_bytes()[2..]);
        for s in &self.sub_authorities {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    /// Parses the MS-DTYP 2.4.2.1 string form, e.g. `S-1-5-21-1-2-3-1001`.
    ///
    /// * the `S` may be either case; the revision must be `1`;
    /// * the authority is decimal below 2^32 with no leading zero, or `0x`
    ///   followed by exactly 12 hex digits (either case, any value, as the
    ///   ABNF allows);
    /// * each sub-authority is 1 to 10 decimal digits with no leading zero
    ///   and fits in a `u32`; at most 15 of them.
    ///
    /// Deviation from the ABNF (`1*SubAuthority`): a SID with no
    /// sub-authority (`S-1-5`) is accepted, because the binary form allows a
    /// count of 0 and [`Sid`]'s `Display` prints it that way. `S-1-5-`
    /// (empty trailing component) is rejected.
    pub fn parse(s: &str) -> Option<Sid> {
        let mut parts = s.split('-');
        if !parts.next()?.eq_ignore_ascii_case("S") || parts.next()? != "1" {
            return None;
        }
        let auth = parts.next()?;
        let authority = match auth.get(..2) {
            Some(p) if p.eq_ignore_ascii_case("0x") => {
                let hex = &auth.as_bytes()[2..];
                if hex.len() != 12 {
                    return None;
                }
                hex.iter()
                    .try_fold(0u64, |a, &c| Some(a << 4 | u64::from(hex_val(c)?)))?
            }
            _ => {
                let v = parse_dec_no_leading_zero(auth)?;
                if v > u64::from(u32::MAX) {
                    return None;
                }
                v
            }
        };
        let sub_authorities = parts
            .map(|p| parse_dec_no_leading_zero(p).and_then(|v| u32::try_from(v).ok()))
            .collect::<Option<Vec<u32>>>()?;
        if sub_authorities.len() > SID_MAX_SUB_AUTHORITIES {
            return None;
        }
        Some(Sid {
            revision: 1,
            authority,
            sub_authorities,
        })
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "S-{}-", self.revision)?;
        if self.authority <= u64::from(u32::MAX) {
            write!(f, "{}", self.authority)?;
        } else {
            write!(f, "0x{:012X}", self.authority)?;
        }
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

/// The string form of a binary SID (as [`Sid`]'s `Display` writes it), in a
/// buffer of its own: the audit needs one per account, and this costs no
/// allocation and no formatting machinery.
#[derive(Clone)]
pub struct SidText {
    buf: [u8; SidText::MAX],
    len: usize,
}

impl SidText {
    /// `S-1-` + `0x` and 12 hex digits + 15 times `-` and 10 digits.
    const MAX: usize = 4 + 14 + 15 * 11;

    /// The text of the binary SID `b`, when [`Sid::from_bytes`] accepts it.
    pub fn from_bytes(b: &[u8]) -> Option<SidText> {
        let (authority, subs) = binary_sid_parts(b)?;
        let mut t = SidText {
            buf: [0; SidText::MAX],
            len: 0,
        };
        t.push(b"S-1-");
        if authority <= u64::from(u32::MAX) {
            t.push_decimal(authority);
        } else {
            t.push(b"0x");
            for shift in (0..12).rev() {
                t.push(&[b"0123456789ABCDEF"[(authority >> (4 * shift)) as usize & 0xf]]);
            }
        }
        for sub in subs {
            t.push(b"-");
            t.push_decimal(u64::from(sub));
        }
        Some(t)
    }

    fn push(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn push_decimal(&mut self, mut n: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[at..]);
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, letters and `-` are written.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl fmt::Debug for SidText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("SidText").field(&self.as_str()).finish()
    }
}

/// A source anchor / ImmutableId as Entra Connect computes and compares it.
///
/// Match anchors with [`Anchor::match_key`], not with `==`: see the module
/// documentation for why (`Text("abcd")` and `Bytes([0x69, 0xb7, 0x1d])`
/// differ as values but are the same ImmutableId). An [`Anchor::Guid`]
/// compares by its bytes, so base64 spelling differences (missing padding)
/// on the cloud side do not matter.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Anchor {
    /// A 16-byte binary anchor (objectGUID, mS-DS-ConsistencyGuid).
    Guid(Guid),
    /// A binary anchor that is not 16 bytes long.
    Bytes(Vec<u8>),
    /// A string anchor, or a cloud ImmutableId that is not base64.
    Text(String),
}

impl Anchor {
    /// A binary anchor value: 16 bytes give [`Anchor::Guid`], any other
    /// length [`Anchor::Bytes`].
    pub fn from_binary(b: &[u8]) -> Anchor {
        match Guid::from_bytes(b) {
            Some(g) => Anchor::Guid(g),
            None => Anchor::Bytes(b.to_vec()),
        }
    }

    /// A string-typed anchor attribute (e.g. employeeID): Connect uses it as
    /// is, so this is [`Anchor::Text`] of `s` unchanged.
    pub fn from_text_attribute(s: &str) -> Anchor {
        Anchor::Text(s.to_owned())
    }

    /// The cloud side's `onPremisesImmutableId`.
    ///
    /// Canonical base64 of 16 bytes, or unpadded base64 of 16 bytes, gives
    /// [`Anchor::Guid`]; other canonical (padded) non-empty base64 gives
    /// [`Anchor::Bytes`]; everything else is kept as [`Anchor::Text`] of `s`.
    /// Never fails.
    pub fn from_immutable_id(s: &str) -> Anchor {
        if let Ok(bytes) = STANDARD.decode(s) {
            if !bytes.is_empty() {
                return Anchor::from_binary(&bytes);
            }
        }
        match Guid::from_immutable_id(s) {
            Some(g) => Anchor::Guid(g),
            None => Anchor::Text(s.to_owned()),
        }
    }

    /// The ImmutableId string Connect would write to the cloud: padded
    /// standard base64 for [`Anchor::Guid`] and [`Anchor::Bytes`], the string
    /// itself for [`Anchor::Text`].
    pub fn immutable_id(&self) -> String {
        match self {
            Anchor::Guid(g) => g.to_immutable_id(),
            Anchor::Bytes(b) => STANDARD.encode(b),
            Anchor::Text(t) => t.clone(),
        }
    }

    /// The key anchors are matched on: the ImmutableId string
    /// ([`Anchor::immutable_id`]). Two anchors denote the same object when
    /// their match keys are equal (case-sensitive).
    pub fn match_key(&self) -> String {
        self.immutable_id()
    }

    /// Whether the cloud value `cloud` (an `onPremisesImmutableId`, as is)
    /// is this anchor: either it is exactly this anchor's match key, or it
    /// normalises to it (e.g. a GUID ImmutableId with its padding stripped).
    pub fn matches_immutable_id(&self, cloud: &str) -> bool {
        let key = self.match_key();
        key == cloud || key == Anchor::from_immutable_id(cloud).match_key()
    }
}

impl fmt::Display for Anchor {
    /// Writes the ImmutableId string ([`Anchor::immutable_id`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anchor::Guid(g) => f.write_str(&g.to_immutable_id()),
            Anchor::Bytes(b) => f.write_str(&STANDARD.encode(b)),
            Anchor::Text(t) => f.write_str(t),
        }
    }
}

/// One value of an anchor attribute as a reader found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnchorValue<'a> {
    /// A binary value (LDIF `attr::` base64 payload, csvde `X'…'`).
    Binary(&'a [u8]),
    /// A string value.
    Text(&'a str),
}

/// Which attribute is the anchor.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum AnchorSource {
    /// Entra Connect's default for users: `mS-DS-ConsistencyGuid` when
    /// present, else `objectGUID` (docs/identifiers.md#source-anchor).
    #[default]
    ConsistencyGuidThenObjectGuid,
    /// A deployment-chosen attribute (`--source-anchor ATTR`): string values
    /// are used as they are, binary values base64-encoded.
    Attribute(String),
}

/// The AD consistency-GUID attribute name, as Connect spells it.
pub const CONSISTENCY_GUID_ATTR: &str = "mS-DS-ConsistencyGuid";
/// The AD object-GUID attribute name.
pub const OBJECT_GUID_ATTR: &str = "objectGUID";

impl AnchorSource {
    /// The attribute names to look at, in priority order.
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            AnchorSource::ConsistencyGuidThenObjectGuid => {
                vec![CONSISTENCY_GUID_ATTR, OBJECT_GUID_ATTR]
            }
            AnchorSource::Attribute(a) => vec![a.as_str()],
        }
    }

    /// Computes an object's anchor. `get` returns the value of an attribute
    /// (the caller does AD's case-insensitive name lookup), `None` when
    /// absent.
    ///
    /// An empty value counts as absent (`IsPresent` is false). Binary values
    /// become [`Anchor::from_binary`]. Text values are used as they are
    /// ([`Anchor::Text`]), except for `objectGUID` and
    /// `mS-DS-ConsistencyGuid`, which are binary in AD: a text value of
    /// those that parses as a GUID string (e.g. from `Get-ADUser |
    /// Export-Csv`, docs/identifiers.md#guid-byte-order) is taken as that GUID. Returns `None`
    /// when no attribute gives a value (Connect would not sync the object).
    pub fn anchor<'a, F>(&self, mut get: F) -> Option<Anchor>
    where
        F: FnMut(&str) -> Option<AnchorValue<'a>>,
    {
        self.attributes().into_iter().find_map(|name| {
            let binary_in_ad = name.eq_ignore_ascii_case(CONSISTENCY_GUID_ATTR)
                || name.eq_ignore_ascii_case(OBJECT_GUID_ATTR);
            match get(name)? {
                AnchorValue::Binary([]) | AnchorValue::Text("") => None,
                AnchorValue::Binary(b) => Some(Anchor::from_binary(b)),
                AnchorValue::Text(t) => Some(match Guid::parse(t) {
                    Some(g) if binary_in_ad => Anchor::Guid(g),
                    _ => Anchor::from_text_attribute(t),
                }),
            }
        })
    }
}

#[cfg(test)]
#[rustfmt::skip] // one line per case
mod tests {
    //! Expected values come from the worked examples of docs/identifiers.md or were computed
    //! with Python (`uuid.UUID(...).bytes_le`, `base64`, `int.from_bytes`).

    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        decode_hex(s.as_bytes()).expect("test hex")
    }
    fn guid(s: &str) -> Guid {
        Guid::parse(s).expect("test guid")
    }
    fn sid_hex(s: &str) -> String {
        Sid::from_bytes(&hex(s)).expect("test sid").to_string()
    }
    fn sid_str_hex(s: &str) -> String {
        let b = Sid::parse(s).expect("test sid string").to_bytes();
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    // ---- GUID / ImmutableId: docs/identifiers.md#guid-byte-order examples, both directions.
    const GUID_EXAMPLES: [(&str, &str, &str, &str); 4] = [
        // string, raw AD bytes, ImmutableId, big-endian mistake
        ("88666888-0101-1111-bbbb-1234567890ab", "8868668801011111bbbb1234567890ab", "iGhmiAEBERG7uxI0VniQqw==", "iGZoiAEBERG7uxI0VniQqw=="),
        ("6f9619ff-8b86-d011-b42d-00c04fc964ff", "ff19966f868b11d0b42d00c04fc964ff", "/xmWb4aLEdC0LQDAT8lk/w==", "b5YZ/4uG0BG0LQDAT8lk/w=="),
        ("88888888-0101-3333-cccc-1234567890cd", "8888888801013333cccc1234567890cd", "iIiIiAEBMzPMzBI0VniQzQ==", "iIiIiAEBMzPMzBI0VniQzQ=="),
        ("d08f810b-a35c-49a8-a4cd-c6923dfc031e", "0b818fd05ca3a849a4cdc6923dfc031e", "C4GP0FyjqEmkzcaSPfwDHg==", "0I+BC6NcSaikzcaSPfwDHg=="),
    ];

    #[test] fn ex1_string_to_bytes() { assert_eq!(guid(GUID_EXAMPLES[0].0).0.to_vec(), hex(GUID_EXAMPLES[0].1)); }
    #[test] fn ex1_string_to_immutable_id() { assert_eq!(guid(GUID_EXAMPLES[0].0).to_immutable_id(), GUID_EXAMPLES[0].2); }
    #[test] fn ex1_immutable_id_to_string() { assert_eq!(Guid::from_immutable_id(GUID_EXAMPLES[0].2).map(|g| g.to_string()).as_deref(), Some(GUID_EXAMPLES[0].0)); }
    #[test] fn ex1_big_endian_mistake_differs() { assert_ne!(guid(GUID_EXAMPLES[0].0).to_immutable_id(), GUID_EXAMPLES[0].3); assert_ne!(Guid::from_immutable_id(GUID_EXAMPLES[0].3), Some(guid(GUID_EXAMPLES[0].0))); }
    #[test] fn ex2_string_to_bytes() { assert_eq!(guid(GUID_EXAMPLES[1].0).0.to_vec(), hex(GUID_EXAMPLES[1].1)); }
    #[test] fn ex2_string_to_immutable_id() { assert_eq!(guid(GUID_EXAMPLES[1].0).to_immutable_id(), GUID_EXAMPLES[1].2); }
    #[test] fn ex2_immutable_id_to_string() { assert_eq!(Guid::from_immutable_id(GUID_EXAMPLES[1].2).map(|g| g.to_string()).as_deref(), Some(GUID_EXAMPLES[1].0)); }
    #[test] fn ex2_big_endian_mistake_differs() { assert_ne!(guid(GUID_EXAMPLES[1].0).to_immutable_id(), GUID_EXAMPLES[1].3); assert_ne!(Guid::from_immutable_id(GUID_EXAMPLES[1].3), Some(guid(GUID_EXAMPLES[1].0))); }
    #[test] fn ex3_string_to_bytes() { assert_eq!(guid(GUID_EXAMPLES[2].0).0.to_vec(), hex(GUID_EXAMPLES[2].1)); }
    #[test] fn ex3_string_to_immutable_id() { assert_eq!(guid(GUID_EXAMPLES[2].0).to_immutable_id(), GUID_EXAMPLES[2].2); }
    #[test] fn ex3_immutable_id_to_string() { assert_eq!(Guid::from_immutable_id(GUID_EXAMPLES[2].2).map(|g| g.to_string()).as_deref(), Some(GUID_EXAMPLES[2].0)); }
    // Example 3's groups are byte-palindromes (88888888, 0101, 3333): both orders agree.
    #[test] fn ex3_palindromic_groups_big_endian_same() { assert_eq!(guid(GUID_EXAMPLES[2].0).to_immutable_id(), GUID_EXAMPLES[2].3); }
    #[test] fn ex4_string_to_bytes() { assert_eq!(guid(GUID_EXAMPLES[3].0).0.to_vec(), hex(GUID_EXAMPLES[3].1)); }
    #[test] fn ex4_string_to_immutable_id() { assert_eq!(guid(GUID_EXAMPLES[3].0).to_immutable_id(), GUID_EXAMPLES[3].2); }
    #[test] fn ex4_immutable_id_to_string() { assert_eq!(Guid::from_immutable_id(GUID_EXAMPLES[3].2).map(|g| g.to_string()).as_deref(), Some(GUID_EXAMPLES[3].0)); }
    #[test] fn ex4_big_endian_mistake_differs() { assert_ne!(guid(GUID_EXAMPLES[3].0).to_immutable_id(), GUID_EXAMPLES[3].3); assert_ne!(Guid::from_immutable_id(GUID_EXAMPLES[3].3), Some(guid(GUID_EXAMPLES[3].0))); }
    #[test] fn ex4_csvde_hex_to_guid_string() { assert_eq!(parse_csvde_binary("X'0b818fd05ca3a849a4cdc6923dfc031e'").and_then(|b| Guid::from_bytes(&b)).map(|g| g.to_string()).as_deref(), Some("d08f810b-a35c-49a8-a4cd-c6923dfc031e")); }
    #[test] fn ex4_csvde_hex_to_immutable_id() { assert_eq!(parse_csvde_binary("X'0b818fd05ca3a849a4cdc6923dfc031e'").map(|b| Anchor::from_binary(&b).immutable_id()).as_deref(), Some("C4GP0FyjqEmkzcaSPfwDHg==")); }
    #[test] fn ex_bytes_to_string() { for (s, h, _, _) in GUID_EXAMPLES { assert_eq!(Guid::from_bytes(&hex(h)).map(|g| g.to_string()).as_deref(), Some(s)); } }

    // ---- GUID parse forms and failures.
    #[test] fn guid_parse_braces() { assert_eq!(Guid::parse("{88666888-0101-1111-bbbb-1234567890ab}"), Some(guid("88666888-0101-1111-bbbb-1234567890ab"))); }
    #[test] fn guid_parse_upper_case() { assert_eq!(Guid::parse("88666888-0101-1111-BBBB-1234567890AB"), Some(guid("88666888-0101-1111-bbbb-1234567890ab"))); }
    #[test] fn guid_display_is_lower_case() { assert_eq!(guid("6F9619FF-8B86-D011-B42D-00C04FC964FF").to_string(), "6f9619ff-8b86-d011-b42d-00c04fc964ff"); }
    #[test] fn guid_parse_too_short() { assert_eq!(Guid::parse("88666888-0101-1111-bbbb-1234567890a"), None); }
    #[test] fn guid_parse_too_long() { assert_eq!(Guid::parse("88666888-0101-1111-bbbb-1234567890abc"), None); }
    #[test] fn guid_parse_empty() { assert_eq!(Guid::parse(""), None); }
    #[test] fn guid_parse_bad_hex() { assert_eq!(Guid::parse("88666888-0101-1111-bbbb-1234567890ag"), None); }
    #[test] fn guid_parse_sign_in_hex() { assert_eq!(Guid::parse("+8666888-0101-1111-bbbb-1234567890ab"), None); }
    #[test] fn guid_parse_misplaced_dash() { assert_eq!(Guid::parse("8866688-80101-1111-bbbb-1234567890ab"), None); }
    #[test] fn guid_parse_no_dashes() { assert_eq!(Guid::parse("8866688801011111bbbb1234567890ab"), None); }
    #[test] fn guid_parse_one_brace() { assert_eq!(Guid::parse("{88666888-0101-1111-bbbb-1234567890ab"), None); }
    #[test] fn guid_parse_whitespace() { assert_eq!(Guid::parse(" 88666888-0101-1111-bbbb-1234567890ab"), None); }
    #[test] fn guid_parse_non_ascii() { assert_eq!(Guid::parse("88666888-0101-1111-bbbb-1234567890é"), None); }
    #[test] fn guid_from_bytes_wrong_length() { assert_eq!(Guid::from_bytes(&[0u8; 15]), None); assert_eq!(Guid::from_bytes(&[0u8; 17]), None); }
    #[test] fn guid_from_immutable_id_wrong_length() { assert_eq!(Guid::from_immutable_id("AQID"), None); }
    #[test] fn guid_from_immutable_id_not_base64() { assert_eq!(Guid::from_immutable_id("E12345!"), None); }
    #[test] fn guid_from_immutable_id_unpadded() { assert_eq!(Guid::from_immutable_id("iGhmiAEBERG7uxI0VniQqw"), Some(guid("88666888-0101-1111-bbbb-1234567890ab"))); }

    // ---- SID: the worked examples of docs/identifiers.md#sid.
    #[test] fn sid_hex_to_string() { assert_eq!(sid_hex("010500000000000515000000F2EBB9149329116C5E3528360E040000"), "S-1-5-21-347728882-1813064083-908604766-1038"); }
    #[test] fn sid_ldif_base64_to_string() { assert_eq!(STANDARD.decode("AQUAAAAAAAUVAAAA8uu5FJMpEWxeNSg2DgQAAA==").ok().and_then(|b| Sid::from_bytes(&b)).map(|s| s.to_string()).as_deref(), Some("S-1-5-21-347728882-1813064083-908604766-1038")); }
    #[test] fn sid_csvde_to_string() { assert_eq!(parse_csvde_binary("X'010500000000000515000000F2EBB9149329116C5E3528360E040000'").and_then(|b| Sid::from_bytes(&b)).map(|s| s.to_string()).as_deref(), Some("S-1-5-21-347728882-1813064083-908604766-1038")); }
    #[test] fn sid_string_to_bytes() { assert_eq!(sid_str_hex("S-1-5-21-347728882-1813064083-908604766-1038"), "010500000000000515000000f2ebb9149329116c5e3528360e040000"); }
    #[test] fn sid_csvde_fixture_2() { assert_eq!(parse_csvde_binary("X'010500000000000515000000e49ec47102197d0ca6881995e9030000'").and_then(|b| Sid::from_bytes(&b)).map(|s| s.to_string()).as_deref(), Some("S-1-5-21-1908711140-209524994-2501478566-1001")); }
    #[test] fn sid_csvde_fixture_2_back() { assert_eq!(sid_str_hex("S-1-5-21-1908711140-209524994-2501478566-1001"), "010500000000000515000000e49ec47102197d0ca6881995e9030000"); }
    // An earlier note of this project paired this hex with RID 134914, but its last sub-authority
    // bytes e8030000 are 1000 little-endian (Python: int.from_bytes(b'\xe8\x03\0\0','little')).
    #[test] fn sid_newsgroup_hex_to_string() { assert_eq!(sid_hex("0105000000000005150000006b50545832786a116a7cf24ee8030000"), "S-1-5-21-1481920619-292190258-1324514410-1000"); }
    #[test] fn sid_newsgroup_string_to_hex() { assert_eq!(sid_str_hex("S-1-5-21-1481920619-292190258-1324514410-1000"), "0105000000000005150000006b50545832786a116a7cf24ee8030000"); }
    #[test] fn sid_newsgroup_domain_rid_134914_is_not_this_hex() { assert_eq!(sid_str_hex("S-1-5-21-1481920619-292190258-1324514410-134914"), "0105000000000005150000006b50545832786a116a7cf24e020f0200"); }
    #[test] fn sid_authority_2_pow_32_to_hex() { assert_eq!(sid_hex("010200010000000015000000e8030000"), "S-1-0x000100000000-21-1000"); }
    #[test] fn sid_authority_2_pow_32_parse_back() { assert_eq!(sid_str_hex("S-1-0x000100000000-21-1000"), "010200010000000015000000e8030000"); }
    #[test] fn sid_authority_large_upper_hex() { assert_eq!(sid_hex("0101abcdef01234507000000"), "S-1-0xABCDEF012345-7"); }
    #[test] fn sid_authority_large_parse_lower_hex() { assert_eq!(sid_str_hex("s-1-0xabcdef012345-7"), "0101abcdef01234507000000"); }
    #[test] fn sid_authority_below_2_pow_32_decimal() { assert_eq!(sid_hex("010100000000ffff00000000"), "S-1-65535-0"); }
    #[test] fn sid_authority_max_decimal() { assert_eq!(sid_hex("01000000ffffffff"), "S-1-4294967295"); }
    #[test] fn sid_authority_hex_below_2_pow_32_accepted() { assert_eq!(Sid::parse("S-1-0x000000000005-18").map(|s| s.to_string()).as_deref(), Some("S-1-5-18")); }
    #[test] fn sid_lower_case_s() { assert_eq!(Sid::parse("s-1-5-18").map(|s| s.to_string()).as_deref(), Some("S-1-5-18")); }
    #[test] fn sid_no_sub_authority() { assert_eq!(sid_hex("010000000000000f"), "S-1-15"); assert_eq!(sid_str_hex("S-1-15"), "010000000000000f"); }
    #[test] fn sid_fifteen_sub_authorities() { assert_eq!(Sid::parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15").map(|s| s.sub_authorities.len()), Some(15)); }
    #[test] fn sid_sub_authority_zero_ok() { assert_eq!(sid_str_hex("S-1-5-0"), "010100000000000500000000"); }
    #[test] fn sid_sub_authority_u32_max_ok() { assert_eq!(sid_str_hex("S-1-5-4294967295"), "0101000000000005ffffffff"); }

    // ---- SID rejections.
    #[test] fn sid_bytes_revision_2() { assert_eq!(Sid::from_bytes(&hex("020100000000000512000000")), None); }
    #[test] fn sid_bytes_count_16() { assert_eq!(Sid::from_bytes(&[&hex("0110000000000005")[..], &[0u8; 64][..]].concat()), None); }
    #[test] fn sid_bytes_truncated() { assert_eq!(Sid::from_bytes(&hex("010500000000000515000000F2EBB9149329116C5E3528360E0400")), None); }
    #[test] fn sid_bytes_trailing_garbage() { assert_eq!(Sid::from_bytes(&hex("01010000000000051200000000")), None); }
    #[test] fn sid_bytes_header_only() { assert_eq!(Sid::from_bytes(&hex("0101")), None); assert_eq!(Sid::from_bytes(&[]), None); }
    #[test] fn sid_parse_trailing_dash() { assert_eq!(Sid::parse("S-1-5-"), None); }
    #[test] fn sid_parse_no_authority() { assert_eq!(Sid::parse("S-1-"), None); assert_eq!(Sid::parse("S-1"), None); assert_eq!(Sid::parse(""), None); }
    #[test] fn sid_parse_revision_2() { assert_eq!(Sid::parse("S-2-5-18"), None); }
    #[test] fn sid_parse_sub_authority_too_big() { assert_eq!(Sid::parse("S-1-5-4294967296"), None); }
    #[test] fn sid_parse_sub_authority_11_digits() { assert_eq!(Sid::parse("S-1-5-10000000000"), None); }
    #[test] fn sid_parse_16_sub_authorities() { assert_eq!(Sid::parse("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"), None); }
    #[test] fn sid_parse_leading_zero_sub_authority() { assert_eq!(Sid::parse("S-1-5-021"), None); assert_eq!(Sid::parse("S-1-5-00"), None); }
    #[test] fn sid_parse_leading_zero_authority() { assert_eq!(Sid::parse("S-1-05-21"), None); }
    #[test] fn sid_parse_leading_zero_revision() { assert_eq!(Sid::parse("S-01-5-21"), None); }
    #[test] fn sid_parse_decimal_authority_2_pow_32() { assert_eq!(Sid::parse("S-1-4294967296-21"), None); }
    #[test] fn sid_parse_hex_authority_wrong_width() { assert_eq!(Sid::parse("S-1-0x100000000-21"), None); assert_eq!(Sid::parse("S-1-0x0000000100000000-21"), None); }
    #[test] fn sid_parse_hex_authority_bad_digit() { assert_eq!(Sid::parse("S-1-0x00010000000G-21"), None); }
    #[test] fn sid_parse_plus_sign() { assert_eq!(Sid::parse("S-1-5-+21"), None); }
    #[test] fn sid_parse_empty_component() { assert_eq!(Sid::parse("S-1-5--21"), None); }
    #[test] fn sid_parse_whitespace() { assert_eq!(Sid::parse("S-1-5-21 "), None); }
    #[test] fn sid_parse_wrong_prefix() { assert_eq!(Sid::parse("X-1-5-21"), None); assert_eq!(Sid::parse("SS-1-5-21"), None); }

    // ---- Anchor.
    #[test] fn anchor_16_byte_binary_is_guid() { assert_eq!(Anchor::from_binary(&hex("8868668801011111bbbb1234567890ab")), Anchor::Guid(guid("88666888-0101-1111-bbbb-1234567890ab"))); }
    #[test] fn anchor_16_byte_binary_matches_cloud() { assert_eq!(Anchor::from_binary(&hex("8868668801011111bbbb1234567890ab")), Anchor::from_immutable_id("iGhmiAEBERG7uxI0VniQqw==")); }
    #[test] fn anchor_20_byte_binary_is_bytes() { assert_eq!(Anchor::from_binary(&hex("000102030405060708090a0b0c0d0e0f10111213")), Anchor::Bytes(hex("000102030405060708090a0b0c0d0e0f10111213"))); }
    #[test] fn anchor_20_byte_binary_immutable_id() { assert_eq!(Anchor::from_binary(&hex("000102030405060708090a0b0c0d0e0f10111213")).immutable_id(), "AAECAwQFBgcICQoLDA0ODxAREhM="); }
    #[test] fn anchor_20_byte_cloud_is_bytes() { assert_eq!(Anchor::from_immutable_id("AAECAwQFBgcICQoLDA0ODxAREhM="), Anchor::Bytes(hex("000102030405060708090a0b0c0d0e0f10111213"))); }
    #[test] fn anchor_string_anchor_is_text() { assert_eq!(Anchor::from_text_attribute("E12345"), Anchor::Text("E12345".into())); }
    #[test] fn anchor_string_anchor_immutable_id_as_is() { assert_eq!(Anchor::from_text_attribute("E12345").immutable_id(), "E12345"); }
    #[test] fn anchor_string_anchor_matches_cloud() { assert_eq!(Anchor::from_text_attribute("E12345").match_key(), Anchor::from_immutable_id("E12345").match_key()); }
    #[test] fn anchor_base64_looking_string_anchor_matches_cloud() { assert_eq!(Anchor::from_text_attribute("abcd").match_key(), Anchor::from_immutable_id("abcd").match_key()); }
    #[test] fn anchor_base64_looking_cloud_is_bytes() { assert_eq!(Anchor::from_immutable_id("abcd"), Anchor::Bytes(hex("69b71d"))); }
    #[test] fn anchor_string_anchor_case_sensitive() { assert_ne!(Anchor::from_text_attribute("e12345").match_key(), Anchor::from_immutable_id("E12345").match_key()); }
    #[test] fn anchor_non_base64_cloud_is_text() { assert_eq!(Anchor::from_immutable_id("E12345!"), Anchor::Text("E12345!".into())); }
    #[test] fn anchor_non_base64_cloud_display() { assert_eq!(Anchor::from_immutable_id("jdoe@contoso.com").to_string(), "jdoe@contoso.com"); }
    #[test] fn anchor_empty_cloud_is_text() { assert_eq!(Anchor::from_immutable_id(""), Anchor::Text(String::new())); }
    #[test] fn anchor_unpadded_guid_cloud_is_guid() { assert_eq!(Anchor::from_immutable_id("iGhmiAEBERG7uxI0VniQqw"), Anchor::Guid(guid("88666888-0101-1111-bbbb-1234567890ab"))); }
    #[test] fn anchor_unpadded_guid_cloud_matches() { assert!(Anchor::from_binary(&hex("8868668801011111bbbb1234567890ab")).matches_immutable_id("iGhmiAEBERG7uxI0VniQqw")); }
    #[test] fn anchor_unpadded_guid_match_key_normalised() { assert_eq!(Anchor::from_immutable_id("iGhmiAEBERG7uxI0VniQqw").match_key(), "iGhmiAEBERG7uxI0VniQqw=="); }
    #[test] fn anchor_unpadded_non_guid_cloud_is_text() { assert_eq!(Anchor::from_immutable_id("AQI"), Anchor::Text("AQI".into())); }
    #[test] fn anchor_unpadded_base64_looking_string_anchor_matches() { assert!(Anchor::from_text_attribute("iGhmiAEBERG7uxI0VniQqw").matches_immutable_id("iGhmiAEBERG7uxI0VniQqw")); }
    #[test] fn anchor_big_endian_mistake_does_not_match() { assert!(!Anchor::from_binary(&hex("8868668801011111bbbb1234567890ab")).matches_immutable_id("iGZoiAEBERG7uxI0VniQqw==")); }
    #[test] fn anchor_display_is_immutable_id() { assert_eq!(Anchor::Guid(guid("d08f810b-a35c-49a8-a4cd-c6923dfc031e")).to_string(), "C4GP0FyjqEmkzcaSPfwDHg=="); }

    // ---- AnchorSource.
    fn source_lookup<'a>(attrs: &'a [(&'a str, AnchorValue<'a>)]) -> impl FnMut(&str) -> Option<AnchorValue<'a>> + 'a {
        move |n| attrs.iter().find(|(k, _)| k.eq_ignore_ascii_case(n)).map(|(_, v)| *v)
    }
    const OG: [u8; 16] = [0x88, 0x68, 0x66, 0x88, 1, 1, 0x11, 0x11, 0xbb, 0xbb, 0x12, 0x34, 0x56, 0x78, 0x90, 0xab];
    const CG: [u8; 16] = [0x0b, 0x81, 0x8f, 0xd0, 0x5c, 0xa3, 0xa8, 0x49, 0xa4, 0xcd, 0xc6, 0x92, 0x3d, 0xfc, 0x03, 0x1e];
    #[test] fn source_default_prefers_consistency_guid() { assert_eq!(AnchorSource::default().anchor(source_lookup(&[("objectGUID", AnchorValue::Binary(&OG)), ("ms-ds-consistencyguid", AnchorValue::Binary(&CG))])).map(|a| a.immutable_id()).as_deref(), Some("C4GP0FyjqEmkzcaSPfwDHg==")); }
    #[test] fn source_default_falls_back_to_object_guid() { assert_eq!(AnchorSource::default().anchor(source_lookup(&[("objectGUID", AnchorValue::Binary(&OG))])).map(|a| a.immutable_id()).as_deref(), Some("iGhmiAEBERG7uxI0VniQqw==")); }
    #[test] fn source_default_empty_consistency_guid_is_absent() { assert_eq!(AnchorSource::default().anchor(source_lookup(&[("objectGUID", AnchorValue::Binary(&OG)), ("mS-DS-ConsistencyGuid", AnchorValue::Binary(&[]))])).map(|a| a.immutable_id()).as_deref(), Some("iGhmiAEBERG7uxI0VniQqw==")); }
    #[test] fn source_default_object_guid_as_text_string() { assert_eq!(AnchorSource::default().anchor(source_lookup(&[("ObjectGUID", AnchorValue::Text("88666888-0101-1111-bbbb-1234567890ab"))])).map(|a| a.immutable_id()).as_deref(), Some("iGhmiAEBERG7uxI0VniQqw==")); }
    #[test] fn source_default_none_when_absent() { assert_eq!(AnchorSource::default().anchor(source_lookup(&[])), None); }
    #[test] fn source_attribute_text_as_is() { assert_eq!(AnchorSource::Attribute("employeeID".into()).anchor(source_lookup(&[("employeeID", AnchorValue::Text("E12345")), ("objectGUID", AnchorValue::Binary(&OG))])), Some(Anchor::Text("E12345".into()))); }
    #[test] fn source_attribute_guid_string_kept_as_text() { assert_eq!(AnchorSource::Attribute("employeeID".into()).anchor(source_lookup(&[("employeeID", AnchorValue::Text("88666888-0101-1111-bbbb-1234567890ab"))])).map(|a| a.immutable_id()).as_deref(), Some("88666888-0101-1111-bbbb-1234567890ab")); }
    #[test] fn source_attribute_binary_base64() { assert_eq!(AnchorSource::Attribute("msDS-custom".into()).anchor(source_lookup(&[("msDS-custom", AnchorValue::Binary(&[1, 2, 3]))])).map(|a| a.immutable_id()).as_deref(), Some("AQID")); }
    #[test] fn source_attribute_absent_no_fallback() { assert_eq!(AnchorSource::Attribute("employeeID".into()).anchor(source_lookup(&[("objectGUID", AnchorValue::Binary(&OG))])), None); }

    // ---- csvde binary form.
    #[test] fn csvde_upper_x_and_hex() { assert_eq!(parse_csvde_binary("X'0A0b'"), Some(vec![0x0a, 0x0b])); }
    #[test] fn csvde_empty() { assert_eq!(parse_csvde_binary("X''"), Some(vec![])); }
    #[test] fn csvde_odd_digits() { assert_eq!(parse_csvde_binary("X'0a0'"), None); }
    #[test] fn csvde_not_quoted() { assert_eq!(parse_csvde_binary("0a0b"), None); assert_eq!(parse_csvde_binary("X'0a0b"), None); assert_eq!(parse_csvde_binary("X'"), None); }
}
