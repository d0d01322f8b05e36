//! Reading exports: opening inputs and one reader per format.

pub mod cloud;
pub mod input;
pub mod ldif;
