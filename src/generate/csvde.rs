//! The on-premises export written the way Windows `csvde` writes one
//! (docs/formats.md#csvde): one wide CSV, a header naming every attribute, then one row
//! per object.

use std::io::{self, Write};

use super::ldifde::{
    push_gen_time, push_i64, push_u64, write_non_user, write_user, AttrSink, UserExtras, BATCH,
};
use super::{
    drive, BatchedOut, Ctx, ExportWriter, GenerateOptions, GenerateSummary, SyntheticAccount,
};

/// The header of `onprem.csv`: `DN`, then every attribute any exported object
/// (user, group or computer) can have, in this fixed order: the user attributes
/// in ldifde order, then those only groups (`member`, `groupType`) and
/// computers have.
///
/// The header does not depend on the data: a column no object of an export
/// uses (for example `member` when there are fewer than 50 users) is present
/// and empty in every row. Real csvde writes the union of the attributes it
/// met, in the order it met them, which for a forest like this one is this
/// list minus the unused columns.
pub const CSVDE_COLUMNS: &[&str] = &[
    "DN",
    "objectClass",
    "cn",
    "sn",
    "c",
    "l",
    "st",
    "title",
    "description",
    "postalCode",
    "physicalDeliveryOfficeName",
    "telephoneNumber",
    "givenName",
    "distinguishedName",
    "instanceType",
    "whenCreated",
    "whenChanged",
    "displayName",
    "uSNCreated",
    "memberOf",
    "uSNChanged",
    "showInAdvancedViewOnly",
    "co",
    "department",
    "company",
    "streetAddress",
    "proxyAddresses",
    "mailNickname",
    "manager",
    "name",
    "objectGUID",
    "userAccountControl",
    "badPwdCount",
    "codePage",
    "countryCode",
    "employeeID",
    "homeDirectory",
    "homeDrive",
    "badPasswordTime",
    "lastLogoff",
    "lastLogon",
    "scriptPath",
    "pwdLastSet",
    "primaryGroupID",
    "objectSid",
    "adminDescription",
    "accountExpires",
    "logonCount",
    "sAMAccountName",
    "sAMAccountType",
    "legacyExchangeDN",
    "userPrincipalName",
    "isCriticalSystemObject",
    "mobile",
    "thumbnailPhoto",
    "objectCategory",
    "dSCorePropagationData",
    "lastLogonTimestamp",
    "mail",
    "msExchRecipientDisplayType",
    "msExchMailboxGuid",
    "msExchRecipientTypeDetails",
    "msExchRemoteRecipientType",
    "targetAddress",
    "mS-DS-ConsistencyGuid",
    "extensionAttribute1",
    "employeeType",
    "member",
    "groupType",
    "localPolicyFlags",
    "operatingSystem",
    "operatingSystemVersion",
    "dNSHostName",
    "servicePrincipalName",
    "msDS-SupportedEncryptionTypes",
];

/// Writes the csvde export of the forest (the same objects in the same order,
/// with the same attribute values, as [`write_onprem_ldif`](super::write_onprem_ldif)) to `out`.
///
/// Format:
/// * header [`CSVDE_COLUMNS`] (`DN,objectClass,cn,sn,...`), then one row per
///   object (users, and a group or computer after every 50th user), every row
///   with exactly as many fields as the header;
/// * CRLF line ends (also after the last row);
/// * a field is double-quoted only when it contains a comma, a double quote
///   or a line break, with inner quotes doubled (DNs are therefore quoted);
/// * an absent attribute is an empty field;
/// * binary attributes (`objectGUID`, `objectSid`, `mS-DS-ConsistencyGuid`,
///   `thumbnailPhoto`, `msExchMailboxGuid`) as `X'<lowercase hex of the raw
///   bytes>'` (`objectGUID` in AD byte order, docs/identifiers.md#guid-byte-order);
/// * multi-valued attributes (`objectClass`, `memberOf`, `proxyAddresses`,
///   `member`, `dSCorePropagationData`, `servicePrincipalName`) as their values
///   joined with `;` (no generated value contains a `;`);
/// * booleans `TRUE`/`FALSE`, GeneralizedTime `20240115103000.0Z`, integers
///   (including FILETIMEs) in decimal;
/// * text as UTF-8 **without a BOM**. Real csvde writes non-ASCII text as-is in
///   the system's default (ANSI) code page unless `-u` is given; UTF-8 is the
///   portable stand-in.
///
/// The returned summary has one `files` entry with an empty path and the
/// number of bytes written. Output is batched internally, so an unbuffered
/// writer is fine.
pub fn write_onprem_csvde<W: Write>(opts: &GenerateOptions, out: W) -> io::Result<GenerateSummary> {
    drive(opts, &mut [&mut CsvdeWriter::new(out)])
}

