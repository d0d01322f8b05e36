//! The `audit` flags that ask for a plan.

use std::path::PathBuf;

use usertype_audit::plan::b2b::{
    check_redirect_url, InviteOptions, TenantDomains, DEFAULT_REDIRECT_URL,
};
use usertype_audit::plan::PlanOptions;

/// Remediation plan flags of `audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct PlanArgs {
    /// Also write a remediation plan to plan/ in --out: cloud userType
    /// corrections (Graph batches, their undo, PowerShell), B2B readiness and
    /// invitations, and PLAN.md. Files to review and apply yourself: the tool
    /// never connects anywhere.
    #[arg(long)]
    pub plan: bool,
    /// The tenant's domains, as a Microsoft Graph `GET /domains` export
    /// (JSON). Without it they are inferred from the UPN suffixes of the
    /// tenant's own users; PLAN.md and b2b-readiness.csv say which.
    #[arg(long, value_name = "FILE", requires = "plan")]
    pub domains: Option<PathBuf>,
    /// Invitations send the invitation e-mail (sendInvitationMessage true).
    #[arg(long, requires = "plan")]
    pub send_invitations: bool,
    /// Where an invited user lands after redeeming (inviteRedirectUrl).
    #[arg(long, value_name = "URL", default_value = DEFAULT_REDIRECT_URL, requires = "plan")]
    pub redirect_url: String,
}

impl PlanArgs {
    /// The plan's options (the domains file read and checked), or `None`
    /// without `--plan`.
    pub fn options(&self) -> Result<Option<PlanOptions>, String> {
        if !self.plan {
            return Ok(None);
        }
        check_redirect_url(&self.redirect_url)?;
        let domains = match &self.domains {
            Some(path) => Some(TenantDomains::from_file(path)?),
            None => None,
        };
        Ok(Some(PlanOptions {
            domains,
            invite: InviteOptions {
                send_message: self.send_invitations,
                redirect_url: self.redirect_url.clone(),
            },
        }))
    }
}
