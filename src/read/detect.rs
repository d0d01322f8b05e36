//! Telling export formats apart by their content, not their file name.

use std::fmt;

/// The formats usertype-audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
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
    if !header.contains(&b',') {
        return None;
    }
    let fields: Vec<&[u8]> = header
        .split(|&b| b == b',')
        .map(|f| f.trim_ascii().trim_matches_quotes())
        .collect();
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
            (b"name,size\n1,2\n", None),
            (b"hello world", None),
            (b"", None),
        ];
        for (input, want) in cases {
            assert_eq!(detect(input), *want, "{}", String::from_utf8_lossy(input));
        }
    }
}
