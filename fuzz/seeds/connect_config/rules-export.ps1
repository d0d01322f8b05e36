<#
 Synchronization rules of a test Entra Connect server, written in the layout of the
 Synchronization Rules Editor's Export. See README.md in this folder.
#>

#region In from AD - User Join
New-ADSyncRule  `
-Name 'In from AD - User Join' `
-Identifier '1f0b9a3c-5e62-4d1a-8f7b-0c2e4a6d8b10' `
-Description '' `
-Direction 'Inbound' `
-Precedence 100 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Provision' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag 'Microsoft.InfromADUserJoin.004' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'cloudFiltered' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF(IsPresent([isCriticalSystemObject]) || IsPresent([sAMAccountName]) = False || [sAMAccountName] = "SUPPORT_388945a0" || Left([mailNickname], 14) = "SystemMailbox{" || Left([sAMAccountName], 4) = "AAD_" || (Left([mailNickname], 4) = "CAS_" && (InStr([mailNickname], "}") > 0)) || (Left([sAMAccountName], 4) = "CAS_" && (InStr([sAMAccountName], "}") > 0)) || Left([sAMAccountName], 5) = "MSOL_" || CBool(IIF(IsPresent([msExchRecipientTypeDetails]),BitAnd([msExchRecipientTypeDetails],&H21C07000) > 0,NULL)) || CBool(InStr(DNComponent(CRef([dn]),1),"\\0ACNF:")>0), True, NULL)' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'sourceAnchorBinary' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF(IsPresent([mS-DS-ConsistencyGuid]),[mS-DS-ConsistencyGuid],[objectGUID])' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'isCriticalSystemObject','TRUE','NOTEQUAL' `
-OutVariable condition0

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
-OutVariable condition1

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0],$condition1[0]) `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.JoinCondition' `
-ArgumentList 'mS-DS-ConsistencyGuid','sourceAnchorBinary',$false `
-OutVariable condition0

Add-ADSyncJoinConditionGroup  `
-SynchronizationRule $syncRule[0] `
-JoinConditions @($condition0[0]) `
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
-Identifier '1f0b9a3c-5e62-4d1a-8f7b-0c2e4a6d8b10'


#endregion

