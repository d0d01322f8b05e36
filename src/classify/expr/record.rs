//! What the evaluator reads: an on-premises object as the sync engine sees
//! it, a DN and attribute values as bytes.

use crate::read::{AttrRef, EntryRef, OwnedEntry};

/// An on-premises object as the engine sees it.
pub trait Record {
    /// The values of an attribute, `None` if it is absent. Names are compared
    /// ASCII-case-insensitively here (exports spell them in many ways); the
    /// checker is what enforces Connect's exact spelling in expressions.
    fn values(&self, name: &str) -> Option<Values<'_>>;

    /// Looks up several attributes at once: sets `out[i]` to the values of
    /// `names[i]` (`out` is as long as `names`). The evaluator calls this
    /// once per evaluation. The default calls [`Record::values`] for each
    /// name; records that find attributes by scanning override it to scan once.
    fn values_of<'s>(&'s self, names: &[String], out: &mut [Option<Values<'s>>]) {
        for (name, slot) in names.iter().zip(out.iter_mut()) {
            *slot = self.values(name);
        }
    }

    /// The object's DN as written in the export (the `[dn]` pseudo-attribute).
    fn dn(&self) -> &[u8];
}

/// The values of one attribute, borrowed from a record: no allocation per lookup.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum Values<'a> {
    /// An attribute of a reader batch.
    Batch(AttrRef<'a>),
    /// The values of an [`OwnedEntry`] attribute.
    Owned(&'a [crate::read::Value]),
    /// Plain byte strings (for callers with their own storage).
    Bytes(&'a [&'a [u8]]),
    /// Plain text values.
    Strs(&'a [&'a str]),
}

impl<'a> Values<'a> {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Batch(a) => a.len(),
            Values::Owned(v) => v.len(),
            Values::Bytes(v) => v.len(),
            Values::Strs(v) => v.len(),
        }
    }

    /// Whether there is no value (an attribute present with no value reads as absent).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first value.
    pub fn first(&self) -> Option<&'a [u8]> {
        match self {
            Values::Batch(a) => a.first().map(|v| v.bytes),
            Values::Owned(v) => v.first().map(|v| v.bytes.as_slice()),
            Values::Bytes(v) => v.first().copied(),
            Values::Strs(v) => v.first().map(|s| s.as_bytes()),
        }
    }

    /// Calls `f` on every value, in order.
    pub fn for_each(&self, mut f: impl FnMut(&'a [u8])) {
        match self {
            Values::Batch(a) => a.values().for_each(|v| f(v.bytes)),
            Values::Owned(v) => v.iter().for_each(|v| f(&v.bytes)),
            Values::Bytes(v) => v.iter().for_each(|b| f(b)),
            Values::Strs(v) => v.iter().for_each(|s| f(s.as_bytes())),
        }
    }
}

impl Record for EntryRef<'_> {
    fn values(&self, name: &str) -> Option<Values<'_>> {
        self.get(name).map(Values::Batch)
    }

    fn values_of<'s>(&'s self, names: &[String], out: &mut [Option<Values<'s>>]) {
        out.fill(None);
        let mut missing = names.len().min(out.len());
        for a in self.attrs() {
            let name = a.name_bytes();
            for (want, slot) in names.iter().zip(out.iter_mut()) {
                if slot.is_none() && want.as_bytes().eq_ignore_ascii_case(name) {
                    *slot = Some(Values::Batch(a));
                    missing -= 1;
                }
            }
            if missing == 0 {
                break;
            }
        }
    }

    fn dn(&self) -> &[u8] {
        EntryRef::dn(self)
    }
}

impl Record for OwnedEntry {
    fn values(&self, name: &str) -> Option<Values<'_>> {
        self.get(name).map(|a| Values::Owned(&a.values))
    }

    fn dn(&self) -> &[u8] {
        &self.dn
    }
}

impl<R: Record + ?Sized> Record for &R {
    fn values(&self, name: &str) -> Option<Values<'_>> {
        (**self).values(name)
    }

    fn values_of<'s>(&'s self, names: &[String], out: &mut [Option<Values<'s>>]) {
        (**self).values_of(names, out)
    }

    fn dn(&self) -> &[u8] {
        (**self).dn()
    }
}
