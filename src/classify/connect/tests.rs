//! Reader tests: every construct of the export, and what is refused.

use super::model::{Direction, FlowType, LinkType};
use super::*;
use crate::classify::scope::ScopeOp;

fn read(src: &str) -> ConnectConfig {
    read_texts(&[("x.ps1".to_string(), src.to_string())], &[])
}

const EDITOR_STYLE: &str = r#"#region rule
New-ADSyncRule  `
-Name 'In from AD - User UserType' `
-Identifier '6e1a8c5b-3f74-4da2-e6bc-7c9d1f3a5b60' `
-Description 'it''s ours' `
-Direction 'Inbound' `
-Precedence 50 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector 'ad-guid' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-EnablePasswordSync `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'userType' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF([a]="x","Guest","Member")' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('True') `
-Destination 'accountEnabled' `
-FlowType 'Constant' `
-ExecuteOnce `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
-OutVariable condition0

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'userAccountControl','2','ISBITNOTSET' `
-OutVariable condition1

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0],$condition1[0]) `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.JoinCondition' `
-ArgumentList 'objectGUID','sourceAnchorBinary',$false `
-OutVariable condition0

Add-ADSyncJoinConditionGroup  `
-SynchronizationRule $syncRule[0] `
-JoinConditions @($condition0[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '6e1a8c5b-3f74-4da2-e6bc-7c9d1f3a5b60'
#endregion
"#;

#[test]
fn the_rules_editor_layout_is_read_whole() {
    let cfg = read(EDITOR_STYLE);
    assert_eq!(cfg.diagnostics, vec![]);
    let [r] = cfg.rules.as_slice() else {
        panic!("one rule: {:?}", cfg.rules);
    };
    assert_eq!(r.name, "In from AD - User UserType");
    assert_eq!(r.description, "it's ours");
    assert_eq!(r.direction, Direction::Inbound);
    assert_eq!(r.precedence, 50);
    assert_eq!(r.link_type, LinkType::Join);
    assert_eq!(r.connector, "ad-guid");
    assert!(r.enable_password_sync);
    assert!(!r.disabled);
    assert_eq!((r.at.line, r.at.column), (2, 1));
    assert_eq!(r.flows.len(), 2);
    let f = &r.flows[0];
    assert_eq!(f.flow_type, FlowType::Expression);
    assert_eq!(
        f.expression.as_deref(),
        Some(r#"IIF([a]="x","Guest","Member")"#)
    );
    assert_eq!(f.at.line, 19);
    let c = &r.flows[1];
    assert_eq!(
        (c.flow_type, c.source.as_slice(), c.execute_once),
        (FlowType::Constant, &["True".to_string()][..], true)
    );
    assert_eq!(r.scope.len(), 1);
    let ops: Vec<ScopeOp> = r.scope[0].iter().map(|c| c.op).collect();
    assert_eq!(ops, [ScopeOp::NotStartsWith, ScopeOp::IsNotBitSet]);
    assert_eq!(r.joins[0][0].cs_attribute, "objectGUID");
    assert!(!r.joins[0][0].case_sensitive);
}

#[test]
fn assignments_pipelines_and_no_op_lines() {
    let src = r#"
Import-Module ADSync
$ad = 'ad-guid'
$r = New-ADSyncRule -Name "Out to AAD - x" -Direction Outbound -Precedence 60 `
     -SourceObjectType person -TargetObjectType user -Connector $ad -Disabled:$true
$c = New-Object Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition('cloudMastered','True','NOTEQUAL')
Add-ADSyncScopeConditionGroup -SynchronizationRule $r -ScopeConditions @(
    $c
) | Out-Null
'done' | Out-Null; Add-ADSyncRule -SynchronizationRule $r[0] | Out-Null
Remove-Variable r
<# a comment
   over lines #>
"#;
    let cfg = read(src);
    assert_eq!(cfg.diagnostics, vec![]);
    let [r] = cfg.rules.as_slice() else {
        panic!("one rule: {:?}", cfg.diagnostics);
    };
    assert_eq!(r.direction, Direction::Outbound);
    assert!(r.disabled);
    assert_eq!(r.connector, "ad-guid");
    assert_eq!(r.scope[0][0].op, ScopeOp::NotEqual);
}

#[test]
fn a_rule_replaced_or_removed_says_so_not_that_it_was_never_added() {
    let rule = |name: &str| {
        format!(
            "New-ADSyncRule -Name '{name}' -Identifier 'ID-1' -Direction 'Inbound' -Precedence 1 \
             -OutVariable syncRule\nAdd-ADSyncRule -SynchronizationRule $syncRule[0]\n"
        )
    };
    let cfg = read_texts(
        &[
            ("a.ps1".to_string(), rule("first")),
            ("b.ps1".to_string(), rule("second")),
        ],
        &[],
    );
    let names: Vec<&str> = cfg.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["second"]);
    let d = cfg
        .diagnostics
        .iter()
        .find(|d| d.at.file == "a.ps1")
        .expect("a diagnostic for the replaced rule");
    assert_eq!(d.code, "rule-replaced", "{d:?}");
    assert!(d.message.contains("b.ps1:1"), "{}", d.message);
    assert!(!cfg.diagnostics.iter().any(|d| d.code == "rule-not-added"));

    let removed = read(&(rule("gone") + "Remove-ADSyncRule -Identifier 'ID-1'\n"));
    assert!(removed.rules.is_empty());
    assert!(removed
        .diagnostics
        .iter()
        .any(|d| d.code == "rule-replaced" && d.message.contains("Remove-ADSyncRule at x.ps1:3")));
}

