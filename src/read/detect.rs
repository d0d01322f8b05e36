//! Telling export formats apart by their content, not their file name.

use std::fmt;

/// The formats usertype-audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// LDIF (`ldifde`, `ldapsearch`).
    Ldif,
    /// `csvde` CSV.
    Csvde,
    /// `Get-ADUser | Export-Csv` CSV.
    ExportCsv,
    /// Microsoft Graph users as JSON (REST pages, arrays, JSON Lines, ConvertTo-Json).
    GraphJson,
    /// Entra admin center "Download users" CSV or `Get-MgUser | Export-Csv`.
    CloudCsv,
}

impl Format {
    /// Whether this is an on-premises (AD) export.
    pub fn is_onprem(self) -> bool {
        matches!(self, Format::Ldif | Format::Csvde | Format::ExportCsv)
    }

    /// The kebab-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ldif => "ldif",
            Format::Csvde => "csvde",
            Format::ExportCsv => "export-csv",
            Format::GraphJson => "graph-json",
            Format::CloudCsv => "cloud-csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Recognises the format from the first (decoded) bytes of a file.
pub fn detect(head: &[u8]) -> Option<Format> {
    detect_with(head, None)
}

/// As [`detect`], with the CSV delimiter given (`--delimiter`) instead of
/// found from the header.
pub fn detect_with(head: &[u8], delimiter: Option<u8>) -> Option<Format> {
    let text = head.trim_ascii_start();
    match text.first()? {
        b'{' | b'[' => return Some(Format::GraphJson),
        _ => {}
    }
    if starts_with_ci(text, b"#TYPE") {
        let line = first_line(text);
        return Some(if contains_ci(line, b"Microsoft.Graph") {
            Format::CloudCsv
        } else {
            Format::ExportCsv
        });
    }
    // LDIF: the first line that is not a comment or a continuation.
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line[0] == b'#' || line[0] == b' ' {
            continue;
        }
        let ldif = [&b"dn:"[..], b"version:", b"search:", b"result:", b"ref:"]
            .iter()
            .any(|p| starts_with_ci(line, p));
        if ldif {
            return Some(Format::Ldif);
        }
        break;
    }
    let header = first_line(text);
    let delimiter = delimiter.unwrap_or_else(|| sniff_delimiter(header));
    if !header.contains(&delimiter) {
        return None;
    }
    let fields = header_fields(header, delimiter);
    let has = |name: &[u8]| fields.iter().any(|f| f.eq_ignore_ascii_case(name));
    if fields
        .first()
        .is_some_and(|f| f.eq_ignore_ascii_case(b"DN"))
        || has(b"DN")
    {
        Some(Format::Csvde)
    } else if has(b"DistinguishedName") {
        Some(Format::ExportCsv)
    } else if has(b"userPrincipalName") && (has(b"id") || has(b"objectId") || has(b"userType")) {
        Some(Format::CloudCsv)
    } else {
        None
    }
}

/// The header's fields, trimmed of spaces and quotes.
fn header_fields(header: &[u8], delimiter: u8) -> Vec<&[u8]> {
    header
        .split(move |&b| b == delimiter)
        .map(|f| f.trim_ascii().trim_matches_quotes())
        .collect()
}

/// The field delimiter of a CSV whose header line is `header`: `,` (csvde,
/// Export-Csv), `;` (`Export-Csv -UseCulture` where the list separator is
/// `;`, as in most of continental Europe, and Excel re-saves there) or TAB
/// (`Export-Csv -Delimiter "`t"`, Excel "Unicode Text").
///
/// The delimiter that makes a DN or DistinguishedName column wins; else the
/// one the header holds most of (header names never hold any of the three);
/// `,` when there is none.
pub fn sniff_delimiter(header: &[u8]) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b';', b'\t'];
    let is_dn =
        |f: &[u8]| f.eq_ignore_ascii_case(b"DN") || f.eq_ignore_ascii_case(b"DistinguishedName");
    for d in CANDIDATES {
        if header.contains(&d) && header_fields(header, d).into_iter().any(is_dn) {
            return d;
        }
    }
    let count = |d: u8| header.iter().filter(|&&b| b == d).count();
    CANDIDATES
        .into_iter()
        .max_by_key(|&d| (count(d), d == b','))
        .filter(|&d| count(d) > 0)
        .unwrap_or(b',')
}