/// [`ExportWriter`] of `onprem.csv`.
pub(crate) struct CsvdeWriter<W: Write> {
    out: BatchedOut<W>,
    row: Row,
}

impl<W: Write> CsvdeWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        let mut row = Row::new();
        for (i, name) in CSVDE_COLUMNS.iter().enumerate() {
            if i > 0 {
                row.buf.push(b',');
            }
            row.buf.extend_from_slice(name.as_bytes());
        }
        row.buf.extend_from_slice(b"\r\n");
        CsvdeWriter {
            out: BatchedOut::new(out),
            row,
        }
    }
}

impl<W: Write> ExportWriter for CsvdeWriter<W> {
    fn user(&mut self, ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras) -> io::Result<()> {
        write_user(ctx, a, x, &mut self.row);
        self.out.spill(&mut self.row.buf, BATCH)
    }

    fn non_user(&mut self, ctx: &Ctx, slot: u64) -> io::Result<()> {
        write_non_user(ctx, slot, &mut self.row);
        self.out.spill(&mut self.row.buf, BATCH)
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.out.finish(&mut self.row.buf)
    }
}

/// One row being assembled (one buffer per column, reused), and the batch of
/// finished rows.
struct Row {
    fields: Vec<Vec<u8>>,
    /// Number of values in each column of the current row.
    count: Vec<u32>,
    /// Column of the previous value: attributes mostly arrive in header order,
    /// so the lookup scans forward from here.
    pos: usize,
    buf: Vec<u8>,
}

impl Row {
    fn new() -> Row {
        Row {
            fields: vec![Vec::with_capacity(64); CSVDE_COLUMNS.len()],
            count: vec![0; CSVDE_COLUMNS.len()],
            pos: 0,
            buf: Vec::with_capacity(BATCH + (64 << 10)),
        }
    }

