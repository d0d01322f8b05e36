//! The on-premises account: one user object, whatever export it came from.
//!
//! An [`Account`] borrows its entry (no copy of values) and picks out what
//! Entra Connect looks at: identifiers, the attributes of the out-of-box
//! scope filters and of typical UserType rules. Any other attribute stays
//! reachable by name for rules ([`Account::get`]).

use std::fmt;

use crate::model::ids::{
    Anchor, AnchorSource, AnchorValue, Guid, SidText, CONSISTENCY_GUID_ATTR, OBJECT_GUID_ATTR,
};
use crate::read::{AttrRef, EntryRef, ValueKind};

/// The attributes the account model reads. Readers can project to these
/// (plus what the rules name) and skip the rest of a wide export.
pub const ACCOUNT_ATTRIBUTES: &[&str] = &[
    "objectClass",
    "userPrincipalName",
    "sAMAccountName",
    "mail",
    "proxyAddresses",
    "objectGUID",
    "mS-DS-ConsistencyGuid",
    "objectSid",
    "userAccountControl",
    "Enabled",
    "employeeType",
    "adminDescription",
    "isCriticalSystemObject",
    "msExchRecipientTypeDetails",
    "mailNickname",
    "memberOf",
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
];

/// What classification needs of an account beyond the rules' own
/// attributes: whether it is a user, its anchor, the out-of-box scope
/// attributes and its UPN. A smaller projection than [`ACCOUNT_ATTRIBUTES`]
/// keeps `classify` close to the speed of a plain read.
pub const CLASSIFY_ATTRIBUTES: &[&str] = &[
    "objectClass",
    "userPrincipalName",
    "sAMAccountName",
    "objectGUID",
    "mS-DS-ConsistencyGuid",
    "userAccountControl",
    "Enabled",
    "adminDescription",
    "isCriticalSystemObject",
    "msExchRecipientTypeDetails",
    "mailNickname",
];

/// What the audit reads besides [`CLASSIFY_ATTRIBUTES`]: the matching keys.
pub const MATCH_ATTRIBUTES: &[&str] = &["mail", "proxyAddresses", "objectSid"];

/// Why an entry is not an account. Counted and reported, never dropped silently.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotAccount {
    /// A computer (computers carry objectClass `user` too).
    Computer,
    /// Another object class (group, contact, organizationalUnit, ...): the most specific class.
    OtherClass(String),
    /// No objectClass in an export that states it for every entry: what an
    /// ldapsearch or `ldifde -l` limited to other attributes or an anonymous
    /// bind returns, or the root DSE. Nothing says it is a user.
    NoObjectClass,
}

impl fmt::Display for NotAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotAccount::Computer => f.write_str("computer object"),
            NotAccount::OtherClass(c) => write!(f, "not a user object (objectClass {c})"),
            NotAccount::NoObjectClass => f.write_str(
                "no objectClass (an export limited to other attributes, an anonymous bind, or \
                 the root DSE): export objectClass too",
            ),
        }
    }
}

/// One user object.
#[derive(Clone, Copy)]
pub struct Account<'a> {
    entry: EntryRef<'a>,
    /// `userPrincipalName`.
    pub upn: Option<&'a str>,
    /// `sAMAccountName`.
    pub sam_account_name: Option<&'a str>,
    /// `mail`.
    pub mail: Option<&'a str>,
    /// The primary SMTP address: the `proxyAddresses` value prefixed `SMTP:`
    /// (upper case), without the prefix.
    pub primary_smtp: Option<&'a str>,
    /// `objectGUID` when it is 16 bytes.
    pub object_guid: Option<Guid>,
    /// `mS-DS-ConsistencyGuid` bytes as stored.
    pub consistency_guid: Option<&'a [u8]>,
    /// `objectSid` bytes as stored.
    pub object_sid: Option<&'a [u8]>,
    /// `userAccountControl`.
    pub user_account_control: Option<u32>,
    /// Enabled: `userAccountControl` bit 2 (ACCOUNTDISABLE) clear, or the
    /// Export-Csv `Enabled` column when there is no `userAccountControl`.
    pub enabled: Option<bool>,
    /// `employeeType`.
    pub employee_type: Option<&'a str>,
    /// `adminDescription`.
    pub admin_description: Option<&'a str>,
    /// `isCriticalSystemObject` is TRUE.
    pub is_critical_system_object: bool,
    /// `msExchRecipientTypeDetails`.
    pub ms_exch_recipient_type_details: Option<i64>,
    /// `mailNickname`.
    pub mail_nickname: Option<&'a str>,
}

