//! The fast path of the user parser: a byte-level scanner for one user
//! object that takes exactly what the `serde_json` path (`user_de`) takes,
//! to the same [`Draft`], three to four times faster (no visitor layers,
//! no per-key `Deserializer` calls, strings borrowed from the input).
//!
//! It declines (returns `None`) whenever the object holds anything that the
//! serde path would report or that it does not handle: malformed JSON, a
//! value of the wrong type, a stringified object, an invalid date, an escaped
//! key, deep nesting. The caller then parses the same object with serde,
//! which produces the users and diagnostics as it always has. So the fast
//! path only has to be right on what it accepts, and may be stricter.
//!
//! The input is text already checked to be UTF-8 (what serde checks for
//! each key and kept value); ignored strings are only scanned, like serde's
//! `ignore_str`.

use std::borrow::Cow;

use super::draft::{Draft, DraftIdentity};
use super::model::Property;
use super::user_de::{extension_number, Want};

/// Parses the user object starting at `text[start]` into `d` (reset by the
/// caller); returns the offset just past its closing `}`.
pub(crate) fn user<'a>(
    text: &'a str,
    start: usize,
    d: &mut Draft<'a>,
    order: &mut KeyOrder,
) -> Option<usize> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        i: start,
    };
    p.user(d, order)?;
    Some(p.i)
}

/// The key order of the users read so far: exports write every user's keys
/// in the same order, so the key after a property is usually the one that
/// followed it last time. A right guess costs one comparison instead of a
/// scan and a lookup; a wrong one is read normally (and remembered).
#[derive(Default)]
pub(crate) struct KeyOrder {
    /// After property `i` (`START` at the object's start, `UNKNOWN` after
    /// any other key): the key that came next last time.
    next: [Option<Property>; UNKNOWN + 1],
}

const START: usize = Property::ALL.len();
const UNKNOWN: usize = START + 1;

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

/// Containers nested deeper than this inside an ignored value are left to serde.
const MAX_DEPTH: u32 = 128;

