// Every dashboard panel: the commercial app's four dashboards panel for panel (README.md, Dashboards),
// plus dnslens's findings. `q` is route53query with the request's range and filters applied, `f` the
// findings overlapping the range; {bucket} is the time-series bucket. Each panel's ClickHouse SQL sits
// beside its DuckDB SQL where the two dialects differ (countIf for FILTER, explicit GROUP BY keys, ARRAY
// JOIN for unnest, arithmetic buckets for time_bucket), written to give the same rows.
#include "serve/dashboard.hpp"

namespace dnslens {

namespace {

// Counts per bucket against the mean and deviation of the previous 12 buckets: a bucket above
// mean + 3 deviations (and at least 5) is an outlier, the rolling test the commercial app uses. The
// deviation is at least sqrt(mean) (counts are Poisson-like), so a flat series does not flag noise.
// The history reaches back before the range (qh: the records of the 12 buckets before it as well), so
// the range's first bucket is compared with the hours before it, not with nothing. History is whole
// buckets from the first one the store covers entirely ({history_start}: before the first stored record
// nothing was logged, which is not zero queries, and its own bucket is only partly logged); a bucket with
// fewer than 3 buckets of history is never an outlier. Every bucket here is whole, the range's first
// one included.
#define DNSLENS_OUTLIER_SQL(CONDITION)                                                                        \
  "WITH b AS (SELECT unnest(range(time_bucket({bucket}, {history_from}), {to}, {bucket})) AS t), "            \
  "c AS (SELECT time_bucket({bucket}, query_ts) AS t, count(*) AS n FROM qh WHERE " CONDITION                 \
  " GROUP BY 1), "                                                                                            \
  "s AS (SELECT b.t, coalesce(c.n, 0) AS n, CASE WHEN b.t >= {history_start} THEN coalesce(c.n, 0) END AS h " \
  "FROM b LEFT JOIN c USING (t)), "                                                                           \
  "w AS (SELECT t, n, avg(h) OVER r AS mean, coalesce(stddev_pop(h) OVER r, 0) AS sd, count(h) OVER r AS "    \
  "history FROM s WINDOW r AS (ORDER BY t ROWS BETWEEN 12 PRECEDING AND 1 PRECEDING)) "                       \
  "SELECT t, n, round(coalesce(mean, 0), 2) AS mean, "                                                        \
  "round(coalesce(mean, 0) + 3 * greatest(sd, sqrt(coalesce(mean, 0))), 2) AS upper, "                        \
  "(history >= 3 AND n >= 5 AND n > coalesce(mean, 0) + 3 * greatest(sd, sqrt(coalesce(mean, 0)))) AS "       \
  "outlier FROM w WHERE t >= time_bucket({bucket}, {from}) ORDER BY t"

// IPv4 answers (A records) by the country dnslens_country() places them in, looked up once per distinct
// address.
#define DNSLENS_GEO_SQL(CONDITION)                                                                              \
  "SELECT country, sum(n)::BIGINT AS answers FROM (SELECT dnslens_country(ip) AS country, n FROM (SELECT "      \
  "a.Rdata AS ip, count(*) AS n FROM (SELECT unnest(answers) AS a FROM q WHERE query_type = 'A' AND " CONDITION \
  ") WHERE a.Type = 'A' GROUP BY 1)) WHERE country IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1"

// The first address a query resolved to (A or AAAA), for its AS.
#define DNSLENS_FIRST_ADDRESS "list_filter(answers, lambda a: a.Type IN ('A', 'AAAA'))[1].Rdata"

// What counts as a firewall hit and a threat-intel hit, for every panel that filters on them.
#define DNSLENS_FIREWALL_HIT "firewall_rule_action IN ('ALERT', 'BLOCK')"
#define DNSLENS_THREAT_HIT "threat_indicator IS NOT NULL"
// The indicator kinds that are addresses (threat_indicator_type: indicator_kind_name()).
#define DNSLENS_IP_INDICATOR "threat_indicator_type IN ('ipv4', 'ipv6', 'ipv4-cidr', 'ipv6-cidr')"
// A name's domain for the domain panels: its registered domain, or the name itself when it has none (a
// public suffix such as s3.amazonaws.com, a single-label name).
#define DNSLENS_DOMAIN "coalesce(registered_domain, query_name_normalized)"

// ClickHouse: a time's bucket as time_bucket() aligns it (from 2000-01-03 UTC, a Monday); toDateTime()
// also takes a DateTime64.
#define DNSLENS_CH_BUCKET(COLUMN) \
  "toDateTime(intDiv(toUInt32(toDateTime(" COLUMN ")) - 946857600, {bucket_s}) * {bucket_s} + 946857600, 'UTC')"
// ClickHouse: X rounded to SCALE (10, 100, 1000) with ties away from zero, as DuckDB's round() (current
// ClickHouse rounds a float's ties to even; X is never negative here).
#define DNSLENS_CH_ROUND(X, SCALE) "floor((" X ") * " SCALE " + 0.5) / " SCALE
// ClickHouse: count(*) FILTER (C), 0 over no rows where C may be NULL (18.16 gives NULL then).
#define DNSLENS_CH_COUNT_IF(C) "countIf(ifNull(" C ", 0))"
// ClickHouse: count(DISTINCT x) that is 0, not NULL, when every x is NULL (as on 18.16).
#define DNSLENS_CH_DISTINCT(X) "ifNull(uniqExact(" X "), 0)"
// ClickHouse: the summary panel.
#define DNSLENS_CH_SUMMARY_SQL \
  "SELECT count() AS queries, " DNSLENS_CH_DISTINCT("registered_domain") " AS domains, " DNSLENS_CH_DISTINCT(      \
      "source") " AS sources, " DNSLENS_CH_ROUND("100.0 * " DNSLENS_CH_COUNT_IF("rcode = 'NXDOMAIN'")              \
                                                 " / greatest(count(), 1)",                                         \
                                                 "10") " AS nxdomain_pct, " DNSLENS_CH_COUNT_IF(DNSLENS_THREAT_HIT) \
      " AS threat_hits, " DNSLENS_CH_COUNT_IF(DNSLENS_FIREWALL_HIT) " AS alerted_or_blocked FROM {q}"
// ClickHouse: the summary panel from traffic_hour (ClickHouse's aliases are the query's: an aggregate
// named as the rollup's column it reads could not be read again in another).
#define DNSLENS_CH_ROLLUP_SUMMARY_SQL \
  "SELECT n AS queries, domains, sources, " DNSLENS_CH_ROUND("100.0 * nx / greatest(n, 1)",                    \
                                                             "10") " AS nxdomain_pct, t AS threat_hits, ab AS " \
                                                                   "alerted_or_blocked FROM (SELECT "           \
                                                                   "countMerge(queries) AS n, "                 \
  "uniqExactIf(domain_key, registered = 1) AS domains, uniqExactIf(source_key, source_key != '') AS sources, "  \
  "sumMerge(nxdomain) AS nx, sumMerge(threat_hits) AS t, sumMerge(alerted) + sumMerge(blocked) AS ab FROM "     \
  "{rollup})"
// ClickHouse: the DNS Firewall summary panel, over the records a firewall rule matched (the others count
// nowhere in it): the sources are then read only where those are.
#define DNSLENS_CH_FW_SUMMARY_SQL \
  "SELECT " DNSLENS_CH_COUNT_IF("firewall_rule_action = 'ALERT'") " AS alerted, " DNSLENS_CH_COUNT_IF(           \
      "firewall_rule_action = 'BLOCK'") " AS blocked, " DNSLENS_CH_DISTINCT("firewall_rule_group_id")            \
      " AS rule_groups, ifNull(uniqExactIf(source, " DNSLENS_FIREWALL_HIT "), 0) AS sources FROM {q} WHERE "      \
      "isNotNull(firewall_rule_action) OR isNotNull(firewall_rule_group_id)"
// ClickHouse: the answers of the records, one row each (ip, ty).
#define DNSLENS_CH_ANSWERS "{q} ARRAY JOIN answers.Rdata AS ip, answers.Type AS ty"
// ClickHouse: the first A or AAAA answer (NULL without one).
#define DNSLENS_CH_FIRST_ADDRESS                                                               \
  "if(empty(arrayFilter((r, ty) -> ty IN ('A', 'AAAA'), answers.Rdata, answers.Type)), NULL, " \
  "arrayFilter((r, ty) -> ty IN ('A', 'AAAA'), answers.Rdata, answers.Type)[1])"
// ClickHouse: the answers by IPv4 address, which dnslens places in countries (PanelPost::kCountries).
#define DNSLENS_CH_GEO_SQL(CONDITION)                                                                      \
  "SELECT ip, count() AS n FROM " DNSLENS_CH_ANSWERS " WHERE query_type = 'A' AND ty = 'A' AND " CONDITION \
  " GROUP BY ip"
// ClickHouse: the counts per bucket of the history and the range, for the outlier test (PanelPost::kOutlier).
#define DNSLENS_CH_OUTLIER_SQL(CONDITION) \
  "SELECT " DNSLENS_CH_BUCKET("query_ts") " AS t, count() AS n FROM {qh} WHERE " CONDITION " GROUP BY t ORDER BY t"

// ClickHouse: the same counts from vpc_minute's COLUMN (buckets without any left out, as above).
#define DNSLENS_CH_ROLLUP_OUTLIER_SQL(COLUMN) \
  "SELECT " DNSLENS_CH_BUCKET("minute") " AS t, sum(" COLUMN ") AS n FROM {rollup} GROUP BY t HAVING n > 0 ORDER BY t"

// The panels kept apart for alerted and for blocked queries: ID "alert" or "block", ACTION the logged
// firewall_rule_action, WHAT the words of the title.
// COLUMN: vpc_minute's count of them.
#define DNSLENS_FIREWALL_OUTLIER(ID, ACTION, WHAT, COLUMN)                                                           \
  PanelDef {                                                                                                         \
    "fw_" ID "_outlier", "Anomalies within " WHAT " queries", PanelChart::kOutlier,                                  \
        DNSLENS_OUTLIER_SQL("firewall_rule_action = '" ACTION "'"), "",                                              \
        DNSLENS_CH_OUTLIER_SQL("firewall_rule_action = '" ACTION "'"), PanelPost::kOutlier, PanelRollup::kVpcMinute, \
        DNSLENS_CH_ROLLUP_OUTLIER_SQL(COLUMN)                                                                        \
  }
#define DNSLENS_FIREWALL_SOURCE_TIME(ID, ACTION, WHAT)                                                            \
  PanelDef {                                                                                                      \
    "fw_" ID "_source_time", WHAT " queries by instance over time", PanelChart::kLine,                          \
        "SELECT time_bucket({bucket}, query_ts) AS t, source AS series, count(*) AS n FROM q "                  \
        "WHERE firewall_rule_action = '" ACTION "' GROUP BY ALL ORDER BY 1, 2",                                 \
        "",                                                                                                     \
        "SELECT " DNSLENS_CH_BUCKET("query_ts") " AS t, source AS series, count() AS n FROM {q} "               \
        "WHERE firewall_rule_action = '" ACTION "' GROUP BY t, series ORDER BY t, series" \
  }
// COLUMN: traffic_hour's count of them.
#define DNSLENS_FIREWALL_TOP_DOMAINS(ID, ACTION, WHAT, COLUMN)                                                   \
  PanelDef {                                                                                                     \
    "fw_" ID "_top_domains", "Top 10 " WHAT " domains", PanelChart::kBar,                                        \
        "SELECT " DNSLENS_DOMAIN " AS domain, count(*) AS queries FROM q WHERE firewall_rule_action = '" ACTION  \
        "' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",                                                              \
        "domain",                                                                                                \
        "SELECT " DNSLENS_DOMAIN " AS domain, count() AS queries FROM {q} WHERE firewall_rule_action = '" ACTION \
        "' GROUP BY domain ORDER BY queries DESC, domain LIMIT 10",                                              \
        PanelPost::kNone, PanelRollup::kTrafficHour,                                                             \
        "SELECT domain, n AS queries FROM (SELECT nullIf(domain_key, '') AS domain, sumMerge(" COLUMN            \
        ") AS n "                                                                                                \
        "FROM {rollup} GROUP BY domain HAVING n > 0) ORDER BY queries DESC, domain LIMIT 10"                     \
  }
#define DNSLENS_FIREWALL_BY_RULE(ID, ACTION, WHAT)                                                          \
  PanelDef {                                                                                                \
    "fw_" ID "_by_rule", WHAT " queries by rule group and domain list", PanelChart::kTable,                 \
        "SELECT firewall_rule_group_id AS rule_group, firewall_domain_list_id AS domain_list, count(*) AS " \
        "queries FROM q WHERE firewall_rule_action = '" ACTION                                              \
        "' GROUP BY ALL ORDER BY queries DESC, rule_group, domain_list LIMIT 50",                           \
        "",                                                                                                 \
        "SELECT firewall_rule_group_id AS rule_group, firewall_domain_list_id AS domain_list, count() AS "  \
        "queries FROM {q} WHERE firewall_rule_action = '" ACTION                                            \
        "' GROUP BY rule_group, domain_list ORDER BY queries DESC, rule_group, domain_list LIMIT 50"        \
  }
#define DNSLENS_FIREWALL_BY_SOURCE(ID, ACTION, WHAT, COLUMN)                                      \
  PanelDef {                                                                                      \
    "fw_" ID "_by_source", WHAT " queries by instance and source address", PanelChart::kTable,    \
        "SELECT source, srcids.instance AS instance, srcaddr, count(*) AS queries FROM q WHERE "  \
        "firewall_rule_action = '" ACTION                                                         \
        "' GROUP BY ALL ORDER BY queries DESC, source, instance, srcaddr "                        \
        "LIMIT 50",                                                                               \
        "source",                                                                                 \
        "SELECT source, srcids.instance AS instance, srcaddr, count() AS queries FROM {q} WHERE " \
        "firewall_rule_action = '" ACTION                                                         \
        "' GROUP BY source, instance, srcaddr ORDER BY queries DESC, "                            \
        "source, instance, srcaddr LIMIT 50",                                                     \
        PanelPost::kNone, PanelRollup::kTrafficHour,                                              \
        "SELECT source, instance, srcaddr, n AS queries FROM (SELECT nullIf(source_key, '') AS "  \
        "source, nullIf(instance_key, '') AS instance, nullIf(srcaddr_key, '') AS srcaddr, "      \
        "sumMerge(" COLUMN                                                                        \
        ") AS n FROM {rollup} GROUP BY source, instance, srcaddr HAVING n > "                     \
        "0) ORDER BY queries DESC, source, instance, srcaddr LIMIT 50"                            \
  }

std::vector<PanelDef> make_panels() {
  return {
      // Overview and shared panels.
      {"summary", "Queries", PanelChart::kStat,
       "SELECT count(*) AS queries, count(DISTINCT registered_domain) AS domains, count(DISTINCT source) AS sources, "
       "round(100.0 * count(*) FILTER (rcode = 'NXDOMAIN') / greatest(count(*), 1), 1) AS nxdomain_pct, "
       "count(*) FILTER (" DNSLENS_THREAT_HIT ") AS threat_hits, "
       "count(*) FILTER (" DNSLENS_FIREWALL_HIT ") AS alerted_or_blocked FROM q",
       "", DNSLENS_CH_SUMMARY_SQL, PanelPost::kNone, PanelRollup::kTrafficHour, DNSLENS_CH_ROLLUP_SUMMARY_SQL},
      {"geo", "IPv4 resolution by geo location", PanelChart::kMap, DNSLENS_GEO_SQL("TRUE"), "country",
       DNSLENS_CH_GEO_SQL("1"), PanelPost::kCountries},
      {"top_domains", "Top 10 queried domains", PanelChart::kBar,
       "SELECT " DNSLENS_DOMAIN " AS domain, count(*) AS queries FROM q WHERE " DNSLENS_DOMAIN " IS NOT NULL "
       "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
       "domain",
       "SELECT " DNSLENS_DOMAIN " AS domain, count() AS queries FROM {q} WHERE domain IS NOT NULL "
       "GROUP BY domain ORDER BY queries DESC, domain LIMIT 10",
       PanelPost::kNone, PanelRollup::kTrafficHour,
       "SELECT domain_key AS domain, countMerge(queries) AS queries FROM {rollup} WHERE domain != '' GROUP BY domain "
       "ORDER BY queries DESC, domain LIMIT 10"},
      {"least_domains", "Least 10 queried domains", PanelChart::kBar,
       "SELECT " DNSLENS_DOMAIN " AS domain, count(*) AS queries FROM q WHERE " DNSLENS_DOMAIN " IS NOT NULL "
       "GROUP BY 1 ORDER BY 2, 1 LIMIT 10",
       "domain",
       "SELECT " DNSLENS_DOMAIN " AS domain, count() AS queries FROM {q} WHERE domain IS NOT NULL "
       "GROUP BY domain ORDER BY queries, domain LIMIT 10",
       PanelPost::kNone, PanelRollup::kTrafficHour,
       "SELECT domain_key AS domain, countMerge(queries) AS queries FROM {rollup} WHERE domain != '' GROUP BY domain "
       "ORDER BY queries, domain LIMIT 10"},
      {"type_time", "Queries over time by type", PanelChart::kLine,
       "SELECT time_bucket({bucket}, query_ts) AS t, query_type AS series, count(*) AS n FROM q GROUP BY ALL ORDER BY "
       "1, 2",
       "",
       "SELECT " DNSLENS_CH_BUCKET("query_ts") " AS t, query_type AS series, count() AS n FROM {q} GROUP BY t, series "
                                               "ORDER BY t, series"},
      {"vpc_time", "Queries over time by VPC", PanelChart::kLine,
       "SELECT time_bucket({bucket}, query_ts) AS t, vpc_id AS series, count(*) AS n FROM q GROUP BY ALL ORDER BY 1, 2",
       "",
       "SELECT " DNSLENS_CH_BUCKET("query_ts") " AS t, vpc_id AS series, count() AS n FROM {q} GROUP BY t, series "
                                               "ORDER BY t, series",
       PanelPost::kNone, PanelRollup::kVpcMinute,
       // The rollup's key is '' for a record without a VPC, which the stores keep as NULL (never '').
       "SELECT " DNSLENS_CH_BUCKET("minute") " AS t, nullIf(vpc_key, '') AS series, sum(queries) AS n FROM {rollup} "
                                             "GROUP BY t, series ORDER BY t, series"},
      {"by_source", "Queries by instance ID and source address", PanelChart::kTable,
       "SELECT source, srcids.instance AS instance, srcaddr, vpc_id, count(*) AS queries FROM q GROUP BY ALL "
       "ORDER BY queries DESC, source, instance, srcaddr, vpc_id LIMIT 50",
       "source",
       "SELECT source, srcids.instance AS instance, srcaddr, vpc_id, count() AS queries FROM {q} GROUP BY source, "
       "instance, srcaddr, vpc_id ORDER BY queries DESC, source, instance, srcaddr, vpc_id LIMIT 50",
       PanelPost::kNone, PanelRollup::kTrafficHour,
       "SELECT nullIf(source_key, '') AS source, nullIf(instance_key, '') AS instance, nullIf(srcaddr_key, '') AS "
       "srcaddr, nullIf(vpc_key, '') AS vpc_id, countMerge(queries) AS queries FROM {rollup} GROUP BY source, "
       "instance, "
       "srcaddr, vpc_id ORDER BY queries DESC, source, instance, srcaddr, vpc_id LIMIT 50"},
      // One row per domain (a tunnel's thousands of random names are one row, with an example), names
      // dnslens marks as benign noise (EC2 and other cloud hostnames) left out. dga_score is the
      // registered domain's (the store keeps no score of the labels under it).
      {"entropy", "Top 50 highest-entropy domains", PanelChart::kTable,
       // example_dga_score: of the example's most machine-looking label, the registered one (a DGA's) or
       // the longest subdomain label (a tunnel's), scored only for the 50 rows shown. The example is the
       // highest-entropy name, the last in order among equals.
       "SELECT domain, ex.name AS example, entropy, names, queries, round(greatest(ex.dga, "
       "coalesce(dnslens_subdomain_dga(ex.subdomain), 0)), 3) AS example_dga_score FROM (SELECT " DNSLENS_DOMAIN
       " AS domain, arg_max({'name': query_name_normalized, 'subdomain': subdomain, 'dga': dga_score}, "
       "(name_entropy, query_name_normalized)) AS ex, round(max(name_entropy), 3) AS "
       "entropy, count(DISTINCT query_name_normalized) AS names, count(*) AS queries FROM q WHERE "
       "query_name_normalized IS NOT NULL AND NOT coalesce(benign_noise, false) GROUP BY 1 ORDER BY entropy DESC, "
       "domain LIMIT 50) ORDER BY entropy DESC, domain",
       "domain",
       "SELECT domain, tupleElement(ex, 1) AS example, entropy, names, queries, tupleElement(ex, 3) AS example_dga, "
       "tupleElement(ex, 2) AS example_subdomain FROM (SELECT " DNSLENS_DOMAIN
       " AS domain, argMax(tuple(query_name_normalized, subdomain, dga_score), tuple(name_entropy, "
       "query_name_normalized)) AS ex, " DNSLENS_CH_ROUND(
           "max(name_entropy)", "1000") " AS entropy, "
                                        "uniqExact(query_name_normalized) AS names, count() AS queries FROM {q} WHERE "
                                        "query_name_normalized IS NOT "
                                        "NULL AND NOT ifNull(benign_noise, 0) GROUP BY domain ORDER BY entropy DESC, "
                                        "domain LIMIT 50) ORDER BY "
                                        "entropy DESC, domain",
       PanelPost::kSubdomainDga},
      {"threat_total", "Threat-intel hits", PanelChart::kStat,
       "SELECT count(*) AS threat_hits, count(DISTINCT threat_indicator) AS indicators, count(DISTINCT source) AS "
       "sources "
       "FROM q WHERE " DNSLENS_THREAT_HIT,
       "",
       "SELECT count() AS threat_hits, " DNSLENS_CH_DISTINCT("threat_indicator") " AS indicators, " DNSLENS_CH_DISTINCT(
           "source") " AS sources FROM {q} WHERE " DNSLENS_THREAT_HIT},
      {"threats_time", "Threats over time", PanelChart::kLine,
       "SELECT time_bucket({bucket}, query_ts) AS t, 'threat hits' AS series, count(*) AS n FROM q "
       "WHERE " DNSLENS_THREAT_HIT " GROUP BY ALL ORDER BY 1",
       "",
       "SELECT " DNSLENS_CH_BUCKET("query_ts") " AS t, 'threat hits' AS series, count() AS n FROM {q} "
                                               "WHERE " DNSLENS_THREAT_HIT " GROUP BY t ORDER BY t"},
      {"threat_outlier", "Threat outliers", PanelChart::kOutlier, DNSLENS_OUTLIER_SQL(DNSLENS_THREAT_HIT), "",
       DNSLENS_CH_OUTLIER_SQL(DNSLENS_THREAT_HIT), PanelPost::kOutlier},
      // Alerted and blocked queries apart, panel for panel as the commercial app keeps them: a handful of
      // blocks beside thousands of alerts would vanish from a merged panel.
      DNSLENS_FIREWALL_OUTLIER("alert", "ALERT", "alerted", "alerted"),
      DNSLENS_FIREWALL_OUTLIER("block", "BLOCK", "blocked", "blocked"),
      DNSLENS_FIREWALL_SOURCE_TIME("alert", "ALERT", "Alerted"),
      DNSLENS_FIREWALL_SOURCE_TIME("block", "BLOCK", "Blocked"),
      DNSLENS_FIREWALL_TOP_DOMAINS("alert", "ALERT", "alerted", "alerted"),
      DNSLENS_FIREWALL_TOP_DOMAINS("block", "BLOCK", "blocked", "blocked"),

      // Resolver DNS Firewall.
      {"fw_summary", "DNS Firewall", PanelChart::kStat,
       "SELECT count(*) FILTER (firewall_rule_action = 'ALERT') AS alerted, "
       "count(*) FILTER (firewall_rule_action = 'BLOCK') AS blocked, "
       "count(DISTINCT firewall_rule_group_id) AS rule_groups, "
       "count(DISTINCT source) FILTER (" DNSLENS_FIREWALL_HIT ") AS sources FROM q",
       "", DNSLENS_CH_FW_SUMMARY_SQL},
      {"fw_geo", "Alerted queries: IPv4 resolution by geo location", PanelChart::kMap,
       DNSLENS_GEO_SQL("firewall_rule_action = 'ALERT'"), "country",
       DNSLENS_CH_GEO_SQL("firewall_rule_action = 'ALERT'"), PanelPost::kCountries},
      DNSLENS_FIREWALL_BY_RULE("alert", "ALERT", "Alerted"),
      DNSLENS_FIREWALL_BY_RULE("block", "BLOCK", "Blocked"),
      DNSLENS_FIREWALL_BY_SOURCE("alert", "ALERT", "Alerted", "alerted"),
      DNSLENS_FIREWALL_BY_SOURCE("block", "BLOCK", "Blocked", "blocked"),
      {"fw_drift", "Simulated policy against the logged firewall", PanelChart::kTable,
       "SELECT coalesce(firewall_rule_action, 'none') AS logged, firewall_sim_action AS simulated, "
       "firewall_sim_rule AS rule, count(*) AS queries FROM q WHERE firewall_sim_action IS NOT NULL "
       "AND coalesce(firewall_rule_action, 'ALLOW') <> firewall_sim_action GROUP BY ALL ORDER BY queries DESC, logged, "
       "simulated, rule LIMIT 50",
       "",
       "SELECT ifNull(firewall_rule_action, 'none') AS logged, firewall_sim_action AS simulated, "
       "firewall_sim_rule AS rule, count() AS queries FROM {q} WHERE firewall_sim_action IS NOT NULL "
       "AND ifNull(firewall_rule_action, 'ALLOW') != firewall_sim_action GROUP BY logged, simulated, rule ORDER BY "
       "queries DESC, logged, simulated, rule LIMIT 50"},

      // Security Detail.
      {"bytes_source", "Bytes sent in DNS queries by instance", PanelChart::kBar,
       "SELECT source, sum(length(query_name)) AS bytes FROM q GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15", "source",
       "SELECT source, sum(lengthUTF8(query_name)) AS bytes FROM {q} GROUP BY source ORDER BY bytes DESC, source LIMIT "
       "15",
       PanelPost::kNone, PanelRollup::kTrafficHour,
       "SELECT nullIf(source_key, '') AS source, sumMerge(name_length) AS bytes FROM {rollup} GROUP BY source ORDER BY "
       "bytes DESC, source LIMIT 15"},
      {"bytes_vpc", "Bytes sent in DNS queries by VPC", PanelChart::kBar,
       "SELECT vpc_id, sum(length(query_name)) AS bytes FROM q GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15", "",
       "SELECT vpc_id, sum(lengthUTF8(query_name)) AS bytes FROM {q} GROUP BY vpc_id ORDER BY bytes DESC, vpc_id LIMIT "
       "15",
       PanelPost::kNone, PanelRollup::kTrafficHour,
       "SELECT nullIf(vpc_key, '') AS vpc_id, sumMerge(name_length) AS bytes FROM {rollup} GROUP BY vpc_id ORDER BY "
       "bytes "
       "DESC, vpc_id LIMIT 15"},
      {"length", "Top 50 domains by query length and instance", PanelChart::kTable,
       "SELECT " DNSLENS_DOMAIN " AS domain, source, arg_max(query_name_normalized, (length(query_name), "
       "query_name_normalized)) AS example, max(length(query_name)) AS length, count(DISTINCT query_name_normalized) "
       "AS names, count(*) AS queries FROM q WHERE query_name_normalized IS NOT NULL AND NOT coalesce(benign_noise, "
       "false) GROUP BY 1, 2 ORDER BY length DESC, 1, 2 LIMIT 50",
       "domain",
       // DuckDB's length() counts characters, ClickHouse's bytes: lengthUTF8.
       "SELECT " DNSLENS_DOMAIN " AS domain, source, argMax(query_name_normalized, tuple(lengthUTF8(query_name), "
       "query_name_normalized)) AS example, max(lengthUTF8(query_name)) AS length, uniqExact(query_name_normalized) AS "
       "names, count() AS queries FROM {q} WHERE query_name_normalized IS NOT NULL AND NOT ifNull(benign_noise, 0) "
       "GROUP BY domain, source ORDER BY length DESC, domain, source LIMIT 50"},
      // Both engines first find the 100th newest time from the times alone, so the other columns (and the
      // first address, a lambda over the answers) are computed only for the records at or after it (ties
      // included: the same 100 are kept). DuckDB over 10M records: 1.0 s before, 40 ms after (serve).
      {"requests", "Requests (newest 100)", PanelChart::kTable,
       "SELECT time, name, type, rcode, source, address, dnslens_asn(address) AS asn, dnslens_as_org(address) AS "
       "as_org, "
       "firewall FROM (SELECT strftime(query_ts, '%Y-%m-%d %H:%M:%S') AS time, left(query_name, 1024) AS name, "
       "query_type AS type, rcode, source, " DNSLENS_FIRST_ADDRESS
       " AS address, firewall_rule_action AS firewall, query_ts FROM q WHERE query_ts >= (SELECT min(t) FROM "
       "(SELECT query_ts AS t FROM q ORDER BY t DESC LIMIT 100)) "
       "ORDER BY query_ts DESC, query_name, source, query_type, rcode, address LIMIT 100) ORDER BY query_ts DESC, "
       "name, source, type, rcode, address",
       "name",
       "SELECT time, name, type, rcode, source, address, firewall FROM (SELECT substring(toString(query_ts), 1, 19) "
       "AS time, substringUTF8(query_name, 1, 1024) AS name, query_type AS type, rcode, "
       "source, " DNSLENS_CH_FIRST_ADDRESS
       " AS address, firewall_rule_action AS firewall, query_ts, query_name FROM {q} WHERE query_ts >= (SELECT "
       "min(t) FROM (SELECT query_ts AS t FROM {q} ORDER BY t DESC LIMIT 100)) ORDER BY query_ts DESC, "
       "query_name, source, type, rcode, address LIMIT 100) ORDER BY query_ts DESC, name, source, type, rcode, address",
       PanelPost::kAddressAs},
      {"asn_top", "Resolved addresses by autonomous system", PanelChart::kTable,
       // The AS's name is looked up once per AS (from one of its addresses), not once per answer.
       "SELECT asn, dnslens_as_org(min(ip)) AS as_org, count(*) AS answers, count(DISTINCT ip) AS addresses, "
       "count(DISTINCT domain) AS domains, count(DISTINCT source) AS sources FROM (SELECT ip, domain, source, "
       "dnslens_asn(ip) AS asn FROM (SELECT a.Rdata AS ip, registered_domain AS domain, source FROM (SELECT "
       "unnest(answers) "
       "AS a, registered_domain, source FROM q WHERE query_type IN ('A', 'AAAA')) WHERE a.Type IN ('A', 'AAAA'))) "
       "WHERE asn IS NOT NULL GROUP BY 1 ORDER BY answers DESC, asn LIMIT 50",
       "",
       // Per address; dnslens groups the addresses by AS, the domains and sources as hashes.
       "SELECT ip, count() AS answers, groupUniqArray(cityHash64(registered_domain)) AS domains, "
       "groupUniqArray(cityHash64(source)) AS sources FROM " DNSLENS_CH_ANSWERS
       " WHERE query_type IN ('A', 'AAAA') AND ty IN ('A', 'AAAA') GROUP BY ip",
       PanelPost::kAsTable},
      {"rdns_nx_name", "Reverse-DNS queries to non-existent names", PanelChart::kBar,
       "SELECT query_name_normalized AS name, count(*) AS queries FROM q WHERE query_type = 'PTR' AND rcode = "
       "'NXDOMAIN' "
       "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
       "name",
       "SELECT query_name_normalized AS name, count() AS queries FROM {q} WHERE query_type = 'PTR' AND rcode = "
       "'NXDOMAIN' GROUP BY name ORDER BY queries DESC, name LIMIT 10",
       PanelPost::kNone, PanelRollup::kRdnsHour,
       "SELECT name, n AS queries FROM (SELECT nullIf(name_key, '') AS name, sum(queries) AS n FROM {rollup} WHERE "
       "rcode_key = 'NXDOMAIN' GROUP BY "
       "name) ORDER BY queries DESC, name LIMIT 10"},
      {"rdns_nx_source", "Reverse-DNS NXDOMAIN by instance", PanelChart::kBar,
       "SELECT source, count(*) AS queries FROM q WHERE query_type = 'PTR' AND rcode = 'NXDOMAIN' GROUP BY 1 "
       "ORDER BY 2 DESC, 1 LIMIT 10",
       "source",
       "SELECT source, count() AS queries FROM {q} WHERE query_type = 'PTR' AND rcode = 'NXDOMAIN' GROUP BY source "
       "ORDER BY queries DESC, source LIMIT 10",
       PanelPost::kNone, PanelRollup::kRdnsHour,
       "SELECT source, n AS queries FROM (SELECT nullIf(source_key, '') AS source, sum(queries) AS n FROM {rollup} "
       "WHERE rcode_key = 'NXDOMAIN' GROUP BY "
       "source) ORDER BY queries DESC, source LIMIT 10"},
      {"rdns_ok_name", "Successful reverse-DNS queries", PanelChart::kBar,
       "SELECT query_name_normalized AS name, count(*) AS queries FROM q WHERE query_type = 'PTR' AND rcode = "
       "'NOERROR' "
       "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
       "name",
       "SELECT query_name_normalized AS name, count() AS queries FROM {q} WHERE query_type = 'PTR' AND rcode = "
       "'NOERROR' GROUP BY name ORDER BY queries DESC, name LIMIT 10",
       PanelPost::kNone, PanelRollup::kRdnsHour,
       "SELECT name, n AS queries FROM (SELECT nullIf(name_key, '') AS name, sum(queries) AS n FROM {rollup} WHERE "
       "rcode_key = 'NOERROR' GROUP BY "
       "name) ORDER BY queries DESC, name LIMIT 10"},
      {"rdns_ok_source", "Successful reverse-DNS queries by instance", PanelChart::kBar,
       "SELECT source, count(*) AS queries FROM q WHERE query_type = 'PTR' AND rcode = 'NOERROR' GROUP BY 1 "
       "ORDER BY 2 DESC, 1 LIMIT 10",
       "source",
       "SELECT source, count() AS queries FROM {q} WHERE query_type = 'PTR' AND rcode = 'NOERROR' GROUP BY source "
       "ORDER BY queries DESC, source LIMIT 10",
       PanelPost::kNone, PanelRollup::kRdnsHour,
       "SELECT source, n AS queries FROM (SELECT nullIf(source_key, '') AS source, sum(queries) AS n FROM {rollup} "
       "WHERE rcode_key = 'NOERROR' GROUP BY "
       "source) ORDER BY queries DESC, source LIMIT 10"},
      {"rdns_both", "Reverse-DNS queries by name and instance", PanelChart::kTable,
       "SELECT query_name_normalized AS name, source, rcode, count(*) AS queries FROM q WHERE query_type = 'PTR' "
       "GROUP BY ALL ORDER BY queries DESC, name, source, rcode LIMIT 50",
       "name",
       "SELECT query_name_normalized AS name, source, rcode, count() AS queries FROM {q} WHERE query_type = 'PTR' "
       "GROUP BY name, source, rcode ORDER BY queries DESC, name, source, rcode LIMIT 50",
       PanelPost::kNone, PanelRollup::kRdnsHour,
       "SELECT name, source, rcode, n AS queries FROM (SELECT nullIf(name_key, '') AS name, nullIf(source_key, '') AS "
       "source, nullIf(rcode_key, '') AS rcode, sum(queries) AS n FROM {rollup} GROUP BY name, source, rcode) ORDER "
       "BY queries DESC, name, source, rcode LIMIT 50"},

      // Threat Intel.
      {"ti_confidence", "Threats by confidence", PanelChart::kPie,
       "SELECT threat_confidence_level AS confidence, count(*) AS hits FROM q WHERE " DNSLENS_THREAT_HIT " "
       "GROUP BY 1 ORDER BY 2 DESC, 1",
       "",
       "SELECT threat_confidence_level AS confidence, count() AS hits FROM {q} WHERE " DNSLENS_THREAT_HIT " "
       "GROUP BY confidence ORDER BY hits DESC, confidence"},
      {"ti_actor", "Threats by actor", PanelChart::kBar,
       "SELECT coalesce(threat_actor, '(unattributed)') AS actor, count(*) AS hits FROM q WHERE " DNSLENS_THREAT_HIT " "
       "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15",
       "",
       "SELECT ifNull(threat_actor, '(unattributed)') AS actor, count() AS hits FROM {q} WHERE " DNSLENS_THREAT_HIT " "
       "GROUP BY actor ORDER BY hits DESC, actor LIMIT 15"},
      {"ti_source", "Threats by instance", PanelChart::kBar,
       "SELECT source, count(*) AS hits FROM q WHERE " DNSLENS_THREAT_HIT " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 15",
       "source",
       "SELECT source, count() AS hits FROM {q} WHERE " DNSLENS_THREAT_HIT
       " GROUP BY source ORDER BY hits DESC, source LIMIT 15"},
      {"ti_source_time", "Threats over time by instance", PanelChart::kLine,
       "SELECT time_bucket({bucket}, query_ts) AS t, source AS series, count(*) AS n FROM q "
       "WHERE " DNSLENS_THREAT_HIT " GROUP BY ALL ORDER BY 1, 2",
       "",
       "SELECT " DNSLENS_CH_BUCKET("query_ts") " AS t, source AS series, count() AS n FROM {q} "
                                               "WHERE " DNSLENS_THREAT_HIT " GROUP BY t, series ORDER BY t, series"},
      {"ti_table", "Threats", PanelChart::kTable,
       "SELECT threat_indicator AS indicator, threat_indicator_type AS type, threat_feed AS feed, threat_actor AS "
       "actor, "
       "threat_category AS category, max(threat_confidence) AS confidence, count(*) AS hits, count(DISTINCT source) AS "
       "sources, "
       "strftime(min(query_ts), '%Y-%m-%d %H:%M') AS first_seen, strftime(max(query_ts), '%Y-%m-%d %H:%M') AS "
       "last_seen "
       "FROM q WHERE " DNSLENS_THREAT_HIT
       " GROUP BY ALL ORDER BY hits DESC, indicator, type, feed, actor, category LIMIT 100",
       "",
       "SELECT threat_indicator AS indicator, threat_indicator_type AS type, threat_feed AS feed, threat_actor AS "
       "actor, threat_category AS category, max(threat_confidence) AS confidence, count() AS "
       "hits, " DNSLENS_CH_DISTINCT(
           "source") " AS sources, substring(toString(min(query_ts)), 1, 16) AS first_seen, "
                     "substring(toString(max(query_ts)), 1, 16) AS last_seen FROM {q} WHERE " DNSLENS_THREAT_HIT
                     " GROUP BY indicator, type, feed, actor, category ORDER BY hits DESC, indicator, type, feed, "
                     "actor, category LIMIT 100"},
      {"ti_domains", "Malicious domains and URIs", PanelChart::kTable,
       "SELECT threat_matched_value AS domain, threat_indicator AS indicator, count(*) AS hits FROM q "
       "WHERE " DNSLENS_THREAT_HIT " AND NOT " DNSLENS_IP_INDICATOR
       " GROUP BY ALL ORDER BY hits DESC, domain, indicator LIMIT 50",
       "name",
       // NOT (NULL IN ...) is NULL in DuckDB, and NULL IN ... is 0 in ClickHouse: the NULL type is left out.
       "SELECT threat_matched_value AS domain, threat_indicator AS indicator, count() AS hits FROM {q} "
       "WHERE " DNSLENS_THREAT_HIT " AND threat_indicator_type IS NOT NULL AND NOT " DNSLENS_IP_INDICATOR
       " GROUP BY domain, indicator ORDER BY hits DESC, domain, indicator LIMIT 50"},
      {"ti_ips", "Malicious IPs", PanelChart::kTable,
       "SELECT ip, matched_on, indicator, dnslens_country(ip) AS country, dnslens_asn(ip) AS asn, dnslens_as_org(ip) "
       "AS as_org, "
       "hits FROM (SELECT threat_matched_value AS ip, threat_matched_on AS matched_on, threat_indicator AS indicator, "
       "count(*) AS hits FROM q WHERE " DNSLENS_THREAT_HIT " AND " DNSLENS_IP_INDICATOR " GROUP BY ALL "
       "ORDER BY hits DESC, ip, matched_on, indicator LIMIT 50) ORDER BY hits DESC, ip, matched_on, indicator",
       "",
       "SELECT threat_matched_value AS ip, threat_matched_on AS matched_on, threat_indicator AS indicator, count() AS "
       "hits FROM {q} WHERE " DNSLENS_THREAT_HIT " AND " DNSLENS_IP_INDICATOR
       " GROUP BY ip, matched_on, indicator ORDER BY hits DESC, ip, matched_on, indicator LIMIT 50",
       PanelPost::kIpGeoAs},

      // Findings (dnslens).
      {"fi_summary", "Findings", PanelChart::kStat,
       "SELECT count(*) AS findings, count(*) FILTER (severity = 'high') AS high, count(*) FILTER (severity = "
       "'medium') AS medium, "
       "count(*) FILTER (severity = 'low') AS low FROM f",
       "",
       "SELECT count() AS findings, countIf(severity = 'high') AS high, countIf(severity = 'medium') AS medium, "
       "countIf(severity = 'low') AS low FROM {f}"},
      {"fi_by_type", "Findings by type", PanelChart::kBar,
       "SELECT finding_type AS type, count(*) AS findings FROM f GROUP BY 1 ORDER BY 2 DESC, 1", "",
       "SELECT finding_type AS type, count() AS findings FROM {f} GROUP BY type ORDER BY findings DESC, type"},
      {"fi_by_severity", "Findings by severity", PanelChart::kPie,
       "SELECT severity, count(*) AS findings FROM f GROUP BY 1 ORDER BY 2 DESC, 1", "",
       "SELECT severity, count() AS findings FROM {f} GROUP BY severity ORDER BY findings DESC, severity"},
      {"fi_time", "Findings over time by type", PanelChart::kLine,
       "SELECT time_bucket({bucket}, first_seen) AS t, finding_type AS series, count(*) AS n FROM f GROUP BY ALL ORDER "
       "BY 1, 2",
       "",
       "SELECT " DNSLENS_CH_BUCKET("first_seen") " AS t, finding_type AS series, count() AS n FROM {f} GROUP BY t, "
                                                 "series ORDER BY t, series"},
      // Findings of one source whose times overlap (or touch) are one incident: what one compromised
      // instance did, with its findings listed, most severe incidents first.
      {"fi_incidents", "Incidents (findings of one source, overlapping in time)", PanelChart::kTable,
       "WITH o AS (SELECT *, max(last_seen) OVER (PARTITION BY source ORDER BY first_seen, finding_id ROWS BETWEEN "
       "UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end FROM f), "
       "g AS (SELECT *, sum(CASE WHEN before_end IS NULL OR first_seen > before_end THEN 1 ELSE 0 END) OVER "
       "(PARTITION BY source ORDER BY first_seen, finding_id) AS island FROM o) "
       "SELECT source, CASE min(CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END) WHEN 0 THEN 'high' "
       "WHEN 1 THEN 'medium' ELSE 'low' END AS severity, count(*) AS findings, "
       "string_agg(DISTINCT finding_type, ', ' ORDER BY finding_type) AS types, "
       "string_agg(DISTINCT domain, ', ' ORDER BY domain) AS domains, "
       "strftime(min(first_seen), '%Y-%m-%d %H:%M') AS first_seen, strftime(max(last_seen), '%Y-%m-%d %H:%M') AS "
       "last_seen, string_agg(finding_id::VARCHAR, ' ' ORDER BY first_seen, finding_id) AS finding_ids "
       "FROM g GROUP BY source, island ORDER BY min(CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 "
       "END), count(*) DESC, min(first_seen), source LIMIT 200",
       "source",
       // The findings, each source's in time order; dnslens finds the islands (18.16 has no window functions).
       "SELECT source, severity, finding_type, domain, {first_ms} AS first_ms, {last_ms} AS last_ms, finding_id "
       "FROM {f} ORDER BY source, first_ms, finding_id",
       PanelPost::kIncidents},
      {"fi_table", "Findings", PanelChart::kTable,
       "SELECT finding_id AS finding, severity, finding_type AS type, source, domain, "
       "strftime(first_seen, '%Y-%m-%d %H:%M') AS first_seen, strftime(last_seen, '%Y-%m-%d %H:%M') AS last_seen, "
       "events, round(score, 2) AS score, explanation FROM f "
       "ORDER BY CASE severity WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END, first_seen, type, source, domain, "
       "explanation LIMIT 500",
       "finding",
       "SELECT finding_id AS finding, severity, finding_type AS type, source, domain, substring(toString(fs), 1, 16) "
       "AS "
       "first_seen, substring(toString(ls), 1, 16) AS last_seen, events, " DNSLENS_CH_ROUND(
           "sc", "100") " AS score, "
                        "explanation FROM "
                        "(SELECT *, first_seen AS fs, last_seen AS ls, score AS sc FROM {f}) ORDER BY multiIf(severity "
                        "= 'high', 0, "
                        "severity = 'medium', 1, 2), first_seen, type, source, domain, explanation LIMIT 500"},
  };
}

std::vector<PageDef> make_pages() {
  return {
      {"overview",
       "Query Logging Overview",
       {"summary", "geo", "top_domains", "least_domains", "type_time", "vpc_time", "by_source", "entropy",
        "threat_total", "threats_time", "threat_outlier", "fw_alert_outlier", "fw_block_outlier",
        "fw_alert_source_time", "fw_alert_top_domains", "fw_block_top_domains", "fw_block_source_time"}},
      {"firewall",
       "Resolver DNS Firewall",
       {"fw_summary", "fw_geo", "fw_alert_by_rule", "fw_alert_by_source", "fw_alert_outlier", "fw_alert_source_time",
        "fw_alert_top_domains", "fw_block_by_rule", "fw_block_by_source", "fw_block_outlier", "fw_block_source_time",
        "fw_block_top_domains", "fw_drift"}},
      {"security",
       "Security Detail",
       {"type_time", "vpc_time", "by_source", "bytes_source", "bytes_vpc", "entropy", "length", "requests", "asn_top",
        "rdns_nx_name", "rdns_nx_source", "rdns_ok_name", "rdns_ok_source", "rdns_both", "threat_total", "threats_time",
        "threat_outlier"}},
      {"threat",
       "Threat Intel",
       {"threat_total", "ti_confidence", "ti_actor", "ti_source", "threats_time", "ti_source_time", "ti_table",
        "ti_domains", "ti_ips"}},
      {"findings", "Findings", {"fi_summary", "fi_by_type", "fi_by_severity", "fi_time", "fi_incidents", "fi_table"}},
  };
}

}  // namespace

const std::vector<PanelDef>& dashboard_panels() {
  static const std::vector<PanelDef> panels = make_panels();
  return panels;
}

const std::vector<PageDef>& dashboard_pages() {
  static const std::vector<PageDef> pages = make_pages();
  return pages;
}

}  // namespace dnslens
