# Copyright 2025-2026 jabberadmin developers
# Distributed under the terms of the Apache License 2.0

EAPI=8

inherit cmake git-r3 systemd

DESCRIPTION="Calculate-style admin tools and XMPP server for an LDAP-backed Jabber service"
# Placeholders until the project is published: point git-r3 at a clone with
# EGIT_OVERRIDE_REPO_JABBERADMIN=file:///path/to/jabberadmin (in make.conf or the environment).
HOMEPAGE="https://example.org/jabberadmin"
EGIT_REPO_URI="https://example.org/jabberadmin.git"

LICENSE="Apache-2.0"
SLOT="0"
IUSE="imagemagick +server"

DEPEND="
	dev-cpp/cli11
	dev-cpp/tomlplusplus
	dev-libs/openssl:=
	media-libs/libjpeg-turbo:=
	net-dns/libidn:=
	net-dns/libidn2:=
	net-nds/openldap:=
	sys-libs/libxcrypt:=
	imagemagick? ( media-gfx/imagemagick:=[cxx] )
	server? (
		dev-db/sqlite:3
		dev-libs/boost:=
		dev-libs/expat
	)
"
# cl-setup ldap runs its own slapd: OpenLDAP with the server part.
RDEPEND="${DEPEND}
	acct-user/jabberadmin
	acct-user/jabberadmin-ldap
	net-nds/openldap[-minimal]
"
BDEPEND="
	sys-devel/gettext
	virtual/pkgconfig
"

src_configure() {
	local mycmakeargs=(
		-DJABBERADMIN_BUILD_TESTS=OFF
		-DJABBERADMIN_BUILD_BENCH=OFF
		-DJABBERADMIN_BUILD_SERVER=$(usex server)
		-DJABBERADMIN_WITH_MAGICK=$(usex imagemagick ON OFF)
		-DJABBERADMIN_SYSTEMD_UNITDIR="$(systemd_get_systemunitdir)"
	)
	cmake_src_configure
}

src_install() {
	cmake_src_install

	newinitd "${FILESDIR}"/jabberadmin-slapd.initd jabberadmin-slapd
	newconfd "${FILESDIR}"/jabberadmin-slapd.confd jabberadmin-slapd
	if use server; then
		newinitd "${FILESDIR}"/cl-jabberd.initd cl-jabberd
		newconfd "${FILESDIR}"/cl-jabberd.confd cl-jabberd
		# Calls' relay: net-im/coturn, when `cl-setup jabber --turn on` configured it.
		newinitd "${FILESDIR}"/jabberadmin-turn.initd jabberadmin-turn
	else
		rm "${ED}$(systemd_get_systemunitdir)"/cl-jabberd.service || die
		rm "${ED}$(systemd_get_systemunitdir)"/jabberadmin-turn.service || die
	fi
	# The OpenRC reload instead of the systemd one that CMake installed.
	insinto /etc/logrotate.d
	newins "${FILESDIR}"/jabberadmin.logrotate jabberadmin

	keepdir /var/lib/jabberadmin /var/log/jabber /var/log/jabberadmin
	fowners jabberadmin:jabberadmin /var/log/jabber /var/log/jabberadmin
	fperms 0750 /var/log/jabber /var/log/jabberadmin
}

pkg_postinst() {
	elog "Set up the directory and the service, as root:"
	elog "  cl-setup ldap && cl-setup jabber && cl-useradd -p alice jabber"
	elog "Then, under OpenRC:"
	elog "  rc-update add jabberadmin-slapd default && rc-update add cl-jabberd default"
	elog "  rc-service cl-jabberd start"
	elog "cl-setup starts the private slapd itself when systemd does not run the machine;"
	elog "the init script takes it over from the next boot (see cl-setup(8))."
	elog "Calls across NAT need a TURN relay: emerge net-im/coturn, then"
	elog "  cl-setup --turn on jabber && rc-update add jabberadmin-turn default && rc-service jabberadmin-turn start"
}
