# usertype-audit remediation plan: cloud userType
#
# What: sets the cloud userType of 63 user(s) to what the UserType rules intend:
#   53 guest_as_member -> Guest, 10 member_as_guest -> Member.
# From the audit of:
#   onprem fixtures/example/onprem.ldf  blake3 e33049c513eb004338bb1cc2950c15e97e811391442c0b516d23f879d83fd995
#   cloud  fixtures/example/graph-users.json  blake3 28e0039d52a184d66bcfa87768a2e32966911963d70f03e2169c9f92e9ed1e4e
#   rules  fixtures/rules/upn-expression.toml  blake3 06c00217ee4a9537bba83393fc151a4c57567b1446106843c1309897e2c67b42
# Verdict of that audit: fail
#
# Review every line before running it. Without -Apply nothing changes: every
# Update-MgUser runs with -WhatIf and only says what it would do.
#   Connect-MgGraph -Scopes 'User.ReadWrite.All'
#   ./cloud-usertype.ps1           # dry run
#   ./cloud-usertype.ps1 -Apply    # make the changes
# undo/cloud-usertype.batch.jsonl sets every value back (Graph $batch).
# While UserType sync runs with a rule that disagrees, the next sync
# cycle writes the rule's value again: fix the rule first (PLAN.md).
[CmdletBinding()]
param(
    # Make the changes; without it every command runs with -WhatIf.
    [switch]$Apply
)
$ErrorActionPreference = 'Stop'
$WhatIf = -not $Apply

# CN=Robert Taylor 24,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:1521)
Update-MgUser -UserId 'd4f42f33-4016-4a6b-8ba3-5ecb298cca79' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Thomas Collins 36,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:2266)
Update-MgUser -UserId 'be9624c1-c1bf-4125-b858-a510ba00cfdf' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Linda Cook 49,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:3104)
Update-MgUser -UserId 'f2b0ab6c-ee5e-465b-86fc-6fa433239369' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Matthew White 56,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:3584)
Update-MgUser -UserId 'e9ffcaae-06f4-45ab-bff6-25bde6b9f13d' -UserType 'Guest' -WhatIf:$WhatIf

# CN=George Wood 66,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:4238)
Update-MgUser -UserId '76d4503c-3e04-4dd8-a40b-bcd320ed3cf9' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Susan Thomas 94,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:6086)
Update-MgUser -UserId '4d15f1d0-b3c6-40be-9b7a-47be74714711' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Nancy Martin 95,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:6145)
Update-MgUser -UserId 'd3b0f3fa-fd05-4b53-b92f-9ae026b58492' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Brian Ströder 114,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:7438)
Update-MgUser -UserId '50065631-6e97-48c6-a530-26ea46c129ed' -UserType 'Guest' -WhatIf:$WhatIf

# CN=James Brooks 116,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:7564)
Update-MgUser -UserId '657a596a-6202-426f-b0f2-1f2d154559b5' -UserType 'Guest' -WhatIf:$WhatIf

