//! The on-premises export written the way PowerShell 7 writes
//! `Get-ADUser -Filter * -Properties * | Export-Csv -NoTypeInformation`
//! (docs/formats.md#get-aduser--export-csv).

use std::io::{self, Write};

use super::ldifde::{
    civil, push_i64, push_u64, recipient_display_type, HomeDirectory, LegacyExchangeDn,
    TargetAddress, UserExtras, BATCH,
};
use super::{
    drive, guid_to_string, sid_to_string, BatchedOut, Ctx, ExportWriter, GenerateOptions,
    GenerateSummary, SyntheticAccount, NEVER_EXPIRES,
};

/// What Export-Csv writes for any multi-valued property (the type name).
pub(crate) const COLLECTION: &str =
    "Microsoft.ActiveDirectory.Management.ADPropertyValueCollection";
/// What Export-Csv writes for a present byte-array property.
pub(crate) const BYTE_ARRAY: &str = "System.Byte[]";

/// The user attributes of `onprem.ldf` whose values `onprem-ps.csv` does not
/// carry, i.e. that an auditor cannot recover from a plain
/// `Get-ADUser -Properties * | Export-Csv`:
/// * `proxyAddresses` and `memberOf` (column `MemberOf`) are written as the
///   literal `Microsoft.ActiveDirectory.Management.ADPropertyValueCollection`
///   in every row, whatever (and however many) the values are;
/// * `mS-DS-ConsistencyGuid` and `thumbnailPhoto` are written as the literal
///   `System.Byte[]` when present (empty when absent): presence survives,
///   the bytes do not.
///
/// Everything else the auditor reads survives: `objectGUID` as the GUID string
/// `ObjectGUID` (docs/identifiers.md#guid-byte-order), `objectSid` as an `S-1-5-21-...` string (`SID`,
/// `objectSid`), `userAccountControl` in decimal (and `Enabled`), the names,
/// `mail`, `extensionAttribute1`, `employeeType`, `adminDescription`,
/// `isCriticalSystemObject`, `msExchRecipientTypeDetails`, ... See
/// [`write_onprem_export_csv`] for the other, non-audit, losses.
pub const EXPORT_CSV_LOST: &[&str] = &[
    "proxyAddresses",
    "memberOf",
    "mS-DS-ConsistencyGuid",
    "thumbnailPhoto",
];

/// The header of `onprem-ps.csv`: the property names of an `ADUser` from
/// `Get-ADUser -Properties *`, friendly names (`EmailAddress`, `Surname`,
/// `SID`, `Enabled`, ...) next to the LDAP names (`mail`, `sn`, `objectSid`,
/// `userAccountControl`, ...), sorted case-insensitively as the AD module
/// lists them.
///
/// A PowerShell property name is case-insensitive, so where the friendly name
/// and the LDAP name differ only in case there is one column, spelled as the
/// AD module spells it (`MemberOf` for `memberOf`, `SamAccountName` for
/// `sAMAccountName`, `ObjectGUID` for `objectGUID`, ...). Readers should match
/// column names case-insensitively.
pub const EXPORT_CSV_COLUMNS: &[&str] = &[
    "AccountExpirationDate",
    "accountExpires",
    "AccountLockoutTime",
    "AccountNotDelegated",
    "adminDescription",
    "AllowReversiblePasswordEncryption",
    "AuthenticationPolicy",
    "AuthenticationPolicySilo",
    "BadLogonCount",
    "badPasswordTime",
    "badPwdCount",
    "c",
    "CannotChangePassword",
    "CanonicalName",
    "Certificates",
    "City",
    "CN",
    "co",
    "codePage",
    "Company",
    "CompoundIdentitySupported",
    "Country",
    "countryCode",
    "Created",
    "createTimeStamp",
    "Deleted",
    "Department",
    "Description",
    "DisplayName",
    "DistinguishedName",
    "Division",
    "DoesNotRequirePreAuth",
    "dSCorePropagationData",
    "EmailAddress",
    "EmployeeID",
    "EmployeeNumber",
    "employeeType",
    "Enabled",
    "extensionAttribute1",
    "Fax",
    "GivenName",
    "HomeDirectory",
    "HomedirRequired",
    "HomeDrive",
    "HomePage",
    "HomePhone",
    "Initials",
    "instanceType",
    "isCriticalSystemObject",
    "isDeleted",
    "KerberosEncryptionType",
    "l",
    "LastBadPasswordAttempt",
    "LastKnownParent",
    "lastLogoff",
    "lastLogon",
    "LastLogonDate",
    "lastLogonTimestamp",
    "legacyExchangeDN",
    "LockedOut",
    "lockoutTime",
    "logonCount",
    "LogonWorkstations",
    "mail",
    "mailNickname",
    "Manager",
    "MemberOf",
    "MNSLogonAccount",
    "mobile",
    "MobilePhone",
    "Modified",
    "modifyTimeStamp",
    "mS-DS-ConsistencyGuid",
    "msDS-User-Account-Control-Computed",
    "msExchMailboxGuid",
    "msExchRecipientDisplayType",
    "msExchRecipientTypeDetails",
    "msExchRemoteRecipientType",
    "Name",
    "nTSecurityDescriptor",
    "ObjectCategory",
    "ObjectClass",
    "ObjectGUID",
    "objectSid",
    "Office",
    "OfficePhone",
    "Organization",
    "OtherName",
    "PasswordExpired",
    "PasswordLastSet",
    "PasswordNeverExpires",
    "PasswordNotRequired",
    "physicalDeliveryOfficeName",
    "POBox",
    "PostalCode",
    "PrimaryGroup",
    "primaryGroupID",
    "PrincipalsAllowedToDelegateToAccount",
    "ProtectedFromAccidentalDeletion",
    "proxyAddresses",
    "pwdLastSet",
    "SamAccountName",
    "sAMAccountType",
    "ScriptPath",
    "sDRightsEffective",
    "ServicePrincipalNames",
    "showInAdvancedViewOnly",
    "SID",
    "SIDHistory",
    "SmartcardLogonRequired",
    "sn",
    "st",
    "State",
    "StreetAddress",
    "Surname",
    "targetAddress",
    "telephoneNumber",
    "thumbnailPhoto",
    "Title",
    "TrustedForDelegation",
    "TrustedToAuthForDelegation",
    "UseDESKeyOnly",
    "userAccountControl",
    "userCertificate",
    "UserPrincipalName",
    "uSNChanged",
    "uSNCreated",
    "whenChanged",
    "whenCreated",
];