/// Properties only an Active Directory user export holds (LDAP names and
/// `Get-ADUser`'s): one is enough to call a CSV header an AD export.
const AD_PROPERTIES: [&str; 16] = [
    "SamAccountName",
    "UserPrincipalName",
    "ObjectGUID",
    "SID",
    "objectSid",
    "mS-DS-ConsistencyGuid",
    "userAccountControl",
    "extensionAttribute1",
    "CanonicalName",
    "LastLogonDate",
    "lastLogonTimestamp",
    "PasswordLastSet",
    "whenCreated",
    "whenChanged",
    "memberOf",
    "ObjectClass",
];

/// Properties a user export often holds, but other CSV files may too: two
/// of them are needed.
const COMMON_PROPERTIES: [&str; 16] = [
    "Name",
    "GivenName",
    "Surname",
    "sn",
    "DisplayName",
    "Enabled",
    "EmailAddress",
    "mail",
    "Office",
    "Description",
    "Department",
    "Title",
    "Company",
    "Manager",
    "EmployeeID",
    "cn",
];

/// Why `head` is not recognised, when it is a CSV export of Active
/// Directory users without a DN column (`Get-ADUser | Select-Object ... |
/// Export-Csv` without DistinguishedName): the sentence to print, naming the
/// export command that adds the column. `None` for anything else.
pub fn csv_without_dn(head: &[u8]) -> Option<String> {
    let text = head.trim_ascii_start();
    let text = if starts_with_ci(text, b"#TYPE") {
        let line = first_line(text);
        text.get(line.len()..)?.trim_ascii_start()
    } else {
        text
    };
    let header = first_line(text);
    let delimiter = sniff_delimiter(header);
    let fields = header_fields(header, delimiter);
    let count = |names: &[&str]| {
        fields
            .iter()
            .filter(|f| names.iter().any(|p| f.eq_ignore_ascii_case(p.as_bytes())))
            .count()
    };
    let known = 2 * count(&AD_PROPERTIES) + count(&COMMON_PROPERTIES) >= 2;
    let dn = fields
        .iter()
        .any(|f| f.eq_ignore_ascii_case(b"DN") || f.eq_ignore_ascii_case(b"DistinguishedName"));
    if !known || dn || !header.contains(&delimiter) {
        return None;
    }
    Some(format!(
        "a CSV export without a DistinguishedName column ({} columns: {}): its rows cannot be \
         told apart or matched the way Entra Connect matches them. Export it with the DN, for \
         example `Get-ADUser -Filter * -Properties * | Export-Csv -NoTypeInformation \
         users.csv`, or add DistinguishedName to the Select-Object list \
         (`Select-Object DistinguishedName,UserPrincipalName,...`), or use `csvde -f users.csv`",
        fields.len(),
        header_preview(header)
    ))
}

/// A header for a message: its first 200 characters, control characters
/// and quotes escaped, `…` when there is more.
pub fn header_preview(header: &[u8]) -> String {
    const MAX: usize = 200;
    // Four bytes per character at most: no need to decode more.
    let bytes = &header[..header.len().min(4 * MAX)];
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > MAX || bytes.len() < header.len() {
        out.push('…');
    }
    out
}

trait TrimQuotes {
    fn trim_matches_quotes(&self) -> &[u8];
}

impl TrimQuotes for [u8] {
    fn trim_matches_quotes(&self) -> &[u8] {
        let s = self.strip_prefix(b"\"").unwrap_or(self);
        s.strip_suffix(b"\"").unwrap_or(s)
    }
}

