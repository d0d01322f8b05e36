# usertype-audit remediation plan: B2B invitations
#
# What: invites 0 internal user(s) intended Guest to B2B collaboration
#   (of 191 candidate(s); the others are blocked, see b2b-readiness.csv).
#   The user keeps its object id, UPN, groups and app assignments; the
#   invitation does not change userType.
#   Invitation e-mail: not sent.
# From the audit of:
#   onprem fixtures/example/onprem.ldf  blake3 e33049c513eb004338bb1cc2950c15e97e811391442c0b516d23f879d83fd995
#   cloud  fixtures/example/graph-users.json  blake3 28e0039d52a184d66bcfa87768a2e32966911963d70f03e2169c9f92e9ed1e4e
#   rules  fixtures/rules/upn-expression.toml  blake3 06c00217ee4a9537bba83393fc151a4c57567b1446106843c1309897e2c67b42
# Verdict of that audit: fail
#
# Review every line before running it. Without -Apply nothing changes: every
# New-MgInvitation runs with -WhatIf and only says what it would do.
#   Connect-MgGraph -Scopes 'User.Invite.All','User.ReadWrite.All'
#   ./b2b-invitations.ps1           # dry run
#   ./b2b-invitations.ps1 -Apply    # send the invitations
# An accepted invitation adds external credentials that cannot be removed.
[CmdletBinding()]
param(
    # Make the changes; without it every command runs with -WhatIf.
    [switch]$Apply
)
$ErrorActionPreference = 'Stop'
$WhatIf = -not $Apply