/// Writes the users of the forest as PowerShell 7 writes
/// `Get-ADUser -Filter * -Properties * | Export-Csv -NoTypeInformation` to `out`.
///
/// Only user accounts, in the order of `onprem.ldf`: `Get-ADUser` returns
/// neither groups nor computers (computer objects are `objectClass: user` too,
/// but `Get-ADUser` filters on `objectCategory=person`).
///
/// Format:
/// * header [`EXPORT_CSV_COLUMNS`], always complete (the real Export-Csv takes
///   the columns from the first object, so an attribute the first user lacks
///   would be missing from the whole file; this file has every column);
/// * every field double-quoted (inner quotes doubled), comma separated, CRLF
///   line ends, UTF-8 without BOM (the PowerShell 7 default), no `#TYPE` line;
/// * absent values as `""`;
/// * `ObjectGUID` as the .NET GUID string (`d08f810b-a35c-49a8-a4cd-c6923dfc031e`),
///   `SID` and `objectSid` as `S-1-5-21-...`;
/// * `Enabled`, `PasswordNeverExpires`, ... as `True`/`False`;
///   `isCriticalSystemObject`, `showInAdvancedViewOnly` `True` when set;
/// * integers (`userAccountControl`, FILETIMEs such as `pwdLastSet`) in decimal;
/// * dates (`Created`, `whenCreated`, `createTimeStamp`, `Modified`,
///   `whenChanged`, `modifyTimeStamp`, `PasswordLastSet`, `LastLogonDate`,
///   `LastBadPasswordAttempt`, `AccountExpirationDate`) in the en-US format
///   `1/15/2024 10:30:00 AM`, in UTC (the real cmdlet uses the local time zone
///   of the machine that ran it);
/// * multi-valued properties (`MemberOf`, `proxyAddresses`, `ObjectClass`-like
///   collections: `dSCorePropagationData`, `Certificates`, `SIDHistory`,
///   `ServicePrincipalNames`, `userCertificate`, ...) as the literal
///   `Microsoft.ActiveDirectory.Management.ADPropertyValueCollection` in every
///   row, empty collection or not;
/// * byte arrays (`mS-DS-ConsistencyGuid`, `thumbnailPhoto`,
///   `msExchMailboxGuid`) as `System.Byte[]` when present, `""` when absent;
/// * `ObjectClass` as the single string `user`.
///
/// Lost compared with `onprem.ldf`:
/// * the values of [`EXPORT_CSV_LOST`]: `proxyAddresses`, `memberOf`,
///   `mS-DS-ConsistencyGuid`, `thumbnailPhoto` (see there);
/// * not used by the audit: the `objectClass` chain (only `user`),
///   `dSCorePropagationData`, the bytes of `msExchMailboxGuid`, and the
///   sub-second part and time zone of the dates (the FILETIME attributes are
///   also written as raw integers, which keep them);
/// * all groups and computers (and so group `member`).
///
/// The returned summary has one `files` entry with an empty path and the
/// number of bytes written; `users`, `partners` and `non_user_objects` count
/// the forest (the non-user objects are not written). Output is batched
/// internally, so an unbuffered writer is fine.
pub fn write_onprem_export_csv<W: Write>(
    opts: &GenerateOptions,
    out: W,
) -> io::Result<GenerateSummary> {
    drive(opts, &mut [&mut ExportCsvWriter::new(out)])
}

