#include "net/x509_name.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <string_view>
#include <vector>

namespace sluice::net {
namespace {

// The keywords RFC 2253 defines; every other attribute is written as its OID.
const char* keyword(int nid) {
  switch (nid) {
    case NID_commonName:
      return "CN";
    case NID_countryName:
      return "C";
    case NID_localityName:
      return "L";
    case NID_stateOrProvinceName:
      return "ST";
    case NID_organizationName:
      return "O";
    case NID_organizationalUnitName:
      return "OU";
    case NID_streetAddress:
      return "STREET";
    case NID_domainComponent:
      return "DC";
    case NID_userId:
      return "UID";
    default:
      return nullptr;
  }
}

bool is_string_type(int type) {
  switch (type) {
    case V_ASN1_UTF8STRING:
    case V_ASN1_PRINTABLESTRING:
    case V_ASN1_T61STRING:
    case V_ASN1_IA5STRING:
    case V_ASN1_GENERALSTRING:
    case V_ASN1_BMPSTRING:
      return true;
    default:
      return false;
  }
}

void append_hex(std::string& out, uint8_t b) {
  constexpr std::string_view digits = "0123456789abcdef";
  out += digits[b >> 4];
  out += digits[b & 0xf];
}

// '#' and the DER encoding (tag, length, contents) of a value, in lower-case hex.
std::string hex_value(const ASN1_STRING* value) {
  const int length = ASN1_STRING_length(value);
  std::vector<uint8_t> der{static_cast<uint8_t>(ASN1_STRING_type(value))};
  if (length < 0x80) {
    der.push_back(static_cast<uint8_t>(length));
  } else {
    std::vector<uint8_t> bytes;
    for (int n = length; n > 0; n >>= 8) bytes.insert(bytes.begin(), static_cast<uint8_t>(n));
    der.push_back(static_cast<uint8_t>(0x80 | bytes.size()));
    der.insert(der.end(), bytes.begin(), bytes.end());
  }
  const uint8_t* data = ASN1_STRING_get0_data(value);
  der.insert(der.end(), data, data + length);
  std::string out = "#";
  for (uint8_t b : der) append_hex(out, b);
  return out;
}

std::string escaped(std::string_view text) {
  constexpr std::string_view specials = ",=+<>#;\"\\";
  std::string out;
  for (char c : text) {
    if (c == '\0') {
      out += "\\00";
      continue;
    }
    if (specials.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  // Leading and trailing blanks (spaces and carriage returns) are escaped too.
  auto blank = [](char c) { return c == ' ' || c == '\r'; };
  size_t lead = 0;
  while (lead < out.size() && blank(out[lead])) ++lead;
  size_t trail = out.size();
  while (trail > lead && blank(out[trail - 1])) --trail;
  std::string result;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i < lead || i >= trail) result += '\\';
    result += out[i];
  }
  return result;
}

std::string attribute(const X509_NAME_ENTRY* entry) {
  const ASN1_OBJECT* object = X509_NAME_ENTRY_get_object(entry);
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(entry);
  const char* name = keyword(OBJ_obj2nid(object));
  std::string out;
  if (name == nullptr) {
    char oid[128];
    OBJ_obj2txt(oid, sizeof oid, object, /*no_name=*/1);
    out = oid;
  } else {
    out = name;
  }
  out += '=';
  if (name == nullptr || !is_string_type(ASN1_STRING_type(value))) return out + hex_value(value);
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, value);
  if (n < 0) return out + hex_value(value);
  out += escaped(std::string_view(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n)));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

std::string rfc2253_name(const X509_NAME* name) {
  // Entries in encoding order, grouped into RDNs by their set number; written last RDN first.
  std::vector<std::vector<std::string>> rdns;
  int previous_set = -1;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    int set = X509_NAME_ENTRY_set(entry);
    if (rdns.empty() || set != previous_set) rdns.emplace_back();
    previous_set = set;
    rdns.back().push_back(attribute(entry));
  }
  std::string out;
  for (auto rdn = rdns.rbegin(); rdn != rdns.rend(); ++rdn) {
    if (!out.empty()) out += ',';
    for (size_t i = 0; i < rdn->size(); ++i) {
      if (i > 0) out += '+';
      out += (*rdn)[i];
    }
  }
  return out;
}

}  // namespace sluice::net
