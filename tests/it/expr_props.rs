//! Property tests of the expression language: the parser, the checker and
//! the evaluator never panic, whatever the input; printing a tree and
//! parsing it again gives the same tree.

use proptest::prelude::*;

use usertype_audit::classify::expr::{compile, parse, BinOp, CompileOptions, Expr, ExprKind, Span};
use usertype_audit::read::{OwnedAttr, OwnedEntry, Value, ValueKind};

fn record() -> OwnedEntry {
    let attr = |name: &str, vs: &[&str]| OwnedAttr {
        name: name.into(),
        values: vs
            .iter()
            .map(|v| Value {
                bytes: v.as_bytes().to_vec(),
                kind: ValueKind::Plain,
            })
            .collect(),
    };
    let mut e = OwnedEntry {
        dn: br"CN=bob\0ACNF:1,OU=Users,DC=contoso,DC=com".to_vec(),
        line: 1,
        byte: 0,
        attrs: vec![
            attr("cn", &["bob"]),
            attr("userPrincipalName", &["Bob@Partners.Contoso.com"]),
            attr(
                "proxyAddresses",
                &["SMTP:bob@contoso.com", "smtp:b@contoso.com"],
            ),
            attr("description", &["a", "b", "c"]),
            attr("userAccountControl", &["514"]),
            attr("whenCreated", &["20130110160000.0Z"]),
            attr("pwdLastSet", &["129699324000000000"]),
        ],
    };
    e.attrs.push(OwnedAttr {
        name: "objectGUID".into(),
        values: vec![Value {
            bytes: (0u8..16).collect(),
            kind: ValueKind::Base64,
        }],
    });
    e
}

fn opts() -> CompileOptions {
    let mut o = CompileOptions::default();
    o.parameters
        .insert("Domain.FQDN".into(), "contoso.com".into());
    o
}

/// Runs everything on `src`; panics only through a bug.
fn exercise(src: &str, rec: &OwnedEntry) {
    if let Err(errs) = parse(src) {
        for e in &errs {
            let _ = e.render(src);
        }
    }
    match compile(src, &opts()) {
        Ok(c) => {
            for w in &c.warnings {
                let _ = w.render(src);
            }
            if let Err(e) = c.program.eval_owned(rec) {
                let _ = e.render(src);
            }
            let _ = c.program.trace(rec);
        }
        Err(errs) => {
            for e in &errs {
                let _ = e.render(src);
            }
        }
    }
}

/// Pieces of the grammar, for token soups that get further than random text.
const PIECES: &[&str] = &[
    "IIF",
    "(",
    ")",
    ",",
    ",",
    "(",
    ")",
    "[cn]",
    "[proxyAddresses]",
    "[userPrincipalName]",
    "[description]",
    "[userAccountControl]",
    "[objectGUID]",
    "[dn]",
    "\"x\"",
    "\"@partners\"",
    "\"\"",
    "\"a,b\"",
    "1",
    "0",
    "3",
    "-",
    "&H1F",
    "&",
    "+",
    "*",
    "/",
    "=",
    "<>",
    "<",
    ">=",
    "&&",
    "||",
    "NULL",
    "True",
    "False",
    "CRLF",
    "%Domain.FQDN%",
    "$item",
    "Select",
    "Where",
    "With",
    "Switch",
    "LCase",
    "InStr",
    "InStrRev",
    "Item",
    "Mid",
    "Left",
    "Word",
    "Split",
    "Join",
    "Trim",
    "Contains",
    "Count",
    "CBool",
    "CStr",
    "CNum",
    "CRef",
    "DNComponent",
    "DNComponentRev",
    "\"DC\"",
    "Error",
    "IsPresent",
    "IsNull",
    "BitAnd",
    "IsBitSet",
    "Replace",
    "ReplaceChars",
    "RemoveDuplicates",
    "ConvertToBase64",
    "ConvertFromBase64",
    "UTF8",
    "vbTextCompare",
    "CaseInsensitive",
    "DateFromNum",
    "FormatDateTime",
    "CDate",
    "DateAdd",
    "\"d\"",
    "[pwdLastSet]",
    "[whenCreated]",
    "PadLeft",
    "StringFromGuid",
    "ImportedValue",
    "\"cn\"",
    "Guid",
    "RandomNum",
    "Now",
    "“",
    "\"",
    "[",
    "]",
    "%",
    "$",
    "//",
    "\n",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec((prop::sample::select(PIECES), prop::bool::ANY), 0..40).prop_map(
        |parts| {
            let mut s = String::new();
            for (p, space) in parts {
                s.push_str(p);
                if space {
                    s.push(' ');
                }
            }
            s
        },
    )
}

fn leaf(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
        parenthesised: false,
    }
}

fn ident() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,8}".prop_filter("reserved words", |s| {
        !matches!(s.as_str(), "True" | "False" | "Not" | "NOT" | "not")
    })
}

fn arb_expr() -> impl Strategy<Value = Expr> {
    let leaves = prop_oneof![
        any::<String>().prop_map(|s| leaf(ExprKind::Str(s))),
        (any::<i64>(), any::<bool>()).prop_map(|(value, hex)| leaf(ExprKind::Num { value, hex })),
        any::<bool>().prop_map(|b| leaf(ExprKind::Bool(b))),
        "[A-Za-z0-9._-]{1,12}".prop_map(|s| leaf(ExprKind::Attr(s))),
        "[A-Za-z0-9_.]{1,10}".prop_map(|s| leaf(ExprKind::Param(s))),
        "[A-Za-z0-9_]{1,6}".prop_map(|s| leaf(ExprKind::Var(s))),
        ident().prop_map(|s| leaf(ExprKind::Const(s))),
    ];
    let e = leaves.prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            (ident(), prop::collection::vec(inner.clone(), 0..4)).prop_map(|(name, args)| leaf(
                ExprKind::Call {
                    name,
                    name_span: Span::default(),
                    args,
                }
            )),
            (
                prop::sample::select(BinOp::ALL.to_vec()),
                inner.clone(),
                inner
            )
                .prop_map(|(op, l, r)| leaf(ExprKind::Binary {
                    op,
                    op_span: Span::default(),
                    lhs: Box::new(l),
                    rhs: Box::new(r),
                })),
        ]
    });
    (e, any::<bool>()).prop_map(|(mut e, parens)| {
        e.parenthesised = parens;
        e
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(src in any::<String>()) {
        exercise(&src, &record());
    }

    #[test]
    fn token_soups_never_panic(src in soup()) {
        exercise(&src, &record());
    }

    #[test]
    fn printing_then_parsing_gives_the_same_tree(e in arb_expr()) {
        let printed = e.to_string();
        match parse(&printed) {
            Ok(again) => prop_assert!(e.same(&again), "printed: {printed}\nreparsed: {again}"),
            Err(errs) => prop_assert!(false, "{}", errs[0].render(&printed)),
        }
    }
}

#[test]
fn deep_and_long_inputs_are_refused_not_crashed() {
    let rec = record();
    for src in [
        "Trim(".repeat(10_000),
        "(".repeat(50_000),
        vec!["1"; 100_000].join("+"),
        vec!["[cn]"; 20_000].join(" || "),
        format!("IIF({}", "IIF(True,".repeat(5_000)),
        "\"".repeat(100_001),
        "x".repeat(2 << 20),
    ] {
        exercise(&src, &rec);
        assert!(compile(&src, &opts()).is_err());
    }
}
