//! Tests of the whole pipeline: one test per function, one line per case,
//! sorted by function name (the examples of Microsoft's function reference,
//! docs/rules.md#function-reference, plus edge cases); then the Microsoft sample rule, the
//! out-of-box expressions, precedence, names, errors and lints.
//!
//! Expected values are written out by hand (or from the worked examples
//! of docs/identifiers.md, or computed with Python's `datetime`/`base64`), never with the
//! code under test.

use std::collections::BTreeMap;

use super::*;
use crate::read::{OwnedAttr, OwnedEntry, Value as Bytes, ValueKind};

// ------------------------------------------------------------- fixtures

/// `Joe`, with the DN of the function reference's DNComponent examples.
const JOE_DN: &str = "cn=Joe,ou=Atlanta,ou=GA,ou=US, dc=contoso,dc=com";

/// objectGUID 88666888-0101-1111-bbbb-1234567890ab in AD byte order (docs/identifiers.md#guid-byte-order, example 1).
const GUID_BYTES: [u8; 16] = [
    0x88, 0x68, 0x66, 0x88, 0x01, 0x01, 0x11, 0x11, 0xbb, 0xbb, 0x12, 0x34, 0x56, 0x78, 0x90, 0xab,
];

/// S-1-5-21-347728882-1813064083-908604766-1038 (docs/identifiers.md#sid).
const SID_HEX: &str = "010500000000000515000000F2EBB9149329116C5E3528360E040000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn attr(name: &str, values: &[&[u8]]) -> OwnedAttr {
    OwnedAttr {
        name: name.to_string(),
        values: values
            .iter()
            .map(|v| Bytes {
                bytes: v.to_vec(),
                kind: ValueKind::Plain,
            })
            .collect(),
    }
}

fn entry(dn: &str, attrs: &[(&str, &[&str])]) -> OwnedEntry {
    OwnedEntry {
        dn: dn.as_bytes().to_vec(),
        line: 1,
        byte: 0,
        attrs: attrs
            .iter()
            .map(|(n, vs)| attr(n, &vs.iter().map(|v| v.as_bytes()).collect::<Vec<_>>()))
            .collect(),
    }
}

fn joe() -> OwnedEntry {
    let mut e = entry(
        JOE_DN,
        &[
            ("cn", &["Joe"]),
            ("description", &["First desc", "Second desc"]),
            ("extensionAttribute1", &["Guest"]),
            ("info", &[""]),
            ("mail", &[" joe@contoso.com "]),
            (
                "memberOf",
                &[
                    "CN=Staff,OU=Groups,DC=contoso,DC=com",
                    "CN=Partners,OU=Groups,DC=contoso,DC=com",
                ],
            ),
            ("msExchRecipientTypeDetails", &["2"]),
            ("otherTelephone", &["555-1234", "555-9876"]),
            (
                "proxyAddresses",
                &[
                    "smtp:joe@sales.contoso.com",
                    "SMTP:joe@contoso.com",
                    "SIP:joe@contoso.com",
                ],
            ),
            ("pwdLastSet", &["129699324000000000"]),
            ("sAMAccountName", &["joe"]),
            ("userAccountControl", &["514"]),
            ("userPrincipalName", &["Joe@Contoso.com"]),
            ("whenCreated", &["20130110160000.0Z"]),
        ],
    );
    e.attrs.push(attr("objectGUID", &[&GUID_BYTES]));
    e.attrs.push(attr("objectSid", &[&hex(SID_HEX)]));
    e
}

/// 2024-06-01 12:00:00 UTC, the `Now()` of these tests.
const NOW_TICKS: i64 = 638_528_400_000_000_000;