/// [`ExportWriter`] of `onprem-ps.csv`.
pub(crate) struct ExportCsvWriter<W: Write> {
    out: BatchedOut<W>,
    row: Row,
}

impl<W: Write> ExportCsvWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        let mut row = Row {
            buf: Vec::with_capacity(BATCH + (64 << 10)),
            tmp: Vec::with_capacity(256),
            col: 0,
        };
        for (i, name) in EXPORT_CSV_COLUMNS.iter().enumerate() {
            if i > 0 {
                row.buf.push(b',');
            }
            push_quoted(&mut row.buf, name.as_bytes());
        }
        row.buf.extend_from_slice(b"\r\n");
        ExportCsvWriter {
            out: BatchedOut::new(out),
            row,
        }
    }
}

impl<W: Write> ExportWriter for ExportCsvWriter<W> {
    fn user(&mut self, ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras) -> io::Result<()> {
        write_user_row(ctx, a, x, &mut self.row);
        self.out.spill(&mut self.row.buf, BATCH)
    }

    fn non_user(&mut self, _ctx: &Ctx, _slot: u64) -> io::Result<()> {
        Ok(())
    }

    fn finish(&mut self) -> io::Result<u64> {
        self.out.finish(&mut self.row.buf)
    }
}

/// Append `"v"` with inner quotes doubled.
fn push_quoted(out: &mut Vec<u8>, v: &[u8]) {
    out.push(b'"');
    if v.contains(&b'"') {
        for &b in v {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
    } else {
        out.extend_from_slice(v);
    }
    out.push(b'"');
}

/// The row being written into the batch buffer. Fields must come in
/// [`EXPORT_CSV_COLUMNS`] order; each takes the column name, which debug
/// builds check against the header.
struct Row {
    buf: Vec<u8>,
    tmp: Vec<u8>,
    col: usize,
}

impl Row {
    fn next(&mut self, name: &str) {
        debug_assert_eq!(
            EXPORT_CSV_COLUMNS.get(self.col).copied(),
            Some(name),
            "column {} out of order",
            self.col
        );
        let _ = name;
        if self.col > 0 {
            self.buf.push(b',');
        }
        self.col += 1;
    }

    fn text(&mut self, name: &str, v: &str) {
        self.next(name);
        push_quoted(&mut self.buf, v.as_bytes());
    }

    fn opt(&mut self, name: &str, v: &Option<String>) {
        self.text(name, v.as_deref().unwrap_or(""));
    }

    fn empty(&mut self, name: &str) {
        self.text(name, "");
    }

    fn boolean(&mut self, name: &str, v: bool) {
        self.text(name, if v { "True" } else { "False" });
    }

    /// `True` when set, else absent.
    fn flag(&mut self, name: &str, v: bool) {
        self.text(name, if v { "True" } else { "" });
    }

    fn collection(&mut self, name: &str) {
        self.text(name, COLLECTION);
    }

    fn bytes(&mut self, name: &str, present: bool) {
        self.text(name, if present { BYTE_ARRAY } else { "" });
    }

    fn uint(&mut self, name: &str, n: u64) {
        self.next(name);
        self.buf.push(b'"');
        push_u64(&mut self.buf, n);
        self.buf.push(b'"');
    }

    fn int(&mut self, name: &str, n: i64) {
        self.next(name);
        self.buf.push(b'"');
        push_i64(&mut self.buf, n);
        self.buf.push(b'"');
    }

    fn opt_uint(&mut self, name: &str, n: Option<u64>) {
        match n {
            Some(n) => self.uint(name, n),
            None => self.empty(name),
        }
    }

    /// A date from Unix seconds, `M/d/yyyy h:mm:ss AM`.
    fn date(&mut self, name: &str, unix: u64) {
        self.next(name);
        self.buf.push(b'"');
        push_us_date(&mut self.buf, unix);
        self.buf.push(b'"');
    }

    /// A date from a FILETIME; absent for 0 and "never".
    fn filetime_date(&mut self, name: &str, ft: u64) {
        match filetime_to_unix(ft) {
            Some(t) => self.date(name, t),
            None => self.empty(name),
        }
    }

    /// A value built with `format_args!` (contains no `"`).
    fn fmt(&mut self, name: &str, args: std::fmt::Arguments<'_>) {
        self.next(name);
        self.tmp.clear();
        self.tmp.write_fmt(args).expect("write to Vec");
        let Row { buf, tmp, .. } = self;
        push_quoted(buf, tmp);
    }

    fn end(&mut self) {
        debug_assert_eq!(self.col, EXPORT_CSV_COLUMNS.len());
        self.buf.extend_from_slice(b"\r\n");
        self.col = 0;
    }
}

/// Unix seconds of a FILETIME; `None` for 0 and for "never" (`accountExpires`).
fn filetime_to_unix(ft: u64) -> Option<u64> {
    const EPOCH: u64 = 11_644_473_600;
    if ft == 0 || ft >= NEVER_EXPIRES {
        return None;
    }
    (ft / 10_000_000).checked_sub(EPOCH)
}

/// en-US `DateTime.ToString()`: `1/15/2024 10:30:00 AM`.
pub(crate) fn push_us_date(out: &mut Vec<u8>, unix: u64) {
    let (y, mo, d, h, mi, s) = civil(unix);
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    push_u64(out, mo);
    out.push(b'/');
    push_u64(out, d);
    out.push(b'/');
    push_u64(out, y);
    out.push(b' ');
    push_u64(out, h12);
    out.push(b':');
    out.push(b'0' + (mi / 10) as u8);
    out.push(b'0' + (mi % 10) as u8);
    out.push(b':');
    out.push(b'0' + (s / 10) as u8);
    out.push(b'0' + (s % 10) as u8);
    out.push(b' ');
    out.extend_from_slice(ampm.as_bytes());
}

/// `CanonicalName` of a DN: `contoso.com/Users/Employees/Smith, John 42`.
/// RDN escapes are removed; a `/` in a value is written `\/`.
pub(crate) struct CanonicalName<'a>(pub &'a str);