impl<'a> Account<'a> {
    /// Reads the account fields of an entry; entries that are not user
    /// objects (objectClass `user` or `inetOrgPerson`, not `computer`) are
    /// refused with the reason. An entry without objectClass is taken as a
    /// user only when its export has no objectClass at all (an Export-Csv of
    /// `Get-ADUser`, which returns users only); in LDIF, or a CSV with an
    /// objectClass column, it is refused ([`NotAccount::NoObjectClass`]).
    pub fn from_entry(entry: EntryRef<'a>) -> Result<Account<'a>, NotAccount> {
        let mut account = Account {
            entry,
            upn: None,
            sam_account_name: None,
            mail: None,
            primary_smtp: None,
            object_guid: None,
            consistency_guid: None,
            object_sid: None,
            user_account_control: None,
            enabled: None,
            employee_type: None,
            admin_description: None,
            is_critical_system_object: false,
            ms_exch_recipient_type_details: None,
            mail_nickname: None,
        };
        let mut enabled_column = None;
        let mut has_class = false;
        for attr in entry.attrs() {
            let name = attr.name_bytes();
            let first = attr.first().map(|v| v.bytes);
            let text = || {
                first
                    .and_then(|b| std::str::from_utf8(b).ok())
                    .map(str::trim)
            };
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            if is("objectClass") {
                has_class = true;
                check_class(&attr)?;
            } else if is("userPrincipalName") {
                account.upn = text();
            } else if is("sAMAccountName") {
                account.sam_account_name = text();
            } else if is("mail") {
                account.mail = text();
            } else if is("proxyAddresses") {
                account.primary_smtp = attr
                    .values()
                    .filter_map(|v| v.as_str())
                    .find_map(|v| v.strip_prefix("SMTP:"))
                    .map(str::trim);
            } else if is("objectGUID") {
                account.object_guid = first.and_then(Guid::from_bytes);
            } else if is("mS-DS-ConsistencyGuid") {
                account.consistency_guid = first;
            } else if is("objectSid") {
                account.object_sid = first;
            } else if is("userAccountControl") {
                // 32 bits, written unsigned or (by some tools) signed; any
                // other number is no userAccountControl and is not truncated
                // into one.
                account.user_account_control = text()
                    .and_then(|t| t.trim().parse::<i64>().ok())
                    .and_then(|v| {
                        u32::try_from(v)
                            .ok()
                            .or_else(|| i32::try_from(v).ok().map(|v| v as u32))
                    });
            } else if is("Enabled") {
                enabled_column = text().and_then(parse_bool);
            } else if is("employeeType") {
                account.employee_type = text();
            } else if is("adminDescription") {
                account.admin_description = text();
            } else if is("isCriticalSystemObject") {
                account.is_critical_system_object = text().and_then(parse_bool).unwrap_or(false);
            } else if is("msExchRecipientTypeDetails") {
                account.ms_exch_recipient_type_details = text().and_then(|t| t.parse().ok());
            } else if is("mailNickname") {
                account.mail_nickname = text();
            }
        }
        if !has_class && entry.lists_object_class() {
            return Err(NotAccount::NoObjectClass);
        }
        account.enabled = match account.user_account_control {
            Some(uac) => Some(uac & 2 == 0),
            None => enabled_column,
        };
        Ok(account)
    }

    /// The entry the account was read from.
    pub fn entry(&self) -> EntryRef<'a> {
        self.entry
    }

    /// The DN bytes as written.
    pub fn dn(&self) -> &'a [u8] {
        self.entry.dn()
    }

    /// 1-based line of the record in its file.
    pub fn line(&self) -> u64 {
        self.entry.line()
    }

    /// Any attribute by name (case-insensitive), for rules.
    pub fn get(&self, name: &str) -> Option<AttrRef<'a>> {
        self.entry.get(name)
    }

    /// `extensionAttribute1` ..= `extensionAttribute15` (`n` out of range gives `None`).
    pub fn extension_attribute(&self, n: u8) -> Option<&'a str> {
        if !(1..=15).contains(&n) {
            return None;
        }
        let name = format!("extensionAttribute{n}");
        self.get(&name)?.first()?.as_str()
    }

    /// The `memberOf` group DNs.
    pub fn member_of(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.get("memberOf")
            .into_iter()
            .flat_map(|a| a.values().map(|v| v.bytes))
    }

    /// `objectSid` as `S-1-5-...`, when it parses.
    pub fn sid_string(&self) -> Option<String> {
        self.sid_text().map(|t| t.as_str().to_string())
    }

    /// As [`Account::sid_string`], without allocating.
    pub fn sid_text(&self) -> Option<SidText> {
        self.object_sid.and_then(SidText::from_bytes)
    }

    /// The source anchor as Entra Connect computes it (docs/identifiers.md#source-anchor):
    /// by default `mS-DS-ConsistencyGuid` when present, else `objectGUID`;
    /// with another anchor attribute, string values are used as they are and
    /// binary values base64-encoded.
    ///
    /// A value decoded from a binary form is binary (csvde `X'hex'`, GUID and
    /// SID strings of Export-Csv); an LDIF base64 value is binary unless it is
    /// valid UTF-8 in an attribute other than the two GUIDs, since LDIF also
    /// base64-encodes non-ASCII strings.
    pub fn source_anchor(&self, source: &AnchorSource) -> Option<Anchor> {
        source.anchor(|name| {
            let value = self.get(name)?.first()?;
            let guid_attr = name.eq_ignore_ascii_case(CONSISTENCY_GUID_ATTR)
                || name.eq_ignore_ascii_case(OBJECT_GUID_ATTR);
            Some(match (value.kind, value.as_str()) {
                (ValueKind::Plain | ValueKind::Url, Some(text)) => AnchorValue::Text(text),
                (ValueKind::Base64, Some(text)) if !guid_attr => AnchorValue::Text(text),
                _ => AnchorValue::Binary(value.bytes),
            })
        })
    }
}

