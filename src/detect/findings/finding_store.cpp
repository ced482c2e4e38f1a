#include "detect/findings/finding_store.hpp"

#include <algorithm>
#include <tuple>

namespace dnslens {

void FindingStore::emit(Finding f) {
  ++stats_.emitted;
  std::string key = f.key();
  auto it = index_.find(key);
  if (it == index_.end()) {
    if (findings_.size() >= max_findings_) {
      ++stats_.dropped;
      return;
    }
    if (f.evidence.size() > max_evidence_) f.evidence.resize(max_evidence_);
    ++stats_.by_type[static_cast<std::size_t>(f.type)];
    index_.emplace(std::move(key), findings_.size());
    findings_.push_back(std::move(f));
    announced_.push_back(false);
    announce_if_due(findings_.size() - 1);
    return;
  }
  ++stats_.merged;
  Finding& known = findings_[it->second];
  known.first_seen_ms = std::min(known.first_seen_ms, f.first_seen_ms);
  known.last_seen_ms = std::max(known.last_seen_ms, f.last_seen_ms);
  known.events += f.events;
  known.occurrences += f.occurrences;
  known.confidence = std::max(known.confidence, f.confidence);
  // The explanation and metrics are the strongest detection's: the higher score, or a higher severity
  // (which an announcement at a severity threshold must explain).
  const bool stronger = f.score > known.score || f.severity > known.severity;
  known.severity = std::max(known.severity, f.severity);
  known.score = std::max(known.score, f.score);
  if (stronger) {
    known.explanation = std::move(f.explanation);
    known.metrics_json = std::move(f.metrics_json);
  }
  for (auto& e : f.evidence) {
    if (known.evidence.size() >= max_evidence_) break;
    known.evidence.push_back(std::move(e));
  }
  announce_if_due(it->second);  // a repeat may have raised it to the threshold
}

void FindingStore::announce_if_due(std::size_t i) {
  if (!announce_ || announced_[i] || findings_[i].severity < announce_min_) return;
  announced_[i] = true;
  announce_(findings_[i]);
}

std::vector<Finding> FindingStore::sorted() const {
  std::vector<Finding> out = findings_;
  std::sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.first_seen_ms, a.type, a.entity.source, a.domain) <
           std::tie(b.first_seen_ms, b.type, b.entity.source, b.domain);
  });
  return out;
}

}  // namespace dnslens
