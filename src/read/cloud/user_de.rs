//! The custom `Deserialize` for one user object: keys matched ASCII
//! case-insensitively against the known properties without building a map,
//! unknown keys skipped with [`IgnoredAny`], and values of the wrong type or
//! stringified by `ConvertTo-Json` recorded as issues instead of errors. Only
//! malformed JSON is an error.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::draft::{Draft, DraftIdentity, Issue};
use super::model::Property;
use crate::diag::{preview, DiagKind};

/// A user as parsed: its id is empty when the object has no usable `id`.
pub(crate) struct ParsedUser<'de> {
    pub draft: Draft<'de>,
}

impl<'de> de::Deserialize<'de> for ParsedUser<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(UserVisitor)
    }
}

/// A string starting like PowerShell's `ToString()` of an object or
/// collection: what `ConvertTo-Json` writes past its `-Depth`.
pub(crate) fn is_stringified(s: &str) -> bool {
    let s = s.trim_start();
    s.starts_with("@{")
        || s.starts_with("{@{")
        || s.starts_with("System.")
        || s.starts_with("Microsoft.Graph.")
}

/// What a property's value should be.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Str,
    Bool,
    StrList,
    Identities,
    Ext,
    Date,
}

impl Want {
    pub(crate) fn of(p: Property) -> Want {
        match p {
            Property::AccountEnabled | Property::OnPremisesSyncEnabled => Want::Bool,
            Property::ProxyAddresses | Property::OtherMails => Want::StrList,
            Property::Identities => Want::Identities,
            Property::OnPremisesExtensionAttributes => Want::Ext,
            Property::OnPremisesLastSyncDateTime | Property::CreatedDateTime => Want::Date,
            _ => Want::Str,
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Want::Str => "a string",
            Want::Bool => "true or false",
            Want::StrList => "an array of strings",
            Want::Identities => "an array of objects",
            Want::Ext => "an object",
            Want::Date => "a date string",
        }
    }
}

type ExtArray<'de> = Box<[Option<Cow<'de, str>>; 15]>;

