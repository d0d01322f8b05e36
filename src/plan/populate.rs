//! `populate`: the LDIF change file that stamps a source attribute with the
//! UserType the rules give each account (approach 1 of the Learn page).

/// The change file.
pub const CHANGES_NAME: &str = "changes.ldf";
/// The undo file.
pub const UNDO_NAME: &str = "undo.ldf";
/// The account list.
pub const CSV_NAME: &str = "populate.csv";
/// The PowerShell script.
pub const SCRIPT_NAME: &str = "populate.ps1";
/// The first line of both LDIF files (a comment, which RFC 2849 allows).
pub const LDIF_MARK: &str = "# usertype-audit populate";
/// The CSV header.
pub const CSV_HEADER: &str = "dn,old,new,action";
