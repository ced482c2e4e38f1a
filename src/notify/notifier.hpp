#pragma once
#include <memory>

#include "notify/match_notifier.hpp"
#include "notify/notifier_config.hpp"

namespace dnslens {

std::unique_ptr<MatchNotifier> make_notifier(const NotifierConfig& config);

}  // namespace dnslens