impl std::fmt::Display for CanonicalName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Split at unescaped commas; unescape values.
        let mut rdns: Vec<(bool, String)> = Vec::new();
        let mut cur = String::new();
        let mut esc = false;
        let mut push = |cur: &mut String| {
            let (ty, v) = cur.split_once('=').unwrap_or(("", cur.as_str()));
            rdns.push((ty.eq_ignore_ascii_case("DC"), v.to_string()));
            cur.clear();
        };
        for c in self.0.chars() {
            if esc {
                cur.push(c);
                esc = false;
            } else if c == '\\' {
                esc = true;
            } else if c == ',' {
                push(&mut cur);
            } else {
                cur.push(c);
            }
        }
        push(&mut cur);
        let mut first = true;
        for (_, v) in rdns.iter().filter(|r| r.0) {
            if !first {
                f.write_str(".")?;
            }
            first = false;
            f.write_str(v)?;
        }
        for (_, v) in rdns.iter().rev().filter(|r| !r.0) {
            f.write_str("/")?;
            f.write_str(&v.replace('/', "\\/"))?;
        }
        Ok(())
    }
}

/// One Export-Csv row of user `a`, in [`EXPORT_CSV_COLUMNS`] order
/// (Export-Csv's alphabetical order, written in two halves).
fn write_user_row(ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras, r: &mut Row) {
    user_columns_a_to_l(ctx, a, x, r);
    user_columns_l_to_z(ctx, a, x, r);
    r.end();
}

/// The columns from `AccountExpirationDate` to `legacyExchangeDN`.
fn user_columns_a_to_l(ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras, r: &mut Row) {
    r.filetime_date("AccountExpirationDate", a.account_expires);
    r.uint("accountExpires", a.account_expires);
    r.empty("AccountLockoutTime");
    r.boolean("AccountNotDelegated", false);
    r.opt("adminDescription", &a.admin_description);
    r.boolean("AllowReversiblePasswordEncryption", false);
    r.collection("AuthenticationPolicy");
    r.collection("AuthenticationPolicySilo");
    r.uint("BadLogonCount", x.bad_pwd);
    r.uint("badPasswordTime", x.bad_pwd_time);
    r.uint("badPwdCount", x.bad_pwd);
    r.opt("c", &a.country);
    r.boolean("CannotChangePassword", false);
    r.fmt("CanonicalName", format_args!("{}", CanonicalName(&a.dn)));
    r.collection("Certificates");
    r.opt("City", &a.city);
    r.text("CN", &a.cn);
    r.opt("co", &a.country_name);
    r.uint("codePage", 0);
    r.opt("Company", &a.company);
    r.collection("CompoundIdentitySupported");
    r.opt("Country", &a.country);
    r.uint("countryCode", a.country_code as u64);
    r.date("Created", a.when_created);
    r.date("createTimeStamp", a.when_created);
    r.empty("Deleted");
    r.opt("Department", &a.department);
    r.opt("Description", &a.description);
    r.opt("DisplayName", &a.display_name);
    r.text("DistinguishedName", &a.dn);
    r.empty("Division");
    r.boolean("DoesNotRequirePreAuth", false);
    r.collection("dSCorePropagationData");
    r.opt("EmailAddress", &a.mail);
    r.opt("EmployeeID", &a.employee_id);
    r.empty("EmployeeNumber");
    r.opt("employeeType", &a.employee_type);
    r.boolean("Enabled", a.account_enabled());
    r.opt("extensionAttribute1", &a.extension_attribute1);
    r.empty("Fax");
    r.opt("GivenName", &a.given);
    if x.home_directory {
        r.fmt("HomeDirectory", format_args!("{}", HomeDirectory(ctx, a)));
    } else {
        r.empty("HomeDirectory");
    }
    r.boolean("HomedirRequired", false);
    r.text("HomeDrive", if x.home_directory { "H:" } else { "" });
    r.empty("HomePage");
    r.empty("HomePhone");
    r.empty("Initials");
    r.uint("instanceType", 4);
    r.flag("isCriticalSystemObject", a.is_critical_system_object);
    r.empty("isDeleted");
    r.collection("KerberosEncryptionType");
    r.opt("l", &a.city);
    r.filetime_date("LastBadPasswordAttempt", x.bad_pwd_time);
    r.empty("LastKnownParent");
    r.uint("lastLogoff", 0);
    r.uint("lastLogon", x.last_logon);
    match a.last_logon_timestamp {
        Some(t) => r.filetime_date("LastLogonDate", t),
        None => r.empty("LastLogonDate"),
    }
    r.opt_uint("lastLogonTimestamp", a.last_logon_timestamp);
    if a.msexch_recipient_type_details.is_some() {
        r.fmt(
            "legacyExchangeDN",
            format_args!("{}", LegacyExchangeDn(ctx, a, x)),
        );
    } else {
        r.empty("legacyExchangeDN");
    }
}

