//! The "How to fix it" section: Microsoft's steps to synchronize UserType,
//! filled in for the rule flow in use.

use std::fmt::Write as _;

use super::{expression_callout, table, EXAMPLE_EXPRESSION, PROPOSED};
use crate::findings::AuditSummary;
use crate::report::escape::{html, push_html};

/// The seven steps of "Enable synchronization of UserType" (docs/rules.md#the-seven-steps)
/// for the rule flow in use.
pub(super) fn remediation(o: &mut String, s: &AuditSummary) {
    let flow = s.rules.flow;
    let definition = s.rules.definition.trim();
    o.push_str(
        "<section id=\"remediation\">\n<h2>How to fix it: synchronize UserType from on-premises AD</h2>\n\
         <p>Until UserType is synchronized, Entra Connect creates every synced user as a <b>Member</b>. \
         These are Microsoft's steps for Entra Connect Sync (Microsoft Learn, \u{201c}Enable \
         synchronization of UserType\u{201d}: <span class=\"mono\">learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-change-the-configuration</span>). \
         They assume a single forest without custom synchronization rules and without a staging \
         server; adjust them otherwise.</p>\n",
    );

    let (source_attribute, expression_cell) = flow_callout(o, flow, definition);
    steps_before_the_rules(o, &source_attribute);
    inbound_rule(o, flow, &expression_cell);
    outbound_rule(o);
    last_steps(o);
}

/// The callout that says how the rule file's flow becomes a sync rule, and
/// the text of step 2's source attribute and step 4's Source cell.
fn flow_callout(o: &mut String, flow: &str, definition: &str) -> (String, String) {
    let expression_cell;
    let source_attribute;
    match flow {
        "direct" => {
            let attribute = if definition.is_empty() {
                "extensionAttribute1".to_owned()
            } else {
                definition.to_owned()
            };
            o.push_str("<p class=\"callout\">Your rule file flows the attribute <code>");
            push_html(o, &attribute);
            o.push_str(
                "</code> directly into UserType. Before you enable the flow, it must hold exactly \
                 <code>Member</code> or <code>Guest</code> for every synchronized user: a Direct \
                 flow passes the value as is, and Entra accepts only those two values (see the \
                 <i>Rule yields an invalid UserType</i> findings).</p>\n",
            );
            source_attribute = format!("<code>{}</code>", html(&attribute));
            expression_cell = format!("<code>{}</code>", html(&attribute));
        }
        "rules" => {
            o.push_str(
                "<div class=\"callout\"><p><b>Your rule file uses simple rules, which Entra Connect \
                 cannot read.</b> Write the same decision as one sync-rule expression and use it as \
                 the source of the inbound rule (the Expression row in step 4). Your rules, in order:</p>\n<pre>",
            );
            push_html(o, definition);
            let _ = write!(
                o,
                "</pre>\n<p>For example, when partners are the users whose UPN ends with \
                 <code>@partners.fabrikam123.org</code> (a user without UPN fails to sync):</p>\n\
                 <pre {PROPOSED}>"
            );
            push_html(o, EXAMPLE_EXPRESSION);
            o.push_str(
                "</pre>\n<p>This differs from Microsoft's example on Learn in one place: Learn tests \
                 <code>InStr(LCase([userPrincipalName]),\"@partners.fabrikam123.org\")=0</code>, which is \
                 true when the UPN does not <i>contain</i> the domain, so \
                 <code>x@partners.fabrikam123.org.evil.com</code> would be a Guest too. Comparing the \
                 last 25 characters with <code>Right</code> tests \u{201c}ends with\u{201d}, as Learn's \
                 text intends. Re-run this audit \
                 with your expression as the rule file to check it gives the same result as your \
                 rules.</p></div>\n",
            );
            source_attribute =
                "every attribute your expression reads (<code>userPrincipalName</code> is already there)"
                    .to_owned();
            expression_cell = "<i>your expression (see above)</i>".to_owned();
        }
        _ => {
            source_attribute =
                "every attribute the expression reads (<code>userPrincipalName</code> is already there)"
                    .to_owned();
            expression_cell = expression_callout(o, definition);
        }
    }
    (source_attribute, expression_cell)
}

/// Steps 1 to 3 (scheduler off, both connector schemas) and the start of step 4.
fn steps_before_the_rules(o: &mut String, source_attribute: &str) {
    o.push_str(
        "<ol class=\"steps\">\n<li><b>Disable the sync scheduler</b> and check that no synchronization \
         is in progress: <code>Set-ADSyncScheduler -SyncCycleEnabled $false</code>; the \
         <b>Operations</b> tab of Synchronization Service Manager must show nothing in progress.</li>\n",
    );
    let _ = writeln!(
        o,
        "<li><b>Add the source attribute to the on-premises AD Connector schema</b>: \
         Synchronization Service Manager \u{2192} <b>Connectors</b> \u{2192} the on-premises AD \
         connector \u{2192} <b>Properties</b> \u{2192} <b>Select Attributes</b> \u{2192} tick {source_attribute}. \
         If the attribute is missing because the AD schema changed after installation (for \
         example Exchange added extensionAttribute1\u{2013}15), run the wizard task <b>Refresh \
         directory schema</b> first.</li>"
    );
    o.push_str(
        "<li><b>Add UserType to the Microsoft Entra Connector schema</b>: the same dialog on the \
         Microsoft Entra connector, tick <b>UserType</b> (it is not imported by default).</li>\n\
         <li><b>Create an inbound synchronization rule</b> (Synchronization Rules Editor, direction \
         Inbound, <b>Add new rule</b>).\n<h3>Description</h3>\n",
    );
}