#region In from AD - User AccountEnabled
New-ADSyncRule  `
-Name 'In from AD - User AccountEnabled' `
-Identifier '2a7c4e1d-9b30-4f6e-a2d8-3e5f7b9c1d20' `
-Description '' `
-Direction 'Inbound' `
-Precedence 102 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag 'Microsoft.InfromADUserAccountEnabled.008' `
-EnablePasswordSync `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('True') `
-Destination 'accountEnabled' `
-FlowType 'Constant' `
-ValueMergeType 'Update' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'objectSidString' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'StringFromSid([objectSid])' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'userAccountControl','2','ISBITNOTSET' `
-OutVariable condition0

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '2a7c4e1d-9b30-4f6e-a2d8-3e5f7b9c1d20'


#endregion

#region In from AD - User Common
New-ADSyncRule  `
-Name 'In from AD - User Common' `
-Identifier '3b8d5f2e-0c41-4a7f-b3e9-4f6a8c0d2e30' `
-Description '' `
-Direction 'Inbound' `
-Precedence 106 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag 'Microsoft.InfromADUserCommon.007' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('sAMAccountName') `
-Destination 'accountName' `
-FlowType 'Direct' `
-ValueMergeType 'Update' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'displayName' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF(IsNullOrEmpty([displayName]),[cn],[displayName])' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'extensionAttribute1' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'Trim([extensionAttribute1])' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'sourceObjectType' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF(IsPresent([msExchRecipientTypeDetails]), IIF([msExchRecipientTypeDetails]=2, NULL, "User"), "User")' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
-OutVariable condition0

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '3b8d5f2e-0c41-4a7f-b3e9-4f6a8c0d2e30'


#endregion

#region Out to AAD - User Join
New-ADSyncRule  `
-Name 'Out to AAD - User Join' `
-Identifier '4c9e6a3f-1d52-4b80-c4fa-5a7b9d1e3f40' `
-Description '' `
-Direction 'Outbound' `
-Precedence 115 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'person' `
-TargetObjectType 'user' `
-Connector '9c4e2b7a-3d1f-4e8a-b6c5-2f0d9a7e1b38' `
-LinkType 'Provision' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag 'Microsoft.OuttoAADUserJoin.003' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('accountEnabled') `
-Destination 'accountEnabled' `
-FlowType 'Direct' `
-ValueMergeType 'Update' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'cloudFiltered','True','NOTEQUAL' `
-OutVariable condition0

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'sourceObjectType','User','EQUAL' `
-OutVariable condition1

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0],$condition1[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '4c9e6a3f-1d52-4b80-c4fa-5a7b9d1e3f40'


#endregion

#region In from AD - User UserType (Learn, step 4)
New-ADSyncRule  `
-Name 'In from AD - User UserType' `
-Identifier '6e1a8c5b-3f74-4da2-e6bc-7c9d1f3a5b60' `
-Description 'Learn: Enable synchronization of UserType, step 4 (expression variant)' `
-Direction 'Inbound' `
-Precedence 50 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'userType' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF(IsPresent([userPrincipalName]),IIF(CBool(InStr(LCase([userPrincipalName]),"@partners.fabrikam123.org")=0),"Member","Guest"),Error("UserPrincipalName is not present to determine UserType"))' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'adminDescription','User_','NOTSTARTSWITH' `
-OutVariable condition0

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '6e1a8c5b-3f74-4da2-e6bc-7c9d1f3a5b60'


#endregion

#region Out to AAD - User UserType (Learn, step 5)
New-ADSyncRule  `
-Name 'Out to AAD - User UserType' `
-Identifier '7f2b9d6c-4a85-4eb3-f7cd-8d0e2a4b6c70' `
-Description 'Learn: Enable synchronization of UserType, step 5' `
-Direction 'Outbound' `
-Precedence 51 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'person' `
-TargetObjectType 'user' `
-Connector '9c4e2b7a-3d1f-4e8a-b6c5-2f0d9a7e1b38' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('userType') `
-Destination 'userType' `
-FlowType 'Direct' `
-ValueMergeType 'Update' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'sourceObjectType','User','EQUAL' `
-OutVariable condition0

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'cloudMastered','True','NOTEQUAL' `
-OutVariable condition1

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0],$condition1[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '7f2b9d6c-4a85-4eb3-f7cd-8d0e2a4b6c70'


#endregion

#region Decoys
New-ADSyncRule  `
-Name 'In from AD - User UserType (old, disabled)' `
-Identifier '8a3c0e7d-5b96-4fc4-a8de-9e1f3b5c7d80' `
-Description 'Decoy: disabled, higher precedence: ignored' `
-Direction 'Inbound' `
-Precedence 10 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-Disabled `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('Guest') `
-Destination 'userType' `
-FlowType 'Constant' `
-ValueMergeType 'Update' `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '8a3c0e7d-5b96-4fc4-a8de-9e1f3b5c7d80'


New-ADSyncRule  `
-Name 'In from AD - User UserType override' `
-Identifier '9b4d1f8e-6ca7-40d5-b9ef-0f2a4c6d8e90' `
-Description 'Decoy: NULL for every account without the override marker' `
-Direction 'Inbound' `
-Precedence 20 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'userType' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF([msDS-cloudExtensionAttribute1]="ForceGuest","Guest",NULL)' `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier '9b4d1f8e-6ca7-40d5-b9ef-0f2a4c6d8e90'


New-ADSyncRule  `
-Name 'In from AD - User UserType nobody' `
-Identifier 'ac5e2a9f-7db8-41e6-caf0-1a3b5d7e9fa0' `
-Description 'Decoy: its scope matches nobody' `
-Direction 'Inbound' `
-Precedence 30 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('Guest') `
-Destination 'userType' `
-FlowType 'Constant' `
-ValueMergeType 'Update' `
-OutVariable syncRule

New-Object  `
-TypeName 'Microsoft.IdentityManagement.PowerShell.ObjectModel.ScopeCondition' `
-ArgumentList 'department','Decoy-No-Such-Department','EQUAL' `
-OutVariable condition0

Add-ADSyncScopeConditionGroup  `
-SynchronizationRule $syncRule[0] `
-ScopeConditions @($condition0[0]) `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier 'ac5e2a9f-7db8-41e6-caf0-1a3b5d7e9fa0'


New-ADSyncRule  `
-Name 'In from AD - User UserType suppress' `
-Identifier 'bd6f3bae-8ec9-42f7-db01-2b4c6e8f0ab0' `
-Description 'Decoy: AuthoritativeNull for marked accounts' `
-Direction 'Inbound' `
-Precedence 40 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Destination 'userType' `
-FlowType 'Expression' `
-ValueMergeType 'Update' `
-Expression 'IIF([extensionAttribute15]="NoUserType",AuthoritativeNull,NULL)' `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier 'bd6f3bae-8ec9-42f7-db01-2b4c6e8f0ab0'


New-ADSyncRule  `
-Name 'In from AD - User UserType fallback' `
-Identifier 'ce7a4cbf-9fda-4308-ec12-3c5d7f9a1bc0' `
-Description 'Decoy: lower precedence, another value' `
-Direction 'Inbound' `
-Precedence 90 `
-PrecedenceAfter '00000000-0000-0000-0000-000000000000' `
-PrecedenceBefore '00000000-0000-0000-0000-000000000000' `
-SourceObjectType 'user' `
-TargetObjectType 'person' `
-Connector '5f2d7c1e-0a4b-4c3e-9d2f-6b8a1c0e4d21' `
-LinkType 'Join' `
-SoftDeleteExpiryInterval 0 `
-ImmutableTag '' `
-OutVariable syncRule

Add-ADSyncAttributeFlowMapping  `
-SynchronizationRule $syncRule[0] `
-Source @('Guest') `
-Destination 'userType' `
-FlowType 'Constant' `
-ValueMergeType 'Update' `
-OutVariable syncRule

Add-ADSyncRule  `
-SynchronizationRule $syncRule[0]

Get-ADSyncRule  `
-Identifier 'ce7a4cbf-9fda-4308-ec12-3c5d7f9a1bc0'


#endregion
