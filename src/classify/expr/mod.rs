//! The Entra Connect declarative provisioning expression language.
