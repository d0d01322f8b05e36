//! The AD attributes the checker knows: canonical spelling (Connect compares
//! attribute names case-sensitively), syntax and multi-valuedness.
//!
//! The syntax decides how a value read from an export becomes a typed value:
//! integers (`userAccountControl: 512`) become `num`, Booleans (`TRUE`/`FALSE`)
//! become `bool`, octet strings stay `bin`, DNs become `ref`. Attributes
//! missing from the table (schema extensions) are read as text and draw a
//! warning, not an error.

/// How values of an attribute are typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// Unicode string (also used for attributes not in the table).
    Str,
    /// Integer / large integer, written in decimal.
    Int,
    /// Boolean, written `TRUE` / `FALSE`.
    Bool,
    /// Octet string (GUIDs, SIDs, photos, certificates).
    Bin,
    /// Distinguished name.
    Ref,
    /// Generalized time, `yyyyMMddHHmmss.0Z` (read as text; the date
    /// functions parse it).
    Time,
}

/// What the table says about one attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttrInfo {
    /// The schema's spelling (`lDAPDisplayName`).
    pub name: &'static str,
    /// How values are typed.
    pub syntax: Syntax,
    /// Whether the attribute is multi-valued.
    pub multi: bool,
}

const fn a(name: &'static str, syntax: Syntax, multi: bool) -> AttrInfo {
    AttrInfo {
        name,
        syntax,
        multi,
    }
}

use Syntax::*;

/// The fixed part of the table (numbered families are in [`FAMILIES`]).
pub const ATTRIBUTES: &[AttrInfo] = &[
    a("accountExpires", Int, false),
    a("adminDescription", Str, false),
    a("adminDisplayName", Str, false),
    a("altSecurityIdentities", Str, true),
    a("c", Str, false),
    a("cn", Str, false),
    a("co", Str, false),
    a("comment", Str, false),
    a("company", Str, false),
    a("countryCode", Int, false),
    a("department", Str, false),
    a("departmentNumber", Str, true),
    a("description", Str, true),
    a("displayName", Str, false),
    a("displayNamePrintable", Str, false),
    a("distinguishedName", Ref, false),
    a("division", Str, false),
    // The DN pseudo-attribute Connect exposes for every object.
    a("dn", Ref, false),
    a("employeeID", Str, false),
    a("employeeNumber", Str, false),
    a("employeeType", Str, false),
    a("facsimileTelephoneNumber", Str, false),
    a("givenName", Str, false),
    a("homeDirectory", Str, false),
    a("homeDrive", Str, false),
    a("homePhone", Str, false),
    a("info", Str, false),
    a("initials", Str, false),
    a("ipPhone", Str, false),
    a("isCriticalSystemObject", Bool, false),
    a("l", Str, false),
    a("lastLogon", Int, false),
    a("lastLogonTimestamp", Int, false),
    a("legacyExchangeDN", Str, false),
    a("mail", Str, false),
    a("mailNickname", Str, false),
    a("managedBy", Ref, false),
    a("manager", Ref, false),
    a("member", Ref, true),
    a("memberOf", Ref, true),
    a("middleName", Str, false),
    a("mobile", Str, false),
    a("mS-DS-ConsistencyGuid", Bin, false),
    a("msDS-ExternalDirectoryObjectId", Str, false),
    a("msDS-KeyCredentialLink", Str, true),
    a("msDS-PhoneticDisplayName", Str, false),
    a("msDS-PrincipalName", Str, false),
    a("msExchArchiveGUID", Bin, false),
    a("msExchArchiveName", Str, true),
    a("msExchAssistantName", Str, false),
    a("msExchHideFromAddressLists", Bool, false),
    a("msExchMailboxGuid", Bin, false),
    a("msExchRecipientDisplayType", Int, false),
    a("msExchRecipientTypeDetails", Int, false),
    a("msExchRemoteRecipientType", Int, false),
    a("msExchUsageLocation", Str, false),
    a("msRTCSIP-PrimaryUserAddress", Str, false),
    a("name", Str, false),
    a("objectCategory", Ref, false),
    a("objectClass", Str, true),
    a("objectGUID", Bin, false),
    a("objectSid", Bin, false),
    a("otherFacsimileTelephoneNumber", Str, true),
    a("otherHomePhone", Str, true),
    a("otherIpPhone", Str, true),
    a("otherMailbox", Str, true),
    a("otherMobile", Str, true),
    a("otherPager", Str, true),
    a("otherTelephone", Str, true),
    a("pager", Str, false),
    a("physicalDeliveryOfficeName", Str, false),
    a("postalCode", Str, false),
    a("postOfficeBox", Str, true),
    a("preferredLanguage", Str, false),
    a("primaryGroupID", Int, false),
    a("profilePath", Str, false),
    a("proxyAddresses", Str, true),
    a("pwdLastSet", Int, false),
    a("sAMAccountName", Str, false),
    a("scriptPath", Str, false),
    a("servicePrincipalName", Str, true),
    a("sIDHistory", Bin, true),
    a("sn", Str, false),
    a("st", Str, false),
    a("streetAddress", Str, false),
    a("targetAddress", Str, false),
    a("telephoneNumber", Str, false),
    a("thumbnailPhoto", Bin, false),
    a("title", Str, false),
    a("uid", Str, true),
    a("url", Str, true),
    a("userAccountControl", Int, false),
    a("userCertificate", Bin, true),
    a("userPrincipalName", Str, false),
    a("userWorkstations", Str, false),
    a("whenChanged", Time, false),
    a("whenCreated", Time, false),
    a("wWWHomePage", Str, false),
];

