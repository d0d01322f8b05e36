//! The sync-rule expression language on arbitrary text: parsing, checking
//! and evaluating must never panic (nor hang: evaluation has resource
//! limits), every error and lint renders, a parsed tree printed and parsed
//! again is the same tree, the warm and the owned evaluation agree, and so do
//! the fused fast paths and the evaluation of the expression as written.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use usertype_audit::classify::expr::{compile, parse, CompileOptions, DateTime, Scratch};
use usertype_audit::read::{OwnedAttr, OwnedEntry, Value, ValueKind};

fn record() -> &'static OwnedEntry {
    static RECORD: OnceLock<OwnedEntry> = OnceLock::new();
    RECORD.get_or_init(|| {
        let attr = |name: &str, values: &[&[u8]]| OwnedAttr {
            name: name.into(),
            values: values
                .iter()
                .map(|v| Value {
                    bytes: v.to_vec(),
                    kind: ValueKind::Plain,
                })
                .collect(),
        };
        OwnedEntry {
            dn: br"CN=bob\0ACNF:1234,OU=Partners,DC=contoso,DC=com".to_vec(),
            line: 1,
            byte: 0,
            attrs: vec![
                attr("cn", &[b"bob"]),
                attr("userPrincipalName", &[b"Bob@Partners.Fabrikam123.org"]),
                attr("sAMAccountName", &[b"MSOL_bob"]),
                attr(
                    "proxyAddresses",
                    &[
                        b"SMTP:bob@contoso.com",
                        b"smtp:b@contoso.com",
                        b"SIP:bob@contoso.com",
                    ],
                ),
                attr("description", &[b"first", b""]),
                attr("otherTelephone", &[b"555-1234"]),
                attr("userAccountControl", &[b"514"]),
                attr("msExchRecipientTypeDetails", &[b"4096"]),
                attr("isCriticalSystemObject", &[b"TRUE"]),
                attr("pwdLastSet", &[b"129699324000000000"]),
                attr("whenCreated", &[b"20130110160000.0Z"]),
                attr(
                    "objectGUID",
                    &[&[
                        0x88, 0x68, 0x66, 0x88, 1, 1, 0x11, 0x11, 0xbb, 0xbb, 0x12, 0x34, 0x56,
                        0x78, 0x90, 0xab,
                    ]],
                ),
                attr("objectSid", &[&[1, 1, 0, 0, 0, 0, 0, 5, 0x15, 0, 0, 0]]),
                attr("extensionAttribute1", &[b"Guest", b"\xff\xfe"]),
                attr("info", &[b""]),
            ],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match parse(src) {
        Ok(tree) => {
            let printed = tree.to_string();
            match parse(&printed) {
                Ok(again) => assert!(tree.same(&again), "{src:?} printed as {printed:?}"),
                Err(errs) => panic!(
                    "{src:?} printed as {printed:?}: {}",
                    errs[0].render(&printed)
                ),
            }
        }
        Err(errs) => {
            assert!(!errs.is_empty());
            for e in &errs {
                assert!(!e.render(src).is_empty());
            }
        }
    }
    let mut opts = CompileOptions {
        now: DateTime::from_ticks(638_528_400_000_000_000),
        ..CompileOptions::default()
    };
    opts.parameters
        .insert("Domain.FQDN".into(), "contoso.com".into());
    match compile(src, &opts) {
        Ok(compiled) => {
            for w in &compiled.warnings {
                let _ = w.render(src);
            }
            let program = &compiled.program;
            let rec = record();
            let mut scratch = Scratch::new();
            let first = program.eval(rec, &mut scratch).map(|v| v.to_value());
            let again = program.eval(rec, &mut scratch).map(|v| v.to_value());
            assert_eq!(first, again, "a warm scratch changes nothing");
            assert_eq!(first, program.eval_owned(rec));
            assert_eq!(
                program.eval_counted(rec, true),
                program.eval_counted(rec, false),
                "the fused fast paths agree with the expression as written (value, steps, work)"
            );
            if let Err(e) = &first {
                let _ = e.render(src);
            }
            let steps = program.trace(rec);
            if let (Some(last), Ok(v)) = (steps.last(), &first) {
                if steps.len() < usertype_audit::classify::expr::MAX_TRACE_STEPS {
                    assert_eq!(last.value.as_ref(), Ok(v), "the trace ends with the result");
                }
            }
        }
        Err(errs) => {
            assert!(!errs.is_empty());
            for e in &errs {
                let _ = e.render(src);
            }
        }
    }
});
