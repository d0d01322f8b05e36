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
    Attrs(Vec<String>),
}

impl Projection {
    /// A projection of the named attributes.
    pub fn attrs<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Projection::Attrs(names.into_iter().map(Into::into).collect())
    }

    /// Whether an attribute description (`name` or `name;options`) is wanted.
    #[inline]
    pub(crate) fn wants(&self, description: &[u8]) -> bool {
        match self {
            Projection::All => true,
            Projection::DnOnly => false,
            Projection::Attrs(names) => {
                // Names are short: a plain scan beats memchr's setup here,
                // and this runs for every attribute line.
                let base = match description.iter().position(|&b| b == b';') {
                    Some(i) => &description[..i],
                    None => description,
                };
                names
                    .iter()
                    .any(|n| n.len() == base.len() && n.as_bytes().eq_ignore_ascii_case(base))
            }
        }
    }
}
