#pragma once
// Random identifiers that tag what one process wrote (its findings), apart from every other's.
#include <string>

namespace dnslens {

// A version-4 UUID from the system's random source: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
[[nodiscard]] std::string random_uuid();

}  // namespace dnslens