impl<'a> Parser<'a> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips JSON whitespace (the four bytes serde_json skips).
    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    #[inline]
    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    #[inline]
    fn lit(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end) == Some(word)).then(|| self.i = end)
    }

    /// After an object member: `,` (then whitespace) or the closing `}` (true).
    #[inline]
    fn next_member(&mut self, close: u8) -> Option<bool> {
        self.ws();
        match self.peek()? {
            b',' => {
                self.i += 1;
                self.ws();
                Some(false)
            }
            c if c == close => {
                self.i += 1;
                Some(true)
            }
            _ => None,
        }
    }

    /// Moves to the next `"`, `\` or control character (all end a run of
    /// plain string bytes), eight bytes at a time.
    #[inline]
    fn skip_plain(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        while let Some(w) = self.b.get(self.i..self.i + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            let x = u64::from_le_bytes(word);
            let ctrl = x.wrapping_sub(ONES * 0x20) & !x;
            let q = x ^ (ONES * u64::from(b'"'));
            let q = q.wrapping_sub(ONES) & !q;
            let bs = x ^ (ONES * u64::from(b'\\'));
            let bs = bs.wrapping_sub(ONES) & !bs;
            // The lowest flagged byte is exact (borrows only move upwards).
            let m = (ctrl | q | bs) & (ONES << 7);
            if m != 0 {
                self.i += (m.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
        while let Some(&c) = self.b.get(self.i) {
            if c == b'"' || c == b'\\' || c < 0x20 {
                return;
            }
            self.i += 1;
        }
    }

    /// The string at `i`: the bounds of its raw content and whether it
    /// holds escapes. Escapes are checked as serde's `ignore_str` does.
    fn raw_str(&mut self) -> Option<(usize, usize, bool)> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.skip_plain();
            match self.peek()? {
                b'"' => {
                    let end = self.i;
                    self.i += 1;
                    return Some((start, end, escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            hex4(self.b.get(self.i + 1..self.i + 5)?)?;
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                // A control character: serde reports it.
                _ => return None,
            }
        }
    }

    /// A string value to keep.
    #[inline]
    fn str_val(&mut self) -> Option<Cow<'a, str>> {
        let (start, end, escaped) = self.raw_str()?;
        let raw = self.s.get(start..end)?;
        if escaped {
            unescape(raw).map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(raw))
        }
    }

    /// A key without escapes, and the `:` after it.
    #[inline]
    fn key(&mut self) -> Option<&'a [u8]> {
        let (start, end, escaped) = self.raw_str()?;
        if escaped {
            return None;
        }
        self.colon()?;
        self.b.get(start..end)
    }

    #[inline]
    fn colon(&mut self) -> Option<()> {
        self.ws();
        self.eat(b':')?;
        self.ws();
        Some(())
    }

    /// Whether the key at `i` is exactly `"name"`; if so, moves past it.
    #[inline]
    fn key_is(&mut self, name: &[u8]) -> bool {
        let from = self.i + 1;
        let to = from + name.len();
        let hit =
            self.b.get(to) == Some(&b'"') && self.b.get(from..to).is_some_and(|k| same(k, name));
        if hit {
            self.i = to + 1;
        }
        hit
    }

    /// A number, with serde_json's grammar.
    fn number(&mut self) -> Option<()> {
        let digits = |p: &mut Self| {
            let from = p.i;
            while let Some(b'0'..=b'9') = p.peek() {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return None;
                }
            }
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        Some(())
    }

    /// Steps over any value (an unknown key's), without recursion.
    fn skip_value(&mut self) -> Option<()> {
        // Bit `n` of `objects`: whether the container at depth n+1 is an object.
        let mut objects = 0u128;
        let mut depth = 0u32;
        loop {
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.raw_str()?;
                }
                b'n' => self.lit(b"null")?,
                b't' => self.lit(b"true")?,
                b'f' => self.lit(b"false")?,
                b'-' | b'0'..=b'9' => self.number()?,
                open @ (b'[' | b'{') => {
                    if depth >= MAX_DEPTH {
                        return None;
                    }
                    self.i += 1;
                    let object = open == b'{';
                    objects = objects & !(1 << depth) | u128::from(object) << depth;
                    depth += 1;
                    self.ws();
                    let close = if object { b'}' } else { b']' };
                    if self.peek()? != close {
                        if object {
                            self.member_key()?;
                        }
                        continue;
                    }
                    self.i += 1;
                    depth -= 1;
                }
                _ => return None,
            }
            // A value ended: close the containers it ends.
            loop {
                if depth == 0 {
                    return Some(());
                }
                let object = objects >> (depth - 1) & 1 == 1;
                self.ws();
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if object {
                            self.ws();
                            self.member_key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.i += 1;
                depth -= 1;
            }
        }
    }

    /// The key of an ignored object's member (escapes allowed, as serde).
    fn member_key(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.raw_str()?;
        self.ws();
        self.eat(b':')
    }

    /// A user object.
    fn user(&mut self, d: &mut Draft<'a>, order: &mut KeyOrder) -> Option<()> {
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(());
        }
        let mut prev = START;
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let guess = order.next[prev].filter(|p| self.key_is(p.name().as_bytes()));
            let prop = match guess {
                Some(p) => {
                    self.colon()?;
                    Some(p)
                }
                None => {
                    let p = prop_of(self.key()?);
                    order.next[prev] = p;
                    p
                }
            };
            match prop {
                Some(p) => self.prop(p, d)?,
                None => self.skip_value()?,
            }
            prev = prop.map_or(UNKNOWN, |p| p as usize);
            if self.next_member(b'}')? {
                return Some(());
            }
        }
    }

    /// The value of a known property (the rules of `user_de::apply`).
    fn prop(&mut self, p: Property, d: &mut Draft<'a>) -> Option<()> {
        // A property given twice is reported by the serde path.
        if d.present.contains(p) {
            return None;
        }
        d.begin(p);
        if self.peek()? == b'n' {
            self.lit(b"null")?;
            d.clear(p);
            return Some(());
        }
        match Want::of(p) {
            Want::Str => {
                if self.peek()? != b'"' {
                    return None;
                }
                let s = self.str_val()?;
                if d.set_str(p, s) {
                    d.valued.insert(p);
                }
                return Some(());
            }
            Want::Date => {
                let s = match self.peek()? {
                    b'"' => self.str_val()?,
                    b'{' => match self.date_object()? {
                        Some(s) => s,
                        None => {
                            d.clear(p);
                            return Some(());
                        }
                    },
                    _ => return None,
                };
                // An invalid date is a diagnostic: serde's.
                if !d.set_str(p, s) {
                    return None;
                }
            }
            Want::Bool => {
                let b = match self.peek()? {
                    b't' => self.lit(b"true").map(|_| true)?,
                    b'f' => self.lit(b"false").map(|_| false)?,
                    _ => return None,
                };
                d.set_bool(p, b);
            }
            Want::StrList => self.str_list(p, d)?,
            Want::Identities => self.identities(d)?,
            Want::Ext => self.ext(d)?,
        }
        d.valued.insert(p);
        Some(())
    }

    /// An array of strings and nulls (nulls dropped).
    fn str_list(&mut self, p: Property, d: &mut Draft<'a>) -> Option<()> {
        self.eat(b'[')?;
        let list = d.list_mut(p)?;
        list.clear();
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            match self.peek()? {
                b'"' => list.push(self.str_val()?),
                b'n' => self.lit(b"null")?,
                _ => return None,
            }
            if self.next_member(b']')? {
                return Some(());
            }
        }
    }

    /// `identities`: an array of identity objects and nulls.
    fn identities(&mut self, d: &mut Draft<'a>) -> Option<()> {
        self.eat(b'[')?;
        d.identities.clear();
        self.ws();
        if self.eat(b']').is_some() {
            return Some(());
        }
        loop {
            match self.peek()? {
                b'{' => {
                    let id = self.identity()?;
                    d.identities.push(id);
                }
                b'n' => self.lit(b"null")?,
                _ => return None,
            }
            if self.next_member(b']')? {
                return Some(());
            }
        }
    }

    fn identity(&mut self) -> Option<DraftIdentity<'a>> {
        self.eat(b'{')?;
        let mut id: DraftIdentity<'a> = Default::default();
        self.ws();
        if self.eat(b'}').is_some() {
            return Some(id);
        }
        // Keys usually come in the order of IDENTITY_KEYS.
        let mut guess = 0;
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let k = match IDENTITY_KEYS.get(guess).filter(|n| self.key_is(n)) {
                Some(_) => {
                    self.colon()?;
                    Some(guess)
                }
                None => identity_key(self.key()?),
            };
            guess = k.map_or(IDENTITY_KEYS.len(), |k| k + 1);
            match k {
                Some(k) => match self.peek()? {
                    b'"' => id[k] = Some(self.str_val()?),
                    b'n' => self.lit(b"null")?,
                    _ => return None,
                },
                None => self.skip_value()?,
            }
            if self.next_member(b'}')? {
                return Some(id);
            }
        }
    }

    /// `onPremisesExtensionAttributes`: an object of strings and nulls.
    fn ext(&mut self, d: &mut Draft<'a>) -> Option<()> {
        self.eat(b'{')?;
        let mut ext: [Option<Cow<'a, str>>; 15] = Default::default();
        self.ws();
        if self.eat(b'}').is_none() {
            // Keys usually come in order, extensionAttribute1 to 15.
            let mut guess = 1;
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let n = match EXT_KEYS.get(guess - 1).filter(|k| self.key_is(k)) {
                    Some(_) => {
                        self.colon()?;
                        Some(guess)
                    }
                    None => ext_key(self.key()?),
                };
                guess = n.map_or(EXT_KEYS.len() + 1, |n| n + 1);
                match n {
                    Some(n) => match self.peek()? {
                        b'"' => ext[n - 1] = Some(self.str_val()?),
                        b'n' => self.lit(b"null")?,
                        _ => return None,
                    },
                    None => self.skip_value()?,
                }
                if self.next_member(b'}')? {
                    break;
                }
            }
        }
        d.ext = ext;
        Some(())
    }

    /// A Windows PowerShell Get-Date object: its `value`, None for null.
    fn date_object(&mut self) -> Option<Option<Cow<'a, str>>> {
        self.eat(b'{')?;
        let mut value = None;
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let key = self.key()?;
                if key.eq_ignore_ascii_case(b"value") {
                    value = Some(match self.peek()? {
                        b'"' => Some(self.str_val()?),
                        b'n' => self.lit(b"null").map(|_| None)?,
                        _ => return None,
                    });
                } else {
                    self.skip_value()?;
                }
                if self.next_member(b'}')? {
                    break;
                }
            }
        }
        value
    }
}