/// A value as found.
enum Got<'de> {
    Null,
    Str(Cow<'de, str>),
    Bool(bool),
    List(Vec<Cow<'de, str>>),
    Ids(Vec<DraftIdentity<'de>>),
    Ext(Option<ExtArray<'de>>),
    Wrong(&'static str),
    Stringified(String),
}

struct Seed(Want);

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Got<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got<'de>, D::Error> {
        d.deserialize_any(ValueVisitor(self.0))
    }
}

struct ValueVisitor(Want);

impl ValueVisitor {
    fn string<'de>(self, v: Cow<'de, str>) -> Got<'de> {
        match self.0 {
            Want::Str | Want::Date => Got::Str(v),
            Want::Bool => Got::Wrong("a string"),
            Want::StrList | Want::Identities | Want::Ext => {
                if is_stringified(&v) {
                    Got::Stringified(preview(v.as_bytes()))
                } else {
                    Got::Wrong("a string")
                }
            }
        }
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Got<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Got<'de>, E> {
        Ok(Got::Null)
    }
    fn visit_none<E>(self) -> Result<Got<'de>, E> {
        Ok(Got::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Got<'de>, E> {
        Ok(if self.0 == Want::Bool {
            Got::Bool(v)
        } else {
            Got::Wrong("a boolean")
        })
    }
    fn visit_i64<E>(self, _: i64) -> Result<Got<'de>, E> {
        Ok(Got::Wrong("a number"))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Got<'de>, E> {
        Ok(Got::Wrong("a number"))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Got<'de>, E> {
        Ok(Got::Wrong("a number"))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Got<'de>, E> {
        Ok(self.string(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Got<'de>, E> {
        Ok(self.string(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<Got<'de>, E> {
        Ok(self.string(Cow::Owned(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got<'de>, A::Error> {
        match self.0 {
            Want::StrList => {
                let mut out = Vec::new();
                let mut bad = None;
                while let Some(g) = seq.next_element_seed(Seed(Want::Str))? {
                    match g {
                        Got::Str(s) => out.push(s),
                        Got::Null => {}
                        Got::Wrong(w) => bad = bad.or(Some(w)),
                        _ => bad = bad.or(Some("something else")),
                    }
                }
                Ok(match bad {
                    Some(_) => Got::Wrong("an array holding a value that is not a string"),
                    None => Got::List(out),
                })
            }
            Want::Identities => {
                let mut out = Vec::new();
                let mut bad: Option<Got<'de>> = None;
                while let Some(g) = seq.next_element_seed(IdentitySeed)? {
                    match g {
                        Ok(Some(id)) => out.push(id),
                        Ok(None) => {}
                        Err(e) => {
                            if bad.is_none() {
                                bad = Some(e);
                            }
                        }
                    }
                }
                Ok(bad.unwrap_or(Got::Ids(out)))
            }
            _ => {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Got::Wrong("an array"))
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got<'de>, A::Error> {
        match self.0 {
            Want::Ext => {
                let mut ext: Option<ExtArray<'de>> = None;
                let mut bad = None;
                while let Some(n) = map.next_key_seed(ExtKeySeed)? {
                    let Some(n) = n else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    match map.next_value_seed(Seed(Want::Str))? {
                        Got::Str(s) => ext.get_or_insert_with(Default::default)[n - 1] = Some(s),
                        Got::Null => {}
                        Got::Wrong(w) => bad = bad.or(Some(w)),
                        _ => bad = bad.or(Some("something else")),
                    }
                }
                Ok(match bad {
                    Some(_) => Got::Wrong("an object holding an attribute that is not a string"),
                    None => Got::Ext(ext),
                })
            }
            Want::Date => {
                // Windows PowerShell 5.1 Get-Date objects:
                // {"value":"\/Date(...)\/","DisplayHint":2,"DateTime":"..."}
                let mut value = None;
                while let Some(k) = map.next_key::<KeyName>()? {
                    if k.0 {
                        value = Some(map.next_value_seed(Seed(Want::Str))?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(match value {
                    Some(Got::Str(s)) => Got::Str(s),
                    Some(Got::Null) => Got::Null,
                    _ => Got::Wrong("an object without a date `value`"),
                })
            }
            _ => {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Got::Wrong("an object"))
            }
        }
    }
}

/// A key that is `value` (case-insensitive) or not.
struct KeyName(bool);

impl<'de> de::Deserialize<'de> for KeyName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyName, E> {
                Ok(KeyName(v.eq_ignore_ascii_case("value")))
            }
        }
        d.deserialize_str(V)
    }
}

/// `extensionAttributeN` → Some(N) for N in 1..=15.
struct ExtKeySeed;

impl<'de> DeserializeSeed<'de> for ExtKeySeed {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<usize>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<Option<usize>, E> {
                Ok(extension_number(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// `extensionAttribute7` (any case) → 7.
pub(crate) fn extension_number(key: &str) -> Option<usize> {
    const PREFIX: &str = "extensionattribute";
    let head = key.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    let n: usize = key[PREFIX.len()..].parse().ok()?;
    (1..=15).contains(&n).then_some(n)
}

/// One element of `identities`: Ok(Some) an identity, Ok(None) null, Err a
/// problem (as a `Got::Wrong` / `Got::Stringified`).
struct IdentitySeed;

impl<'de> DeserializeSeed<'de> for IdentitySeed {
    type Value = Result<Option<DraftIdentity<'de>>, Got<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(IdentityVisitor)
    }
}

struct IdentityVisitor;

impl<'de> Visitor<'de> for IdentityVisitor {
    type Value = Result<Option<DraftIdentity<'de>>, Got<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an identity object")
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Ok(None))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Got::Wrong("an array holding a boolean")))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Got::Wrong("an array holding a number")))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Got::Wrong("an array holding a number")))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Got::Wrong("an array holding a number")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Err(if is_stringified(v) {
            Got::Stringified(preview(v.as_bytes()))
        } else {
            Got::Wrong("an array holding a string")
        }))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Err(Got::Wrong("an array holding an array")))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut id: DraftIdentity<'de> = Default::default();
        let mut bad = false;
        while let Some(k) = map.next_key_seed(IdentityKeySeed)? {
            let slot = match k {
                1..=3 => &mut id[usize::from(k) - 1],
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            match map.next_value_seed(Seed(Want::Str))? {
                Got::Str(s) => *slot = Some(s),
                Got::Null => {}
                _ => bad = true,
            }
        }
        Ok(if bad {
            Err(Got::Wrong("an identity with a value that is not a string"))
        } else {
            Ok(Some(id))
        })
    }
}

