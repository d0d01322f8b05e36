//! The expression evaluator on account data: a fixed set of expressions
//! (Microsoft's samples, the out-of-box rules, every function with its
//! arguments taken from the record) and fuzz-built expressions, evaluated
//! over fuzz-built records whose values can be large (a value is bytes
//! repeated up to 64 Ki times). Never a panic, never an allocation past the
//! evaluator's limits (libFuzzer's -rss_limit_mb catches one), and the same
//! answer warm and cold, fast path or not.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use usertype_audit::classify::expr::{compile, CompileOptions, DateTime, EvalError, Scratch};
use usertype_audit::read::{OwnedAttr, OwnedEntry, Value, ValueKind};

/// Attribute names the fixed expressions read (a record picks among them).
const NAMES: &[&str] = &[
    "cn",
    "userPrincipalName",
    "sAMAccountName",
    "proxyAddresses",
    "description",
    "info",
    "userAccountControl",
    "msExchRecipientTypeDetails",
    "isCriticalSystemObject",
    "pwdLastSet",
    "whenCreated",
    "objectGUID",
    "objectSid",
    "extensionAttribute1",
    "mailNickname",
    "company",
];

const FIXED: &[&str] = &[
    r#"IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))"#,
    r#"IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)"#,
    r#"IIF(IsPresent([pwdLastSet]),CStr(FormatDateTime(DateFromNum([pwdLastSet]),"yyyyMMddHHmmss.0Z")),NULL)"#,
    r#"FormatDateTime(CDate([whenCreated]), [info])"#,
    r#"FormatDateTime(Now(), [description])"#,
    r#"Replace([info], [cn], [description])"#,
    r#"Replace([info], "a", [company])"#,
    r#"ReplaceChars([info], [company])"#,
    r#"Join([proxyAddresses], [cn])"#,
    r#"Join(Split([info], ","), [company])"#,
    r#"PadLeft([cn], CNum([userAccountControl]), [info])"#,
    r#"PadRight([cn], CNum([msExchRecipientTypeDetails]), [company])"#,
    r#"Left([info], CNum([cn]))"#,
    r#"Right([info], CNum([cn]))"#,
    r#"Mid([info], CNum([cn]), CNum([company]))"#,
    r#"Item([proxyAddresses], CNum([cn]))"#,
    r#"ItemOrNull([description], CNum([userAccountControl]))"#,
    r#"Split([info], [cn], CNum([company]))"#,
    r#"Word([info], CNum([cn]), [company])"#,
    r#"DNComponent(CRef([dn]), CNum([cn]))"#,
    r#"DNComponentRev(CRef([info]), CNum([cn]), "DC")"#,
    r#"ConvertFromBase64([info])"#,
    r#"ConvertFromBase64([info], UTF8)"#,
    r#"ConvertToBase64([info])"#,
    r#"ConvertFromUTF8Hex([info])"#,
    r#"ConvertToUTF8Hex([info])"#,
    r#"CGuid([info])"#,
    r#"StringFromGuid([objectGUID])"#,
    r#"StringFromSid([objectSid])"#,
    r#"DateAdd([cn], CNum([info]), CDate([whenCreated]))"#,
    r#"InStr([info], [cn], CNum([company]), vbTextCompare)"#,
    r#"InStrRev([info], [cn], CNum([company]))"#,
    r#"RemoveDuplicates([proxyAddresses])"#,
    r#"Select($p, [proxyAddresses], Replace($p, "smtp:", ""))"#,
    r#"Where($p, [proxyAddresses], InStr($p, "SIP:") = 1)"#,
    r#"IIF(InStr([proxyAddresses],"SIP:")=1,NULL,[proxyAddresses])"#,
    r#"Contains([proxyAddresses], [cn], CaseInsensitive)"#,
    r#"Count([description]) & EscapeDNComponent([info])"#,
    r#"PCase([info]) & UCase([cn]) & LCase([company])"#,
    r#"Trim([info]) & LTrim([cn]) & RTrim([company])"#,
    r#"RandomNum(CNum([cn]), CNum([info]))"#,
    r#"IsBitSet([userAccountControl], 2) && BitOr([userAccountControl], 2) > 0"#,
    r#"CNum([info]) * CNum([cn]) + CNum([company]) - 1"#,
    r#"Len([info] & [info] & [info] & [info])"#,
    r#"Switch([cn] = "a", [info], [cn] = "b", [company], True, [description])"#,
    r#"With($v, [info] & [info], Len($v & $v))"#,
    r#"IsDate([info]) || IsGuid([info]) || IsNumeric([info]) || IsEmpty([info]) || IsString([info])"#,
    r#"NumFromDate(CDate([info]))"#,
    r#"Guid()"#,
    r#"Error([info])"#,
];

#[derive(Arbitrary, Debug)]
enum Source {
    Fixed(u8),
    Written(String),
}

#[derive(Arbitrary, Debug)]
struct Attr {
    name: u8,
    /// Values: bytes, repeated up to 65,535 times.
    values: Vec<(Vec<u8>, u16)>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    source: Source,
    dn: String,
    attrs: Vec<Attr>,
}

fuzz_target!(|input: Input| {
    let src = match &input.source {
        Source::Fixed(i) => FIXED[usize::from(*i) % FIXED.len()],
        Source::Written(s) => s.as_str(),
    };
    let opts = CompileOptions {
        now: DateTime::from_ticks(638_528_400_000_000_000),
        ..CompileOptions::default()
    };
    let Ok(compiled) = compile(src, &opts) else {
        return;
    };
    // Values of up to 1 MiB, 4 MiB in all: large enough to reach the
    // evaluator's limits through the functions, small enough to run fast.
    let mut budget: usize = 4 << 20;
    let mut attrs = Vec::new();
    for a in input.attrs.iter().take(32) {
        let mut values = Vec::new();
        for (bytes, times) in a.values.iter().take(64) {
            let times = usize::from(*times).max(1);
            let cap = (1 << 20).min(budget) / bytes.len().max(1);
            let value = bytes.repeat(times.min(cap));
            budget -= value.len();
            values.push(Value {
                bytes: value,
                kind: ValueKind::Plain,
            });
        }
        attrs.push(OwnedAttr {
            name: NAMES[usize::from(a.name) % NAMES.len()].to_string(),
            values,
        });
    }
    let record = OwnedEntry {
        dn: input.dn.into_bytes(),
        line: 1,
        byte: 0,
        attrs,
    };
    let program = &compiled.program;
    let mut scratch = Scratch::new();
    let first = program.eval(&record, &mut scratch).map(|v| v.to_value());
    let again = program.eval(&record, &mut scratch).map(|v| v.to_value());
    assert_eq!(first, again, "a warm scratch changes nothing");
    if let Err(e) = &first {
        let _ = e.render(src);
        assert!(!e.code().is_empty());
    }
    // The fused fast paths count their work differently near a limit; away
    // from the limits they give the expression's answer as written.
    let (fast, _, _) = program.eval_counted(&record, true);
    let (slow, _, _) = program.eval_counted(&record, false);
    let limited = |r: &Result<_, EvalError>| matches!(r, Err(EvalError::Limit(..)));
    if !limited(&fast) && !limited(&slow) {
        assert_eq!(
            fast, slow,
            "fast paths agree with the expression as written"
        );
    }
});