    /// The buffer of column `name`, after a `;` when it already has a value.
    fn field(&mut self, name: &str) -> &mut Vec<u8> {
        let n = CSVDE_COLUMNS.len();
        let col = (0..n)
            .map(|k| (self.pos + k) % n)
            .find(|&c| CSVDE_COLUMNS[c] == name)
            .unwrap_or_else(|| panic!("attribute {name} is not a csvde column"));
        self.pos = col;
        let f = &mut self.fields[col];
        if self.count[col] > 0 {
            f.push(b';');
        }
        self.count[col] += 1;
        f
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Whether csvde quotes a field.
fn needs_quotes(v: &[u8]) -> bool {
    v.iter()
        .any(|&b| b == b',' || b == b'"' || b == b'\r' || b == b'\n')
}

/// Append one field, quoted when needed.
fn push_field(out: &mut Vec<u8>, v: &[u8]) {
    if !needs_quotes(v) {
        out.extend_from_slice(v);
        return;
    }
    out.push(b'"');
    for &b in v {
        if b == b'"' {
            out.push(b'"');
        }
        out.push(b);
    }
    out.push(b'"');
}

impl AttrSink for Row {
    fn begin(&mut self, dn: &str) {
        for (f, c) in self.fields.iter_mut().zip(self.count.iter_mut()) {
            f.clear();
            *c = 0;
        }
        self.pos = 0;
        self.fields[0].extend_from_slice(dn.as_bytes());
        self.count[0] = 1;
    }

    fn end(&mut self) {
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            push_field(&mut self.buf, f);
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    fn value(&mut self, name: &str, v: &[u8], binary: bool) {
        let f = self.field(name);
        if binary {
            f.reserve(3 + 2 * v.len());
            f.extend_from_slice(b"X'");
            for &b in v {
                f.push(HEX[(b >> 4) as usize]);
                f.push(HEX[(b & 15) as usize]);
            }
            f.push(b'\'');
        } else {
            debug_assert!(!v.contains(&b';'), "{name} value contains ';'");
            f.extend_from_slice(v);
        }
    }

    fn uint(&mut self, name: &str, n: u64) {
        push_u64(self.field(name), n);
    }

    fn int(&mut self, name: &str, n: i64) {
        push_i64(self.field(name), n);
    }

    fn time(&mut self, name: &str, unix: u64) {
        push_gen_time(self.field(name), unix);
    }

    fn fmt(&mut self, name: &str, args: std::fmt::Arguments<'_>) {
        self.field(name).write_fmt(args).expect("write to Vec");
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_options as opts;
    use super::super::{account, write_onprem_ldif, DOMAIN_SUB_AUTHORITIES, NON_USER_EVERY};
    use super::*;

    fn csvde(o: &GenerateOptions) -> (Vec<u8>, GenerateSummary) {
        let mut v = Vec::new();
        let s = write_onprem_csvde(o, &mut v).unwrap();
        (v, s)
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// (header, rows) parsed with the csv crate.
    fn parse(data: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(data);
        let header = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    fn col(header: &[String], name: &str) -> usize {
        header.iter().position(|h| h == name).unwrap()
    }

    #[test]
    fn deterministic_and_consistent_with_ldif() {
        let (a, sa) = csvde(&opts(300, 7));
        let (b, sb) = csvde(&opts(300, 7));
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        assert_ne!(a, csvde(&opts(300, 8)).0);
        assert_eq!(sa.files, vec![(std::path::PathBuf::new(), a.len() as u64)]);
        let ls = write_onprem_ldif(&opts(300, 7), io::sink()).unwrap();
        assert_eq!(
            (sa.users, sa.partners, sa.non_user_objects),
            (ls.users, ls.partners, ls.non_user_objects)
        );
        let empty = csvde(&opts(0, 1)).0;
        assert_eq!(empty, format!("{}\r\n", CSVDE_COLUMNS.join(",")).as_bytes());
    }

    #[test]
    fn header_rows_and_line_ends() {
        let users = 1000;
        let (data, s) = csvde(&opts(users, 3));
        assert!(data.starts_with(b"DN,objectClass,cn,sn,"));
        assert!(!data.starts_with(b"\xEF\xBB\xBF"), "no BOM");
        assert!(std::str::from_utf8(&data).is_ok(), "UTF-8");
        assert!(data.ends_with(b"\r\n"));
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' {
                assert_eq!(data[i - 1], b'\r', "bare LF at {i}");
            }
        }
        let (header, rows) = parse(&data);
        assert_eq!(header, CSVDE_COLUMNS);
        let unique: std::collections::BTreeSet<_> = header.iter().collect();
        assert_eq!(unique.len(), header.len());
        assert_eq!(rows.len() as u64, users + users / NON_USER_EVERY);
        assert_eq!(s.non_user_objects, users / NON_USER_EVERY);
        for r in &rows {
            assert_eq!(r.len(), header.len());
        }
        // Every column is used by some object.
        for (c, name) in header.iter().enumerate() {
            assert!(rows.iter().any(|r| !r[c].is_empty()), "{name} never set");
        }
        // Quoted only when needed: no field of the raw text is quoted unless it
        // has a comma, quote or line break.
        let text = std::str::from_utf8(&data).unwrap();
        for line in text.split("\r\n").skip(1).take(200) {
            if !line.contains('"') {
                assert_eq!(line.split(',').count(), header.len(), "{line}");
            }
        }
    }

    #[test]
    fn rows_match_the_account_model() {
        let o = opts(1000, 21);
        let (data, _) = csvde(&o);
        let (h, rows) = parse(&data);
        let oc = col(&h, "objectClass");
        let users: Vec<_> = rows
            .iter()
            .filter(|r| r[oc] == "top;person;organizationalPerson;user")
            .collect();
        assert_eq!(users.len(), 1000);
        let groups = rows.iter().filter(|r| r[oc] == "top;group").count();
        let computers = rows
            .iter()
            .filter(|r| r[oc] == "top;person;organizationalPerson;user;computer")
            .count();
        assert_eq!(groups + computers, 20);
        let mut with_cg = 0;
        let mut with_member_of = 0;
        for (i, r) in users.iter().enumerate() {
            let a = account(&o, i as u64);
            let get = |n: &str| r[col(&h, n)].as_str();
            assert_eq!(get("DN"), a.dn);
            assert_eq!(get("distinguishedName"), a.dn);
            assert_eq!(get("cn"), a.cn);
            assert_eq!(get("userPrincipalName"), a.upn);
            assert_eq!(get("sAMAccountName"), a.sam);
            assert_eq!(get("description"), a.description.as_deref().unwrap_or(""));
            assert_eq!(
                get("extensionAttribute1"),
                a.extension_attribute1.as_deref().unwrap_or("")
            );
            assert_eq!(
                get("objectGUID"),
                format!("X'{}'", hex(&a.object_guid)),
                "user {i}"
            );
            assert_eq!(get("objectSid"), format!("X'{}'", hex(&a.object_sid)));
            // objectSid hex independently: 01 05 000000000005, 21, A, B, C, RID.
            let mut sid = String::from("010500000000000515000000");
            for v in DOMAIN_SUB_AUTHORITIES.iter().chain([&a.rid]) {
                sid.push_str(&hex(&v.to_le_bytes()));
            }
            assert_eq!(get("objectSid"), format!("X'{sid}'"));
            assert_eq!(get("memberOf"), a.member_of.join(";"));
            assert_eq!(get("proxyAddresses"), a.proxy_addresses.join(";"));
            assert_eq!(
                get("mS-DS-ConsistencyGuid"),
                a.consistency_guid
                    .map(|g| format!("X'{}'", hex(&g)))
                    .unwrap_or_default()
            );
            assert_eq!(
                get("thumbnailPhoto"),
                a.thumbnail_photo
                    .as_deref()
                    .map(|p| format!("X'{}'", hex(p)))
                    .unwrap_or_default()
            );
            assert_eq!(
                get("userAccountControl"),
                a.user_account_control.to_string()
            );
            assert_eq!(
                get("isCriticalSystemObject"),
                if a.is_critical_system_object {
                    "TRUE"
                } else {
                    ""
                }
            );
            let wc = get("whenCreated");
            assert!(wc.len() == 17 && wc.ends_with(".0Z"), "{wc}");
            assert!(get("dSCorePropagationData").ends_with("16010101000001.0Z"));
            with_cg += a.consistency_guid.is_some() as u32;
            with_member_of += (a.member_of.len() > 1) as u32;
        }
        assert!(with_cg > 500 && with_member_of > 10);
    }

    #[test]
    fn same_values_as_the_ldif() {
        // Decode the LDIF (unfold, base64) into csvde fields and compare every
        // row field by field.
        use base64::engine::general_purpose::STANDARD;
        use base64::Engine as _;
        const BINARY: &[&str] = &[
            "objectGUID",
            "objectSid",
            "mS-DS-ConsistencyGuid",
            "thumbnailPhoto",
            "msExchMailboxGuid",
        ];
        let o = opts(600, 5);
        let mut ldif = Vec::new();
        write_onprem_ldif(&o, &mut ldif).unwrap();
        let text = String::from_utf8(ldif).unwrap().replace("\r\n ", "");
        let (h, rows) = parse(&csvde(&o).0);
        let recs: Vec<&str> = text.trim_end().split("\r\n\r\n").collect();
        assert_eq!(recs.len(), rows.len());
        for (rec, row) in recs.iter().zip(&rows) {
            let mut fields = vec![String::new(); h.len()];
            for line in rec.split("\r\n") {
                let (name, rest) = line.split_once(':').unwrap();
                if name == "changetype" {
                    continue;
                }
                let name = if name == "dn" { "DN" } else { name };
                let c = col(&h, name);
                let v = if let Some(b) = rest.strip_prefix(": ") {
                    let raw = STANDARD.decode(b).unwrap();
                    if BINARY.contains(&name) {
                        format!("X'{}'", hex(&raw))
                    } else {
                        String::from_utf8(raw).unwrap()
                    }
                } else {
                    rest.strip_prefix(' ').unwrap().to_string()
                };
                if !fields[c].is_empty() {
                    fields[c].push(';');
                }
                fields[c].push_str(&v);
            }
            assert_eq!(&fields, row);
        }
    }
}