/// The columns from `LockedOut` to `whenCreated`.
fn user_columns_l_to_z(ctx: &Ctx, a: &SyntheticAccount, x: &UserExtras, r: &mut Row) {
    let uac = a.user_account_control;
    let rtd = a.msexch_recipient_type_details;
    let remote = rtd.is_some_and(|v| v != 1);
    let sid = sid_to_string(&a.object_sid).unwrap_or_default();
    let domain_dn = ctx
        .users_cn
        .strip_prefix("CN=Users,")
        .unwrap_or(&ctx.users_cn);
    r.boolean("LockedOut", false);
    r.empty("lockoutTime");
    r.uint("logonCount", x.logon_count);
    r.empty("LogonWorkstations");
    r.opt("mail", &a.mail);
    r.opt("mailNickname", &a.mail_nickname);
    r.opt("Manager", &a.manager);
    r.collection("MemberOf");
    r.boolean("MNSLogonAccount", false);
    r.opt("mobile", &a.mobile);
    r.opt("MobilePhone", &a.mobile);
    r.date("Modified", a.when_changed);
    r.date("modifyTimeStamp", a.when_changed);
    r.bytes("mS-DS-ConsistencyGuid", a.consistency_guid.is_some());
    r.uint("msDS-User-Account-Control-Computed", 0);
    r.bytes("msExchMailboxGuid", rtd.is_some());
    match rtd {
        Some(v) => r.int("msExchRecipientDisplayType", recipient_display_type(v)),
        None => r.empty("msExchRecipientDisplayType"),
    }
    r.opt_uint("msExchRecipientTypeDetails", rtd);
    r.opt_uint("msExchRemoteRecipientType", remote.then_some(4));
    r.text("Name", &a.cn);
    r.text(
        "nTSecurityDescriptor",
        "System.DirectoryServices.ActiveDirectorySecurity",
    );
    r.text("ObjectCategory", &ctx.object_category_person);
    r.text("ObjectClass", "user");
    r.text("ObjectGUID", &guid_to_string(&a.object_guid));
    r.text("objectSid", &sid);
    r.opt("Office", &a.office);
    r.opt("OfficePhone", &a.telephone);
    r.empty("Organization");
    r.empty("OtherName");
    r.boolean("PasswordExpired", false);
    r.filetime_date("PasswordLastSet", a.pwd_last_set);
    r.boolean("PasswordNeverExpires", uac & 0x1_0000 != 0);
    r.boolean("PasswordNotRequired", uac & 0x20 != 0);
    r.opt("physicalDeliveryOfficeName", &a.office);
    r.empty("POBox");
    r.opt("PostalCode", &a.postal_code);
    r.fmt(
        "PrimaryGroup",
        format_args!("CN=Domain Users,CN=Users,{domain_dn}"),
    );
    r.uint("primaryGroupID", 513);
    r.collection("PrincipalsAllowedToDelegateToAccount");
    r.boolean("ProtectedFromAccidentalDeletion", false);
    r.collection("proxyAddresses");
    r.uint("pwdLastSet", a.pwd_last_set);
    r.text("SamAccountName", &a.sam);
    r.uint("sAMAccountType", 805_306_368);
    r.text("ScriptPath", if x.script_path { "logon.cmd" } else { "" });
    r.uint("sDRightsEffective", 15);
    r.collection("ServicePrincipalNames");
    r.flag("showInAdvancedViewOnly", a.is_critical_system_object);
    r.text("SID", &sid);
    r.collection("SIDHistory");
    r.boolean("SmartcardLogonRequired", false);
    r.opt("sn", &a.sn);
    r.opt("st", &a.state);
    r.opt("State", &a.state);
    r.opt("StreetAddress", &a.street);
    r.opt("Surname", &a.sn);
    match (&a.mail_nickname, remote) {
        (Some(nick), true) => r.fmt(
            "targetAddress",
            format_args!("{}", TargetAddress(ctx, nick)),
        ),
        _ => r.empty("targetAddress"),
    }
    r.opt("telephoneNumber", &a.telephone);
    r.bytes("thumbnailPhoto", a.thumbnail_photo.is_some());
    r.opt("Title", &a.title);
    r.boolean("TrustedForDelegation", false);
    r.boolean("TrustedToAuthForDelegation", false);
    r.boolean("UseDESKeyOnly", false);
    r.uint("userAccountControl", uac as u64);
    r.collection("userCertificate");
    r.text("UserPrincipalName", &a.upn);
    r.uint("uSNChanged", x.usn_changed);
    r.uint("uSNCreated", x.usn_created);
    r.date("whenChanged", a.when_changed);
    r.date("whenCreated", a.when_created);
}