/// Whether two short byte strings are equal: inline word compares instead
/// of a `memcmp` call (keys are compared millions of times).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    fn word(s: &[u8], at: usize) -> u64 {
        let mut w = [0u8; 8];
        if let Some(bytes) = s.get(at..at + 8) {
            w.copy_from_slice(bytes);
        }
        u64::from_le_bytes(w)
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n < 8 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    let mut i = 0;
    while i + 8 < n {
        if word(a, i) != word(b, i) {
            return false;
        }
        i += 8;
    }
    word(a, n - 8) == word(b, n - 8)
}

/// Four hex digits.
#[inline]
fn hex4(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| {
        let v = (c as char).to_digit(16)?;
        Some(n << 4 | v)
    })
}

/// Decodes a string's escapes as serde_json does (surrogates must pair).
fn unescape(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut run = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(raw.get(run..i)?);
        let c = *b.get(i + 1)?;
        i += 2;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let n = hex4(b.get(i..i + 4)?)?;
                i += 4;
                match n {
                    0xD800..=0xDBFF => {
                        if b.get(i..i + 2) != Some(b"\\u") {
                            return None;
                        }
                        let low = hex4(b.get(i + 2..i + 6)?)?;
                        i += 6;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(((n - 0xD800) << 10 | (low - 0xDC00)) + 0x1_0000)?
                    }
                    0xDC00..=0xDFFF => return None,
                    n => char::from_u32(n)?,
                }
            }
            _ => return None,
        };
        out.push(ch);
        run = i;
    }
    out.push_str(raw.get(run..)?);
    Some(out)
}

