// rfc2253_name: a certificate's distinguished name as text, exactly as Java's
// X500Principal.getName() writes it — which is what Kafka's principal mapping rules, ACLs and
// super.users see for an SSL client ("CN=alice,OU=eng,O=Example\, Inc.,C=NL").
//
// That form lists the RDNs last to first, joins them with ',' (and the parts of a multi-valued
// RDN with '+'); names the attributes RFC 2253 knows by keyword (CN, C, L, ST, O, OU, STREET, DC,
// UID) and any other by its dotted OID with the value as '#' and the hex of its DER encoding
// (emailAddress becomes 1.2.840.113549.1.9.1=#16...); escapes , = + < > # ; " \ with a backslash,
// a NUL as \00, and leading or trailing blanks. Pure; any thread.
#pragma once

#include <openssl/x509.h>

#include <string>

namespace sluice::net {

std::string rfc2253_name(const X509_NAME* name);

}  // namespace sluice::net