fn check_class(attr: &AttrRef<'_>) -> Result<(), NotAccount> {
    let mut user = false;
    let mut last = None;
    for v in attr.values() {
        let class = v.as_str().unwrap_or("").trim();
        if class.eq_ignore_ascii_case("computer") {
            return Err(NotAccount::Computer);
        }
        if class.eq_ignore_ascii_case("user") || class.eq_ignore_ascii_case("inetOrgPerson") {
            user = true;
        }
        if !class.is_empty() {
            last = Some(class);
        }
    }
    if user || last.is_none() {
        Ok(())
    } else {
        Err(NotAccount::OtherClass(last.unwrap_or_default().to_string()))
    }
}

/// AD and PowerShell booleans, and the expression language's: `TRUE`/`FALSE`,
/// `True`/`False`, in any case, surrounding spaces ignored.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::input::Input;
    use crate::read::ldif::{parse_chunk, LdifOptions};
    use crate::read::onprem_csv::{self, CsvOptions};
    use crate::read::{Batch, BatchSink, Projection, ReadControl};

    /// What `from_entry` says of each entry of a batch.
    fn verdicts(batch: &Batch) -> Vec<Result<(), NotAccount>> {
        batch
            .entries()
            .map(|e| Account::from_entry(e).map(|_| ()))
            .collect()
    }

    struct Verdicts(Vec<Result<(), NotAccount>>);

    impl BatchSink for Verdicts {
        type Output = Vec<Result<(), NotAccount>>;
        fn map(&self, batch: &Batch) -> Self::Output {
            verdicts(batch)
        }
        fn consume(&mut self, _: &Batch, out: Self::Output) -> std::io::Result<()> {
            self.0.extend(out);
            Ok(())
        }
    }

    fn csv(text: &[u8]) -> Vec<Result<(), NotAccount>> {
        let mut sink = Verdicts(Vec::new());
        let opts = CsvOptions {
            projection: Projection::attrs(CLASSIFY_ATTRIBUTES.iter().copied()),
            ..CsvOptions::default()
        };
        onprem_csv::read(
            Input::from_bytes("t.csv", text),
            None,
            &opts,
            &ReadControl::default(),
            &mut sink,
        )
        .expect("read");
        sink.0
    }

    /// ldapsearch with an attribute list (`ldapsearch ... cn mail`), an
    /// anonymous bind, or the root DSE give entries without objectClass:
    /// they are not users (issue #13 item 5).
    #[test]
    fn entries_without_object_class_are_not_accounts() {
        let text = b"dn:\nnamingContexts: DC=contoso,DC=com\n\ndn: CN=Ann,DC=contoso,DC=com\ncn: Ann\nuserPrincipalName: ann@partners.fabrikam123.org\n\ndn: CN=Bob,DC=contoso,DC=com\nobjectClass: user\n\n";
        let opts = LdifOptions {
            projection: Projection::attrs(CLASSIFY_ATTRIBUTES.iter().copied()),
            ..LdifOptions::default()
        };
        let batch = parse_chunk(text, true, &opts);
        assert_eq!(
            verdicts(&batch),
            vec![
                Err(NotAccount::NoObjectClass),
                Err(NotAccount::NoObjectClass),
                Ok(())
            ]
        );
        assert!(NotAccount::NoObjectClass
            .to_string()
            .contains("objectClass"));
        // A csvde row with an empty objectClass is not a user either.
        assert_eq!(
            csv(b"DN,objectClass,cn\n\"CN=a,DC=x\",,a\n\"CN=b,DC=x\",user,b\n"),
            vec![Err(NotAccount::NoObjectClass), Ok(())]
        );
    }

    /// An Export-Csv of `Get-ADUser` has no objectClass column at all: its
    /// rows are users, as before.
    #[test]
    fn csv_without_an_object_class_column_keeps_its_rows() {
        assert_eq!(
            csv(b"DistinguishedName,SamAccountName\n\"CN=a,DC=x\",a\n"),
            vec![Ok(())]
        );
    }

    #[test]
    fn user_account_control_is_32_bits_signed_or_unsigned_and_never_truncated() {
        let uac = |value: &str| {
            let text = format!("dn: CN=a,DC=x\nobjectClass: user\nuserAccountControl: {value}\n\n");
            let batch = parse_chunk(text.as_bytes(), true, &LdifOptions::default());
            let entry = batch.entries().next().expect("entry");
            Account::from_entry(entry)
                .expect("account")
                .user_account_control
        };
        assert_eq!(uac("514"), Some(514));
        assert_eq!(uac("4294967295"), Some(u32::MAX));
        // Signed, as some tools write it: the same 32 bits.
        assert_eq!(uac("-2147483134"), Some(0x8000_0202));
        // Past 32 bits it is no userAccountControl (it was truncated to 2).
        assert_eq!(uac("4294967298"), None);
        assert_eq!(uac("-4294967294"), None);
    }
}