/// Numbered attribute families: `prefix` + a number in `1..=max`.
pub const FAMILIES: &[(&str, u32, Syntax, bool)] = &[
    ("extensionAttribute", 15, Str, false),
    ("msDS-cloudExtensionAttribute", 20, Str, false),
    ("msExchExtensionCustomAttribute", 5, Str, true),
];

/// What looking up a name found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Spelled exactly as in the schema.
    Exact(AttrInfo),
    /// Known, but spelled with a different case; carries the canonical name
    /// (for a numbered family, the prefix) and the number if any.
    WrongCase(AttrInfo, Option<u32>),
    /// Not in the table.
    Unknown,
}

/// Looks `name` up: exact spelling first, then ASCII-case-insensitively.
pub fn lookup(name: &str) -> Lookup {
    if let Some(info) = ATTRIBUTES.iter().find(|i| i.name == name) {
        return Lookup::Exact(*info);
    }
    if let Some(info) = ATTRIBUTES
        .iter()
        .find(|i| i.name.eq_ignore_ascii_case(name))
    {
        return Lookup::WrongCase(*info, None);
    }
    for &(prefix, max, syntax, multi) in FAMILIES {
        let Some(head) = name.get(..prefix.len()) else {
            continue;
        };
        let Some(digits) = name.get(prefix.len()..) else {
            continue;
        };
        let n = match digits.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) && !digits.starts_with('0') => n,
            _ => continue,
        };
        let info = a(prefix, syntax, multi);
        if head == prefix {
            return Lookup::Exact(AttrInfo {
                name: prefix,
                ..info
            });
        }
        if head.eq_ignore_ascii_case(prefix) {
            return Lookup::WrongCase(info, Some(n));
        }
    }
    Lookup::Unknown
}

/// Whether `name` is an attribute of the table, ignoring case (as LDAP
/// compares attribute names).
pub fn is_known_ignoring_case(name: &str) -> bool {
    !matches!(lookup(name), Lookup::Unknown)
}

/// The table's spelling nearest to `name`: the same name in another case,
/// else one within two edits (ignoring case), for "did you mean".
pub fn suggest(name: &str) -> Option<String> {
    let numbered: Vec<String> = FAMILIES
        .iter()
        .flat_map(|&(prefix, max, _, _)| (1..=max).map(move |n| format!("{prefix}{n}")))
        .collect();
    let names = ATTRIBUTES
        .iter()
        .map(|a| a.name)
        .chain(numbered.iter().map(String::as_str));
    super::suggest::suggest(name, names).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique_ignoring_case() {
        for w in ATTRIBUTES.windows(2) {
            assert!(
                w[0].name.to_ascii_lowercase() < w[1].name.to_ascii_lowercase(),
                "{} before {}",
                w[0].name,
                w[1].name
            );
        }
    }

    #[test]
    fn lookups() {
        assert!(matches!(lookup("userPrincipalName"), Lookup::Exact(i) if i.syntax == Str));
        assert!(
            matches!(lookup("userprincipalname"), Lookup::WrongCase(i, None) if i.name == "userPrincipalName")
        );
        assert!(matches!(lookup("proxyAddresses"), Lookup::Exact(i) if i.multi));
        assert!(matches!(lookup("extensionAttribute15"), Lookup::Exact(i) if !i.multi));
        assert!(
            matches!(lookup("ExtensionAttribute1"), Lookup::WrongCase(i, Some(1)) if i.name == "extensionAttribute")
        );
        assert!(matches!(
            lookup("msDS-cloudExtensionAttribute20"),
            Lookup::Exact(_)
        ));
        assert_eq!(lookup("extensionAttribute16"), Lookup::Unknown);
        assert_eq!(lookup("extensionAttribute01"), Lookup::Unknown);
        assert_eq!(lookup("contosoPartnerFlag"), Lookup::Unknown);
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("userPrincipalNam").as_deref(),
            Some("userPrincipalName")
        );
        assert_eq!(
            suggest("USERPRINCIPALNAME").as_deref(),
            Some("userPrincipalName")
        );
        assert_eq!(
            suggest("extensionAtribute7").as_deref(),
            Some("extensionAttribute7")
        );
        assert_eq!(suggest("contosoPartnerFlag"), None);
        assert!(is_known_ignoring_case("userprincipalname"));
        assert!(!is_known_ignoring_case("userPrincipalNam"));
    }
}
