# Copyright 2025-2026 jabberadmin developers
# Distributed under the terms of the Apache License 2.0

EAPI=8

inherit acct-user

DESCRIPTION="User of the private slapd of jabberadmin"
ACCT_USER_ID=-1
ACCT_USER_HOME=/var/lib/jabberadmin/ldap
ACCT_USER_HOME_PERMS=0750
ACCT_USER_GROUPS=( jabberadmin-ldap )

acct-user_add_deps