/// The property named `key` (ASCII case-insensitive, like
/// [`Property::from_name_ci`]); the exact camelCase spelling is tried first.
#[inline]
fn prop_of(key: &[u8]) -> Option<Property> {
    use Property::*;
    let candidates: &[Property] = match key.len() {
        2 => &[Id],
        4 => &[Mail],
        8 => &[UserType],
        10 => &[OtherMails, Identities],
        12 => &[CreationType],
        14 => &[AccountEnabled, ProxyAddresses],
        15 => &[CreatedDateTime],
        17 => &[UserPrincipalName, ExternalUserState],
        20 => &[OnPremisesDomainName],
        21 => &[OnPremisesSyncEnabled, OnPremisesImmutableId],
        24 => &[OnPremisesSamAccountName],
        26 => &[OnPremisesLastSyncDateTime],
        27 => &[OnPremisesDistinguishedName, OnPremisesUserPrincipalName],
        28 => &[OnPremisesSecurityIdentifier],
        29 => &[OnPremisesExtensionAttributes],
        _ => return None,
    };
    let exact = candidates.iter().find(|p| same(p.name().as_bytes(), key));
    exact
        .or_else(|| {
            candidates
                .iter()
                .find(|p| p.name().as_bytes().eq_ignore_ascii_case(key))
        })
        .copied()
}

/// `signInType`, `issuer`, `issuerAssignedId` (any case) → 0, 1, 2.
#[inline]
fn identity_key(key: &[u8]) -> Option<usize> {
    IDENTITY_KEYS.iter().position(|n| same(n, key)).or_else(|| {
        IDENTITY_KEYS
            .iter()
            .position(|n| n.eq_ignore_ascii_case(key))
    })
}

const IDENTITY_KEYS: [&[u8]; 3] = [b"signInType", b"issuer", b"issuerAssignedId"];

const EXT_KEYS: [&[u8]; 15] = [
    b"extensionAttribute1",
    b"extensionAttribute2",
    b"extensionAttribute3",
    b"extensionAttribute4",
    b"extensionAttribute5",
    b"extensionAttribute6",
    b"extensionAttribute7",
    b"extensionAttribute8",
    b"extensionAttribute9",
    b"extensionAttribute10",
    b"extensionAttribute11",
    b"extensionAttribute12",
    b"extensionAttribute13",
    b"extensionAttribute14",
    b"extensionAttribute15",
];