#[test]
fn a_rule_never_added_is_left_out_with_a_warning() {
    let cfg = read("New-ADSyncRule -Name 'x' -Direction 'Inbound' -Precedence 1\n");
    assert!(cfg.rules.is_empty());
    assert!(cfg
        .diagnostics
        .iter()
        .any(|d| d.code == "rule-not-added" && d.at.line == 1));
}

#[test]
fn unreadable_statements_are_diagnostics_with_positions() {
    let src = "New-ADSyncRule -Name 'a' -Direction 'Inbound' -Precedence 5 -OutVariable r\n\
               Add-ADSyncRule -SynchronizationRule $r[0]\n\
               Set-ADSyncRule -Foo 1\n\
               New-ADSyncRule -Name 'b' -Direction 'Sideways' -Precedence 6\n\
               \x20 $x = [guid]::NewGuid()\n\
               Add-ADSyncAttributeFlowMapping -SynchronizationRule $nothing -Destination 'x'\n\
               New-Object -TypeName 'ScopeCondition' -ArgumentList 'a','b','LIKE'\n\
               New-ADSyncRule -Name 'c' -Direction 'Inbound' -Precedence 'high'\n";
    let cfg = read(src);
    assert_eq!(cfg.rules.len(), 1, "the good rule is kept");
    let at: Vec<(usize, usize, &str)> = cfg
        .diagnostics
        .iter()
        .map(|d| (d.at.line, d.at.column, d.message.as_str()))
        .collect();
    let lines: Vec<usize> = at.iter().map(|a| a.0).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8], "{at:?}");
    assert!(at[0].2.contains("Set-ADSyncRule"), "{}", at[0].2);
    assert!(at[1].2.contains("`Sideways`"), "{}", at[1].2);
    assert_eq!(at[2].1, 8, "the column of `[`");
    assert!(at[3].2.contains("$nothing"));
    assert!(at[4].2.contains("LIKE"));
    assert!(at[5].2.contains("not a number"));
    assert!(cfg.diagnostics.iter().all(|d| d.is_error));
}

#[test]
fn lexical_errors_name_the_file_line_and_column() {
    let cfg = read("New-ADSyncRule `\n -Name 'never closed\n");
    let d = cfg.diagnostics.first().expect("a diagnostic");
    assert_eq!(
        (d.at.file.as_str(), d.at.line, d.at.column),
        ("x.ps1", 2, 8)
    );
    assert!(
        d.to_string().starts_with("x.ps1:2:8: error[unreadable]"),
        "{d}"
    );
}

#[test]
fn unknown_parameters_are_warned_about() {
    let cfg = read("New-ADSyncRule -Name 'a' -Direction 'Inbound' -Precedence 5 -Frobnicate 'x' -OutVariable r\nAdd-ADSyncRule -SynchronizationRule $r[0]\n");
    assert_eq!(cfg.rules.len(), 1);
    assert!(cfg
        .diagnostics
        .iter()
        .any(|d| !d.is_error && d.code == "not-read" && d.message.contains("-Frobnicate")));
}

#[test]
fn a_file_without_rules_is_an_error() {
    let cfg = read("# nothing here\nGet-ADSyncRule\n");
    assert!(cfg.has_errors());
    assert_eq!(cfg.diagnostics[0].code, "no-rules");
}

#[test]
fn readding_an_identifier_replaces_the_rule_and_remove_takes_it_out() {
    let rule = |name: &str, id: &str| {
        format!(
            "New-ADSyncRule -Name '{name}' -Identifier '{id}' -Direction 'Inbound' -Precedence 5 -OutVariable r\nAdd-ADSyncRule -SynchronizationRule $r[0]\n"
        )
    };
    let src = format!("{}{}{}", rule("a", "1"), rule("b", "1"), rule("c", "2"));
    let names: Vec<String> = read(&src).rules.into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["b", "c"]);
    let src = format!("{}Remove-ADSyncRule -Identifier '2'\n", rule("c", "2"));
    let cfg = read(&src);
    assert!(cfg.rules.is_empty());
}

#[test]
fn hostile_inputs_end_in_diagnostics() {
    let deep = format!("$x = {}1{}\n", "(".repeat(500), ")".repeat(500));
    let cfg = read(&deep);
    assert!(cfg.diagnostics.iter().any(|d| d.message.contains("nested")));
    let open = "$x = @(\n'a'\n";
    let cfg = read(open);
    assert!(cfg
        .diagnostics
        .iter()
        .any(|d| d.message.contains("never closed")));
    let many = "Get-ADSyncRule -Name 'x'\nFoo-Bar\n".repeat(5000);
    let cfg = read(&many);
    assert_eq!(cfg.diagnostics.len(), parse::MAX_DIAGNOSTICS);
    for src in [
        "$",
        "@(",
        ")",
        "-",
        "'",
        "$x[",
        "$x = ",
        "| Out-Null",
        "New-Object",
        "a,,b",
    ] {
        let _ = read(src);
    }
}

#[test]
fn utf16_exports_are_decoded() {
    let text = "Get-ADSyncRule";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_eq!(decode(&bytes).as_deref(), Some(text));
    assert_eq!(decode(&[0xFF, 0xFE, 0x41]), None);
}

#[test]
fn many_rules_under_one_identifier_leave_the_last() {
    let one = "New-ADSyncRule -Name 'r' -Identifier 'same' -Direction 'Inbound' -Precedence 5 -OutVariable r\nAdd-ADSyncRule -SynchronizationRule $r[0]\n";
    let cfg = read(&one.repeat(parse::MAX_RULES));
    assert_eq!(cfg.rules.len(), 1);
    let cfg = read(&one.repeat(parse::MAX_RULES + 1));
    assert!(cfg
        .diagnostics
        .iter()
        .any(|d| d.message.contains("more than 20000 rules")));
}