# CN=John Roberts 153,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:10059)
Update-MgUser -UserId 'afa7cb62-5c3e-43ae-9d53-f78e4f201c91' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Betty Watson 172,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:11331)
Update-MgUser -UserId '987fd27e-fd82-4a6a-b65e-392ee17c3b97' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Betty White 188,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:12351)
Update-MgUser -UserId '9c27521d-dd63-4f18-9a2d-52fe882455cc' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Karen Bennett 216,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:14211)
Update-MgUser -UserId '8452f491-42fd-400d-84c0-a53cfe808362' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Mark Campbell 222,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:14609)
Update-MgUser -UserId 'a88921d7-121c-4085-9705-8527463ba49b' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Jessica Jackson 263,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:17374)
Update-MgUser -UserId 'b0aa07e6-2757-4f62-9e6a-e268cd55cb9f' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Melissa Watson 268,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:17714)
Update-MgUser -UserId 'c8eec60a-a8b8-41bd-a441-403d33bcf878' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Betty Rogers 280,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:18502)
Update-MgUser -UserId 'bc26e24a-4659-4827-93f0-1dd76e51b660' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Jennifer Weber 300,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:19876)
Update-MgUser -UserId '47580fbf-575e-4e67-a4b4-f5715f6ec584' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Susan Roberts 317,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:20999)
Update-MgUser -UserId '5b3e7b3e-2a16-4b75-b75f-0178594830cc' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Nancy Stewart 330,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:21868)
Update-MgUser -UserId 'c8d358b7-caca-44e3-be89-62c01232404e' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Ashley Martin 396,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:26319)
Update-MgUser -UserId 'f801df23-7526-4cfb-a9f4-909cdbd7b8ea' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Joshua Bell 425,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:28294)
Update-MgUser -UserId '5085bfd7-027b-4361-959d-28c0e338929d' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Paul Thomas 454,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:30332)
Update-MgUser -UserId '92a84bb2-368a-49da-a473-9e8b399be0f3' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Betty Cooper 470,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:31372)
Update-MgUser -UserId '51eb3c59-0b8c-4661-87eb-b73d319f9c33' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Michael King 497,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:33169)
Update-MgUser -UserId '8648d56c-f711-49ed-a84e-d3110fecb14b' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Anthony Walker 546,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:36489)
Update-MgUser -UserId '707d2a2b-340c-4d74-a15a-9c7bd107abab' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Barbara Weber 549,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:36687)
Update-MgUser -UserId 'acc13202-57c3-4678-a394-72f958306b17' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Donna Martin 563,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:37774)
Update-MgUser -UserId 'aac7c31a-743e-4983-84d9-1dd1b3a36647' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Thomas Carter 567,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:38025)
Update-MgUser -UserId '33efc490-cd1b-4c39-ba18-304936bf1020' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Oliver Roberts 664,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:44651)
Update-MgUser -UserId 'f80d5fc0-c33a-4086-b07e-a4f588bdd8c6' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Amanda Cox 672,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:45154)
Update-MgUser -UserId '52ceee4d-a3a7-4268-ba69-df91fc9bc2e8' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Emily Reed 680,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:45671)
Update-MgUser -UserId '4da8e04c-3b56-446f-b562-641c0d60408c' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Donna Scott 716,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:48186)
Update-MgUser -UserId '1d88f928-99f4-4660-9e78-ef85d245075b' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Carol Bennett 724,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:48705)
Update-MgUser -UserId 'c6a81bf0-b56c-4077-8674-0a42df858615' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Joshua Smith 732,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:49231)
Update-MgUser -UserId 'c65e5b21-5ac6-46e7-8838-1e4026767224' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Charles Brown 765,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:51479)
Update-MgUser -UserId '8826ae29-79ca-4161-999e-429ab0c4854a' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Robert Campbell 773,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:52003)
Update-MgUser -UserId '3d1d5c98-0699-4699-8b61-06f972e1e8f3' -UserType 'Guest' -WhatIf:$WhatIf

# CN=David Smith 781,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:52520)
Update-MgUser -UserId 'df15ff27-c3fe-48e5-b2d4-55014253916f' -UserType 'Guest' -WhatIf:$WhatIf

