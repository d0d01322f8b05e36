//! Synchronization rules as the export describes them (before compilation).

use std::fmt;

use crate::classify::scope::ScopeOp;

/// Where something is written: file, 1-based line and column.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// The file, as given.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// `Inbound` (connector space to metaverse) or `Outbound`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Connector space → metaverse.
    Inbound,
    /// Metaverse → connector space.
    Outbound,
}

/// `-LinkType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkType {
    /// `Provision`: creates the metaverse object.
    Provision,
    /// `Join`: contributes to an existing one.
    Join,
    /// `StickyJoin`.
    StickyJoin,
}

/// `-FlowType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowType {
    /// The source attribute's value.
    Direct,
    /// The `-Source` value itself.
    Constant,
    /// A declarative provisioning expression.
    Expression,
}

/// One `Add-ADSyncAttributeFlowMapping`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowMapping {
    /// `-Source` (attribute names; for Constant flows, the value).
    pub source: Vec<String>,
    /// `-Destination`.
    pub destination: String,
    /// `-FlowType`.
    pub flow_type: FlowType,
    /// `-Expression` (Expression flows).
    pub expression: Option<String>,
    /// `-ExecuteOnce` (Apply once).
    pub execute_once: bool,
    /// `-ValueMergeType` (`Update` when not given).
    pub value_merge_type: String,
    /// Where the mapping is written.
    pub at: Location,
}

/// One scoping-filter clause: `attribute OPERATOR value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopeCondition {
    /// The attribute.
    pub attribute: String,
    /// The operand.
    pub value: String,
    /// The operator.
    pub op: ScopeOp,
}

/// One join clause: connector-space attribute ↔ metaverse attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinCondition {
    /// Connector-space attribute.
    pub cs_attribute: String,
    /// Metaverse attribute.
    pub mv_attribute: String,
    /// Case-sensitive compare.
    pub case_sensitive: bool,
}

/// A synchronization rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncRule {
    /// `-Name`.
    pub name: String,
    /// `-Identifier`.
    pub identifier: String,
    /// `-Description`.
    pub description: String,
    /// `-Direction`.
    pub direction: Direction,
    /// `-Precedence` (lower wins).
    pub precedence: i64,
    /// `-PrecedenceAfter` / `-PrecedenceBefore`, as written.
    pub precedence_after: String,
    /// See `precedence_after`.
    pub precedence_before: String,
    /// `-SourceObjectType`.
    pub source_object_type: String,
    /// `-TargetObjectType`.
    pub target_object_type: String,
    /// `-Connector` (a GUID in exports).
    pub connector: String,
    /// `-LinkType`.
    pub link_type: LinkType,
    /// `-Disabled`.
    pub disabled: bool,
    /// `-ImmutableTag` (out-of-box rules carry `Microsoft.…`).
    pub immutable_tag: String,
    /// `-EnablePasswordSync`.
    pub enable_password_sync: bool,
    /// Scoping-filter groups: AND inside a group, OR between groups.
    pub scope: Vec<Vec<ScopeCondition>>,
    /// Join groups, tried in order.
    pub joins: Vec<Vec<JoinCondition>>,
    /// Attribute flows, in order.
    pub flows: Vec<FlowMapping>,
    /// Where `New-ADSyncRule` is written.
    pub at: Location,
}

impl SyncRule {
    /// `Name (precedence N)`, as reports name a rule.
    pub fn label(&self) -> String {
        format!("{} (precedence {})", self.name, self.precedence)
    }

    /// Whether Microsoft ships it (an `ImmutableTag` of `Microsoft.…`).
    pub fn is_out_of_box(&self) -> bool {
        self.immutable_tag.starts_with("Microsoft.")
    }
}
