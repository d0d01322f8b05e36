//! Entries as the on-premises readers hand them out (LDIF and CSV alike):
//! values, owned entries, and the projection that says which attributes to keep.

use std::fmt;

/// How a value was written in the LDIF file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `attr: value` (bytes as written, after the separating spaces).
    Plain,
    /// `attr:: base64` (the decoded bytes; may be binary).
    Base64,
    /// `attr:< url`: never dereferenced; the bytes are the URL itself.
    Url,
    /// Binary decoded from a CSV export's text form (csvde `X'hex'`, a GUID
    /// or SID string in an Export-Csv file).
    Decoded,
}

/// One attribute value: raw bytes plus how they were written.
///
/// Values stay bytes: binary attributes such as `objectGUID` are never
/// text-decoded. Use [`Value::as_str`] when a value is needed as text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValueRef<'a> {
    /// The value's bytes (decoded when it was base64).
    pub bytes: &'a [u8],
    /// How it was written.
    pub kind: ValueKind,
}

impl<'a> ValueRef<'a> {
    /// The value as UTF-8 text, or `None` when it is not valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes).ok()
    }
}

/// An owned attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    /// The value's bytes (decoded when it was base64).
    pub bytes: Vec<u8>,
    /// How it was written.
    pub kind: ValueKind,
}

impl Value {
    /// The value as UTF-8 text, or `None` when it is not valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }
}

/// An owned attribute: its name as first spelled in the record and its values in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedAttr {
    /// The attribute description as first written (options kept: `cn;lang-en`).
    pub name: String,
    /// Values in file order, duplicates kept.
    pub values: Vec<Value>,
}

/// An owned entry (a record that describes a directory object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedEntry {
    /// The DN as written (decoded when it was `dn::`). Not normalised.
    pub dn: Vec<u8>,
    /// 1-based line of the record's `dn:` line in the original file.
    pub line: u64,
    /// 0-based byte offset of the record in the (decoded) input.
    pub byte: u64,
    /// Attributes in order of first appearance; names are merged case-insensitively.
    pub attrs: Vec<OwnedAttr>,
}

impl OwnedEntry {
    /// The attribute named `name` (case-insensitive), if present.
    pub fn get(&self, name: &str) -> Option<&OwnedAttr> {
        self.attrs
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The values of `name` as text; values that are not UTF-8 are left out.
    pub fn texts(&self, name: &str) -> Vec<&str> {
        self.get(name)
            .map(|a| a.values.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// The DN as text (lossy for a DN that is not UTF-8).
    pub fn dn_lossy(&self) -> String {
        String::from_utf8_lossy(&self.dn).into_owned()
    }
}

impl fmt::Display for OwnedEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (line {})",
            String::from_utf8_lossy(&self.dn),
            self.line
        )
    }
}

/// Which attributes the caller needs.
///
/// Attributes outside the projection are not kept. With
/// `LdifOptions::validate_all` (the default, what `scan` wants) they are
/// still decoded and checked; without it they are skipped without decoding
/// (what the audit wants).
#[derive(Clone, Debug, Default)]
pub enum Projection {
    /// Keep and validate every attribute (what `scan` does).
    #[default]
    All,
    /// Keep only the DN; count the records (fastest).
    DnOnly,
    /// Keep only these attributes (compared case-insensitively, options ignored:
    /// `cn` selects `cn;lang-en` too).
    Attrs(AttrSet),
}

/// The attribute names of a projection. The LDIF reader asks about every
/// attribute line, and most lines are not wanted: a 1024-bit filter on the
/// name's length and first and last letters answers those with one load.
#[derive(Clone, Debug)]
pub struct AttrSet {
    names: Vec<String>,
    filter: [u64; 16],
}

impl AttrSet {
    /// The set of `names`.
    pub fn new(names: Vec<String>) -> Self {
        let mut filter = [0u64; 16];
        for n in names.iter().filter(|n| !n.is_empty()) {
            let bit = Self::filter_bit(n.as_bytes());
            filter[bit / 64] |= 1 << (bit % 64);
        }
        AttrSet { names, filter }
    }

    /// The names, as given.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Filter position of a non-empty name: ASCII case folded (names that
    /// differ only in case share it).
    #[inline]
    fn filter_bit(name: &[u8]) -> usize {
        let (first, last) = (name[0] | 0x20, name[name.len() - 1] | 0x20);
        let key = (name.len() as u32) << 16 | u32::from(first) << 8 | u32::from(last);
        (key.wrapping_mul(0x9E37_79B1) >> 22) as usize
    }

    /// Whether `name` (no options) is in the set, ignoring ASCII case.
    #[inline]
    pub fn contains(&self, name: &[u8]) -> bool {
        if name.is_empty() {
            return false;
        }
        let bit = Self::filter_bit(name);
        if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
            return false;
        }
        self.names
            .iter()
            .any(|n| n.len() == name.len() && n.as_bytes().eq_ignore_ascii_case(name))
    }
}

impl Projection {
    /// A projection of the named attributes.
    pub fn attrs<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Projection::Attrs(AttrSet::new(names.into_iter().map(Into::into).collect()))
    }

    /// Whether an attribute description (`name` or `name;options`) is wanted.
    #[inline]
    pub(crate) fn wants(&self, description: &[u8]) -> bool {
        let base = match description.iter().position(|&b| b == b';') {
            Some(i) => &description[..i],
            None => description,
        };
        self.wants_plain(base)
    }

    /// As [`Projection::wants`], for a name the caller knows has no options
    /// (no `;`): the LDIF reader learns that while it looks for the colon.
    #[inline]
    pub(crate) fn wants_plain(&self, name: &[u8]) -> bool {
        match self {
            Projection::All => true,
            Projection::DnOnly => false,
            Projection::Attrs(set) => set.contains(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_ignores_case_and_options() {
        let p = Projection::attrs(["userPrincipalName", "cn", "extensionAttribute1"]);
        for yes in [
            &b"userprincipalname"[..],
            b"USERPRINCIPALNAME",
            b"cn",
            b"CN;lang-en",
            b"extensionAttribute1;x",
        ] {
            assert!(p.wants(yes), "{}", String::from_utf8_lossy(yes));
        }
        for no in [
            &b"userPrincipalNam"[..],
            b"userPrincipalNamf",
            b"c",
            b"cnn",
            b"extensionAttribute2",
            b"",
            b";cn",
        ] {
            assert!(!p.wants(no), "{}", String::from_utf8_lossy(no));
        }
        assert!(p.wants_plain(b"Cn"));
        assert!(!p.wants_plain(b"sn"));
        assert!(Projection::All.wants_plain(b"anything"));
        assert!(!Projection::DnOnly.wants(b"cn"));
    }

    #[test]
    fn attr_set_finds_every_name_among_many() {
        // Enough names that several share a filter bit.
        let names: Vec<String> = (0..300).map(|i| format!("attr{i}x")).collect();
        let set = AttrSet::new(names.clone());
        for n in &names {
            assert!(set.contains(n.to_uppercase().as_bytes()), "{n}");
        }
        assert!(!set.contains(b"attr300x"));
        assert_eq!(set.names().len(), 300);
    }
}
