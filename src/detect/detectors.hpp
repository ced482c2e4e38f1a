#pragma once
// The registered detectors, in the order they run, appear in the detection config and in the docs.
// A new detector is its folder (settings, detector, registration), a member in DetectionConfig and one
// line in detectors.cpp; the finding-type names, `detect defaults` and `detect types` follow from here.
#include <span>
#include <string>

#include "detect/engine/detector_registration.hpp"

namespace dnslens {

[[nodiscard]] std::span<const DetectorRegistration* const> registered_detectors();
// The registration entry of a finding type (each type is raised by exactly one detector).
[[nodiscard]] const FindingTypeInfo& finding_type_info(FindingType type);
// The docs' table of finding types and when they fire (markdown), with config's thresholds.
[[nodiscard]] std::string detector_table_markdown(const DetectionConfig& config);

}  // namespace dnslens
