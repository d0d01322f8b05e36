//! Classification: what UserType Entra Connect would compute for each account.
//!
//! [`expr`] is the Entra Connect sync-rule expression language (lex → parse →
//! check → eval).

pub mod expr;
