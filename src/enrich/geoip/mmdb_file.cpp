#include "enrich/geoip/mmdb_file.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "core/error.hpp"

namespace dnslens {

MmdbFile::MmdbFile(const std::string& path) : path_(path) {
  const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db_);
  if (status != MMDB_SUCCESS) {
    std::string reason = MMDB_strerror(status);
    if (status == MMDB_IO_ERROR) reason += std::string(": ") + std::strerror(errno);
    throw Error(ErrorCode::kConfig, path + ": not a readable MaxMind DB file (" + reason + ")");
  }
}

MmdbFile::~MmdbFile() { MMDB_close(&db_); }

std::string_view MmdbFile::database_type() const {
  return db_.metadata.database_type ? std::string_view(db_.metadata.database_type) : std::string_view();
}

bool MmdbFile::lookup(const IpAddress& ip, MMDB_entry_s& entry) const {
  sockaddr_storage storage{};
  if (!ip.v6) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, ip.bytes.data(), 4);
  } else {
    if (!has_ipv6()) return false;  // an IPv4-only file has nothing to say about IPv6
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, ip.bytes.data(), 16);
  }
  int error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&db_, reinterpret_cast<const sockaddr*>(&storage), &error);
  if (error != MMDB_SUCCESS || !result.found_entry) return false;
  entry = result.entry;
  return true;
}

std::string_view MmdbFile::string_at(MMDB_entry_s& entry, const char* const* path) const {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING) {
    return {};
  }
  return {data.utf8_string, data.data_size};  // points into the mapped file
}

std::string_view MmdbFile::country(const IpAddress& ip) const {
  MMDB_entry_s entry{};
  if (!lookup(ip, entry)) return {};
  static const char* const kFlat[] = {"country_code", nullptr};
  static const char* const kMaxMind[] = {"country", "iso_code", nullptr};
  static const char* const kRegistered[] = {"registered_country", "iso_code", nullptr};
  for (const char* const* path : {kFlat, kMaxMind, kRegistered}) {
    const std::string_view code = string_at(entry, path);
    if (code.size() == 2) return code;
  }
  return {};
}

std::optional<AsnInfo> MmdbFile::asn(const IpAddress& ip) const {
  MMDB_entry_s entry{};
  if (!lookup(ip, entry)) return std::nullopt;
  static const char* const kNumber[] = {"autonomous_system_number", nullptr};
  static const char* const kOrg[] = {"autonomous_system_organization", nullptr};
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&entry, &data, kNumber) != MMDB_SUCCESS || !data.has_data) return std::nullopt;
  std::uint32_t number = 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      number = data.uint16;
      break;
    case MMDB_DATA_TYPE_UINT32:
      number = data.uint32;
      break;
    case MMDB_DATA_TYPE_UINT64:
      number = static_cast<std::uint32_t>(data.uint64);
      break;
    case MMDB_DATA_TYPE_INT32:
      number = static_cast<std::uint32_t>(data.int32);
      break;
    default:
      return std::nullopt;
  }
  if (number == 0) return std::nullopt;
  return AsnInfo{number, string_at(entry, kOrg)};
}

}  // namespace dnslens