/// `extensionAttributeN` → N (as [`extension_number`], fast for the usual spelling).
#[inline]
fn ext_key(key: &[u8]) -> Option<usize> {
    const PREFIX: &[u8] = b"extensionAttribute";
    if key.len() > PREFIX.len() && same(&key[..PREFIX.len()], PREFIX) {
        match key[PREFIX.len()..] {
            [d @ b'1'..=b'9'] => return Some(usize::from(d - b'0')),
            [b'1', d @ b'0'..=b'5'] => return Some(10 + usize::from(d - b'0')),
            _ => {}
        }
    }
    extension_number(std::str::from_utf8(key).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_like_the_serde_path() {
        for &p in Property::ALL {
            let name = p.name();
            for k in [
                name.to_string(),
                name.to_ascii_lowercase(),
                name.to_ascii_uppercase(),
            ] {
                assert_eq!(prop_of(k.as_bytes()), Property::from_name_ci(&k), "{k}");
            }
        }
        assert_eq!(prop_of(b"displayName"), None);
        for n in 1..=15 {
            for k in [
                format!("extensionAttribute{n}"),
                format!("EXTENSIONATTRIBUTE{n}"),
                format!("extensionAttribute0{n}"),
            ] {
                assert_eq!(ext_key(k.as_bytes()), extension_number(&k), "{k}");
            }
        }
        for k in ["extensionAttribute0", "extensionAttribute16", "extension"] {
            assert_eq!(ext_key(k.as_bytes()), None);
        }
        assert_eq!(identity_key(b"ISSUER"), Some(1));
    }

    #[test]
    fn same_compares_bytes() {
        for (a, b) in [
            ("", ""),
            ("id", "id"),
            ("userType", "userType"),
            ("a".repeat(29).as_str(), "a".repeat(29).as_str()),
        ] {
            assert!(same(a.as_bytes(), b.as_bytes()));
        }
        let name = b"onPremisesExtensionAttributes";
        for i in 0..name.len() {
            let mut other = *name;
            other[i] ^= 0x20;
            assert!(!same(name, &other), "{i}");
        }
        assert!(!same(b"id", b"ids"));
    }

    #[test]
    fn escapes() {
        assert_eq!(
            unescape(r#"a\"b\\c\/d\n\u00e9\ud83d\ude00"#).as_deref(),
            Some("a\"b\\c/d\n\u{e9}\u{1f600}")
        );
        assert_eq!(unescape(r"\ud83d"), None);
        assert_eq!(unescape(r"\ude00"), None);
        assert_eq!(unescape(r"\x"), None);
        assert_eq!(unescape(r"\u12"), None);
    }

    fn parse(json: &str) -> Option<usize> {
        let mut d = Draft::default();
        user(json, 0, &mut d, &mut KeyOrder::default())
    }

    #[test]
    fn skips_any_value_and_declines_bad_json() {
        let ok = r#"{"x":[1,-2.5e+3,{"a":[true,false,null,"s\"",{}],"b":[]},[]],"id":"1"} "#;
        assert_eq!(parse(ok), Some(ok.len() - 1));
        for bad in [
            r#"{"x":01,"id":"1"}"#,
            r#"{"x":[1,],"id":"1"}"#,
            r#"{"x":{"a" 1},"id":"1"}"#,
            r#"{"x":nul,"id":"1"}"#,
            r#"{"id":"1",}"#,
            r#"{"id":"1""#,
            r#"{"id":1}"#,
            r#"{"x":"a\qb"}"#,
            "{\"x\":\"a\u{1}b\"}",
            r#"{"accountEnabled":"yes"}"#,
            r#"{"createdDateTime":"yesterday"}"#,
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
        let deep = format!(
            "{{\"x\":{}{},\"id\":\"1\"}}",
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(parse(&deep), None, "left to serde");
    }

    #[test]
    fn fills_the_draft() {
        let json = r#"{ "ID" : "1", "userType":"Guest", "mail":null, "proxyAddresses":["a",null,"b"],
            "identities":[null,{"issuer":"x","other":[1]}], "createdDateTime":{"value":"\/Date(0)\/"},
            "onPremisesExtensionAttributes":{"extensionAttribute2":"v","extensionAttribute3":null},
            "accountEnabled":false }"#;
        let mut d = Draft::default();
        let mut order = KeyOrder::default();
        assert_eq!(user(json, 0, &mut d, &mut order), Some(json.len()));
        assert_eq!(d.id(), "1");
        assert_eq!(d.user_type, Some(crate::read::cloud::UserType::Guest));
        assert!(d.present.contains(Property::Mail) && !d.valued.contains(Property::Mail));
        assert_eq!(d.proxies, ["a", "b"]);
        assert_eq!(d.identities.len(), 1);
        assert_eq!(d.identities[0][1].as_deref(), Some("x"));
        assert_eq!(d.scalars[12].as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(d.ext[1].as_deref(), Some("v"));
        assert_eq!(d.account_enabled, Some(false));

        // The same keys in another order, after the order was learnt.
        let json = r#"{"identities":[{"issuerAssignedId":"c","signInType":"a","issuer":"b"}],
            "onPremisesExtensionAttributes":{"extensionAttribute3":"3","extensionAttribute1":"1"},
            "accountEnabled":true,"ID":"2"}"#;
        d.reset();
        assert_eq!(user(json, 0, &mut d, &mut order), Some(json.len()));
        assert_eq!(d.id(), "2");
        let id: Vec<_> = d.identities[0].iter().map(|v| v.as_deref()).collect();
        assert_eq!(id, [Some("a"), Some("b"), Some("c")]);
        assert_eq!(d.ext[0].as_deref(), Some("1"));
        assert_eq!(d.ext[2].as_deref(), Some("3"));
        assert_eq!(d.account_enabled, Some(true));
    }
}