fn first_line(text: &[u8]) -> &[u8] {
    let line = text.split(|&b| b == b'\n').next().unwrap_or(text);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn contains_ci(s: &[u8], needle: &[u8]) -> bool {
    s.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_by_content() {
        let cases: &[(&[u8], u8)] = &[
            (b"DN,objectClass,cn", b','),
            (b"\"DistinguishedName\";\"Enabled\";\"Name\"", b';'),
            (b"DistinguishedName\tEnabled\tName", b'\t'),
            // `cn;lang-en` holds a `;`, but the DN column needs the comma.
            (b"DN,cn;lang-en,sn", b','),
            (b"a;b;c,d", b';'),
            (b"a\tb", b'\t'),
            (b"single", b','),
            (b"", b','),
        ];
        for (header, want) in cases {
            assert_eq!(
                sniff_delimiter(header),
                *want,
                "{}",
                String::from_utf8_lossy(header)
            );
        }
    }

    /// `Get-ADUser | Select-Object ... | Export-Csv` without the DN is named
    /// for what it is, with the command that adds the column (#13 item 5).
    #[test]
    fn csv_without_a_dn_column_is_named() {
        let head = b"#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n\"SamAccountName\",\"UserPrincipalName\",\"Enabled\"\r\n\"ann\",\"ann@x\",\"True\"\r\n";
        assert_eq!(
            detect(&head[60..]),
            None,
            "{}",
            String::from_utf8_lossy(&head[60..])
        );
        let why = csv_without_dn(head).expect("named");
        assert!(why.starts_with("a CSV export without a DistinguishedName column (3 columns: "));
        assert!(why.contains("Export-Csv") && why.contains("Select-Object DistinguishedName"));
        // `Get-ADUser -Properties * | Select-Object Name,Office,Description,
        // whenCreated,LastLogonDate | Export-Csv` (a real export, PowerShell 7).
        let real = b"\"Name\",\"Office\",\"Description\",\"whenCreated\",\"LastLogonDate\"\r\n\"Dale Cooper\",\"Twin Peaks\",\"Special Agent\",\"3/29/2026 2:23:18 PM\",\"4/5/2026 9:48:17 AM\"\r\n";
        assert!(csv_without_dn(real).is_some_and(|w| w.contains("(5 columns:")));
        assert_eq!(csv_without_dn(b"name,size\n1,2\n"), None);
        assert!(csv_without_dn(b"name,description\n1,2\n").is_some());
        assert_eq!(csv_without_dn(b"DN,objectClass\n"), None);
        assert_eq!(csv_without_dn(b"hello world"), None);
    }

    #[test]
    fn header_preview_is_capped_and_escaped() {
        let long: Vec<u8> = b"\x1b[31mred,".iter().copied().cycle().take(5000).collect();
        let p = header_preview(&long);
        assert!(!p.contains('\x1b'), "{p}");
        assert!(p.ends_with('…'));
        assert!(p.chars().count() < 200 * 6 + 1);
        assert_eq!(header_preview(b"a,\"b\""), "a,\\\"b\\\"");
    }

    #[test]
    fn formats_by_content() {
        let cases: &[(&[u8], Option<Format>)] = &[
            (b"dn: CN=a,DC=x\r\nchangetype: add\r\n", Some(Format::Ldif)),
            (b"version: 1\ndn: cn=a\n", Some(Format::Ldif)),
            (b"# extended LDIF\n#\n\n# search result\nsearch: 2\nresult: 0 Success\n", Some(Format::Ldif)),
            (b"DN,objectClass,cn\r\n\"CN=a,DC=x\",user,a\r\n", Some(Format::Csvde)),
            (b"#TYPE Microsoft.ActiveDirectory.Management.ADUser\r\n\"DistinguishedName\",\"Enabled\"\r\n", Some(Format::ExportCsv)),
            (b"\"AccountExpirationDate\",\"DistinguishedName\",\"Enabled\"\r\n", Some(Format::ExportCsv)),
            (b"{\"@odata.context\":\"x\",\"value\":[]}", Some(Format::GraphJson)),
            (b"\n  [ {\"Id\": \"1\"} ]", Some(Format::GraphJson)),
            (b"userPrincipalName,displayName,surname,mail,givenName,objectId,userType\n", Some(Format::CloudCsv)),
            (b"userPrincipalName,displayName,surname,mail,givenName,id,userType\n", Some(Format::CloudCsv)),
            (b"#TYPE Microsoft.Graph.PowerShell.Models.MicrosoftGraphUser\n\"Id\",\"UserPrincipalName\"\n", Some(Format::CloudCsv)),
            (b"\"DistinguishedName\";\"Enabled\";\"SamAccountName\"\r\n", Some(Format::ExportCsv)),
            (b"DN\tobjectClass\tcn\r\n", Some(Format::Csvde)),
            (b"name,size\n1,2\n", None),
            (b"hello world", None),
            (b"", None),
        ];
        for (input, want) in cases {
            assert_eq!(detect(input), *want, "{}", String::from_utf8_lossy(input));
        }
    }
}
