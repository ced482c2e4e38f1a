// dnslens_subdomain_dga on a real DuckDB: the score detection gives the subdomain's longest label, 0 for
// short labels, NULL for NULL, on every thread DuckDB splits the work over.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "detect/dga/default_dga_model.hpp"
#include "detect/name_features/name_signal_enricher.hpp"
#include "store/dga_functions.hpp"

namespace dnslens {
namespace {

TEST(DgaFunctions, ScoreTheLongestSubdomainLabelAsDetectionDoes) {
  DuckDatabase db(":memory:");
  DuckConnection conn = db.connect();
  const DgaModel& model = default_dga_model();
  register_dga_functions(conn, model);
  const std::vector<std::string> subdomains = {"mq3x9zk2v7b1pw8d4f0",           // a tunnel's encoded label
                                               "www",                           // too short to score
                                               "api.customer-portal-staging",   // a long dictionary label
                                               "a1.x8k2mq9zv3pw7bd0n5.chunk"};  // the longest label in the middle
  conn.exec("CREATE TABLE t (s VARCHAR)");
  for (const auto& s : subdomains) conn.exec("INSERT INTO t VALUES ('" + s + "')");
  conn.exec("INSERT INTO t SELECT s FROM t, range(5000)");  // enough rows for several threads
  DuckResult r = conn.query("SELECT s, dnslens_subdomain_dga(s)::DOUBLE, count(*) FROM t GROUP BY ALL ORDER BY s");
  ASSERT_EQ(r.rows(), subdomains.size());
  for (std::size_t row = 0; row < r.rows(); ++row) {
    const std::string s = *r.text(0, row);
    const double expected = subdomain_dga_score(model, s);
    EXPECT_NEAR(r.real(1, row), expected, 1e-6) << s;
    EXPECT_EQ(r.int64(2, row), 5001);
  }
  // What the function is for: a tunnel's label scores high, a dictionary label low, a short one 0.
  EXPECT_GT(subdomain_dga_score(model, "mq3x9zk2v7b1pw8d4f0"), 0.75f);
  EXPECT_GT(subdomain_dga_score(model, "a1.x8k2mq9zv3pw7bd0n5.chunk"), 0.75f);
  EXPECT_LT(subdomain_dga_score(model, "api.customer-portal-staging"), 0.5f);
  EXPECT_EQ(subdomain_dga_score(model, "www"), 0.0f);
  DuckResult n = conn.query("SELECT dnslens_subdomain_dga(NULL), dnslens_subdomain_dga('')::DOUBLE");
  EXPECT_FALSE(n.text(0, 0));
  EXPECT_EQ(n.real(1, 0), 0.0);
}

}  // namespace
}  // namespace dnslens
