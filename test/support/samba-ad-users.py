# Creates the test users, groups and password settings in a freshly provisioned Samba AD DC, in one
# process and before the DC starts (each samba-tool call costs ~0.7 s of Python start-up).
# Run with /usr/bin/python3 (it has Samba's bindings): samba-ad-users.py SMB_CONF < spec.json
#
# spec: {"users": [{"sam", "cn", "password", "upn"?, "mail"?, "displayName"?, "state"?}],
#        "groups": [{"cn", "members": [cn of users or groups]}]}
# state: normal | disabled | must-change | password-expired | account-expired | logon-hours |
#        workstation | lockable (a PSO with lockout threshold 3 applies to this user only)
import json
import sys

import ldb
from samba import dsdb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB

lp = LoadParm()
lp.load(sys.argv[1])
spec = json.load(sys.stdin)
db = SamDB(url=lp.private_path('sam.ldb'), session_info=system_session(), lp=lp)
base = str(db.domain_dn())
users_ou = 'CN=Users,' + base


def rdn(value):
    """RFC 4514 escaping of one RDN value."""
    dn = ldb.Dn(db, 'CN=x')
    dn.set_component(0, 'CN', value)
    return str(dn)


def by_sam(sam):
    return '(sAMAccountName=%s)' % ldb.binary_encode(sam)


dns = {}
for user in spec['users']:
    dn = '%s,%s' % (rdn(user['cn']), users_ou)
    dns[user['cn']] = dn
    entry = {'dn': dn, 'objectClass': 'user', 'sAMAccountName': user['sam']}
    for key, attr in (('upn', 'userPrincipalName'), ('mail', 'mail'), ('displayName', 'displayName')):
        if user.get(key):
            entry[attr] = user[key]
    db.add(entry)
    db.setpassword(by_sam(user['sam']), user['password'],
                   force_change_at_next_login=user.get('state') == 'must-change')
    db.enable_account(by_sam(user['sam']))

for group in spec['groups']:
    dn = '%s,%s' % (rdn(group['cn']), users_ou)
    dns[group['cn']] = dn
    db.add({'dn': dn, 'objectClass': 'group', 'sAMAccountName': group['sam']})
for group in spec['groups']:
    m = ldb.Message(ldb.Dn(db, dns[group['cn']]))
    m['member'] = ldb.MessageElement([dns[name] for name in group['members']], ldb.FLAG_MOD_ADD, 'member')
    db.modify(m)


def replace(user, attr, value):
    m = ldb.Message(ldb.Dn(db, dns[user['cn']]))
    m[attr] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, attr)
    db.modify(m)


backdate = []
lockable = []
for user in spec['users']:
    state = user.get('state', 'normal')
    if state == 'disabled':
        db.disable_account(by_sam(user['sam']))
    elif state == 'account-expired':
        replace(user, 'accountExpires', '132223104000000000')  # 2020-01-01
    elif state == 'logon-hours':
        replace(user, 'logonHours', bytes(21))
    elif state == 'workstation':
        replace(user, 'userWorkstations', 'OTHERPC')
    elif state == 'password-expired':
        backdate.append(user)
    elif state == 'lockable':
        lockable.append(dns[user['cn']])

if lockable:
    # Lock only dedicated users: the domain threshold stays 0 so wrong passwords never lock others.
    db.add({
        'dn': 'CN=lockout-after-3,CN=Password Settings Container,CN=System,' + base,
        'objectClass': 'msDS-PasswordSettings',
        'msDS-PasswordSettingsPrecedence': '1',
        'msDS-PasswordReversibleEncryptionEnabled': 'FALSE',
        'msDS-PasswordHistoryLength': '0',
        'msDS-PasswordComplexityEnabled': 'FALSE',
        'msDS-MinimumPasswordLength': '1',
        'msDS-MinimumPasswordAge': '0',
        'msDS-MaximumPasswordAge': '-3628800000000',  # 42 days, as the domain
        'msDS-LockoutThreshold': '3',
        'msDS-LockoutObservationWindow': '-18000000000',  # 30 min
        'msDS-LockoutDuration': '-18000000000',
        'msDS-PSOAppliesTo': lockable,
    })

if backdate:
    # pwdLastSet only takes 0 or -1 through the DSDB modules: write the partition file directly.
    partition = lp.private_path('sam.ldb.d/%s.ldb' % base.upper())
    raw = ldb.Ldb(url=partition, options=['modules:'])
    sixty_days = 60 * 86400 * 10**7
    for user in backdate:
        res = raw.search(expression=by_sam(user['sam']), attrs=['pwdLastSet'])
        m = ldb.Message(res[0].dn)
        value = str(int(str(res[0]['pwdLastSet'][0])) - sixty_days)
        m['pwdLastSet'] = ldb.MessageElement(value, ldb.FLAG_MOD_REPLACE, 'pwdLastSet')
        raw.modify(m)

print(json.dumps({'base': base, 'dns': dns}))