struct IdentityKeySeed;

impl<'de> DeserializeSeed<'de> for IdentityKeySeed {
    type Value = u8;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u8, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = u8;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<u8, E> {
                Ok(if v.eq_ignore_ascii_case("signInType") {
                    1
                } else if v.eq_ignore_ascii_case("issuer") {
                    2
                } else if v.eq_ignore_ascii_case("issuerAssignedId") {
                    3
                } else {
                    0
                })
            }
        }
        d.deserialize_str(V)
    }
}

/// A user property key (case-insensitive), or None for any other key.
struct PropKeySeed;

impl<'de> DeserializeSeed<'de> for PropKeySeed {
    type Value = Option<Property>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Property>, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Option<Property>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_str<E>(self, v: &str) -> Result<Option<Property>, E> {
                Ok(Property::from_name_ci(v))
            }
        }
        d.deserialize_str(V)
    }
}

struct UserVisitor;

impl<'de> Visitor<'de> for UserVisitor {
    type Value = ParsedUser<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a user object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ParsedUser<'de>, A::Error> {
        let mut d = Draft::default();
        while let Some(key) = map.next_key_seed(PropKeySeed)? {
            let Some(prop) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if d.present.contains(prop) && !d.has_issue(prop, DiagKind::DuplicateProperty) {
                d.issues.push(duplicate_property(prop));
            }
            let want = Want::of(prop);
            let got = map.next_value_seed(Seed(want))?;
            apply(&mut d, prop, want, got);
        }
        Ok(ParsedUser { draft: d })
    }
}

fn apply<'de>(d: &mut Draft<'de>, prop: Property, want: Want, got: Got<'de>) {
    d.begin(prop);
    match got {
        Got::Null => d.clear(prop),
        Got::Wrong(found) => {
            d.clear(prop);
            d.issues.push(wrong_type(prop, want, found));
        }
        Got::Stringified(text) => {
            d.clear(prop);
            d.issues.push(Issue {
                prop,
                kind: DiagKind::StringifiedObject,
                message: format!(
                    "`{}` holds the text \"{text}\" instead of its value: ConvertTo-Json ran \
                     out of depth; treated as absent. Re-export with `ConvertTo-Json -Depth 10`",
                    prop.name()
                ),
            });
        }
        got => {
            if set(d, prop, got) {
                d.valued.insert(prop);
            } else if want == Want::Date {
                d.issues.push(invalid_date(prop));
            }
        }
    }
}

/// A property given twice in one object (exactly or differing only in
/// case): JSON parsers disagree on which value wins (most keep the last of
/// an exact repeat; case-sensitive ones read a differently cased one as
/// another key), so neither value can be trusted. The message is finished
/// by the walker, which knows the spellings and lines.
pub(crate) fn duplicate_property(prop: Property) -> Issue {
    Issue {
        prop,
        kind: DiagKind::DuplicateProperty,
        message: String::new(),
    }
}

fn wrong_type(prop: Property, want: Want, found: &str) -> Issue {
    Issue {
        prop,
        kind: DiagKind::WrongType,
        message: format!(
            "`{}` is {found}, expected {}; treated as absent",
            prop.name(),
            want.expected()
        ),
    }
}

fn invalid_date(prop: Property) -> Issue {
    Issue {
        prop,
        kind: DiagKind::InvalidDate,
        message: format!(
            "`{}` is not a date in a known format (ISO 8601, \\/Date(ms)\\/); treated as absent",
            prop.name()
        ),
    }
}

/// Sets one property from a value of the right type; false when the value
/// is empty or unusable (an empty id, an invalid date).
fn set<'de>(d: &mut Draft<'de>, prop: Property, got: Got<'de>) -> bool {
    match got {
        Got::Str(s) => d.set_str(prop, s),
        Got::Bool(b) => d.set_bool(prop, b),
        Got::List(l) => match d.list_mut(prop) {
            Some(list) => {
                *list = l;
                true
            }
            None => false,
        },
        Got::Ids(l) if prop == Property::Identities => {
            d.identities = l;
            true
        }
        Got::Ext(e) if prop == Property::OnPremisesExtensionAttributes => {
            d.ext = e.map(|all| *all).unwrap_or_default();
            true
        }
        _ => false,
    }
}