fn opts() -> CompileOptions {
    let parameters: BTreeMap<String, String> = [
        ("Domain.FQDN", "contoso.com"),
        ("Domain.Netbios", "CONTOSO"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    CompileOptions {
        parameters,
        now: DateTime::from_ticks(NOW_TICKS),
    }
}

fn compiled(src: &str) -> Compiled {
    match compile(src, &opts()) {
        Ok(c) => c,
        Err(errs) => panic!(
            "{src}:\n{}",
            errs.iter()
                .map(|e| e.render(src))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn eval_on(src: &str, rec: &OwnedEntry) -> Result<Value, EvalError> {
    compiled(src).program.eval_owned(rec)
}

/// One case: `src` evaluated on Joe gives `want`.
#[track_caller]
fn t(src: &str, want: Value) {
    assert_eq!(eval_on(src, &joe()), Ok(want), "{src}");
}

/// One case: `src` evaluated on Joe fails with an error whose text contains `want`.
#[track_caller]
fn fails(src: &str, want: &str) {
    match eval_on(src, &joe()) {
        Err(e) => assert!(e.to_string().contains(want), "{src}: {e}"),
        Ok(v) => panic!("{src}: expected an error, got {v}"),
    }
}

/// The first compile error of `src`, rendered.
fn compile_error(src: &str) -> String {
    match compile(src, &opts()) {
        Err(errs) => errs[0].render(src),
        Ok(_) => panic!("{src}: expected a compile error"),
    }
}

fn lint_codes(src: &str) -> Vec<&'static str> {
    compiled(src).warnings.iter().map(|w| w.code).collect()
}

fn s(x: &str) -> Value {
    Value::Str(x.to_string())
}
fn n(x: i64) -> Value {
    Value::Num(x)
}
fn b(x: bool) -> Value {
    Value::Bool(x)
}
fn mv(items: &[&str]) -> Value {
    Value::Mv(items.iter().map(|x| s(x)).collect())
}
fn dt(ticks: i64) -> Value {
    Value::Dt(DateTime::from_ticks(ticks).expect("in range"))
}
fn bin(bytes: &[u8]) -> Value {
    Value::Bin(bytes.to_vec())
}
const NULL: Value = Value::Null;

// ------------------------------------------------------------ functions
/// One test per function, one line per case, sorted by function name.
#[rustfmt::skip]
mod functions {
    use super::*;

    #[test]
    fn bit_and() {
        t("BitAnd(&HF, &HF7)", n(7));
        t("BitAnd([userAccountControl], 2)", n(2));
        t("BitAnd(NULL, 2)", NULL);
    }

    #[test]
    fn bit_or() {
        t("BitOr(&HF0, &H0F)", n(255));
        t("BitOr(512, 2)", n(514));
    }

    #[test]
    fn cbin() {
        fails("CBin([objectGUID])", "not evaluated offline");
    }

    #[test]
    fn cbool() {
        t("CBool(1 = 1)", b(true));
        t("CBool([cn] = [sAMAccountName])", b(false));
        t("CBool(5)", b(true));
        t("CBool(0)", b(false));
        t("CBool(NULL)", b(false));
        t("CBool([absent])", b(false));
        // "Guest" is not a Boolean: a type error, not a silent False.
        fails("CBool([extensionAttribute1])", "not a Boolean");
    }

    #[test]
    fn cdate() {
        t(r#"CDate("2013-01-10 4:00 PM -8")"#, dt(634_934_592_000_000_000));
        t(r#"CDate("2013-01-10")"#, dt(634_933_728_000_000_000));
        t("CDate([whenCreated])", dt(634_934_304_000_000_000));
        fails(r#"CDate("soon")"#, "cannot read");
    }

    #[test]
    fn cguid() {
        t(r#"CGuid("88666888-0101-1111-bbbb-1234567890ab")"#, bin(&GUID_BYTES));
        t(r#"CGuid("{88666888-0101-1111-BBBB-1234567890AB}")"#, bin(&GUID_BYTES));
        fails(r#"CGuid("nope")"#, "is not a GUID");
    }

    #[test]
    fn cnum() {
        t(r#"CNum("512")"#, n(512));
        t(r#"CNum(" -8 ")"#, n(-8));
        t("CNum([userAccountControl])", n(514));
        fails(r#"CNum("x")"#, "is not a number");
    }

    #[test]
    fn contains() {
        t(r#"Contains([proxyAddresses], "SMTP:")"#, n(2));
        t(r#"Contains([proxyAddresses], "smtp:", CaseInsensitive)"#, n(1));
        t(r#"Contains([proxyAddresses], "smtp:", CaseSensitive)"#, n(1));
        t(r#"Contains([proxyAddresses], "X400:")"#, n(0));
        t(r#"Contains([memberOf], "CN=Partners,OU=Groups,DC=contoso,DC=com")"#, n(2));
        t(r#"Contains([memberOf], "CN=Partners")"#, n(0));
        t(r#"Contains([absent], "x")"#, n(0));
    }

    #[test]
    fn convert_from_base64() {
        t(r#"ConvertFromBase64("SABlAGwAbABvACAAdwBvAHIAbABkACEA")"#, s("Hello world!"));
        t(r#"ConvertFromBase64("SGVsbG8gd29ybGQh", UTF8)"#, s("Hello world!"));
        t(r#"ConvertFromBase64("SGVsbG8gd29ybGQh", ASCII)"#, s("Hello world!"));
        t(r#"ConvertFromBase64("RwByAPwA3wBlAA==", Unicode)"#, s("Grüße"));
        fails(r#"ConvertFromBase64("***")"#, "is not base64");
    }

    #[test]
    fn convert_from_utf8_hex() {
        t(r#"ConvertFromUTF8Hex("48656C6C6F20776F726C6421")"#, s("Hello world!"));
        fails(r#"ConvertFromUTF8Hex("4")"#, "odd number");
    }

    #[test]
    fn convert_to_base64() {
        t(r#"ConvertToBase64("Hello world!")"#, s("SABlAGwAbABvACAAdwBvAHIAbABkACEA"));
        t("ConvertToBase64([objectGUID])", s("iGhmiAEBERG7uxI0VniQqw=="));
    }

    #[test]
    fn convert_to_utf8_hex() {
        t(r#"ConvertToUTF8Hex("Hello world!")"#, s("48656C6C6F20776F726C6421"));
    }

    #[test]
    fn count() {
        t("Count([proxyAddresses])", n(3));
        t("Count([cn])", n(1));
        t("Count([absent])", n(0));
    }

    #[test]
    fn cref() {
        t(r#"CRef("cn=Joe,dc=contoso")"#, Value::Ref("cn=Joe,dc=contoso".into()));
    }

    #[test]
    fn cstr() {
        t("CStr([dn])", s(JOE_DN));
        t("CStr(512)", s("512"));
        t("CStr(True)", s("True"));
        t("CStr([userAccountControl])", s("514"));
    }

    #[test]
    fn date_add() {
        t(r#"DateAdd("d", 1, DateFromNum(129699324000000000))"#, dt(634_611_420_000_000_000));
        t(r#"DateAdd("yyyy", 1, CDate("2013-01-10")) > CDate("2013-12-31")"#, b(true));
        fails(r#"DateAdd("x", 1, Now())"#, "interval");
    }

    #[test]
    fn date_from_num() {
        t("DateFromNum(129699324000000000)", dt(634_610_556_000_000_000));
        t("DateFromNum([pwdLastSet])", dt(634_610_556_000_000_000));
        fails("DateFromNum(9223372036854775807)", "out of range");
    }

    #[test]
    fn dn_component() {
        t("DNComponent(CRef([dn]),1)", s("Joe"));
        t("DNComponent(CRef([dn]),4)", s("US"));
        t("DNComponent(CRef([dn]),9)", NULL);
        t("DNComponent(CRef([dn]),0)", NULL);
        t(r#"DNComponent(CRef("CN=Smith\, John,OU=x"),1)"#, s(r"Smith\, John"));
    }

    #[test]
    fn dn_component_rev() {
        t("DNComponentRev(CRef([dn]),3)", s("US"));
        t(r#"DNComponentRev(CRef([dn]),1,"DC")"#, s("US"));
        t("DNComponentRev(CRef([dn]),1)", s("com"));
        t("DNComponentRev(CRef([dn]),7)", NULL);
    }

    #[test]
    fn error() {
        assert_eq!(
            eval_on(r#"Error("AccountName is not present")"#, &joe()).map_err(|e| match e {
                EvalError::Raised(m, _) => m,
                other => other.to_string(),
            }),
            Err("AccountName is not present".to_string())
        );
    }

    #[test]
    fn escape_dn_component() {
        t(r#"EscapeDNComponent("cn=Smith, John")"#, s(r"cn=Smith\, John"));
        t(r#"EscapeDNComponent("cn= a+b ")"#, s(r"cn=\ a\+b\ "));
        t(r##"EscapeDNComponent("#1")"##, s(r"\#1"));
    }

    #[test]
    fn format_date_time() {
        t(r#"FormatDateTime(DateFromNum(129699324000000000),"yyyyMMddHHmmss.0Z")"#, s("20120101230000.0Z"));
        t(r#"FormatDateTime(CDate("2013-01-10"),"yyyy-MM-dd")"#, s("2013-01-10"));
        t(r#"FormatDateTime([whenCreated],"dd/MM/yyyy HH:mm")"#, s("10/01/2013 16:00"));
    }

    #[test]
    fn guid() {
        // Derived from the DN: the same for the same object, a GUID all the same.
        let a = eval_on("Guid()", &joe());
        assert_eq!(a, eval_on("Guid()", &joe()));
        assert_ne!(a, eval_on("Guid()", &entry("CN=other", &[])));
        t("IsGuid(Guid())", b(true));
    }

    #[test]
    fn iif() {
        t(r#"IIF(True, "a", "b")"#, s("a"));
        t(r#"IIF(NULL, "a", "b")"#, s("b"));
        t(r#"IIF(IsPresent([absent]), Error("never"), "b")"#, s("b"));
        t(r#"IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses])"#, mv(&["smtp:joe@sales.contoso.com", "SMTP:joe@contoso.com"]));
        fails("IIF([extensionAttribute1], 1, 2)", "not a Boolean");
    }

    #[test]
    fn imported_value() {
        t(r#"Count(ImportedValue("proxyAddresses"))"#, n(3));
        t(r#"ImportedValue("cn")"#, s("Joe"));
    }

    #[test]
    fn instr() {
        t(r#"InStr("The quick brown fox","quick")"#, n(5));
        t(r#"InStr("repEated","e",3,vbBinaryCompare)"#, n(7));
        t(r#"InStr("repEated","e",3,vbTextCompare)"#, n(4));
        t(r#"InStr("repEated","e",3)"#, n(7));
        t(r#"InStr("abc","x")"#, n(0));
        t(r#"InStr("abc","")"#, n(1));
        t(r#"InStr("abc","c",9)"#, n(0));
        t(r#"InStr("Grüße","ß")"#, n(4));
        t(r#"InStr([absent],"x")"#, NULL);
        fails(r#"InStr("abc","c",0)"#, "start must be 1 or more");
    }

    #[test]
    fn instr_rev() {
        t(r#"InStrRev("abbcdbbbef","bb")"#, n(7));
        t(r#"InstrRev("abbcdbbbef","bb")"#, n(7));
        t(r#"InStrRev("abbcdbbbef","bb",5)"#, n(2));
        t(r#"InStrRev("abBcdbbbef","BB",-1,vbTextCompare)"#, n(7));
        t(r#"InStrRev("abc","x")"#, n(0));
    }

    #[test]
    fn is_bit_set() {
        t("IsBitSet(&HF,4)", b(true));
        t("IsBitSet(&HF,16)", b(false));
        t("IsBitSet([userAccountControl],2)", b(true));
    }

    #[test]
    fn is_date() {
        t(r#"IsDate(CDate("2013-01-10"))"#, b(true));
        t("IsDate([whenCreated])", b(true));
        t(r#"IsDate("nope")"#, b(false));
        t("IsDate([absent])", b(false));
    }

    #[test]
    fn is_empty() {
        t("IsEmpty([info])", b(true));
        t("IsEmpty([cn])", b(false));
        t("IsEmpty([absent])", b(false));
    }

    #[test]
    fn is_guid() {
        t(r#"IsGuid("88666888-0101-1111-bbbb-1234567890ab")"#, b(true));
        t(r#"IsGuid("{88666888-0101-1111-bbbb-1234567890ab}")"#, b(true));
        t(r#"IsGuid("88666888")"#, b(false));
    }

    #[test]
    fn is_null() {
        t("IsNull([absent])", b(true));
        t("IsNull(NULL)", b(true));
        t("IsNull([info])", b(false));
        t("IsNull([proxyAddresses])", b(false));
    }

    #[test]
    fn is_null_or_empty() {
        t("IsNullOrEmpty([info])", b(true));
        t("IsNullOrEmpty([absent])", b(true));
        t("IsNullOrEmpty([description])", b(false));
    }

    #[test]
    fn is_numeric() {
        t(r#"IsNumeric("12")"#, b(true));
        t(r#"IsNumeric("-1.5")"#, b(true));
        t(r#"IsNumeric("x")"#, b(false));
        t("IsNumeric([userAccountControl])", b(true));
    }

    #[test]
    fn is_present() {
        t("IsPresent([mail])", b(true));
        t("IsPresent([info])", b(false));
        t("IsPresent([absent])", b(false));
        t("IsPresent([absent]) = False", b(true));
        t("IsPresent([proxyAddresses])", b(true));
    }

    #[test]
    fn is_string() {
        t("IsString([mail])", b(true));
        t("IsString([objectGUID])", b(false));
        t("IsString([userAccountControl])", b(false));
        t("IsString([proxyAddresses])", b(true));
    }

    #[test]
    fn item() {
        t("Item([description],1)", s("First desc"));
        t("Item([description],2)", s("Second desc"));
        t(r#"Mid(Item([proxyAddresses],Contains([proxyAddresses], "SMTP:")),6)"#, s("joe@contoso.com"));
        assert!(matches!(
            eval_on("Item([description],3)", &joe()),
            Err(EvalError::OutOfBounds {
                index: 3,
                count: 2,
                ..
            })
        ));
        fails("Item([description],0)", "out of bounds");
    }

    #[test]
    fn item_or_null() {
        t("ItemOrNull([description],1)", s("First desc"));
        t("ItemOrNull([description],3)", NULL);
    }

    #[test]
    fn join() {
        t("Join([otherTelephone])", s("555-1234 555-9876"));
        t(r#"Join([otherTelephone], "; ")"#, s("555-1234; 555-9876"));
        t("Join([absent])", NULL);
    }

    #[test]
    fn lcase() {
        t(r#"LCase("AbC")"#, s("abc"));
        t("LCase([userPrincipalName])", s("joe@contoso.com"));
        t(r#"LCase("ÄÖ")"#, s("äö"));
    }

    #[test]
    fn left() {
        t(r#"Left("John Doe", 3)"#, s("Joh"));
        t(r#"Left("John Doe", 0)"#, s(""));
        t(r#"Left("John Doe", -1)"#, s("John Doe"));
        t(r#"Left("Jo", 5)"#, s("Jo"));
        t("Left(NULL, 3)", s(""));
        t("Left([absent], 3)", s(""));
        t(r#"Left("Grüße", 3)"#, s("Grü"));
    }

    #[test]
    fn len() {
        t(r#"Len("John Doe")"#, n(8));
        t(r#"Len("Grüße")"#, n(5));
        t(r#"Len("")"#, n(0));
    }

    #[test]
    fn ltrim() {
        t(r#"LTrim(" a ")"#, s("a "));
    }

    #[test]
    fn mid() {
        t(r#"Mid("John Doe", 3, 5)"#, s("hn Do"));
        t(r#"Mid("John Doe", 3)"#, s("hn Doe"));
        t(r#"Mid("John Doe", 7, 5)"#, s("oe"));
        t(r#"Mid("John Doe", 3, 0)"#, s(""));
        t(r#"Mid("John Doe", 3, -1)"#, s("John Doe"));
        t(r#"Mid("John Doe", 0, 2)"#, s("John Doe"));
        t(r#"Mid("John Doe", 9, 2)"#, s("John Doe"));
        t("Mid(NULL, 1, 1)", s(""));
    }

    #[test]
    fn now() {
        t("Now()", dt(NOW_TICKS));
    }

    #[test]
    fn num_from_date() {
        t("NumFromDate(DateFromNum(129699324000000000))", n(129_699_324_000_000_000));
        t(r#"NumFromDate(CDate("1601-01-01"))"#, n(0));
    }

    #[test]
    fn pad_left() {
        t(r#"PadLeft("User", 10, "0")"#, s("000000User"));
        t(r#"PadLeft("abc", 2, "x")"#, s("abc"));
        t(r#"PadLeft("abc", 5, "")"#, s("abc"));
        t(r#"PadLeft(NULL, 3, "x")"#, s(""));
    }

    #[test]
    fn pad_right() {
        t(r#"PadRight("User", 6, "-")"#, s("User--"));
        t(r#"PadRight(NULL, 3, "x")"#, s(""));
    }

    #[test]
    fn pcase() {
        t(r#"PCase("TEsT")"#, s("Test"));
        t(r#"PCase(LCase("TEST"))"#, s("Test"));
        t(r#"PCase("hello wORLD")"#, s("Hello World"));
    }

    #[test]
    fn random_num() {
        let v = eval_on("RandomNum(100, 999)", &joe());
        assert_eq!(v, eval_on("RandomNum(100, 999)", &joe()), "deterministic");
        assert!(
            matches!(v, Ok(Value::Num(x)) if (100..=999).contains(&x)),
            "{v:?}"
        );
        t("RandomNum(7, 7)", n(7));
        fails("RandomNum(9, 1)", "less than start");
    }

    #[test]
    fn remove_duplicates() {
        t(r#"RemoveDuplicates(Split("a,b,a,c,b", ","))"#, mv(&["a", "b", "c"]));
        t(r#"RemoveDuplicates(Split("a,A", ","))"#, mv(&["a", "A"]));
        t("RemoveDuplicates([absent])", NULL);
    }

    #[test]
    fn replace() {
        t(r#"Replace("a-b-c","-","")"#, s("abc"));
        t(r#"Replace("a" & CRLF & "b", "\r\n", ", ")"#, s("a, b"));
        t(r#"Replace("a,b", ",", "\t")"#, s("a\tb"));
        t(r#"Replace("abc", "", "x")"#, s("abc"));
    }

    #[test]
    fn replace_chars() {
        t(r#"ReplaceChars("Räksmörgås", "å:a,ä:a,ö:o")"#, s("Raksmorgas"));
        t(r#"ReplaceChars("Räksmörgås", " å : a , ä:a, ö:o ")"#, s("Raksmorgas"));
        t(r#"ReplaceChars("it’s", "’:")"#, s("its"));
        t(r#"ReplaceChars("ab", "a:x,a:y,b:z")"#, s("xz"));
    }

    #[test]
    fn right() {
        t(r#"Right("John Doe", 3)"#, s("Doe"));
        t(r#"Right("John Doe", 0)"#, s(""));
        t(r#"Right("John Doe", -1)"#, s("John Doe"));
        t(r#"Right("Doe", 9)"#, s("Doe"));
        t("Right(NULL, 3)", s(""));
    }

    #[test]
    fn rtrim() {
        t(r#"RTrim(" a ")"#, s(" a"));
    }

    #[test]
    fn select() {
        t(r#"Select($item,[otherTelephone],Replace($item,"-",""))"#, mv(&["5551234", "5559876"]));
        t(r#"Select($x,Split("a,b",","),UCase($x))"#, mv(&["A", "B"]));
        t(r#"Select($item,[absent],$item)"#, NULL);
    }

    #[test]
    fn split() {
        t(r#"Split("SMTP:john.doe@contoso.com,smtp:jd@contoso.com",",")"#, mv(&["SMTP:john.doe@contoso.com", "smtp:jd@contoso.com"]));
        t(r#"Split("a,b,c", ",", 2)"#, mv(&["a", "b,c"]));
        t(r#"Split("a,,b", ",")"#, mv(&["a", "", "b"]));
        t(r#"Split("abc", ",")"#, mv(&["abc"]));
        fails(r#"Split("a,b", ", ")"#, "single character");
    }

    #[test]
    fn string_from_guid() {
        t("StringFromGuid([objectGUID])", s("88666888-0101-1111-bbbb-1234567890ab"));
        fails("StringFromGuid([objectSid])", "16 bytes");
    }

    #[test]
    fn string_from_sid() {
        t("StringFromSid([objectSid])", s("S-1-5-21-347728882-1813064083-908604766-1038"));
    }

    #[test]
    fn switch() {
        t(r#"Switch(False, "a", True, "b")"#, s("b"));
        t(r#"Switch(True, "a", True, "b")"#, s("a"));
        t(r#"Switch(False, "a")"#, NULL);
        // Every value is evaluated (documented), so Error() fires even when not chosen.
        fails(r#"Switch(True, "a", False, Error("not chosen"))"#, "not chosen");
    }

    #[test]
    fn thumbprint() {
        fails("Thumbprint([userCertificate])", "not evaluated offline");
    }

    #[test]
    fn trim() {
        t(r#"Trim(" a ")"#, s("a"));
        t("Trim([mail])", s("joe@contoso.com"));
        t("Trim([absent])", NULL);
        t(r#"Trim(Split(" a , b ", ","))"#, mv(&["a", "b"]));
    }

    #[test]
    fn ucase() {
        t(r#"UCase("abc")"#, s("ABC"));
        t(r#"UCase("straße")"#, s("STRASSE"));
    }

    #[test]
    fn where_() {
        t(r#"Where($p,[proxyAddresses],Left($p,4)="SMTP")"#, mv(&["SMTP:joe@contoso.com"]));
        t(r#"Where($p,[proxyAddresses],False)"#, NULL);
    }

    #[test]
    fn with() {
        t("With($u, LCase([userPrincipalName]), Left($u, 3))", s("joe"));
    }

    #[test]
    fn word() {
        t(r#"Word("The quick brown fox",3," ")"#, s("brown"));
        t(r#"Word("This,string!has&many separators",3,",!&#")"#, s("has"));
        t(r#"Word("a  b",2," ")"#, s("b"));
        t(r#"Word("a b",5," ")"#, s(""));
        t(r#"Word("a b",0," ")"#, s(""));
        t(r#"Word(NULL,1," ")"#, s(""));
    }
}

// --------------------------------------------------- multi-valued semantics

#[test]
fn functions_map_over_multi_valued_attributes() {
    t(
        r#"Word([proxyAddresses],1,"@") & "@contoso.com""#,
        mv(&[
            "smtp:joe@contoso.com",
            "SMTP:joe@contoso.com",
            "SIP:joe@contoso.com",
        ]),
    );
    t("LCase([otherTelephone])", mv(&["555-1234", "555-9876"]));
    t(
        r#"RemoveDuplicates(Trim(ImportedValue("proxyAddresses")))"#,
        mv(&[
            "smtp:joe@sales.contoso.com",
            "SMTP:joe@contoso.com",
            "SIP:joe@contoso.com",
        ]),
    );
    t(
        r#"Count(IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses]))"#,
        n(2),
    );
    t(
        r#"[proxyAddresses] = "SMTP:joe@contoso.com""#,
        Value::Mv(vec![b(false), b(true), b(false)]),
    );
    fails("[proxyAddresses] & [otherTelephone]", "different lengths");
}

#[test]
fn a_multi_valued_attribute_with_one_value_is_a_list() {
    let one = entry("CN=x", &[("proxyAddresses", &["SMTP:x@contoso.com"])]);
    assert_eq!(
        eval_on("Trim([proxyAddresses])", &one),
        Ok(mv(&["SMTP:x@contoso.com"]))
    );
    assert_eq!(
        eval_on("Item([proxyAddresses],1)", &one),
        Ok(s("SMTP:x@contoso.com"))
    );
}

// ------------------------------------------------------- types and nulls

#[test]
fn attribute_values_are_typed_by_the_schema() {
    t("[userAccountControl] = 514", b(true));
    t(r#"[userAccountControl] = "514""#, b(true));
    t("[msExchRecipientTypeDetails]=2", b(true));
    t("IIF(BitAnd([userAccountControl],2)=0,True,False)", b(false));
    t("[objectGUID]", bin(&GUID_BYTES));
    let critical = entry("CN=krbtgt", &[("isCriticalSystemObject", &["TRUE"])]);
    assert_eq!(
        eval_on("[isCriticalSystemObject] = True", &critical),
        Ok(b(true))
    );
    assert_eq!(eval_on("[isCriticalSystemObject]", &critical), Ok(b(true)));
}

#[test]
fn nulls() {
    t(r#"[absent] = "x""#, b(false));
    t(r#"[absent] <> "x""#, b(true));
    t("[absent] = NULL", b(true));
    t(r#""a" & [absent]"#, s("a"));
    t("[absent] & [absent]", NULL);
    t("[absent] + 1", NULL);
    t("[absent] < 1", b(false));
}

#[test]
fn comparisons_are_case_sensitive() {
    t(r#""Guest" = "guest""#, b(false));
    t(r#""Guest" = "Guest""#, b(true));
    t(r#""a" < "b""#, b(true));
    t(r#""B" < "a""#, b(true));
}

#[test]
fn arithmetic() {
    t("7 / 2", n(3));
    t("-7 + 2", n(-5));
    t("3 - -5", n(8));
    fails("1 / 0", "division by zero");
    fails("9223372036854775807 + 1", "overflows");
    fails(r#""a" + 1"#, "must be num");
}

#[test]
fn flow_markers() {
    t("AuthoritativeNull", Value::AuthoritativeNull);
    t(
        r#"IIF([extensionAttribute1] = "Guest", IgnoreThisFlow, "x")"#,
        Value::IgnoreThisFlow,
    );
    t("IsNull(AuthoritativeNull)", b(true));
}

#[test]
fn logical_operators_stop_early() {
    t(r#"True || Error("not evaluated")"#, b(true));
    t(r#"False && Error("not evaluated")"#, b(false));
    fails(r#"False || Error("evaluated")"#, "evaluated");
}

// ------------------------------------------------------------ precedence

#[test]
fn precedence() {
    t("1 = 1 || 2 = 3", b(true));
    t("2*5+3", n(13));
    t("2+5*3", n(21));
    t("2*(5+3)", n(16));
    t(r#""a" & "b" = "ab""#, b(true));
    t("1 = 2 && 2 = 2 || 3 = 3", b(true));
    t("10 - 4 - 3", n(3));
}

// ------------------------------------------------------- Microsoft's sample

const SAMPLE: &str = r#"IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))"#;

fn with_upn(upn: &str) -> OwnedEntry {
    entry(
        "CN=x,OU=Users,DC=contoso,DC=com",
        &[("userPrincipalName", &[upn])],
    )
}

#[test]
fn sample_user_type_expression() {
    assert_eq!(
        eval_on(SAMPLE, &with_upn("x@partners.fabrikam123.org.evil.com")),
        Ok(s("Guest"))
    );
    assert_eq!(
        eval_on(SAMPLE, &with_upn("a@PARTNERS.fabrikam123.org")),
        Ok(s("Guest"))
    );
    assert_eq!(
        eval_on(SAMPLE, &with_upn("bob@contoso.com")),
        Ok(s("Member"))
    );
    assert_eq!(
        eval_on(SAMPLE, &with_upn("")).map_err(|e| e.to_string()),
        Err(r#"Error("UserPrincipalName is not present to determine UserType")"#.to_string())
    );
    match eval_on(SAMPLE, &entry("CN=x", &[])) {
        Err(EvalError::Raised(m, span)) => {
            assert_eq!(m, "UserPrincipalName is not present to determine UserType");
            assert_eq!(
                span.text(SAMPLE),
                r#"Error("UserPrincipalName is not present to determine UserType")"#
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn sample_user_type_expression_lints() {
    let c = compiled(SAMPLE);
    let codes: Vec<&str> = c.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, ["contains-not-ends-with"]);
    assert!(c.warnings[0]
        .message
        .contains("`x@partners.fabrikam123.org.evil.com` matches too"));
    assert!(c.warnings[0]
        .message
        .contains(r#"Right(LCase([userPrincipalName]), 25) = "@partners.fabrikam123.org""#));
    assert_eq!(
        c.program.attributes().collect::<Vec<_>>(),
        ["userPrincipalName"]
    );
}

// ---------------------------------------------------------- out-of-box rules

const CLOUD_FILTERED: &str = r#"IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)"#;

const SOURCE_ANCHOR: &str = r#"IIF(IsPresent([msExchRecipientTypeDetails]),IIF([msExchRecipientTypeDetails]=2,NULL,IIF("mS-DS-ConsistencyGuid"="mS-DS-ConsistencyGuid",IIF(IsPresent([mS-DS-ConsistencyGuid]),IIF(IsString([mS-DS-ConsistencyGuid]),CStr([mS-DS-ConsistencyGuid]),ConvertToBase64([mS-DS-ConsistencyGuid])),IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID]))),IIF(IsString([mS-DS-ConsistencyGuid]),CStr([mS-DS-ConsistencyGuid]),ConvertToBase64([mS-DS-ConsistencyGuid])))),IIF("mS-DS-ConsistencyGuid"="mS-DS-ConsistencyGuid",IIF(IsPresent([mS-DS-ConsistencyGuid]),IIF(IsString([mS-DS-ConsistencyGuid]),CStr([mS-DS-ConsistencyGuid]),ConvertToBase64([mS-DS-ConsistencyGuid])),IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID]))),IIF(IsString([mS-DS-ConsistencyGuid]),CStr([mS-DS-ConsistencyGuid]),ConvertToBase64([mS-DS-ConsistencyGuid]))))"#;

/// Every expression quoted by Microsoft's pages and the exported out-of-box rules (docs/rules.md).
const OOB: &[&str] = &[
    CLOUD_FILTERED,
    SOURCE_ANCHOR,
    SAMPLE,
    r#"IIF(IsPresent([mS-DS-ConsistencyGuid]),[mS-DS-ConsistencyGuid],[objectGUID])"#,
    r#"IIF(IsPresent([msExchRecipientTypeDetails]),IIF([msExchRecipientTypeDetails]=2,NULL,IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID]))),IIF(IsString([objectGUID]),CStr([objectGUID]),ConvertToBase64([objectGUID])))"#,
    r#"StringFromSid([objectSid])"#,
    r#"IIF(IsPresent([pwdLastSet]),CStr(FormatDateTime(DateFromNum([pwdLastSet]),"yyyyMMddHHmmss.0Z")),NULL)"#,
    r#"IIF(IsPresent([userPrincipalName]),[userPrincipalName], IIF(IsPresent([sAMAccountName]),([sAMAccountName]&"@"&%Domain.FQDN%),Error("AccountName is not present")))"#,
    r#"IIF(BitAnd([userAccountControl],2)=0,True,False)"#,
    r#"Trim([extensionAttribute1])"#,
    r#"Trim([mail])"#,
    r#"RemoveDuplicates(Trim(ImportedValue("proxyAddresses")))"#,
    r#"IIF(IsNullOrEmpty([displayName]),[cn],[displayName])"#,
    r#"IIF(IsNullOrEmpty([description]),NULL,Left(Trim(Item([description],1)),448))"#,
    r#"IIF(IsPresent([msExchRecipientTypeDetails]), IIF([msExchRecipientTypeDetails]=2, NULL, "User"), "User")"#,
    r#"ConvertToBase64([objectGUID])"#,
    r#"(Contains([proxyAddresses], "SMTP:") > 0) && (InStr(Item([proxyAddresses], Contains([proxyAddresses], "SMTP:")), "@") > 0)"#,
    r#"(IsPresent([mail]) = True && (InStr([mail], "@") > 0))"#,
    r#"((InStr([displayName], "(MSOL)") > 0) && (CBool([msExchHideFromAddressLists])))"#,
    r#"[sAMAccountName] = "MSOL_AD_Sync_RichCoexistence""#,
    r#"BitAnd([msExchRecipientTypeDetails],&H40000000)"#,
    r#"IIF(Contains([proxyAddresses],"SMTP:")>0,[proxyAddresses],Error("No primary SMTP address found."))"#,
    r#"Select($item,[otherTelephone],Replace($item,"-",""))"#,
    r#"IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses])"#,
    r#"Word([proxyAddresses],1,"@") & "@contoso.com""#,
    r#"IIF(InStr([userPrincipalName], "@partners") > 0,"Guest","Member")"#,
    r#"IIF(IsPresent([msDS-cloudExtensionAttribute10]),IIF([msDS-cloudExtensionAttribute10]="BlockCloudSignIn",True,False),NULL)"#,
    r#"IIF([cloudSOAExchMailbox] = True,[cloudMSExchSafeSendersHash],IgnoreThisFlow)"#,
    r#"%Domain.FQDN%"#,
];

#[test]
fn out_of_box_expressions_compile() {
    for src in OOB {
        compiled(src);
    }
}

#[test]
fn printing_out_of_box_expressions_round_trips() {
    for src in OOB {
        let e = parse(src).expect("parses");
        let printed = e.to_string();
        let again = parse(&printed)
            .unwrap_or_else(|errs| panic!("{printed}: {}", errs[0].render(&printed)));
        assert!(e.same(&again), "{src}\n{printed}");
    }
}

fn cloud_filtered(dn: &str, attrs: &[(&str, &[&str])]) -> Value {
    eval_on(CLOUD_FILTERED, &entry(dn, attrs)).expect("cloudFiltered evaluates")
}

#[test]
fn cloud_filtered_excludes_system_and_service_objects() {
    let ou = "CN=x,OU=Users,DC=contoso,DC=com";
    assert_eq!(cloud_filtered(ou, &[("sAMAccountName", &["alice"])]), NULL);
    assert_eq!(
        cloud_filtered(
            ou,
            &[
                ("sAMAccountName", &["alice"]),
                ("msExchRecipientTypeDetails", &["1"])
            ]
        ),
        NULL
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[
                ("sAMAccountName", &["krbtgt"]),
                ("isCriticalSystemObject", &["TRUE"])
            ]
        ),
        b(true)
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[
                ("sAMAccountName", &["x"]),
                ("isCriticalSystemObject", &["FALSE"])
            ]
        ),
        b(true),
        "presence, not value"
    );
    assert_eq!(cloud_filtered(ou, &[]), b(true), "no sAMAccountName");
    assert_eq!(
        cloud_filtered(ou, &[("sAMAccountName", &["MSOL_0123abcd"])]),
        b(true)
    );
    assert_eq!(
        cloud_filtered(ou, &[("sAMAccountName", &["AAD_0123abcd"])]),
        b(true)
    );
    assert_eq!(
        cloud_filtered(ou, &[("sAMAccountName", &["SUPPORT_388945a0"])]),
        b(true)
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[
                ("sAMAccountName", &["x"]),
                ("mailNickname", &["SystemMailbox{1f05a927}"])
            ]
        ),
        b(true)
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[("sAMAccountName", &["x"]), ("mailNickname", &["CAS_{abc}"])]
        ),
        b(true)
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[("sAMAccountName", &["x"]), ("mailNickname", &["CAS_abc"])]
        ),
        NULL
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[
                ("sAMAccountName", &["x"]),
                ("msExchRecipientTypeDetails", &["4096"])
            ]
        ),
        b(true)
    );
    assert_eq!(
        cloud_filtered(
            ou,
            &[
                ("sAMAccountName", &["x"]),
                ("msExchRecipientTypeDetails", &["536870912"])
            ]
        ),
        b(true)
    );
    // A replication victim: AD writes the line feed of the mangled RDN as \0A.
    assert_eq!(
        cloud_filtered(
            r"CN=bob\0ACNF:1234,OU=Users,DC=contoso,DC=com",
            &[("sAMAccountName", &["bob"])]
        ),
        b(true)
    );
    assert_eq!(
        cloud_filtered(
            r"CN=bob\, jr,OU=Users,DC=contoso,DC=com",
            &[("sAMAccountName", &["bob"])]
        ),
        NULL
    );
}

#[test]
fn out_of_box_expressions_evaluate() {
    let e = |src: &str| eval_on(src, &joe());
    assert_eq!(e(SOURCE_ANCHOR), Ok(NULL), "linked mailbox (2): no anchor");
    let mut plain = joe();
    plain
        .attrs
        .retain(|a| a.name != "msExchRecipientTypeDetails");
    assert_eq!(
        eval_on(SOURCE_ANCHOR, &plain),
        Ok(s("iGhmiAEBERG7uxI0VniQqw=="))
    );
    plain.attrs.push(attr(
        "mS-DS-ConsistencyGuid",
        &[&[
            0xff, 0x19, 0x96, 0x6f, 0x86, 0x8b, 0x11, 0xd0, 0xb4, 0x2d, 0, 0xc0, 0x4f, 0xc9, 0x64,
            0xff,
        ]],
    ));
    assert_eq!(
        eval_on(SOURCE_ANCHOR, &plain),
        Ok(s("/xmWb4aLEdC0LQDAT8lk/w=="))
    );
    assert_eq!(e(OOB[6]), Ok(s("20120101230000.0Z")));
    assert_eq!(e(OOB[7]), Ok(s("Joe@Contoso.com")));
    let sam_only = entry("CN=x", &[("sAMAccountName", &["jdoe"])]);
    assert_eq!(eval_on(OOB[7], &sam_only), Ok(s("jdoe@contoso.com")));
    assert!(
        matches!(eval_on(OOB[7], &entry("CN=x", &[])), Err(EvalError::Raised(m, _)) if m == "AccountName is not present")
    );
    assert_eq!(e(OOB[8]), Ok(b(false)));
    assert_eq!(e(OOB[13]), Ok(s("First desc")));
    assert_eq!(e(OOB[14]), Ok(NULL), "sourceObjectType of a linked mailbox");
    assert_eq!(eval_on(OOB[14], &sam_only), Ok(s("User")));
    assert_eq!(e(OOB[12]), Ok(s("Joe")), "displayName falls back to cn");
    assert_eq!(e(OOB[16]), Ok(b(true)));
}

// ------------------------------------------------------------------ names

#[test]
fn names_are_case_sensitive() {
    assert_eq!(
        compile_error("lcase([userPrincipalName])"),
        "1:1: unknown function `lcase`; did you mean `LCase`? (function names are case-sensitive)\n  lcase([userPrincipalName])\n  ^^^^^"
    );
    assert_eq!(
        compile_error("Trim([UserPrincipalName])"),
        "1:6: attribute names are case-sensitive in Entra Connect; did you mean `userPrincipalName`? (written `UserPrincipalName`)\n  Trim([UserPrincipalName])\n       ^^^^^^^^^^^^^^^^^^^"
    );
    assert!(compile_error("[userprincipalname]").contains("did you mean `userPrincipalName`?"));
    assert!(compile_error("[ExtensionAttribute1]").contains("did you mean `extensionAttribute1`?"));
    assert!(
        compile_error("IIF(True, null, 1)").contains("unknown name `null`; did you mean `NULL`?")
    );
    assert!(compile_error("IIF(true, 1, 2)").contains("did you mean `True`?"));
    assert!(compile_error("IsPresnt([cn])").contains("did you mean `IsPresent`?"));
    assert!(compile_error(r#"InStr("a", "b", 1, vbtextcompare)"#)
        .contains("did you mean `vbTextCompare`?"));
    assert!(compile_error("CertThumbprint([userCertificate])").contains("not supported"));
    assert!(compile_error("Foo(1)").contains("unknown function `Foo`"));
}

#[test]
fn checker_errors() {
    assert!(compile_error("Left([cn])").contains("`Left` takes 2 arguments, found 1"));
    assert!(compile_error("InStr([cn])").contains("`InStr` takes 2, 3 or 4 arguments, found 1"));
    assert!(compile_error(r#"BitAnd("x", 1)"#)
        .contains("argument 1 of `BitAnd` must be num, found str"));
    assert!(compile_error(r#"DNComponent("cn=a,dc=b", 1)"#).contains("must be ref, found str"));
    assert!(compile_error(r#"InStr("a", "b", 1, 1)"#)
        .contains("must be vbTextCompare or vbBinaryCompare"));
    assert!(compile_error(r#"DNComponentRev(CRef([dn]), 1, "OU")"#).contains(r#"must be "DC""#));
    assert!(compile_error("vbTextCompare").contains("can only be the compare argument"));
    assert!(compile_error("Trim($item)").contains("`$item` is not bound"));
    assert!(compile_error("Select(item, [cn], 1)").contains("must be a variable"));
    assert!(compile_error("ImportedValue([mail])").contains("in quotes"));
    assert!(compile_error(r#"Switch(True, "a", False)"#).contains("an even number"));
    assert!(compile_error("%Forest.FQDN%").contains("values given: Domain.FQDN, Domain.Netbios; Connect provides Domain.Netbios, Domain.FQDN, Domain.LDAP, Forest.Netbios"));
    assert!(compile("%Domain.FQDN%", &CompileOptions::default())
        .err()
        .is_some_and(|e| e[0]
            .to_string()
            .contains("(values given: none; Connect provides")));
}

#[test]
fn several_checker_errors_are_reported() {
    let errs = compile("IIF(lcase([a]), [Mail], Foo(null))", &opts())
        .err()
        .unwrap_or_default();
    let texts: Vec<String> = errs.iter().map(ToString::to_string).collect();
    assert_eq!(errs.len(), 4, "{texts:#?}");
    assert!(texts[0].contains("`lcase`"));
    assert!(texts[1].contains("`mail`"));
    assert!(texts[2].contains("`Foo`"));
    assert!(texts[3].contains("`null`"));
}

#[test]
fn unknown_attributes_are_warnings() {
    let c = compiled("IIF([contosoPartner] = \"1\", [contosoPartner], NULL)");
    assert_eq!(
        c.warnings
            .iter()
            .filter(|w| w.code == "unknown-attribute")
            .count(),
        1
    );
    assert_eq!(
        c.program.attributes().collect::<Vec<_>>(),
        ["contosoPartner"]
    );
    assert_eq!(
        c.program
            .eval_owned(&entry("CN=x", &[("contosoPartner", &["1"])])),
        Ok(s("1"))
    );
}

#[test]
fn attributes_read() {
    let c = compiled(CLOUD_FILTERED);
    assert_eq!(
        c.program.attributes().collect::<Vec<_>>(),
        [
            "isCriticalSystemObject",
            "sAMAccountName",
            "mailNickname",
            "msExchRecipientTypeDetails"
        ]
    );
}

#[test]
fn dn_pseudo_attribute_and_distinguished_name_fallback() {
    t("[dn]", Value::Ref(JOE_DN.into()));
    t("[distinguishedName]", Value::Ref(JOE_DN.into()));
}

// ------------------------------------------------------------------ lints

#[test]
fn lints() {
    assert_eq!(
        lint_codes(r#"IsPresent([cn]) || [sn] = "x""#),
        ["mixed-comparison-logic"]
    );
    assert_eq!(
        lint_codes(r#"IsPresent([cn]) || ([sn] = "x")"#),
        Vec::<&str>::new()
    );
    assert_eq!(lint_codes("2 + 5 * 3"), ["left-to-right-arithmetic"]);
    assert_eq!(lint_codes(r#""a" & 1 + 2"#), ["left-to-right-arithmetic"]);
    assert_eq!(lint_codes("(2 + 5) * 3"), Vec::<&str>::new());
    assert_eq!(
        lint_codes(r#"InStr([userPrincipalName],"@partners.contoso.com")>0"#),
        ["case-sensitive-search", "contains-not-ends-with"]
    );
    assert_eq!(
        lint_codes(r#"InStr(LCase([userPrincipalName]),"@Partners")"#),
        ["search-never-matches"]
    );
    assert_eq!(
        lint_codes(r#"InStr([mailNickname], "}")"#),
        Vec::<&str>::new()
    );
    assert_eq!(
        lint_codes(r#"InStr([cn], "x", 1, vbTextCompare)"#),
        Vec::<&str>::new()
    );
    assert_eq!(
        lint_codes(r#"Contains([proxyAddresses], "smtp:")"#),
        ["case-sensitive-search"]
    );
    assert_eq!(lint_codes("Now()"), ["nondeterministic"]);
    assert_eq!(
        lint_codes(r#"Switch(True, "a", False, Error("x"))"#),
        ["switch-evaluates-all"]
    );
    for code in lint_codes(CLOUD_FILTERED) {
        assert!(
            ["mixed-comparison-logic", "case-sensitive-search"].contains(&code),
            "{code}"
        );
    }
}

#[test]
fn contains_not_ends_with_carries_the_corrected_expression() {
    let c = compiled(SAMPLE);
    let lint = c
        .warnings
        .iter()
        .find(|w| w.code == "contains-not-ends-with");
    let fix = lint.and_then(|l| l.fix.clone()).unwrap_or_default();
    let want = r#"IIF(IsPresent([userPrincipalName]),IIF(CBool(Right(LCase([userPrincipalName]), 25) <> "@partners.fabrikam123.org"),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))"#;
    assert_eq!(fix, want);
    // The fix draws no such lint and means "ends with".
    assert!(!lint_codes(&fix).contains(&"contains-not-ends-with"));
    let upn = |u: &str| entry("CN=x", &[("userPrincipalName", &[u])]);
    assert_eq!(
        eval_on(&fix, &upn("x@partners.fabrikam123.org.evil.com")),
        Ok(s("Member"))
    );
    assert_eq!(
        eval_on(&fix, &upn("Al@Partners.Fabrikam123.org")),
        Ok(s("Guest"))
    );
    // "contains" (> 0) becomes "ends with" (=).
    let c = compiled(r#"InStr([mail],"@x.org") > 0"#);
    let fix = c.warnings.iter().find_map(|w| w.fix.clone());
    assert_eq!(fix.as_deref(), Some(r#"Right([mail], 6) = "@x.org""#));
}

#[test]
fn unknown_attributes_get_a_did_you_mean() {
    let c = compiled("[userPrincipalNam]");
    let m = &c.warnings[0].message;
    assert!(m.contains("did you mean `userPrincipalName`?"), "{m}");
}

#[test]
fn constant_arguments_over_the_limits_draw_a_lint() {
    let src = r#"Len(Replace(PadLeft("",1048576,"a"),"a",PadLeft("",4096,"a")))"#;
    let c = compiled(src);
    let lint = c.warnings.iter().find(|w| w.code == "resource-limit");
    // On the largest constant call: the whole expression.
    assert_eq!(lint.map(|l| l.span.text(src)), Some(src));
    // Inside an expression that reads an attribute, on the constant part.
    let src = r#"Replace([cn],"o",PadLeft("",40000000,"a"))"#;
    let c = compiled(src);
    let lint = c.warnings.iter().find(|w| w.code == "resource-limit");
    assert_eq!(
        lint.map(|l| l.span.text(src)),
        Some(r#"PadLeft("",40000000,"a")"#)
    );
    // Constants within the limits draw nothing.
    assert!(lint_codes(r#"Len(PadLeft("",100,"a")) & [cn]"#).is_empty());
    assert!(lint_codes(r#"Replace([cn],"o",PadLeft("",4000,"a"))"#).is_empty());
}

#[test]
fn lint_codes_are_registered() {
    let sources = [
        r#"IsPresent([cn]) || [sn] = "x""#,
        "2 + 5 * 3",
        r#"InStr([userPrincipalName],"@x")>0"#,
        r#"InStr(LCase([cn]),"X")"#,
        "Guid()",
        r#"Switch(True, 1, False, Error("x"))"#,
        "[contosoX]",
        r#"Len(PadLeft("",40000000,"a"))"#,
    ];
    let mut seen: Vec<&str> = sources.iter().flat_map(|s| lint_codes(s)).collect();
    seen.sort_unstable();
    seen.dedup();
    let registered: Vec<&str> = LINTS.iter().map(|l| l.0).collect();
    assert_eq!(seen, registered);
}

#[test]
fn lint_rendering() {
    let src = "Now()";
    let w = &compiled(src).warnings[0];
    assert_eq!(
        w.render(src),
        "1:1: warning[nondeterministic]: `Now()` gives a different value at every synchronization; offline it is fixed when the rule is compiled\n  Now()\n  ^^^^^"
    );
}

// ------------------------------------------------------------------ trace

#[test]
fn trace_shows_every_sub_expression_in_evaluation_order() {
    let src = r#"IIF(IsPresent([cn]), LCase([cn]), "x")"#;
    let steps = compiled(src).program.trace(&joe());
    let shown: Vec<(&str, u32, String)> = steps
        .iter()
        .map(|s| {
            (
                s.text.as_str(),
                s.depth,
                s.value
                    .as_ref()
                    .map_or_else(|e| e.clone(), ToString::to_string),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            ("[cn]", 2, "\"Joe\"".to_string()),
            ("IsPresent([cn])", 1, "True".to_string()),
            ("[cn]", 2, "\"Joe\"".to_string()),
            ("LCase([cn])", 1, "\"joe\"".to_string()),
            (src, 0, "\"joe\"".to_string()),
        ]
    );
}

#[test]
fn trace_records_the_error_on_every_enclosing_step() {
    let steps = compiled(SAMPLE).program.trace(&entry("CN=x", &[]));
    let last = steps.last().expect("steps");
    assert_eq!(last.text, SAMPLE);
    assert_eq!(
        last.value,
        Err(r#"Error("UserPrincipalName is not present to determine UserType")"#.to_string())
    );
}

// ------------------------------------------------------------------ views

#[test]
fn value_views_and_display() {
    let c = compiled(r#"IIF(IsPresent([cn]), "Guest", NULL)"#);
    let mut scratch = Scratch::new();
    let rec = joe();
    let v = c.program.eval(&rec, &mut scratch).expect("evaluates");
    assert_eq!(v.as_str(), Some("Guest"));
    assert_eq!(v.to_string(), "\"Guest\"");
    assert_eq!(
        Value::Mv(vec![s("a\"b"), n(1), NULL]).to_string(),
        "{\"a\"\"b\"; 1; NULL}"
    );
    assert_eq!(bin(&[1, 0xab]).to_string(), "0x01AB");
    assert_eq!(
        dt(634_610_556_000_000_000).to_string(),
        "2012-01-01 23:00:00"
    );
    assert_eq!(Value::Ref("cn=x".into()).to_string(), "ref \"cn=x\"");
}

#[test]
fn records_from_batches_evaluate_like_owned_entries() {
    let ldif = "dn: CN=a,DC=x\nuserPrincipalName: bob@partners.fabrikam123.org\nproxyAddresses: SMTP:a@x\nproxyAddresses: smtp:b@x\n\n";
    let batch = crate::read::ldif::parse_chunk(
        ldif.as_bytes(),
        true,
        &crate::read::ldif::LdifOptions::default(),
    );
    let rec = batch.entries().next().expect("one entry");
    let c = compiled(SAMPLE);
    let mut scratch = Scratch::new();
    assert_eq!(
        c.program.eval(&rec, &mut scratch).map(|v| v.to_value()),
        Ok(s("Guest"))
    );
    let c = compiled("Join(LCase([proxyAddresses]), \",\")");
    assert_eq!(
        c.program.eval(&rec, &mut scratch).map(|v| v.to_value()),
        Ok(s("smtp:a@x,smtp:b@x"))
    );
}

// ------------------------------------------------------------------ limits

#[test]
fn resource_limits_stop_runaway_evaluations() {
    // Each With doubles the string: 2^40 bytes without a limit.
    let mut src = String::from("$v40");
    for i in (1..=40).rev() {
        src = format!("With($v{i}, $v{p} & $v{p}, {src})", p = i - 1);
    }
    let src = format!(r#"With($v0, "xxxxxxxx", {src})"#);
    assert!(
        matches!(eval_on(&src, &joe()), Err(EvalError::Limit(..))),
        "doubling strings"
    );
    // Nested loops that make nothing: 1000^3 rounds without a limit.
    let list = format!("Split(\"{}\", \",\")", vec!["a"; 1000].join(","));
    let src = format!("Count(Where($a, {list}, Count(Where($b, {list}, Count(Where($c, {list}, False)) = 0)) = 0))");
    assert!(
        matches!(eval_on(&src, &joe()), Err(EvalError::Limit(..))),
        "nested loops"
    );
    // A long case-insensitive search stays linear.
    let hay = "a".repeat(200_000);
    let needle = "a".repeat(100_000) + "b";
    let src = format!(r#"InStr("{hay}", "{needle}", 1, vbTextCompare)"#);
    t(&src, n(0));
}

fn is_limit(r: &Result<Value, EvalError>) -> bool {
    matches!(r, Err(EvalError::Limit(..)))
}

#[test]
fn format_date_time_with_a_huge_format_does_not_panic() {
    // 65,536 `y`: past `std::fmt`'s largest width, which panicked.
    let ys = "y".repeat(65_536);
    let want = "0".repeat(65_532) + "2013";
    t(
        &format!(r#"FormatDateTime([whenCreated], "{ys}")"#),
        s(&want),
    );
    // The format can come from the data.
    let rec = entry(
        JOE_DN,
        &[("whenCreated", &["20130110160000.0Z"]), ("info", &[&ys])],
    );
    assert_eq!(
        eval_on("FormatDateTime([whenCreated], [info])", &rec),
        Ok(s(&want))
    );
    // A format whose result would pass the text limit fails with it.
    let huge = "MMMM".repeat(3 << 20);
    let rec = entry(
        JOE_DN,
        &[("whenCreated", &["20130110160000.0Z"]), ("info", &[&huge])],
    );
    assert!(is_limit(&eval_on(
        "FormatDateTime([whenCreated], [info])",
        &rec
    )));
}

#[test]
fn every_text_function_checks_the_size_limit_before_it_allocates() {
    // Each would make far more than MAX_ARENA_BYTES (the first 4 GiB).
    let cases = [
        r#"Len(Replace(PadLeft("",1048576,"a"),"a",PadLeft("",4096,"a")))"#,
        r#"Len(ReplaceChars(PadLeft("",1048576,"a"),"a:" & PadLeft("",4096,"b")))"#,
        r#"Len(Join(Split(PadLeft("",100000,","),","),PadLeft("",1000,"x")))"#,
        r#"Len(PadLeft("",1099511627776,"a"))"#,
        r#"Len(PadRight("x",40000000,"a"))"#,
        r#"Len(LCase(PadLeft("",20000000,"A")))"#,
        r#"Len(UCase(PadLeft("",12000000,"é")))"#,
        r#"Len(PCase(PadLeft("",20000000,"a")))"#,
        r#"Len(ConvertToBase64(PadLeft("",20000000,"a")))"#,
        r#"Len(ConvertToUTF8Hex(PadLeft("",20000000,"a")))"#,
        r#"Len(EscapeDNComponent(PadLeft("",12000000,",")))"#,
        r#"Len(PadLeft("",20000000,"a") & PadLeft("",20000000,"b"))"#,
        r#"Count(Split(PadLeft("",2000000,","),","))"#,
        r#"Len(Word("a b", 1, PadLeft("",20000000,",")))"#,
        // With the arena 2 bytes short of the limit, even short results are checked.
        r#"With($x, PadLeft("",33554430,"a"), CStr(123456789012345))"#,
        r#"With($x, PadLeft("",33554430,"a"), CStr(Now()))"#,
        r#"With($x, PadLeft("",33554430,"a"), Guid())"#,
        r#"With($x, PadLeft("",33554430,"a"), StringFromGuid([objectGUID]))"#,
        r#"With($x, PadLeft("",33554430,"a"), StringFromSid([objectSid]))"#,
    ];
    for src in cases {
        let r = eval_on(src, &joe());
        assert!(is_limit(&r), "{src}: {r:?}");
        let e = r.err().map(|e| e.code());
        assert_eq!(e, Some("resource_limit"), "{src}");
    }
    // Just under the limits, the same functions work.
    t(r#"Len(Replace(PadLeft("",1000,"a"),"a","bb"))"#, n(2000));
    t(
        r#"Len(ReplaceChars(PadLeft("",1000,"a"),"a:bcd"))"#,
        n(3000),
    );
    t(r#"Len(PadLeft("",4000000,"a"))"#, n(4_000_000));
    t(r#"Len(LCase(PadLeft("",4000000,"A")))"#, n(4_000_000));
}

#[test]
fn searching_a_huge_value_in_a_loop_stops_at_the_text_limit() {
    // 100,001 searches of 8 MB: 800 GB read without a limit.
    let big = "a".repeat(8 << 20);
    let rec = entry(JOE_DN, &[("info", &[&big])]);
    for src in [
        r#"Count(Where($x, Split(PadLeft("",100000,","),","), InStr([info], "z") > 0))"#,
        r#"Count(Where($x, Split(PadLeft("",100000,","),","), Len([info]) = 0))"#,
    ] {
        assert!(is_limit(&eval_on(src, &rec)), "{src}");
    }
}

#[test]
fn error_and_lint_lists_are_capped() {
    let src = vec!["lcase(1)"; 100].join(" & ");
    assert_eq!(
        compile(&src, &opts()).err().map(|e| e.len()),
        Some(parse::MAX_ERRORS)
    );
    let src = (0..100)
        .map(|i| format!("[contoso{i}]"))
        .collect::<Vec<_>>()
        .join(" & ");
    assert_eq!(compiled(&src).warnings.len(), check::MAX_LINTS);
}

#[test]
fn programs_are_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Program>();
    send_sync::<Compiled>();
    fn send<T: Send>() {}
    send::<Scratch>();
}

#[test]
fn a_doubled_backslash_in_a_string_is_one_backslash() {
    use super::parse::unescape_str;
    assert_eq!(unescape_str(r"\\0ACNF:"), r"\0ACNF:");
    assert_eq!(unescape_str(r"a\nb"), r"a\nb");
    assert_eq!(unescape_str(r#"say ""hi"""#), r#"say "hi""#);
    assert_eq!(unescape_str(r"\\\"), r"\\");
}