#[cfg(test)]
mod tests {
    use super::super::test_options as opts;
    use super::super::{
        account, write_onprem_csvde, CSVDE_COLUMNS, DOMAIN_SUB_AUTHORITIES, FIRST_USER_RID,
    };
    use super::*;

    fn export(o: &GenerateOptions) -> (Vec<u8>, GenerateSummary) {
        let mut v = Vec::new();
        let s = write_onprem_export_csv(o, &mut v).unwrap();
        (v, s)
    }

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
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    /// The .NET GUID string of raw AD bytes, written out by hand: the first
    /// three groups little-endian, the last two in byte order.
    fn dotnet_guid(b: &[u8; 16]) -> String {
        let h = |r: &[u8]| r.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let rev = |r: &[u8]| h(&r.iter().rev().copied().collect::<Vec<u8>>());
        format!(
            "{}-{}-{}-{}-{}",
            rev(&b[0..4]),
            rev(&b[4..6]),
            rev(&b[6..8]),
            h(&b[8..10]),
            h(&b[10..16])
        )
    }

    #[test]
    fn dotnet_guid_matches_domain_example() {
        // docs/identifiers.md#guid-byte-order, example 4.
        let raw = [
            0x0b, 0x81, 0x8f, 0xd0, 0x5c, 0xa3, 0xa8, 0x49, 0xa4, 0xcd, 0xc6, 0x92, 0x3d, 0xfc,
            0x03, 0x1e,
        ];
        assert_eq!(dotnet_guid(&raw), "d08f810b-a35c-49a8-a4cd-c6923dfc031e");
    }

    #[test]
    fn deterministic() {
        let (a, sa) = export(&opts(300, 7));
        let (b, sb) = export(&opts(300, 7));
        assert_eq!(a, b);
        assert_eq!(sa, sb);
        assert_ne!(a, export(&opts(300, 8)).0);
        assert_eq!(sa.files, vec![(std::path::PathBuf::new(), a.len() as u64)]);
        assert_eq!((sa.users, sa.non_user_objects), (300, 6));
    }

