//! The integration tests: one binary (each `cargo test` links the crate once), one
//! module per area, helpers shared in [`common`]. `expr_alloc` is its own binary:
//! it installs a counting global allocator.

mod audit_e2e;
mod audit_golden;
mod audit_pipes;
mod cli_explain;
mod cli_flags;
mod cli_help;
mod cli_outputs;
mod cli_rules;
mod cli_scan;
mod cloud_generate;
mod cloud_honesty;
mod cloud_readers;
mod common;
mod connect_config;
mod expr_fused;
mod expr_props;
mod history_diff;
mod history_ids;
mod history_waivers;
mod house;
mod ids_props;
mod layers;
mod ldif_conformance;
mod ldif_roundtrip;
mod lying;
mod onprem_delimiters;
mod onprem_formats;
mod onprem_honest;
mod plan_apply;
mod plan_b2b;
mod plan_golden;
mod plan_props;
mod plan_support;
mod readme;
mod report_browser;
mod report_golden;
mod report_xlsx;
mod rules_limits;
