# Copyright 2025-2026 jabberadmin developers
# Distributed under the terms of the Apache License 2.0

EAPI=8

inherit acct-group

DESCRIPTION="Group of the private slapd of jabberadmin"
ACCT_GROUP_ID=-1