# CN=William Bailey 783,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:52645)
Update-MgUser -UserId '55b1c8bb-ed61-4436-a154-0b0366be3d5a' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Michelle Adams 831,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:55927)
Update-MgUser -UserId '6477effd-3401-47ee-a557-de185dd3064e' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Charles Morris 847,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:56965)
Update-MgUser -UserId '144be2bc-84e7-4426-ad78-90e518aa0bfe' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Susan Thompson 856,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:57612)
Update-MgUser -UserId '764b073b-2abd-48f3-a707-4970a57f2817' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Hannah Hughes 868,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:58402)
Update-MgUser -UserId 'fcd43fa7-cbf5-41d6-bc83-4ac45711c25f' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Jessica Brown 887,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:59645)
Update-MgUser -UserId '3692ea29-e3d1-423a-9531-a1711590bdf6' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Joshua Clark 888,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:59702)
Update-MgUser -UserId 'de9b5a42-5226-4b6e-985e-6ed3c1c3cda2' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Michael Bailey 903,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:60755)
Update-MgUser -UserId '82e02ae0-e33a-4c5a-b94c-bb13a882df3c' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Nancy Rogers 953,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:64201)
Update-MgUser -UserId '5c65f40a-5deb-4719-b99e-459b169ffeae' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Lisa Baker 970,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:65304)
Update-MgUser -UserId '0956e7ef-e411-484d-a8e3-42156170509f' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Richard Kelly 979,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:65887)
Update-MgUser -UserId '1351b8f0-7e5d-4268-b585-479f7cc9e3cb' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Mark Cooper 981,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:66008)
Update-MgUser -UserId '34ae46e5-2d17-4cd9-9523-7e88cf6e2a79' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Linda Baker 564,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:37832)
Update-MgUser -UserId '5723b731-df91-4b9a-8843-bb5069d63175' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Oliver Phillips 660,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:44391)
Update-MgUser -UserId '3e8d607c-97ca-48c1-8644-c40394ed2da3' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Charles Anderson 948,OU=Partners,OU=External,DC=contoso,DC=com (was Member; guest_as_member, fixtures/example/onprem.ldf:63751)
Update-MgUser -UserId 'f0235b59-c2c7-421a-a97c-3c912d838a35' -UserType 'Guest' -WhatIf:$WhatIf

# CN=Lisa Weber 86,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:5539)
Update-MgUser -UserId '2ec798cf-e4e0-44f4-ba14-339b3a2422a2' -UserType 'Member' -WhatIf:$WhatIf

# CN=Andrew Smith 90,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:5796)
Update-MgUser -UserId '07390ff1-eb86-485a-806b-b8b5610747aa' -UserType 'Member' -WhatIf:$WhatIf

# CN=Linda Young 379,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:25158)
Update-MgUser -UserId '25c59cba-db24-4350-a758-8274f56a547e' -UserType 'Member' -WhatIf:$WhatIf

# CN=Jessica Bailey 433,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:28842)
Update-MgUser -UserId '6964f9ad-7a4b-46cb-bcd0-2ffa0aa0333d' -UserType 'Member' -WhatIf:$WhatIf

# CN=Emma Bailey 499,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:33316)
Update-MgUser -UserId '82917ef1-88ed-4860-8369-7aa1b69b3043' -UserType 'Member' -WhatIf:$WhatIf

# CN=Joshua Cook 532,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:35548)
Update-MgUser -UserId 'e2218a7e-8b82-45f5-8abd-22b2a9ec2ab2' -UserType 'Member' -WhatIf:$WhatIf

# CN=Sarah White 686,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:46062)
Update-MgUser -UserId '0d4a14b2-263e-4a55-a241-5050a290ab2d' -UserType 'Member' -WhatIf:$WhatIf

# CN=Andrew Cook 713,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:47983)
Update-MgUser -UserId 'a7863ce8-8570-42f7-a044-15e6a432a061' -UserType 'Member' -WhatIf:$WhatIf

# CN=Steven Smith 845,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:56833)
Update-MgUser -UserId '0919e25c-dbad-49df-94e3-dfbeaeca5e11' -UserType 'Member' -WhatIf:$WhatIf

# CN=James Peterson 913,OU=Employees,OU=Users,DC=contoso,DC=com (was Guest; member_as_guest, fixtures/example/onprem.ldf:61410)
Update-MgUser -UserId '2f21039e-bd03-422d-b62b-37b81d9f6526' -UserType 'Member' -WhatIf:$WhatIf