    #[test]
    fn header_is_complete_sorted_and_quoted() {
        let (data, _) = export(&opts(0, 1));
        let expected: Vec<String> = EXPORT_CSV_COLUMNS
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect();
        assert_eq!(data, format!("{}\r\n", expected.join(",")).as_bytes());
        let lower: Vec<String> = EXPORT_CSV_COLUMNS
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect();
        for w in lower.windows(2) {
            assert!(w[0] < w[1], "{} before {}", w[0], w[1]);
        }
        for c in [
            "AccountExpirationDate",
            "accountExpires",
            "DistinguishedName",
            "EmailAddress",
            "Enabled",
            "extensionAttribute1",
            "GivenName",
            "mail",
            "MemberOf",
            "ObjectClass",
            "ObjectGUID",
            "objectSid",
            "proxyAddresses",
            "SamAccountName",
            "SID",
            "Surname",
            "UserPrincipalName",
            "userAccountControl",
            "mS-DS-ConsistencyGuid",
            "thumbnailPhoto",
            "whenCreated",
            "Created",
            "Modified",
            "whenChanged",
        ] {
            assert!(EXPORT_CSV_COLUMNS.contains(&c), "{c}");
        }
        // Every lost attribute has its column (it is there, just useless).
        for lost in EXPORT_CSV_LOST {
            assert!(
                EXPORT_CSV_COLUMNS
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(lost)),
                "{lost}"
            );
        }
    }

    #[test]
    fn every_field_quoted_crlf_utf8() {
        let (data, _) = export(&opts(1000, 3));
        assert!(!data.starts_with(b"\xEF\xBB\xBF"), "no BOM");
        let text = std::str::from_utf8(&data).unwrap();
        assert!(!text.is_ascii(), "non-ASCII names are written as UTF-8");
        assert!(text.ends_with("\r\n"));
        let n = EXPORT_CSV_COLUMNS.len();
        for line in text.strip_suffix("\r\n").unwrap().split("\r\n") {
            assert!(!line.contains('\n'));
            assert!(line.starts_with('"') && line.ends_with('"'), "{line}");
            // No generated value contains `"`, so `","` separates every field.
            assert_eq!(line.split("\",\"").count(), n, "{line}");
        }
    }

    #[test]
    fn rows_match_the_account_model() {
        let o = opts(1000, 21);
        let (data, s) = export(&o);
        let (h, rows) = parse(&data);
        assert_eq!(h, EXPORT_CSV_COLUMNS);
        assert_eq!(rows.len() as u64, o.users, "users only");
        assert_eq!(s.non_user_objects, 20);
        let mut with_cg = 0;
        let mut with_photo = 0;
        let mut disabled = 0;
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r.len(), h.len());
            let a = account(&o, i as u64);
            let get = |n: &str| r[col(&h, n)].as_str();
            assert_eq!(get("DistinguishedName"), a.dn);
            assert_eq!(get("UserPrincipalName"), a.upn);
            assert_eq!(get("SamAccountName"), a.sam);
            assert_eq!(get("ObjectGUID"), dotnet_guid(&a.object_guid), "user {i}");
            let sid = format!(
                "S-1-5-21-{}-{}-{}-{}",
                DOMAIN_SUB_AUTHORITIES[0],
                DOMAIN_SUB_AUTHORITIES[1],
                DOMAIN_SUB_AUTHORITIES[2],
                FIRST_USER_RID as u64 + i as u64
            );
            assert_eq!(get("SID"), sid);
            assert_eq!(get("objectSid"), sid);
            assert_eq!(get("proxyAddresses"), COLLECTION);
            assert_eq!(get("MemberOf"), COLLECTION);
            assert_eq!(get("ObjectClass"), "user");
            assert_eq!(
                get("Enabled"),
                if a.user_account_control & 2 == 0 {
                    "True"
                } else {
                    "False"
                }
            );
            assert_eq!(
                get("userAccountControl"),
                a.user_account_control.to_string()
            );
            assert_eq!(
                get("extensionAttribute1"),
                a.extension_attribute1.as_deref().unwrap_or("")
            );
            assert_eq!(get("EmailAddress"), a.mail.as_deref().unwrap_or(""));
            assert_eq!(get("mail"), a.mail.as_deref().unwrap_or(""));
            assert_eq!(get("Surname"), a.sn.as_deref().unwrap_or(""));
            assert_eq!(
                get("mS-DS-ConsistencyGuid"),
                if a.consistency_guid.is_some() {
                    BYTE_ARRAY
                } else {
                    ""
                }
            );
            assert_eq!(
                get("thumbnailPhoto"),
                if a.thumbnail_photo.is_some() {
                    BYTE_ARRAY
                } else {
                    ""
                }
            );
            for d in ["whenCreated", "Created", "Modified", "whenChanged"] {
                let v = get(d);
                assert!(v.ends_with(" AM") || v.ends_with(" PM"), "{d}: {v}");
                assert_eq!(v.split('/').count(), 3, "{d}: {v}");
            }
            assert_eq!(get("Created"), get("whenCreated"));
            assert_eq!(get("Modified"), get("whenChanged"));
            with_cg += a.consistency_guid.is_some() as u32;
            with_photo += a.thumbnail_photo.is_some() as u32;
            disabled += (get("Enabled") == "False") as u32;
        }
        assert!(with_cg > 500 && with_photo > 3 && disabled > 20);
    }

    #[test]
    fn same_values_as_csvde() {
        // Columns that carry an ldifde attribute unchanged.
        const SAME: &[(&str, &str)] = &[
            ("accountExpires", "accountExpires"),
            ("adminDescription", "adminDescription"),
            ("badPasswordTime", "badPasswordTime"),
            ("badPwdCount", "badPwdCount"),
            ("c", "c"),
            ("City", "l"),
            ("CN", "cn"),
            ("co", "co"),
            ("Company", "company"),
            ("countryCode", "countryCode"),
            ("Department", "department"),
            ("Description", "description"),
            ("DisplayName", "displayName"),
            ("DistinguishedName", "distinguishedName"),
            ("EmailAddress", "mail"),
            ("EmployeeID", "employeeID"),
            ("employeeType", "employeeType"),
            ("extensionAttribute1", "extensionAttribute1"),
            ("GivenName", "givenName"),
            ("HomeDirectory", "homeDirectory"),
            ("HomeDrive", "homeDrive"),
            ("instanceType", "instanceType"),
            ("lastLogoff", "lastLogoff"),
            ("lastLogon", "lastLogon"),
            ("lastLogonTimestamp", "lastLogonTimestamp"),
            ("legacyExchangeDN", "legacyExchangeDN"),
            ("logonCount", "logonCount"),
            ("mailNickname", "mailNickname"),
            ("Manager", "manager"),
            ("MobilePhone", "mobile"),
            ("msExchRecipientDisplayType", "msExchRecipientDisplayType"),
            ("msExchRecipientTypeDetails", "msExchRecipientTypeDetails"),
            ("msExchRemoteRecipientType", "msExchRemoteRecipientType"),
            ("Name", "name"),
            ("ObjectCategory", "objectCategory"),
            ("Office", "physicalDeliveryOfficeName"),
            ("OfficePhone", "telephoneNumber"),
            ("PostalCode", "postalCode"),
            ("primaryGroupID", "primaryGroupID"),
            ("pwdLastSet", "pwdLastSet"),
            ("SamAccountName", "sAMAccountName"),
            ("sAMAccountType", "sAMAccountType"),
            ("ScriptPath", "scriptPath"),
            ("State", "st"),
            ("StreetAddress", "streetAddress"),
            ("Surname", "sn"),
            ("targetAddress", "targetAddress"),
            ("Title", "title"),
            ("userAccountControl", "userAccountControl"),
            ("UserPrincipalName", "userPrincipalName"),
            ("uSNChanged", "uSNChanged"),
            ("uSNCreated", "uSNCreated"),
        ];
        let o = opts(2000, 9);
        let (ph, prows) = parse(&export(&o).0);
        let mut cv = Vec::new();
        write_onprem_csvde(&o, &mut cv).unwrap();
        let (ch, crows) = parse(&cv);
        assert_eq!(ch, CSVDE_COLUMNS);
        let oc = col(&ch, "objectClass");
        let users: Vec<_> = crows
            .iter()
            .filter(|r| r[oc] == "top;person;organizationalPerson;user")
            .collect();
        assert_eq!(users.len(), prows.len());
        let flags = [
            ("isCriticalSystemObject", "isCriticalSystemObject"),
            ("showInAdvancedViewOnly", "showInAdvancedViewOnly"),
        ];
        for (crow, prow) in users.iter().zip(&prows) {
            for (pn, cn) in SAME {
                assert_eq!(prow[col(&ph, pn)], crow[col(&ch, cn)], "{pn} / {cn}");
            }
            for (pn, cn) in flags {
                let want = if crow[col(&ch, cn)] == "TRUE" {
                    "True"
                } else {
                    ""
                };
                assert_eq!(prow[col(&ph, pn)], want);
            }
            let csv_bytes = |n: &str| !crow[col(&ch, n)].is_empty();
            for n in [
                "mS-DS-ConsistencyGuid",
                "thumbnailPhoto",
                "msExchMailboxGuid",
            ] {
                assert_eq!(prow[col(&ph, n)] == BYTE_ARRAY, csv_bytes(n), "{n}");
            }
        }
    }

    #[test]
    fn dates_and_canonical_names() {
        let mut v = Vec::new();
        push_us_date(&mut v, 1_705_314_600); // 2024-01-15 10:30:00 UTC
        assert_eq!(v, b"1/15/2024 10:30:00 AM");
        for (t, s) in [
            (1_705_276_800u64, "1/15/2024 12:00:00 AM"),
            (1_705_320_000, "1/15/2024 12:00:00 PM"),
            (1_705_362_659, "1/15/2024 11:50:59 PM"),
            (951_825_605, "2/29/2000 12:00:05 PM"),
        ] {
            v.clear();
            push_us_date(&mut v, t);
            assert_eq!(std::str::from_utf8(&v).unwrap(), s);
        }
        assert_eq!(filetime_to_unix(0), None);
        assert_eq!(filetime_to_unix(NEVER_EXPIRES), None);
        assert_eq!(
            filetime_to_unix((1_705_314_600 + 11_644_473_600) * 10_000_000 + 5),
            Some(1_705_314_600)
        );
        assert_eq!(
            CanonicalName(r"CN=Smith\, John 42,OU=Employees,OU=Users,DC=contoso,DC=com")
                .to_string(),
            "contoso.com/Users/Employees/Smith, John 42"
        );
        assert_eq!(
            CanonicalName("CN=a/b,CN=Users,DC=x,DC=y").to_string(),
            r"x.y/Users/a\/b"
        );
    }
}
