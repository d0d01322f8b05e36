//! TEMPORARY stand-in for the expression engine (being written separately):
//! the API the rest of the crate uses, with no evaluation.
#![allow(missing_docs, dead_code)]

use std::collections::BTreeMap;
use std::fmt;

pub trait Record {
    fn dn(&self) -> &[u8];
}
impl Record for crate::read::EntryRef<'_> {
    fn dn(&self) -> &[u8] {
        crate::read::EntryRef::dn(self)
    }
}
#[derive(Default, Clone, Debug)]
pub struct CompileOptions {
    pub parameters: BTreeMap<String, String>,
}
#[derive(Default, Debug)]
pub struct Scratch;
#[derive(Clone, Debug)]
pub struct Program;
pub struct Compiled {
    pub program: Program,
    pub warnings: Vec<Lint>,
}
pub struct Lint;
impl Lint {
    pub fn render(&self, _: &str) -> String {
        String::new()
    }
}
pub struct ExprError;
impl ExprError {
    pub fn render(&self, _: &str) -> String {
        String::new()
    }
}
#[derive(Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Str(Box<str>),
    IgnoreThisFlow,
    AuthoritativeNull,
}
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
#[derive(Debug)]
pub enum EvalError {
    Raised { message: Box<str> },
    Other,
}
impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
pub fn compile(_: &str, _: &CompileOptions) -> Result<Compiled, Vec<ExprError>> {
    Ok(Compiled {
        program: Program,
        warnings: Vec::new(),
    })
}
impl Program {
    pub fn attributes(&self) -> impl Iterator<Item = &str> {
        std::iter::empty()
    }
    pub fn eval(&self, _: &dyn Record, _: &mut Scratch) -> Result<Value, EvalError> {
        Ok(Value::Null)
    }
}
pub struct TraceStep;
impl fmt::Display for TraceStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("")
    }
}
impl Program {
    pub fn trace(&self, _: &dyn Record, _: &mut Scratch) -> Vec<TraceStep> {
        Vec::new()
    }
}