/// Step 4's tables: the inbound rule that computes UserType.
fn inbound_rule(o: &mut String, flow: &str, expression_cell: &str) {
    table(
        o,
        &["Attribute", "Value", "Details"],
        &[
            &["Name", "<i>Provide a name</i>", "For example, <i>In from AD \u{2013} User UserType</i>"],
            &["Connected System", "<i>Pick the on-premises AD connector</i>", ""],
            &["Connected System Object Type", "<b>User</b>", ""],
            &["Metaverse Object Type", "<b>Person</b>", ""],
            &["Link Type", "<b>Join</b>", ""],
            &[
                "Precedence",
                "<i>Choose a number between 1\u{2013}99</i>",
                "1\u{2013}99 is reserved for custom sync rules; do not pick a value another rule uses.",
            ],
        ],
    );
    o.push_str("<h3>Scoping filter (a single scoping filter group)</h3>\n");
    table(
        o,
        &["Attribute", "Operator", "Value"],
        &[&["adminDescription", "NOTSTARTSWITH", "User_"]],
    );
    o.push_str(
        "<p class=\"muted\">The same filter as the out-of-box rule <i>In from AD \u{2013} User \
         Common</i>: it keeps the rule off users created by Entra user writeback.</p>\n<h3>Transformation</h3>\n",
    );
    let flow_type = if flow == "direct" {
        "Direct"
    } else {
        "Expression"
    };
    table(
        o,
        &[
            "Flow type",
            "Target attribute",
            "Source",
            "Apply once",
            "Merge type",
        ],
        &[&[
            flow_type,
            "UserType",
            expression_cell,
            "Unchecked",
            "Update",
        ]],
    );
}

/// Step 5: the outbound rule that exports UserType.
fn outbound_rule(o: &mut String) {
    o.push_str(
        "</li>\n<li><b>Create an outbound synchronization rule</b> (direction Outbound).\n<h3>Description</h3>\n",
    );
    table(
        o,
        &["Attribute", "Value", "Details"],
        &[
            &[
                "Name",
                "<i>Provide a name</i>",
                "For example, <i>Out to Microsoft Entra ID \u{2013} User UserType</i>",
            ],
            &[
                "Connected System",
                "<i>Select the Microsoft Entra connector</i>",
                "",
            ],
            &["Connected System Object Type", "<b>User</b>", ""],
            &["Metaverse Object Type", "<b>Person</b>", ""],
            &["Link Type", "<b>Join</b>", ""],
            &[
                "Precedence",
                "<i>Choose a number between 1\u{2013}99</i>",
                "Reserved for custom sync rules.",
            ],
        ],
    );
    o.push_str("<h3>Scoping filter (a single scoping filter group with two clauses)</h3>\n");
    table(
        o,
        &["Attribute", "Operator", "Value"],
        &[
            &["sourceObjectType", "EQUAL", "User"],
            &["cloudMastered", "NOTEQUAL", "True"],
        ],
    );
    o.push_str("<h3>Transformation</h3>\n");
    table(
        o,
        &[
            "Flow type",
            "Target attribute",
            "Source",
            "Apply once",
            "Merge type",
        ],
        &[&["Direct", "UserType", "UserType", "Unchecked", "Update"]],
    );
}

/// Steps 6 and 7 (full cycle, scheduler on) and the caveat on older versions.
fn last_steps(o: &mut String) {
    o.push_str(
        "</li>\n<li><b>Run a full synchronization cycle</b>: Full Import on the AD connector (you may \
         skip it if the source attribute was already imported); Full Import on the Microsoft Entra \
         connector; <b>Preview</b> one object (UserType populated in the metaverse is a good sign); \
         Full Synchronization on the AD connector; check <b>Pending Export</b> (Add, Modify, \
         Delete) on the Microsoft Entra connector; then <b>Export</b> on the Microsoft Entra \
         connector.</li>\n<li><b>Enable the sync scheduler</b>: <code>Set-ADSyncScheduler \
         -SyncCycleEnabled $true</code>.</li>\n</ol>\n\
         <p class=\"caveat\">Entra Connect before version 1.5.30.0 sets UserType only when it \
         creates a user: existing users keep their type and must be changed another way (for \
         example PowerShell). Run this audit again after the export to confirm the partners are \
         Guests.</p>\n</section>\n",
    );
}
